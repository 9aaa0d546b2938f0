// SPDX-License-Identifier: Apache-2.0
// Placeholder until the forward and es-setup commands land (engineer F).
#include "app/commands.h"

#include <cstdio>

namespace fe::cli {

int runForward(const QStringList &)
{
    std::fputs("falco-explorer forward: not available yet\n", stderr);
    return 2;
}

int runEsSetup(const QStringList &)
{
    std::fputs("falco-explorer es-setup: not available yet\n", stderr);
    return 2;
}

} // namespace fe::cli
