// store_test.cpp: the SQLite store: roundtrips, reopen, corrupted and newer files, read-only files,
// crash durability (a child killed with SIGKILL), and group-commit throughput (printed, not asserted).
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace fs = std::filesystem;
using tocsin::store::Options;
using tocsin::store::Row;
using tocsin::store::Store;

namespace {

// A fresh directory under /tmp, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("tocsin-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string db() const { return (path / "tocsin.db").string(); }
};

std::unique_ptr<Store> must_open(const Options& opts) {
  auto s = tocsin::store::open(opts);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
  return std::move(s).value();
}

std::unique_ptr<Store> must_open(const std::string& path) { return must_open(Options{path}); }

std::vector<Row> must_load(Store& s, std::string_view ns) {
  auto rows = s.load(ns);
  REQUIRE_MESSAGE(rows.ok(), (rows.ok() ? "" : rows.error()));
  return std::move(rows).value();
}

void sql(const std::string& path, const char* stmt) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, stmt, nullptr, nullptr, &err);
  std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, msg);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `writes` on a store at `db` in a child process that is then killed with SIGKILL (no destructor,
// no final commit): what the parent finds afterwards is what a crash leaves. `writes` returns false
// when a write failed; the child then exits instead, and the test fails.
template <class F>
void write_then_kill(const std::string& db, F writes) {
  std::fflush(stdout);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto s = tocsin::store::open(Options{db});
    if (!s.ok()) {
      ::_exit(2);
    }
    if (!writes(**s)) {
      ::_exit(3);
    }
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}

}  // namespace

TEST_CASE("put, put_durable and load roundtrip, per namespace, in key order") {
  TempDir dir;
  auto s = must_open(dir.db());
  s->put("silences", "b", "2");
  s->put("silences", "a", "1");
  s->put("nflog", "a", "other namespace");
  REQUIRE(s->put_durable("silences", "c", std::string("bin\0ary", 7)).ok());
  s->put("silences", "empty", "");

  REQUIRE(s->flush().ok());
  auto rows = must_load(*s, "silences");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].key == "a");
  CHECK(rows[0].value == "1");
  CHECK(rows[1].key == "b");
  CHECK(rows[2].key == "c");
  CHECK(rows[2].value == std::string("bin\0ary", 7));
  CHECK(rows[3].key == "empty");
  CHECK(rows[3].value.empty());
  auto nflog = must_load(*s, "nflog");
  REQUIRE(nflog.size() == 1);
  CHECK(nflog[0].value == "other namespace");
  CHECK(must_load(*s, "alerts").empty());
}

TEST_CASE("plain puts are committed within batch_delay without a flush") {
  TempDir dir;
  auto s = must_open(Options{dir.db(), 5});
  s->put("alerts", "a", "1");
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    seen = must_load(*s, "alerts").size() == 1;
  }
  CHECK(seen);
}

TEST_CASE("a later write of the same key replaces the earlier one") {
  TempDir dir;
  auto s = must_open(dir.db());
  s->put("ns", "k", "v1");
  s->put("ns", "k", "v2");
  REQUIRE(s->flush().ok());
  auto rows = must_load(*s, "ns");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].value == "v2");

  REQUIRE(s->put_durable("ns", "k", "v3").ok());
  rows = must_load(*s, "ns");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].value == "v3");
}

TEST_CASE("erase and erase_durable remove rows; erasing a missing key is fine") {
  TempDir dir;
  auto s = must_open(dir.db());
  s->put("ns", "a", "1");
  s->put("ns", "b", "2");
  s->put("ns", "c", "3");
  s->erase("ns", "a");
  REQUIRE(s->erase_durable("ns", "b").ok());  // commits the queued writes before it too
  auto rows = must_load(*s, "ns");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].key == "c");
  CHECK(s->erase_durable("ns", "never-there").ok());
  s->put("ns", "a", "again");
  REQUIRE(s->flush().ok());
  CHECK(must_load(*s, "ns").size() == 2);
}

TEST_CASE("the parent directories of the path are created") {
  TempDir dir;
  std::string path = (dir.path / "a" / "b" / "tocsin.db").string();
  auto s = must_open(path);
  REQUIRE(s->put_durable("ns", "k", "v").ok());
  CHECK(fs::exists(path));
}

