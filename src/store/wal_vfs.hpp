// wal_vfs.hpp: a SQLite VFS over the default one that writes each WAL commit with one pwrite() instead
// of two a frame (its 24-byte header, then its page). Used by the store's writing connection.
#pragma once

namespace tocsin::store {

// Registers the VFS once (thread-safe) and returns its name for sqlite3_open_v2(); nullptr (the
// default VFS) when SQLite has no default VFS to wrap.
const char* batched_wal_vfs();

}  // namespace tocsin::store
