// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"
#include "ingest/ecs/ecsvalue.h"
#include "ingest/decode/envelope.h"
#include "ingest/ecs/mapsteps.h"

#include <QStringList>

#include <string>
#include <string_view>

namespace fe::ecs {

// The general pipeline: Elastic's Falco integration (its ingest pipeline, packages/falco/data_stream/alerts/
// elasticsearch/ingest_pipeline/default.yml in elastic/integrations; the step numbers the methods name count its
// processors in order) run on an ordered JSON tree, member by member, as Elasticsearch runs it. Takes any alert (Falco,
// Falcosidekick, Sidekick-direct) and every option; an alert the integration fails on becomes its
// pipeline_error document. One line per instance.
class Pipeline
{
public:
    Pipeline(const MapOptions &options, const Envelope &env)
        : m_options(options), m_env(env)
    {
    }

    MapResult run(EcsValue parsed);

private:
    // output_fields lives in the falco object's member buffer, which stays put while only the root and
    // output_fields itself change (steps 5–49); cleanUp() drops the cache before it edits `falco`.
    EcsValue *of();
    EcsValue *ofFind(Path path);

    bool fail(std::string_view processor, const std::string &message);
    bool setField(Path path, EcsValue value);
    bool copyFromOf(Path from, Path to);
    // The member of the map last expanded into (keys come sorted, so neighbours share their first segment).
    // Valid while only expandInto adds to the map: nested additions do not move the map's own members.
    struct TopMember
    {
        std::string_view key;
        EcsValue *value = nullptr;
    };
    bool expandInto(EcsValue &map, std::string_view key, EcsValue value, TopMember *top = nullptr);
    template<typename Select>
    bool expandMembers(EcsValue &map, Select select);
    bool renameInOf(Path from, Path to);
    bool convertIp(Path from, std::string_view target);

    bool envelopeAndParse(EcsValue parsed);
    bool normaliseOutputFields();
    bool classify();
    bool timestamp();
    bool hostAndProcess();
    bool containerFileNetwork();
    void cleanUp();
    void finish();
    void fillAlert(Alert &alert);
    bool alertTime(qint64 *ms);
    void fillFromFalco(Alert &alert);

    const MapOptions &m_options;
    const Envelope &m_env;
    EcsValue m_doc = EcsValue::object();
    bool m_failed = false;
    std::string m_error;
    bool m_messageRemoved = false;
    bool m_preserveFalcoFields = false;
    qint64 m_timestampMs = 0;
    bool m_eventTime = false;
    QStringList m_ignoredTimes;   // where times out of range were ignored (MapResult::warning)
    EcsValue *m_of = nullptr;
    bool m_ofCached = false;
};

} // namespace fe::ecs
