// sqlite_store.cpp: Store on SQLite (WAL). Tables kv(ns, key, value) and log_rows(seq, ns, value); one
// writer thread drains a queue of writes into one transaction a batch (group commit) and checkpoints the
// WAL; load() reads on the same connection, between commits. With wal_vfs.cpp, the only files that
// include sqlite3.h.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include "store/store.hpp"
#include "store/wal_vfs.hpp"

namespace tocsin::store {
namespace {

// The schema version this binary writes. Bump it and append to kMigrations together.
constexpr int kSchemaVersion = 3;

// kMigrations[i] takes a database from user_version i to i + 1, inside one transaction.
constexpr const char* kMigrations[kSchemaVersion] = {
    "CREATE TABLE IF NOT EXISTS kv ("
    "  ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
    "  PRIMARY KEY (ns, key)"
    ") WITHOUT ROWID",
    // 2: log namespaces. A rowid table: rows appended with increasing seq fill the last page, where
    // kv's random keys dirtied one page per row (a 4 KiB WAL frame per 450-byte alert). The alerts,
    // the one log namespace, move over in key order.
    "CREATE TABLE log_rows (seq INTEGER PRIMARY KEY, ns TEXT NOT NULL, value BLOB NOT NULL);"
    "INSERT INTO log_rows (ns, value) SELECT ns, value FROM kv WHERE ns = 'alerts' ORDER BY key;"
    "DELETE FROM kv WHERE ns = 'alerts'",
    // 3: silences are a log namespace too. In kv (a WITHOUT ROWID table, so a b-tree index whose leaves
    // are split by rebalancing three siblings) a one-silence commit wrote 2.4 pages to the WAL on
    // average; appended to log_rows, 1.2. Each row holds its silence's id.
    "INSERT INTO log_rows (ns, value) SELECT ns, value FROM kv WHERE ns = 'silences' ORDER BY key;"
    "DELETE FROM kv WHERE ns = 'silences'",
};

// WAL checkpoints (SQLite's default is one every 1,000 pages, each with two fsyncs). The writer
// checkpoints once it has been idle for kIdleBeforeCheckpoint with at least kIdleCheckpointFrames in the
// WAL, and at once past kMaxWalFrames so that a steady flood cannot grow the WAL without bound. A page
// rewritten by many commits in between is copied once. The cost: a WAL of up to kMaxWalFrames pages
// (64 MiB) on disk, read back at start-up after a crash.
constexpr int kIdleCheckpointFrames = 256;
constexpr int kMaxWalFrames = 16384;
constexpr auto kIdleBeforeCheckpoint = std::chrono::milliseconds(1000);

// Appends are inserted this many rows a statement (see commit()).
constexpr std::size_t kAppendRows = 16;

// A batch is at most this many writes: bounds the transaction's size and the writer's memory, and
// a flood of put() still gets committed in steps.
constexpr std::size_t kMaxBatch = 16384;

// After a failed batch the writer waits this long (doubling, capped) before retrying the queued
// non-durable writes, unless a durable write or a flush arrives.
constexpr int kFirstBackoffMs = 50;
constexpr int kMaxBackoffMs = 2000;
// At shutdown, non-durable writes are dropped (and counted) after this many failed attempts in a row.
constexpr int kAttemptsAtShutdown = 3;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

std::string errmsg(sqlite3* db) { return sqlite3_errmsg(db); }

Result<void> exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : errmsg(db);
    sqlite3_free(err);
    return make_error(std::move(msg));
  }
  return {};
}

// Steps a statement without results (BEGIN, COMMIT, a write) once and resets it.
Result<void> run(sqlite3* db, sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  std::string msg = rc == SQLITE_DONE ? "" : errmsg(db);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    return make_error(std::move(msg));
  }
  return {};
}

Result<Stmt> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return make_error(errmsg(db));
  }
  return Stmt(s);
}

Result<Db> open_connection(const std::string& path, bool read_only, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_NOMUTEX;  // each connection is used by one thread at a time
  flags |= read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  // The writer's WAL commits go out in one write each (wal_vfs.cpp); a read-only store writes none.
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, read_only ? nullptr : batched_wal_vfs());
  Db db(raw);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? errmsg(raw) : sqlite3_errstr(rc);
    return make_error("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  return db;
}