TEST_CASE("reopening finds everything, including writes only queued before the destructor") {
  TempDir dir;
  {
    auto s = must_open(dir.db());
    for (int i = 0; i < 1000; ++i) {
      s->put("alerts", "k" + std::to_string(i), "v" + std::to_string(i));
    }
    REQUIRE(s->put_durable("silences", "s1", "silence").ok());
    s->put("alerts", "last", "queued");  // the destructor flushes
  }
  auto s = must_open(dir.db());
  CHECK(must_load(*s, "alerts").size() == 1001);
  auto silences = must_load(*s, "silences");
  REQUIRE(silences.size() == 1);
  CHECK(silences[0].value == "silence");
}

TEST_CASE("durable writes from many threads share commits (group commit, fsync on by default)") {
  TempDir dir;
  auto s = must_open(dir.db());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1250;
  std::atomic<int> failures{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!s->put_durable("nflog", std::to_string(t) + "/" + std::to_string(i), "entry").ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  double secs = seconds_since(t0);
  auto stats = s->stats();
  std::printf("store: %d put_durable from %d threads: %.3f s (%llu commits)\n", kThreads * kPerThread, kThreads,
              secs, static_cast<unsigned long long>(stats.committed_batches));
  CHECK(failures == 0);
  CHECK(must_load(*s, "nflog").size() == kThreads * kPerThread);
  CHECK(stats.committed_writes == kThreads * kPerThread);
  CHECK(stats.committed_batches < static_cast<std::uint64_t>(kThreads * kPerThread));  // some commits were shared
}

TEST_CASE("durable writes without fsync_durable (synchronous=NORMAL: survives kill -9, not power loss)") {
  TempDir dir;
  Options opts{dir.db()};
  opts.fsync_durable = false;
  auto s = must_open(opts);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1250;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        CHECK(s->put_durable("nflog", std::to_string(t) + "/" + std::to_string(i), "entry").ok());
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::printf("store: %d put_durable from %d threads without fsync: %.3f s (%llu commits)\n", kThreads * kPerThread,
              kThreads, seconds_since(t0), static_cast<unsigned long long>(s->stats().committed_batches));
  CHECK(must_load(*s, "nflog").size() == kThreads * kPerThread);
}

TEST_CASE("100,000 puts then flush, and a load of 100,000 rows") {
  TempDir dir;
  auto s = must_open(dir.db());
  constexpr int kRows = 100000;
  std::string value(200, 'x');
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRows; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "alert-%08d", i);
    s->put("alerts", key, value);
  }
  REQUIRE(s->flush().ok());
  std::printf("store: %d put + flush: %.3f s\n", kRows, seconds_since(t0));

  t0 = std::chrono::steady_clock::now();
  auto rows = must_load(*s, "alerts");
  std::printf("store: load of %zu rows: %.3f s\n", rows.size(), seconds_since(t0));
  REQUIRE(rows.size() == kRows);
  CHECK(rows.front().key == "alert-00000000");
  CHECK(rows.back().key == "alert-00099999");
  CHECK(std::is_sorted(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; }));
}

TEST_CASE("a file that is not a database is an error, never silently emptied") {
  TempDir dir;
  {
    std::ofstream f(dir.db(), std::ios::binary);
    for (int i = 0; i < 1000; ++i) {
      f << "this is not an sqlite database, just garbage " << i << "\n";
    }
  }
  auto before = fs::file_size(dir.db());
  auto s = tocsin::store::open(Options{dir.db()});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find("database " + dir.db() + " is corrupted: ") == 0);
  CHECK(s.error().find("move it away to start empty") != std::string::npos);
  CHECK(fs::file_size(dir.db()) == before);
}

