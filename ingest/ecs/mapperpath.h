// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"

namespace fe {

// Internal to fe_ingest, its tests and benches: which of the mapper's paths may map a line. mapLine is
// mapLineVia(Auto): a fast path writes the usual Falco / Falcosidekick alert straight into its document (for facts
// only, MapOptions::buildDocument = false, the facts path before it reads the columns straight from the parsed
// JSON), and the general pipeline maps everything else. General forces the general pipeline, NoFacts leaves the facts
// path out (the fast path and the general pipeline only), so that tests and benches can compare the paths.
enum class MapperPath { Auto, NoFacts, General };

// *fast (when given) tells whether the fast path or the facts path produced the result, *facts whether the facts
// path did.
MapResult mapLineVia(QByteArrayView line, const MapOptions &options, MapperPath path, bool *fast = nullptr,
                     bool *facts = nullptr);
// mapFrame through the given path.
MapResult mapFrameVia(QByteArrayView frame, const MapOptions &options, MapperPath path, bool *fast = nullptr,
                      bool *facts = nullptr);

} // namespace fe