bool is_corruption(sqlite3* db) {
  int rc = sqlite3_errcode(db) & 0xff;
  return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

// The first read of a writable store takes the file's exclusive lock (see open()): a busy file is
// almost always another tocsin on the same storage path.
Error unreadable(sqlite3* db, const std::string& path, const std::string& why) {
  std::string msg = "cannot read database " + path + ": " + why;
  if ((sqlite3_errcode(db) & 0xff) == SQLITE_BUSY) {
    msg += " (is another tocsin running on this storage path?)";
  }
  return make_error(std::move(msg));
}

Error corrupted(const std::string& path, const std::string& why) {
  return make_error("database " + path + " is corrupted: " + why + "; move it away to start empty");
}

// PRAGMA quick_check: O(size of the file) but cheap next to a start-up; a garbage file fails here
// with "file is not a database". Never start empty over a file we cannot read.
Result<void> check_integrity(sqlite3* db, const std::string& path) {
  auto stmt = prepare(db, "PRAGMA quick_check");
  if (!stmt) {
    if (is_corruption(db)) {
      return corrupted(path, stmt.error());
    }
    return unreadable(db, path, stmt.error());
  }
  std::string problems;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt->get(), 0));
    std::string line = text != nullptr ? text : "";
    if (line != "ok") {
      problems += problems.empty() ? line : "; " + line;
    }
  }
  if (rc != SQLITE_DONE) {
    if (is_corruption(db)) {
      return corrupted(path, errmsg(db));
    }
    return unreadable(db, path, errmsg(db));
  }
  if (!problems.empty()) {
    return corrupted(path, problems);
  }
  return {};
}

Result<int> user_version(sqlite3* db) {
  auto stmt = prepare(db, "PRAGMA user_version");
  if (!stmt) {
    return make_error(stmt.error());
  }
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) {
    return make_error(errmsg(db));
  }
  return sqlite3_column_int(stmt->get(), 0);
}