TEST_CASE("a database with damaged pages fails quick_check") {
  TempDir dir;
  {
    auto s = must_open(dir.db());
    for (int i = 0; i < 5000; ++i) {
      s->put("alerts", "key-" + std::to_string(i), std::string(100, 'v'));
    }
  }
  sql(dir.db(), "PRAGMA journal_mode = DELETE");  // fold the WAL into the file
  auto size = fs::file_size(dir.db());
  REQUIRE(size > 16 * 4096);
  {
    std::fstream f(dir.db(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size / 2));
    std::string junk(3 * 4096, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto s = tocsin::store::open(Options{dir.db()});
  REQUIRE_FALSE(s.ok());
  INFO(s.error());
  CHECK(s.error().find("is corrupted: ") != std::string::npos);
}

TEST_CASE("a database written by a newer schema is refused") {
  TempDir dir;
  {
    auto s = must_open(dir.db());
    REQUIRE(s->put_durable("ns", "k", "v").ok());
  }
  sql(dir.db(), "PRAGMA user_version = 99");
  auto s = tocsin::store::open(Options{dir.db()});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error() == "database " + dir.db() + " was written by a newer tocsin (schema 99, this binary knows 3)");
}

TEST_CASE("a read-only database: load works, writes fail with an error that says so") {
  TempDir dir;
  {
    auto s = must_open(dir.db());
    REQUIRE(s->put_durable("silences", "s1", "v1").ok());
  }
  Options opts{dir.db()};
  opts.read_only = true;
  auto s = must_open(opts);
  auto rows = must_load(*s, "silences");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].value == "v1");

  auto r = s->put_durable("silences", "s2", "v2");
  REQUIRE_FALSE(r.ok());
  INFO(r.error());
  CHECK(r.error().find("readonly") != std::string::npos);
  CHECK(r.error().find(dir.db()) != std::string::npos);
  CHECK_FALSE(s->erase_durable("silences", "s1").ok());

  // A plain put cannot fail to its caller: the failed batch keeps it and retries, and counts it.
  s->put("silences", "s3", "v3");
  auto f = s->flush();
  CHECK_FALSE(f.ok());
  auto stats = s->stats();
  CHECK(stats.failed_batches >= 1);
  CHECK(stats.retried_writes >= 1);
  CHECK(must_load(*s, "silences").size() == 1);
}

TEST_CASE("put_durable_async: the callback runs once the next flush has committed the write") {
  TempDir dir;
  {
    auto s = must_open(dir.db());
    std::atomic<int> calls{0};
    bool ok = false;
    for (int i = 0; i < 3; ++i) {
      s->put_durable_async("silences", "k" + std::to_string(i), "v" + std::to_string(i), [&](tocsin::Result<void> r) {
        ok = r.ok();
        ++calls;
      });
    }
    CHECK(calls == 0);  // nothing commits it before the flush the caller promised
    REQUIRE(s->flush().ok());
    CHECK(calls == 3);
    CHECK(ok);
    auto st = s->stats();
    CHECK(st.committed_batches == 1);  // the three writes shared one commit
    CHECK(st.committed_writes == 3);
    // A callback may write again: it runs without the store's lock.
    std::atomic<bool> nested{false};
    s->put_durable_async("silences", "k3", "v3", [&](tocsin::Result<void>) {
      s->put("silences", "k4", "v4");
      nested = true;
    });
    REQUIRE(s->flush().ok());
    CHECK(nested);
    REQUIRE(s->flush().ok());
  }
  {
    auto s = must_open(dir.db());
    CHECK(must_load(*s, "silences").size() == 5);
  }

  // A write that cannot be committed reaches its callback as an error.
  Options opts{dir.db()};
  opts.read_only = true;
  auto ro = must_open(opts);
  std::string err;
  ro->put_durable_async("silences", "k9", "v9", [&](tocsin::Result<void> r) { err = r.ok() ? "" : r.error(); });
  CHECK_FALSE(ro->flush().ok());
  CHECK(err.find("readonly") != std::string::npos);
}

