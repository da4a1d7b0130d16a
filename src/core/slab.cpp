// slab.cpp: see slab.hpp. glibc's malloc adds an 8-byte header to every block and rounds it to 16
// bytes: a 60-byte label block took 80, an 88-byte alert 96. Here each size class (8, 16, ... 256
// bytes) carves 4 KiB slabs and keeps a free list; slabs are never returned, a freed block waits
// for the next block of its size. Under AddressSanitizer every block comes from operator new, so
// that overflows are still caught.
#include "core/slab.hpp"

#include <mutex>

#if defined(__SANITIZE_ADDRESS__)
#define TOCSIN_SLABS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TOCSIN_SLABS 0
#endif
#endif
#ifndef TOCSIN_SLABS
#define TOCSIN_SLABS 1
#endif

namespace tocsin {
namespace {

constexpr std::size_t kSlabBytes = 4096;

struct FreeBlock {
  FreeBlock* next;
};

struct SizeClass {
  std::mutex mu;
  FreeBlock* free = nullptr;
  char* cur = nullptr;  // the unused rest of the class's newest slab
  std::size_t left = 0;
};

SizeClass g_classes[kSlabMax / 8];  // constant-initialized: usable from static constructors too

std::size_t rounded(std::size_t n) { return n == 0 ? 8 : (n + 7) & ~std::size_t{7}; }

}  // namespace

void* slab_alloc(std::size_t n) {
  if (!TOCSIN_SLABS || n > kSlabMax) return ::operator new(n);
  const std::size_t size = rounded(n);
  SizeClass& c = g_classes[size / 8 - 1];
  std::lock_guard lock(c.mu);
  if (c.free != nullptr) {
    FreeBlock* b = c.free;
    c.free = b->next;
    return b;
  }
  if (c.left < size) {
    c.cur = static_cast<char*>(::operator new(kSlabBytes));
    c.left = kSlabBytes;
  }
  char* p = c.cur;
  c.cur += size;
  c.left -= size;
  return p;
}

void slab_free(void* p, std::size_t n) {
  if (p == nullptr) return;
  if (!TOCSIN_SLABS || n > kSlabMax) {
    ::operator delete(p);
    return;
  }
  SizeClass& c = g_classes[rounded(n) / 8 - 1];
  auto* b = static_cast<FreeBlock*>(p);
  std::lock_guard lock(c.mu);
  b->next = c.free;
  c.free = b;
}

}  // namespace tocsin
