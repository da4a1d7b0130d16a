// wal_vfs.cpp: the batched-WAL VFS (see wal_vfs.hpp). SQLite appends a commit to the WAL one frame at
// a time, two pwrite() calls a frame; a batch of 100 new alerts is ~6 frames plus the pages every
// commit rewrites (the last leaf, its parent, page 1), and those calls were 14 % of the ingest CPU
// (each one takes the inode lock, updates the file times and prepares the page-cache pages it
// touches: a frame's header and page straddle two). Here the WAL's appended bytes are held in memory
// and written with one call when the commit frame's page arrives, inside that same xWrite, so SQLite
// sees the commit's write succeed or fail exactly where it did: the frames reach the file before the
// WAL index counts them, a failed write (disk full) fails the commit, and a crash at any point leaves
// a prefix of the WAL, whose torn tail recovery drops by the frames' checksums, as before. Only
// appends are held, so nothing is left held when a commit returns (SQLite's last write of a commit
// is the commit frame's page, or an in-place checksum fix, or a sync). Anything else on the WAL (a
// read, a sync, a truncate, a write that is not an append) first writes what is held. Other files
// (the database, temp files) are the default VFS's own, unwrapped.
#include "store/wal_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

namespace tocsin::store {
namespace {

constexpr int kFrameHeaderBytes = 24;   // WAL_FRAME_HDRSIZE
constexpr size_t kMaxHeldBytes = 1 << 20;  // a commit larger than this is written as it reaches it
constexpr size_t kWriteStep = 64 << 10;

sqlite3_vfs* g_base = nullptr;
sqlite3_vfs g_vfs;

struct WalFile {
  sqlite3_file file;    // first: SQLite sees a WalFile as its sqlite3_file (pMethods = kWalMethods)
  sqlite3_file* real;   // the default VFS's file, in the same allocation after this struct
  std::string held;     // appended bytes not yet written, from offset held_at
  sqlite3_int64 held_at;
  sqlite3_int64 appended_to;  // end of the last write: where the next append goes
  bool commit_page_next;  // the last write was a commit frame's header: its page ends the commit
};

WalFile* wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }
const sqlite3_io_methods* real_methods(WalFile* w) { return w->real->pMethods; }

constexpr size_t real_offset() { return (sizeof(WalFile) + 7) & ~size_t{7}; }

int write_held(WalFile* w) {
  int rc = SQLITE_OK;
  // In steps: the unix VFS writes at most 128 KiB - 1 a call (it masks the length with 0x1ffff).
  for (size_t done = 0; done < w->held.size() && rc == SQLITE_OK; done += kWriteStep) {
    const size_t n = std::min(kWriteStep, w->held.size() - done);
    rc = real_methods(w)->xWrite(w->real, w->held.data() + done, static_cast<int>(n),
                                 w->held_at + static_cast<sqlite3_int64>(done));
  }
  // Dropped either way: after a failure SQLite abandons the transaction (or retries its frames).
  w->held.clear();
  return rc;
}

int wal_close(sqlite3_file* f) {
  WalFile* w = wal(f);
  int rc = write_held(w);
  const int close_rc = real_methods(w)->xClose(w->real);
  w->held.~basic_string();
  return rc != SQLITE_OK ? rc : close_rc;
}

int wal_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  if (int rc = write_held(w); rc != SQLITE_OK) {
    return rc;
  }
  return real_methods(w)->xRead(w->real, buf, amount, offset);
}

int wal_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  bool commit_frame = false;
  if (amount == kFrameHeaderBytes) {
    // A frame header: bytes 4..7 hold the database size after the commit, non-zero only in a
    // commit's last frame (and in the padding frames that may follow it).
    const auto* h = static_cast<const unsigned char*>(buf);
    commit_frame = (h[4] | h[5] | h[6] | h[7]) != 0;
  }
  const sqlite3_int64 end = offset + amount;
  if (offset != w->appended_to) {
    // Not an append (the WAL header after a restart, a frame rewritten in place, a checksum fixed
    // after the commit frame): what is held first, then this one at once, in SQLite's order.
    w->appended_to = end;
    w->commit_page_next = commit_frame;
    if (int rc = write_held(w); rc != SQLITE_OK) {
      return rc;
    }
    return real_methods(w)->xWrite(w->real, buf, amount, offset);
  }
  if (w->held.empty()) {
    w->held_at = offset;
  }
  w->held.append(static_cast<const char*>(buf), static_cast<size_t>(amount));
  w->appended_to = end;
  if (amount == kFrameHeaderBytes) {
    w->commit_page_next = commit_frame;
    return SQLITE_OK;
  }
  if (w->commit_page_next || w->held.size() >= kMaxHeldBytes) {
    w->commit_page_next = false;
    return write_held(w);
  }
  return SQLITE_OK;
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = wal(f);
  if (int rc = write_held(w); rc != SQLITE_OK) {
    return rc;
  }
  return real_methods(w)->xTruncate(w->real, size);
}

