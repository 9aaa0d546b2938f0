// SPDX-License-Identifier: Apache-2.0
#include "app/commands.h"

#include <cstdio>

namespace fe::cli {

int runImport(const QStringList &)
{
    std::fputs("falco-explorer: not available yet\n", stderr);
    return 2;
}

} // namespace fe::cli