TEST_CASE("put_durable_async beside blocking durable writes from other threads") {
  // A commit that carries both kinds hands the blocking writers their results and runs the
  // callbacks after releasing the lock; the blocking writers' waiters are gone by then (ASan checks).
  TempDir dir;
  auto s = must_open(dir.db());
  std::atomic<int> callbacks{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (!s->put_durable("ns", "sync-" + std::to_string(t) + "-" + std::to_string(i), "v").ok()) failed = true;
      }
    });
  }
  for (int i = 0; i < 400; ++i) {
    s->put_durable_async("ns", "async-" + std::to_string(i), "v", [&](tocsin::Result<void> r) {
      if (!r.ok()) failed = true;
      ++callbacks;
    });
    if (i % 3 == 0) REQUIRE(s->flush().ok());
  }
  for (auto& w : writers) w.join();
  REQUIRE(s->flush().ok());
  CHECK_FALSE(failed);
  CHECK(callbacks == 400);
  CHECK(must_load(*s, "ns").size() == 1200);
}

TEST_CASE("a read-only database file (chmod 0444) fails durable writes") {
  if (::geteuid() == 0) {
    MESSAGE("skipped: root ignores file modes; the read_only option covers this case");
    return;
  }
  TempDir dir;
  {
    auto s = must_open(dir.db());
    REQUIRE(s->put_durable("ns", "k", "v").ok());
  }
  fs::permissions(dir.db(), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  auto s = tocsin::store::open(Options{dir.db()});
  if (!s.ok()) {
    CHECK(s.error().find(dir.db()) != std::string::npos);
    return;
  }
  CHECK_FALSE((*s)->put_durable("ns", "k2", "v").ok());
}

TEST_CASE("one store a file: a second open fails while the first is open, and succeeds after it closes") {
  TempDir dir;
  Options opts{dir.db()};
  opts.busy_timeout_ms = 50;
  {
    auto first = must_open(opts);
    REQUIRE(first->put_durable("silences", "a", "1").ok());
    auto second = tocsin::store::open(opts);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().find("database is locked (is another tocsin running on this storage path?)") !=
          std::string::npos);
    // The first store is unaffected.
    REQUIRE(first->put_durable("silences", "b", "2").ok());
    CHECK(must_load(*first, "silences").size() == 2);
  }
  auto again = must_open(opts);
  CHECK(must_load(*again, "silences").size() == 2);
}

TEST_CASE("a missing file opened read-only is an error") {
  TempDir dir;
  Options opts{dir.db()};
  opts.read_only = true;
  auto s = tocsin::store::open(opts);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find(dir.db()) != std::string::npos);
}

TEST_CASE("durable writes survive kill -9 right after they return") {
  TempDir dir;
  constexpr int kRows = 500;
  write_then_kill(dir.db(), [&](Store& s) {
    for (int i = 0; i < kRows; ++i) {
      s.put("alerts", "queued-" + std::to_string(i), "x");  // committed with the next durable one
      if (!s.put_durable("silences", "s" + std::to_string(i), std::to_string(i)).ok()) {
        return false;
      }
    }
    return true;
  });

  auto s = must_open(dir.db());
  CHECK(must_load(*s, "silences").size() == kRows);
  CHECK(must_load(*s, "alerts").size() == kRows);
}

TEST_CASE("log namespaces: append returns increasing seqs, erase_seq removes, load_log in seq order") {
  TempDir dir;
  std::uint64_t a = 0;
  std::uint64_t c = 0;
  {
    auto s = must_open(dir.db());
    a = s->append("alerts", "a");
    auto b = s->append("alerts", "b");
    c = s->append("alerts", std::string("c\0c", 3));
    auto other = s->append("other", "o");
    CHECK(a < b);
    CHECK(b < c);
    CHECK(c < other);
    s->erase_seq("alerts", b);
    s->erase_seq("alerts", other);  // the seq of another namespace: left alone
    s->erase_seq("alerts", 987654);  // missing: fine
    REQUIRE(s->flush().ok());
    auto rows = s->load_log("alerts");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 2);
    CHECK((*rows)[0].seq == a);
    CHECK((*rows)[0].value == "a");
    CHECK((*rows)[1].seq == c);
    CHECK((*rows)[1].value == std::string("c\0c", 3));
    CHECK(s->load_log("other")->size() == 1);
    // scan_log hands out the same rows, in the same order, without copies.
    std::vector<std::pair<std::uint64_t, std::string>> scanned;
    REQUIRE(s->scan_log("alerts", [&](std::uint64_t seq, std::string_view v) { scanned.emplace_back(seq, std::string(v)); }).ok());
    CHECK(scanned == std::vector<std::pair<std::uint64_t, std::string>>{{a, "a"}, {c, std::string("c\0c", 3)}});
    CHECK(must_load(*s, "alerts").empty());  // key/value rows are apart
    s->append("alerts", "queued");  // the destructor flushes
  }
  auto s = must_open(dir.db());
  auto rows = s->load_log("alerts");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  CHECK(rows->back().value == "queued");
  auto next = s->append("alerts", "after reopen");
  CHECK(next > rows->back().seq);
  CHECK(next > c);
}

