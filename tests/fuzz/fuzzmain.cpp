// SPDX-License-Identifier: Apache-2.0
// One libFuzzer target: FE_FUZZ_BODY names the body in fuzzbodies.h (CMake builds one executable per body).
#include "fuzzbodies.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString problem = fe::fuzz::FE_FUZZ_BODY(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!problem.isEmpty()) {
        std::fprintf(stderr, "fuzz " FE_FUZZ_NAME ": invariant broken: %s\n", qPrintable(problem));
        std::fflush(stderr);
        std::abort();
    }
    return 0;
}
