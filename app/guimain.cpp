// SPDX-License-Identifier: Apache-2.0
// Placeholder until the desktop application lands (engineer E).
#include "app/commands.h"

#include <cstdio>

namespace fe::cli {

int runGui(int &, char **)
{
    std::fputs("falco-explorer: the desktop application is not available yet\n", stderr);
    return 2;
}

} // namespace fe::cli