TEST_CASE("writes queued before a flush without waking the writer: the flush commits them, and plain writes beside them") {
  TempDir dir;
  // A long batch delay: only a flush, not the writer's timer, can have committed what is checked.
  auto s = must_open(Options{dir.db(), 60000});
  const auto a = s->append_before_flush("alerts", "a");
  s->put("kv", "k", "1");  // finds the queue non-empty: committed by the flush below
  s->erase_seq_before_flush("alerts", a);
  const auto b = s->append_before_flush("alerts", "b");
  REQUIRE(s->flush().ok());
  auto rows = s->load_log("alerts");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].seq == b);
  CHECK(must_load(*s, "kv").size() == 1);
  // Threads that each queue quietly and flush, beside plain writes: nothing is left behind.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s, t] {
      for (int i = 0; i < 200; ++i) {
        s->append_before_flush("alerts", std::to_string(t) + "/" + std::to_string(i));
        if (i % 7 == 0) s->put("kv", std::to_string(t) + "/" + std::to_string(i), "v");
        REQUIRE(s->flush().ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(s->load_log("alerts")->size() == 1 + 4 * 200);
  CHECK(must_load(*s, "kv").size() == 1 + 4 * 29);
}

TEST_CASE("log namespaces: long runs of appends (inserted 16 rows a statement) mixed with other writes") {
  TempDir dir;
  std::vector<std::uint64_t> seqs;
  {
    auto s = must_open(dir.db());
    for (int i = 0; i < 53; ++i) {
      seqs.push_back(s->append_before_flush(i % 7 == 0 ? "other" : "alerts", "v" + std::to_string(i)));
      if (i == 20) s->put("kv", "k", "x");             // breaks a run
      if (i == 30) s->erase_seq("alerts", seqs[3]);    // so does an erase
    }
    REQUIRE(s->flush().ok());
    auto rows = s->load_log("alerts");
    REQUIRE(rows.ok());
    std::vector<std::string> want;
    for (int i = 0; i < 53; ++i) {
      if (i % 7 != 0 && i != 3) want.push_back("v" + std::to_string(i));
    }
    REQUIRE(rows->size() == want.size());
    for (size_t k = 0; k < want.size(); ++k) CHECK((*rows)[k].value == want[k]);
    CHECK(std::is_sorted(rows->begin(), rows->end(), [](const auto& a, const auto& b) { return a.seq < b.seq; }));
    auto other = s->load_log("other");
    REQUIRE(other.ok());
    CHECK(other->size() == 8);
  }
  auto s = must_open(dir.db());
  CHECK(s->load_log("alerts")->size() == 44);
  CHECK(must_load(*s, "kv").size() == 1);
}

TEST_CASE("a schema 1 database: its alerts and silences move to the log, in key order, the rest stays") {
  TempDir dir;
  sql(dir.db(),
      "CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (ns, key)) "
      "WITHOUT ROWID;"
      "INSERT INTO kv VALUES ('alerts', 'b', 'alert b'), ('alerts', 'a', 'alert a'), ('silences', 's', 'sil'),"
      " ('nflog', 'n', 'entry');"
      "PRAGMA user_version = 1");
  {
    auto s = must_open(dir.db());
    auto rows = s->load_log("alerts");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 2);
    CHECK((*rows)[0].value == "alert a");
    CHECK((*rows)[1].value == "alert b");
    CHECK(must_load(*s, "alerts").empty());
    auto silences = s->load_log("silences");
    REQUIRE(silences.ok());
    REQUIRE(silences->size() == 1);
    CHECK((*silences)[0].value == "sil");
    CHECK(must_load(*s, "silences").empty());
    CHECK(must_load(*s, "nflog").size() == 1);
    CHECK(s->append("alerts", "c") > (*silences)[0].seq);
  }
  auto s = must_open(dir.db());  // already migrated: opens as is
  CHECK(s->load_log("alerts")->size() == 3);
}

