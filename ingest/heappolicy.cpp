// SPDX-License-Identifier: Apache-2.0
#include "ingest/heappolicy.h"

#include <cstdlib>   // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fe {

void applyIngestHeapPolicy()
{
#if defined(__GLIBC__)
    // Setting the threshold also fixes glibc's mmap threshold at its 128 KiB default (no dynamic raise): a batch's
    // array of alerts is mapped and unmapped as a whole, never left in the heap's free lists.
    mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
#endif
}

} // namespace fe