Result<void> migrate(sqlite3* db, int from) {
  for (int v = from; v < kSchemaVersion; ++v) {
    if (auto r = exec(db, "BEGIN IMMEDIATE"); !r) {
      return r;
    }
    auto r = exec(db, kMigrations[v]);
    if (r) {
      r = exec(db, ("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
    }
    if (r) {
      r = exec(db, "COMMIT");
    }
    if (!r) {
      (void)exec(db, "ROLLBACK");
      return make_error("migration to schema " + std::to_string(v + 1) + " failed: " + r.error());
    }
  }
  return {};
}

// The caller of a durable write or flush, blocked until the commit that carried its op. Lives on
// the caller's stack; written under the store's mutex. (Not std::promise: the caller may destroy a
// promise's shared state while set_value() still notifies on it.)
struct Waiter {
  bool done = false;
  Result<void> result;
  // put_durable_async(): the waiter is on the heap, and the thread that committed it calls this and
  // deletes it once the store's lock is released.
  std::function<void(Result<void>)> callback;
};

// One queued write, or a barrier (flush). `done` is set for durable writes and barriers.
struct Op {
  enum class Kind : std::uint8_t { put, erase, append, erase_seq, barrier };
  Kind kind = Kind::barrier;
  std::string ns;
  std::string key;
  std::string value;
  Waiter* done = nullptr;
  std::uint64_t seq = 0;  // append, erase_seq
};

// The statements of the connection.
struct Statements {
  Stmt upsert;
  Stmt remove;
  Stmt append;
  Stmt remove_seq;
  Stmt append_many;  // kAppendRows appends
  Stmt select;      // load()
  Stmt select_log;  // scan_log()
  Stmt begin;       // BEGIN IMMEDIATE, prepared once rather than parsed every commit
  Stmt commit;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(Options opts, Db writer, Statements stmts, std::uint64_t last_seq)
      : opts_(std::move(opts)),
        writer_(std::move(writer)),
        stmts_(std::move(stmts)),
        next_seq_(last_seq + 1) {
    if (!opts_.read_only) {
      // Replaces SQLite's auto-checkpoint: run_writer() checkpoints (see kMaxWalFrames).
      sqlite3_wal_hook(writer_.get(), &SqliteStore::on_wal_commit, this);
    }
    thread_ = std::thread([this] { run_writer(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
    // Statements go before their connections (members are destroyed in reverse order).
  }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void put(std::string_view ns, std::string key, std::string value) override {
    enqueue(Op{Op::Kind::put, std::string(ns), std::move(key), std::move(value), nullptr});
  }

  void erase(std::string_view ns, std::string key) override {
    enqueue(Op{Op::Kind::erase, std::string(ns), std::move(key), {}, nullptr});
  }

  Result<void> put_durable(std::string_view ns, std::string key, std::string value) override {
    return wait_for(Op{Op::Kind::put, std::string(ns), std::move(key), std::move(value), nullptr});
  }

  Result<void> erase_durable(std::string_view ns, std::string key) override {
    return wait_for(Op{Op::Kind::erase, std::string(ns), std::move(key), {}, nullptr});
  }

  void put_durable_async(std::string_view ns, std::string key, std::string value,
                         std::function<void(Result<void>)> done) override {
    auto* waiter = new Waiter;
    waiter->callback = std::move(done);
    enqueue(Op{Op::Kind::put, std::string(ns), std::move(key), std::move(value), waiter}, Wake::kWhenFull);
  }

  Result<std::uint64_t> append_durable(std::string_view ns, std::string value) override {
    Op op{Op::Kind::append, std::string(ns), {}, std::move(value), nullptr};
    op.seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t seq = op.seq;
    if (auto r = wait_for(std::move(op)); !r) {
      return make_error(r.error());
    }
    return seq;
  }

  void append_durable_async(std::string_view ns, std::string value,
                            std::function<void(Result<std::uint64_t>)> done) override {
    const std::uint64_t seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
    auto* waiter = new Waiter;
    waiter->callback = [seq, done = std::move(done)](Result<void> r) {
      if (!r) {
        done(make_error(r.error()));
        return;
      }
      done(seq);
    };
    Op op{Op::Kind::append, std::string(ns), {}, std::move(value), waiter};
    op.seq = seq;
    enqueue(std::move(op), Wake::kWhenFull);
  }

  Result<void> flush() override { return wait_for(Op{}); }

  std::uint64_t append(std::string_view ns, std::string value) override {
    return append_op(ns, std::move(value), Wake::kWriter);
  }

  void erase_seq(std::string_view ns, std::uint64_t seq) override { erase_seq_op(ns, seq, Wake::kWriter); }

  std::uint64_t append_before_flush(std::string_view ns, std::string value) override {
    return append_op(ns, std::move(value), Wake::kWhenFull);
  }

  void erase_seq_before_flush(std::string_view ns, std::uint64_t seq) override {
    erase_seq_op(ns, seq, Wake::kWhenFull);
  }

  Result<std::vector<LogRow>> load_log(std::string_view ns) override {
    std::vector<LogRow> rows;
    auto r = scan_log(ns, [&](std::uint64_t seq, std::string_view value) { rows.push_back({seq, std::string(value)}); });
    if (!r) return make_error(r.error());
    return rows;
  }

  Result<void> scan_log(std::string_view ns, const std::function<void(std::uint64_t, std::string_view)>& fn) override {
    return read_rows(stmts_.select_log.get(), ns, [&](sqlite3_stmt* s) {
      fn(static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)), column(s, 1));
    });
  }

  Result<std::vector<Row>> load(std::string_view ns) override {
    std::vector<Row> rows;
    auto r = read_rows(stmts_.select.get(), ns, [&](sqlite3_stmt* s) {
      rows.push_back(Row{std::string(column(s, 0)), std::string(column(s, 1))});
    });
    if (!r) return make_error(r.error());
    return rows;
  }

  Stats stats() const override {
    std::lock_guard lk(mu_);
    return stats_;
  }

 private:
  // A blob or text column as a view, valid until the next step.
  static std::string_view column(sqlite3_stmt* s, int i) {
    auto p = static_cast<const char*>(sqlite3_column_blob(s, i));
    return p != nullptr ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string_view();
  }

  // Runs a select for namespace `ns`, handing each row to `row`. It takes the connection as a commit
  // does (the connection is exclusive to this process, see open()), so commits wait meanwhile. The
  // reads are start-up's loads: the page cache is released after each (those pages are not read again).
  Result<void> read_rows(sqlite3_stmt* s, std::string_view ns, const std::function<void(sqlite3_stmt*)>& row) {
    {
      std::unique_lock lk(mu_);
      acquire_connection(lk);
    }
    sqlite3_bind_text(s, 1, ns.data(), static_cast<int>(ns.size()), SQLITE_STATIC);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
    std::string msg = rc == SQLITE_DONE ? "" : errmsg(writer_.get());
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_db_release_memory(writer_.get());
    {
      std::unique_lock lk(mu_);
      release_connection();
    }
    if (rc != SQLITE_DONE) {
      return make_error("cannot load \"" + std::string(ns) + "\" from " + opts_.path + ": " + msg);
    }
    return {};
  }

  // kWhenFull: the caller's flush() follows and commits the op (with everything queued before it),
  // so the writer is only needed when a batch fills up. Other writes that find the queue non-empty
  // because of such an op are committed by that same flush, or by the writer woken at kMaxBatch.
  enum class Wake : std::uint8_t { kWriter, kWhenFull };

  std::uint64_t append_op(std::string_view ns, std::string value, Wake wake) {
    std::uint64_t seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
    Op op{Op::Kind::append, std::string(ns), {}, std::move(value), nullptr};
    op.seq = seq;
    enqueue(std::move(op), wake);
    return seq;
  }

  void erase_seq_op(std::string_view ns, std::uint64_t seq, Wake wake) {
    Op op{Op::Kind::erase_seq, std::string(ns), {}, {}, nullptr};
    op.seq = seq;
    enqueue(std::move(op), wake);
  }

  void enqueue(Op op, Wake when = Wake::kWriter) {
    bool wake = false;
    {
      std::lock_guard lk(mu_);
      // Wake the writer only when it has something new to decide: the queue was empty or a batch is
      // full. A wake-up per put() would cost a futex call each.
      queue_.push_back(std::move(op));
      wake = (queue_.size() == 1 && when == Wake::kWriter) || queue_.size() == kMaxBatch;
    }
    if (wake) {
      cv_.notify_one();
    }
  }

  // Group commit without a hand-off: a durable write or flush is committed by its caller's thread as
  // soon as no commit is running, together with everything queued before and beside it; while one
  // runs, the caller waits, and the end of that commit either fulfilled its op or wakes it to commit
  // the next batch. Handing each durable write to the writer thread and back cost two context
  // switches a batch, the main cost of a silence creation on a busy CPU.
  Result<void> wait_for(Op op) {
    Waiter waiter;
    op.done = &waiter;
    std::unique_lock lk(mu_);
    queue_.push_back(std::move(op));
    while (!waiter.done) {
      if (committing_) {
        ++waiting_;
        done_cv_.wait(lk);
        --waiting_;
        continue;
      }
      commit_batch(lk);
    }
    return std::move(waiter.result);
  }

  static int on_wal_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
    static_cast<SqliteStore*>(self)->wal_frames_ = frames;
    return SQLITE_OK;
  }

  // Runs on the writer connection, so only by the thread that holds committing_. A failed
  // checkpoint is harmless (the WAL keeps the pages); it is retried at the next occasion.
  void checkpoint() {
    int log = 0;
    int copied = 0;
    if (sqlite3_wal_checkpoint_v2(writer_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK) {
      wal_frames_ = 0;  // the next commit restarts the WAL from its start (or reports what is left)
    }
  }

  // Called with `lk` (on mu_) held and no commit running; returns with it held. Commits up to
  // kMaxBatch ops from the head of the queue (the lock released meanwhile), fulfils their waiters and
  // wakes the threads waiting for the commit to end. One commit at a time keeps the queue's order.
  void commit_batch(std::unique_lock<std::mutex>& lk) {
    committing_ = true;
    std::vector<Op> batch;
    std::size_t n = std::min(queue_.size(), kMaxBatch);
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lk.unlock();
    Result<void> r = commit(batch);
    if (wal_frames_ >= kMaxWalFrames) {
      checkpoint();
    }
    lk.lock();
    finish(batch, r, failures_);
    release_connection();
    // The callbacks of put_durable_async() run without the lock: they may write again. Taken out
    // of the batch while the lock is held: a blocking caller's Waiter lives on its stack, and it
    // returns (destroying it) as soon as the lock is released.
    std::vector<std::unique_ptr<Waiter>> async_done;
    for (Op& op : batch) {
      if (op.done != nullptr && op.done->callback) {
        async_done.emplace_back(op.done);
      }
      op.done = nullptr;
    }
    if (!async_done.empty()) {
      lk.unlock();
      for (auto& w : async_done) w->callback(std::move(w->result));
      async_done.clear();
      lk.lock();
    }
  }

  // The connection serves one commit, checkpoint or read at a time: whoever holds committing_ (taken
  // and given back under `lk`, on mu_).
  void acquire_connection(std::unique_lock<std::mutex>& lk) {
    while (committing_) {
      ++waiting_;
      done_cv_.wait(lk);
      --waiting_;
    }
    committing_ = true;
  }

  void release_connection() {
    committing_ = false;
    if (waiting_ > 0) {
      done_cv_.notify_all();
    }
  }

  // The idle checkpoint takes the connection like a commit does.
  void idle_checkpoint(std::unique_lock<std::mutex>& lk) {
    acquire_connection(lk);
    lk.unlock();
    checkpoint();
    lk.lock();
    release_connection();
  }

  void run_writer() {
    std::unique_lock lk(mu_);
    for (;;) {
      auto has_work = [&] { return !queue_.empty() || stopping_; };
      if (wal_frames_ >= kIdleCheckpointFrames && !has_work()) {
        if (!cv_.wait_for(lk, kIdleBeforeCheckpoint, has_work)) {
          idle_checkpoint(lk);
          continue;
        }
      }
      cv_.wait(lk, has_work);
      if (queue_.empty()) {
        return;  // stopping, and everything is committed or given up
      }
      // Plain writes wait batch_delay_ms for company (durable writes and flushes are committed by
      // their callers, see wait_for(), and take the queued plain writes with them).
      if (!stopping_) {
        int delay_ms = failures_ == 0 ? opts_.batch_delay_ms
                                      : std::min(kMaxBackoffMs, kFirstBackoffMs << std::min(failures_ - 1, 10));
        cv_.wait_for(lk, std::chrono::milliseconds(delay_ms),
                     [&] { return stopping_ || queue_.size() >= kMaxBatch; });
      }
      while (committing_) {
        ++waiting_;
        done_cv_.wait(lk);
        --waiting_;
      }
      if (queue_.empty()) {
        continue;  // a caller's commit took the queued writes
      }
      commit_batch(lk);
    }
  }

  // Called with mu_ held. Fulfils the waiters of the batch; after a failure, puts its non-durable
  // writes back at the head of the queue (in order) so that the next batch retries them. Returns
  // whether a waiter was fulfilled.
  bool finish(std::vector<Op>& batch, const Result<void>& r, int& failures) {
    std::size_t writes = std::count_if(batch.begin(), batch.end(),
                                       [](const Op& op) { return op.kind != Op::Kind::barrier; });
    if (r) {
      if (failures > 0) {
        std::fprintf(stderr, "tocsin store: %s: writes succeed again after %d failed batches\n",
                     opts_.path.c_str(), failures);
      }
      failures = 0;
      stats_.committed_batches += writes > 0 ? 1 : 0;
      stats_.committed_writes += writes;
    } else {
      ++failures;
      ++stats_.failed_batches;
      if (failures == 1) {  // log once a streak, count every time
        std::fprintf(stderr, "tocsin store: %s\n", r.error().c_str());
      }
    }
    bool give_up = stopping_ && failures >= kAttemptsAtShutdown;
    std::vector<Op> retry;
    bool fulfilled = false;
    for (Op& op : batch) {
      if (op.done != nullptr) {
        op.done->result = r;
        op.done->done = true;
        fulfilled = true;
      } else if (!r && give_up) {
        ++stats_.dropped_writes;
      } else if (!r) {
        ++stats_.retried_writes;
        retry.push_back(std::move(op));
      }
    }
    if (give_up && !r) {
      std::fprintf(stderr, "tocsin store: %s: shutting down, gave up queued writes (%llu in all)\n",
                   opts_.path.c_str(), static_cast<unsigned long long>(stats_.dropped_writes));
    }
    queue_.insert(queue_.begin(), std::make_move_iterator(retry.begin()),
                  std::make_move_iterator(retry.end()));
    return fulfilled;
  }

  // One transaction for the whole batch. Durability: WAL with synchronous=NORMAL writes every
  // commit to the WAL file before COMMIT returns, but fsyncs only at checkpoints. A crash or
  // kill -9 of the process loses nothing (the pages are in the OS cache, which outlives us); a
  // power loss or kernel crash may lose the last commits, never the database's consistency: the
  // WAL's frame checksums let recovery drop a torn tail. That is enough for plain put() (alerts
  // are re-sent by Prometheus anyway). A batch that carries a durable write (a silence, an nflog
  // entry) runs with synchronous=FULL when Options::fsync_durable is set (the default): one WAL
  // fsync a group commit, shared by every durable write in the batch.
  // Why not synchronous=OFF: it also drops the checkpoint's two fsyncs (the WAL before its frames
  // are copied into the database file, the database file before the WAL is restarted). After a
  // power loss the database could then hold half-copied pages whose WAL frames were already
  // overwritten: corruption, not just lost commits. We make checkpoints rare instead (kMaxWalFrames).
  Result<void> commit(std::vector<Op>& batch) {
    sqlite3* db = writer_.get();
    bool has_durable = std::any_of(batch.begin(), batch.end(), [](const Op& op) {
      return op.done != nullptr && op.kind != Op::Kind::barrier;
    });
    bool want_full = opts_.fsync_durable && has_durable;
    if (want_full != synchronous_full_) {
      if (exec(db, want_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")) {
        synchronous_full_ = want_full;
      }
    }
    std::size_t writes = 0;
    for (const Op& op : batch) {
      writes += op.kind != Op::Kind::barrier ? 1 : 0;
    }
    if (writes == 0) {
      return {};
    }
    auto fail = [&](const std::string& msg) -> Result<void> {
      if (sqlite3_get_autocommit(db) == 0) {
        (void)exec(db, "ROLLBACK");
      }
      return make_error("cannot commit " + std::to_string(writes) + " writes to " + opts_.path + ": " + msg);
    };
    if (auto r = run(db, stmts_.begin.get()); !r) {
      return fail(r.error());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Op& op = batch[i];
      // A run of kAppendRows appends goes in one statement: its cursor stays on the table's last row,
      // so each row is placed without a search from the root (and the statement is stepped once).
      if (op.kind == Op::Kind::append && i + kAppendRows <= batch.size() &&
          std::all_of(batch.begin() + static_cast<std::ptrdiff_t>(i), batch.begin() + static_cast<std::ptrdiff_t>(i + kAppendRows),
                      [](const Op& o) { return o.kind == Op::Kind::append; })) {
        sqlite3_stmt* s = stmts_.append_many.get();
        for (std::size_t k = 0; k < kAppendRows; ++k) {
          const Op& a = batch[i + k];
          const int base = static_cast<int>(3 * k);
          sqlite3_bind_int64(s, base + 1, static_cast<sqlite3_int64>(a.seq));
          sqlite3_bind_text(s, base + 2, a.ns.data(), static_cast<int>(a.ns.size()), SQLITE_STATIC);
          sqlite3_bind_blob(s, base + 3, a.value.data(), static_cast<int>(a.value.size()), SQLITE_STATIC);
        }
        if (auto r = run(db, s); !r) {
          return fail(r.error());
        }
        i += kAppendRows - 1;
        continue;
      }
      sqlite3_stmt* s = nullptr;
      switch (op.kind) {
        case Op::Kind::put:
          s = stmts_.upsert.get();
          sqlite3_bind_text(s, 2, op.key.data(), static_cast<int>(op.key.size()), SQLITE_STATIC);
          sqlite3_bind_blob(s, 3, op.value.data(), static_cast<int>(op.value.size()), SQLITE_STATIC);
          break;
        case Op::Kind::erase:
          s = stmts_.remove.get();
          sqlite3_bind_text(s, 2, op.key.data(), static_cast<int>(op.key.size()), SQLITE_STATIC);
          break;
        case Op::Kind::append:
          s = stmts_.append.get();
          sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(op.seq));
          sqlite3_bind_blob(s, 3, op.value.data(), static_cast<int>(op.value.size()), SQLITE_STATIC);
          break;
        case Op::Kind::erase_seq:
          s = stmts_.remove_seq.get();
          sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(op.seq));
          break;
        case Op::Kind::barrier:
          continue;
      }
      // Every statement binds each of its parameters on every use, so no sqlite3_clear_bindings().
      sqlite3_bind_text(s, 1, op.ns.data(), static_cast<int>(op.ns.size()), SQLITE_STATIC);
      if (auto r = run(db, s); !r) {
        return fail(r.error());
      }
    }
    if (auto r = run(db, stmts_.commit.get()); !r) {
      return fail(r.error());
    }
    return {};
  }

  const Options opts_;
  Db writer_;
  Statements stmts_;
  std::atomic<std::uint64_t> next_seq_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer
  std::condition_variable done_cv_;  // a commit ended: wakes its waiters and those that may commit next
  std::deque<Op> queue_;  // guarded by mu_
  bool committing_ = false;  // a thread uses the connection (commit, checkpoint, read); guarded by mu_
  int waiting_ = 0;          // threads waiting on done_cv_; guarded by mu_
  int failures_ = 0;         // consecutive failed batches; guarded by mu_
  bool stopping_ = false;
  Stats stats_;
  bool synchronous_full_ = false;  // used by commit() only, one at a time (committing_)
  // Frames in the WAL after the last commit: written by the committing thread (the WAL hook), read by
  // the writer thread when it decides on an idle checkpoint.
  std::atomic<int> wal_frames_{0};

  std::thread thread_;    // last: started when every other member is ready
};

}  // namespace

Result<std::unique_ptr<Store>> open(const Options& opts) {
  const std::string& path = opts.path;
  if (!opts.read_only) {
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return make_error("cannot create directory " + parent.string() + " for database " + path + ": " +
                          ec.message());
      }
    }
  }
  auto writer = open_connection(path, opts.read_only, opts.busy_timeout_ms);
  if (!writer) {
    return make_error(writer.error());
  }
  sqlite3* db = writer->get();
  // One process owns the database: exclusive locking, set before the first read, takes the file's
  // lock at that read and keeps it, so commits skip the two fcntl() locks each took and, in WAL mode,
  // the WAL index lives on the heap instead of a mapped -shm file. A second tocsin on the same
  // storage path fails at start-up with "database is locked" instead of sharing the file; tools
  // (sqlite3, a backup) can read the file only while no tocsin runs on it. A read-only store keeps
  // normal locking: it must not lock out the daemon that writes the file.
  if (!opts.read_only) {
    if (auto r = exec(db, "PRAGMA locking_mode = EXCLUSIVE"); !r) {
      return make_error("database " + path + ": " + r.error());
    }
  }
  if (auto r = check_integrity(db, path); !r) {
    return make_error(r.error());
  }
  auto version = user_version(db);
  if (!version) {
    return make_error("cannot read schema version of database " + path + ": " + version.error());
  }
  if (*version > kSchemaVersion) {
    return make_error("database " + path + " was written by a newer tocsin (schema " + std::to_string(*version) +
                      ", this binary knows " + std::to_string(kSchemaVersion) + ")");
  }
  if (opts.read_only) {
    if (*version < kSchemaVersion) {
      return make_error("database " + path + " has schema " + std::to_string(*version) + " and is opened read-only: " +
                        "cannot migrate it to schema " + std::to_string(kSchemaVersion));
    }
  } else {
    // journal_mode answers the mode in force: "memory" or "delete" mean WAL could not be set.
    auto mode = prepare(db, "PRAGMA journal_mode = WAL");
    if (!mode || sqlite3_step(mode->get()) != SQLITE_ROW ||
        std::string(reinterpret_cast<const char*>(sqlite3_column_text(mode->get(), 0))) != "wal") {
      return make_error("cannot put database " + path + " in WAL mode: " + errmsg(db));
    }
    mode = Stmt();
    if (auto r = exec(db, "PRAGMA synchronous = NORMAL"); !r) {
      return make_error("database " + path + ": " + r.error());
    }
    // 512 KiB of page cache: writes go to the last pages of log_rows and to the pages of rows written
    // together earlier (their superseded rows), a small working set; the rest is in the OS cache.
    // Measured: 2 MiB cost 1.5 MiB more RSS at 100,000 alerts and saved no CPU on ingest.
    (void)exec(db, "PRAGMA cache_size = -512");
    // The WAL is restarted after a checkpoint; beyond this size it is truncated then, so a burst does
    // not keep kMaxWalFrames pages on disk.
    (void)exec(db, "PRAGMA journal_size_limit = 16777216");
    if (auto r = migrate(db, *version); !r) {
      return make_error("database " + path + ": " + r.error());
    }
  }
  std::uint64_t last_seq = 0;
  {
    auto max_seq = prepare(db, "SELECT coalesce(max(seq), 0) FROM log_rows");
    if (!max_seq || sqlite3_step(max_seq->get()) != SQLITE_ROW) {
      return make_error("database " + path + ": cannot read log_rows: " + errmsg(db));
    }
    last_seq = static_cast<std::uint64_t>(sqlite3_column_int64(max_seq->get(), 0));
  }

  // An append never meets an existing seq (next_seq_ starts past the largest); OR REPLACE only keeps a
  // bug there from failing every later batch.
  auto upsert = prepare(db, "INSERT OR REPLACE INTO kv (ns, key, value) VALUES (?1, ?2, ?3)");
  auto remove = prepare(db, "DELETE FROM kv WHERE ns = ?1 AND key = ?2");
  auto append = prepare(db, "INSERT OR REPLACE INTO log_rows (seq, ns, value) VALUES (?2, ?1, ?3)");
  auto remove_seq = prepare(db, "DELETE FROM log_rows WHERE seq = ?2 AND ns = ?1");
  std::string many = "INSERT OR REPLACE INTO log_rows (seq, ns, value) VALUES ";
  for (std::size_t k = 0; k < kAppendRows; ++k) {
    many += (k == 0 ? "(" : ", (") + std::string("?") + std::to_string(3 * k + 1) + ", ?" + std::to_string(3 * k + 2) +
            ", ?" + std::to_string(3 * k + 3) + ")";
  }
  auto append_many = prepare(db, many.c_str());
  auto select = prepare(db, "SELECT key, value FROM kv WHERE ns = ?1 ORDER BY key");
  auto select_log = prepare(db, "SELECT seq, value FROM log_rows WHERE ns = ?1 ORDER BY seq");
  auto begin = prepare(db, "BEGIN IMMEDIATE");
  auto commit = prepare(db, "COMMIT");
  for (auto* stmt : {&upsert, &remove, &append, &remove_seq, &append_many, &select, &select_log, &begin, &commit}) {
    if (!*stmt) {
      return make_error("database " + path + ": " + stmt->error());
    }
  }
  Statements stmts{std::move(upsert).value(),      std::move(remove).value(),     std::move(append).value(),
                   std::move(remove_seq).value(),  std::move(append_many).value(), std::move(select).value(),
                   std::move(select_log).value(),  std::move(begin).value(),      std::move(commit).value()};
  return std::unique_ptr<Store>(
      std::make_unique<SqliteStore>(opts, std::move(writer).value(), std::move(stmts), last_seq));
}

}  // namespace tocsin::store
