// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"

namespace fe {

// Internal to fe_ingest, its tests and benches: which of the mapper's two paths may map a line. mapLine is
// mapLineVia(Auto): a fast path writes the usual Falco / Falcosidekick alert straight into its document, and
// the general pipeline maps everything else. General forces the general pipeline, so that tests can check
// that both give the same MapResult.
enum class MapperPath { Auto, General };

// *fast (when given) tells whether the fast path produced the result.
MapResult mapLineVia(QByteArrayView line, const MapOptions &options, MapperPath path, bool *fast = nullptr);
// mapFrame through the given path.
MapResult mapFrameVia(QByteArrayView frame, const MapOptions &options, MapperPath path, bool *fast = nullptr);

} // namespace fe
