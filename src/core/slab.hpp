// slab.hpp: small blocks (up to kSlabMax bytes) in 8-byte size classes, without malloc's per-block
// header. For the objects tocsin holds by the hundred thousand: label blocks and alerts.
#pragma once

#include <cstddef>
#include <new>

namespace tocsin {

inline constexpr std::size_t kSlabMax = 256;

// A block of at least `n` bytes, 8-byte aligned. Blocks above kSlabMax come from operator new.
void* slab_alloc(std::size_t n);
// Frees a block from slab_alloc; `n` is the size it was asked for. Null is ignored.
void slab_free(void* p, std::size_t n);

// For std::allocate_shared and containers of small nodes.
template <class T>
struct SlabAllocator {
  using value_type = T;
  SlabAllocator() = default;
  template <class U>
  SlabAllocator(const SlabAllocator<U>&) noexcept {}  // NOLINT: converting, as allocators must
  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= 8, "slab blocks are 8-byte aligned");
    return static_cast<T*>(slab_alloc(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { slab_free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const SlabAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace tocsin