int wal_sync(sqlite3_file* f, int flags) {
  WalFile* w = wal(f);
  if (int rc = write_held(w); rc != SQLITE_OK) {
    return rc;
  }
  return real_methods(w)->xSync(w->real, flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = wal(f);
  if (int rc = write_held(w); rc != SQLITE_OK) {
    return rc;
  }
  return real_methods(w)->xFileSize(w->real, size);
}

int wal_lock(sqlite3_file* f, int level) { return real_methods(wal(f))->xLock(wal(f)->real, level); }
int wal_unlock(sqlite3_file* f, int level) { return real_methods(wal(f))->xUnlock(wal(f)->real, level); }
int wal_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(wal(f))->xCheckReservedLock(wal(f)->real, out);
}

int wal_file_control(sqlite3_file* f, int op, void* arg) {
  WalFile* w = wal(f);
  if (int rc = write_held(w); rc != SQLITE_OK) {
    return rc;
  }
  return real_methods(w)->xFileControl(w->real, op, arg);
}

int wal_sector_size(sqlite3_file* f) { return real_methods(wal(f))->xSectorSize(wal(f)->real); }
int wal_device_characteristics(sqlite3_file* f) {
  return real_methods(wal(f))->xDeviceCharacteristics(wal(f)->real);
}

// The shared-memory and mapping methods are the database file's business, never the WAL's; passed
// on all the same, for whatever version the default VFS's files have.
int wal_shm_map(sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
  WalFile* w = wal(f);
  if (real_methods(w)->iVersion < 2 || real_methods(w)->xShmMap == nullptr) return SQLITE_IOERR_SHMMAP;
  return real_methods(w)->xShmMap(w->real, page, page_size, extend, out);
}
int wal_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  WalFile* w = wal(f);
  if (real_methods(w)->iVersion < 2 || real_methods(w)->xShmLock == nullptr) return SQLITE_IOERR_SHMLOCK;
  return real_methods(w)->xShmLock(w->real, offset, n, flags);
}
void wal_shm_barrier(sqlite3_file* f) {
  WalFile* w = wal(f);
  if (real_methods(w)->iVersion >= 2 && real_methods(w)->xShmBarrier != nullptr) real_methods(w)->xShmBarrier(w->real);
}
int wal_shm_unmap(sqlite3_file* f, int delete_flag) {
  WalFile* w = wal(f);
  if (real_methods(w)->iVersion < 2 || real_methods(w)->xShmUnmap == nullptr) return SQLITE_OK;
  return real_methods(w)->xShmUnmap(w->real, delete_flag);
}
int wal_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  WalFile* w = wal(f);
  *out = nullptr;
  if (int rc = write_held(w); rc != SQLITE_OK) {
    return rc;
  }
  if (real_methods(w)->iVersion < 3 || real_methods(w)->xFetch == nullptr) return SQLITE_OK;  // no mapping: SQLite reads
  return real_methods(w)->xFetch(w->real, offset, amount, out);
}
int wal_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  WalFile* w = wal(f);
  if (real_methods(w)->iVersion < 3 || real_methods(w)->xUnfetch == nullptr) return SQLITE_OK;
  return real_methods(w)->xUnfetch(w->real, offset, p);
}

const sqlite3_io_methods kWalMethods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved_lock,
    wal_file_control,
    wal_sector_size,
    wal_device_characteristics,
    wal_shm_map,
    wal_shm_lock,
    wal_shm_barrier,
    wal_shm_unmap,
    wal_fetch,
    wal_unfetch,
};

int vfs_open(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Not a WAL: the default VFS's file, at the start of the block.
    return g_base->xOpen(g_base, name, f, flags, out_flags);
  }
  auto* w = reinterpret_cast<WalFile*>(f);
  w->file.pMethods = nullptr;  // SQLite calls xClose only when the open succeeded
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + real_offset());
  const int rc = g_base->xOpen(g_base, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    // The default VFS may have set up its file before failing: it is closed as SQLite would.
    if (w->real->pMethods != nullptr) {
      w->real->pMethods->xClose(w->real);
    }
    return rc;
  }
  new (&w->held) std::string();
  w->held_at = 0;
  w->appended_to = -1;
  w->commit_page_next = false;
  w->file.pMethods = &kWalMethods;
  return SQLITE_OK;
}

}  // namespace

const char* batched_wal_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_base = sqlite3_vfs_find(nullptr);
    if (g_base == nullptr) {
      return;
    }
    // Every other method is the default VFS's: they read only the fields copied with it.
    g_vfs = *g_base;
    g_vfs.pNext = nullptr;
    g_vfs.zName = "tocsin-batched-wal";
    g_vfs.szOsFile = static_cast<int>(real_offset()) + g_base->szOsFile;
    g_vfs.xOpen = vfs_open;
    if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK) {
      g_base = nullptr;
    }
  });
  return g_base != nullptr ? g_vfs.zName : nullptr;
}

}  // namespace tocsin::store
