// SPDX-License-Identifier: Apache-2.0
// Placeholder until the listen command lands (engineer D).
#include "app/commands.h"

#include <cstdio>

namespace fe::cli {

int runListen(const QStringList &)
{
    std::fputs("falco-explorer listen: not available yet\n", stderr);
    return 2;
}

} // namespace fe::cli
