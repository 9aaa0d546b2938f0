// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <memory>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace fe {

// An allocator for large, short-lived scratch arrays (sorting millions of rows in memory). Blocks of 4 MiB and more
// are mapped on their own and, on Linux, asked for transparent huge pages: a fresh 16 MiB array then takes 8 page
// faults (2 MiB pages) instead of 4,096 (4 KiB pages), and on a virtual machine each fault is expensive
// (docs/performance.md). Smaller blocks come from the heap.
template<typename T>
struct LargeAllocator
{
    using value_type = T;
    static constexpr std::size_t MinMappedBytes = std::size_t(4) << 20;

    LargeAllocator() = default;
    template<typename U>
    LargeAllocator(const LargeAllocator<U> &) noexcept
    {
    }

    T *allocate(std::size_t n)
    {
#if defined(__linux__)
        const std::size_t bytes = n * sizeof(T);
        if (bytes >= MinMappedBytes) {
            void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                throw std::bad_alloc();
            ::madvise(p, bytes, MADV_HUGEPAGE);   // a hint: without it (or THP off) the pages are small
            return static_cast<T *>(p);
        }
#endif
        return std::allocator<T>().allocate(n);
    }

    void deallocate(T *p, std::size_t n) noexcept
    {
#if defined(__linux__)
        if (n * sizeof(T) >= MinMappedBytes) {
            ::munmap(p, n * sizeof(T));
            return;
        }
#endif
        std::allocator<T>().deallocate(p, n);
    }

    template<typename U>
    bool operator==(const LargeAllocator<U> &) const noexcept
    {
        return true;
    }
};

} // namespace fe