TEST_CASE("a schema 2 database: its silences move to the log after its alerts, in key order") {
  TempDir dir;
  sql(dir.db(),
      "CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (ns, key)) "
      "WITHOUT ROWID;"
      "CREATE TABLE log_rows (seq INTEGER PRIMARY KEY, ns TEXT NOT NULL, value BLOB NOT NULL);"
      "INSERT INTO log_rows VALUES (7, 'alerts', 'alert');"
      "INSERT INTO kv VALUES ('silences', 'id2', 'sil 2'), ('silences', 'id1', 'sil 1'), ('nflog', 'n', 'entry');"
      "PRAGMA user_version = 2");
  auto s = must_open(dir.db());
  auto silences = s->load_log("silences");
  REQUIRE(silences.ok());
  REQUIRE(silences->size() == 2);
  CHECK((*silences)[0].value == "sil 1");
  CHECK((*silences)[1].value == "sil 2");
  CHECK((*silences)[0].seq > 7);
  CHECK(must_load(*s, "silences").empty());
  CHECK(must_load(*s, "nflog").size() == 1);
  CHECK(s->load_log("alerts")->size() == 1);
}

TEST_CASE("durable appends: committed before they return, or through the callback after the next flush") {
  TempDir dir;
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  {
    auto s = must_open(dir.db());
    auto seq = s->append_durable("silences", "a");
    REQUIRE(seq.ok());
    first = *seq;
    int calls = 0;
    s->append_durable_async("silences", "b", [&](tocsin::Result<std::uint64_t> r) {
      REQUIRE(r.ok());
      second = *r;
      ++calls;
    });
    CHECK(calls == 0);  // committed by the flush the caller promised
    REQUIRE(s->flush().ok());
    CHECK(calls == 1);
    CHECK(second > first);
    s->erase_seq("silences", first);
  }
  auto s = must_open(dir.db());
  auto rows = s->load_log("silences");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].seq == second);
  CHECK((*rows)[0].value == "b");

  // A durable append that cannot be committed is an error, through either door.
  Options opts{dir.db()};
  opts.read_only = true;
  s.reset();
  auto ro = must_open(opts);
  CHECK_FALSE(ro->append_durable("silences", "c").ok());
  std::string err;
  ro->append_durable_async("silences", "d", [&](tocsin::Result<std::uint64_t> r) { err = r.ok() ? "" : r.error(); });
  CHECK_FALSE(ro->flush().ok());
  CHECK(err.find("readonly") != std::string::npos);
}

TEST_CASE("a commit of several MiB (WAL written in steps, pages spilled mid-transaction) survives kill -9") {
  // The batched-WAL VFS holds a commit's frames and writes them at its commit frame: in steps under
  // the unix VFS's 128 KiB a call, and after the in-place rewrites a spill of the 512 KiB page cache
  // makes. Rows are rewritten (append, then erase of the old seq) so that pages change twice.
  TempDir dir;
  constexpr int kRows = 6000;
  auto row = [](const char* prefix, int i) {
    std::string r = prefix;
    r.append(700, 'v');
    r += std::to_string(i);
    return r;
  };
  write_then_kill(dir.db(), [&](Store& s) {
    std::vector<std::uint64_t> first;
    for (int i = 0; i < kRows; ++i) first.push_back(s.append_before_flush("alerts", row("", i)));
    for (int i = 0; i < kRows; ++i) {
      s.append_before_flush("alerts", row("again-", i));
      s.erase_seq_before_flush("alerts", first[static_cast<size_t>(i)]);
    }
    return s.flush().ok();
  });

  auto s = must_open(dir.db());
  auto rows = s->load_log("alerts");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == kRows);
  CHECK(rows->front().value == row("again-", 0));
  CHECK(rows->back().value == row("again-", kRows - 1));
}
