// SPDX-License-Identifier: Apache-2.0
#pragma once

// The facts path (MapOptions::buildDocument = false): the Alert that FastMapper fills for the usual Falco /
// Falcosidekick alert, read straight from the parsed JSON. It converts only the values the columns come from,
// builds no output_fields tree and no document field, and checks that output_fields would expand without a clash
// with one pass over its keys (in the sorted order Falco and Falcosidekick write them) instead of building the tree.
// It takes a part of FastMapper's input: FastMapper's, with output_fields' keys in strictly increasing byte order and
// none of them below a key the columns come from; anything else (FactsMapper::run returns false before it has
// produced anything) goes to FastMapper, then to Pipeline. Every check names the FastMapper or Pipeline step it
// mirrors: tst_mapperpaths (factsOnly) and `bench_mapper --digest` compare the facts with the full mapping's.

#include "ingest/ecs/ecsmapper.h"
#include "ingest/decode/envelope.h"

#include <simdjson.h>

namespace fe::ecs {

class FactsMapper
{
public:
    FactsMapper(const MapOptions &options, const Envelope &env)
        : m_options(options), m_env(env)
    {
    }

    // False: not this path's input (nothing was produced; use FastMapper).
    bool run(simdjson::dom::object root, MapResult *result);

private:
    const MapOptions &m_options;
    const Envelope &m_env;
};

} // namespace fe::ecs
