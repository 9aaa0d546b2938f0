// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/demogenerator.h"
#include "ingest/ecs/ecsmapper.h"

#include <QString>

namespace fe {

class AlertStore;

// Stores demo alerts (DemoGenerator) as an import of their lines would: a new store's dictionary trained on the first
// ones, each alert's original kept with its facts. For `falco-explorer demo` and the GUI's demo data.
struct DemoLoadResult
{
    qint64 stored = 0;
    qint64 duplicates = 0;
};

// mapOptions: the options the lines are mapped with (readTimeMs 0: now). false + error on a store error.
bool loadDemoAlerts(AlertStore *store, const DemoOptions &demo, MapOptions mapOptions, DemoLoadResult *result,
                    QString *error);

} // namespace fe
