// SPDX-License-Identifier: Apache-2.0
// The ECS mapper: one input line → one ECS document, following the current Elastic Falco integration
// (its inputs and ingest pipeline; step numbers below count the pipeline's processors in order, see
// ecs/pipeline.h). The agent-side steps (syslog header, tags,
// log.* fields, event.original on TCP) come first, then the ingest pipeline on an ordered JSON tree.
//
// Deliberate differences from upstream, each one about input upstream turns into a pipeline_error or a
// wrong time:
// * @timestamp: when output_fields carries no event time (internal events, some plugins), the alert's own
//   `time` is used instead of the read time (upstream PR #20630 proposes the same).
// * Timestamp strings are read as any RFC 3339 / ISO 8601 form, not only "yyyy-MM-dd'T'HH:mm:ss.SSSZ";
//   digit-only strings are taken as nanoseconds like numbers.
// * Renames and dot-expansion leave object-valued fields alone (Falco 0.42's object proc.exe_ino etc.).
// * Non-string evt.category / evt.type / proc.env are treated as missing instead of failing.
// * A TCP line without a syslog header is mapped like a file line (upstream: pipeline_error).
// * --set extras (MapOptions::extraFields) are applied after the pipeline and stay strings ("42" is not
//   turned into a number): the user's text is kept as typed, and a field never changes type by value.
// * Hostile sizes: a JSON text of more than 100,000 values or with an object of more than 10,000 members is rejected,
//   and a split (process.args, process.env_vars, container.mounts) gives at most 100,000 parts, the last holding the
//   rest (mapsteps.h), so that one line of 16 MiB cannot take gigabytes to map.
// * A document from Falcosidekick's Elasticsearch output (top-level "@timestamp" beside the alert keys) is
//   the "Sidekick-direct" shape; any other JSON object is a Falco alert read from `message`.
#include "ingest/ecs/ecsmapper.h"

#include "ingest/decode/envelope.h"
#include "ingest/decode/jsontext.h"
#include "ingest/ecs/ecsvalue.h"
#include "ingest/ecs/factsmapper.h"
#include "ingest/ecs/fastmapper.h"
#include "ingest/ecs/mapperpath.h"
#include "ingest/ecs/mapsteps.h"
#include "ingest/ecs/pipeline.h"

#include <simdjson.h>

#include <string_view>

namespace fe {

using namespace ecs;

namespace {

bool looksLikeAlert(const EcsValue &obj)
{
    return obj.find("rule") || obj.find("output") || obj.find("priority");
}

MapResult::Status statusOf(DecodeStatus status)
{
    switch (status) {
    case DecodeStatus::Payload: return MapResult::Status::Alert;
    case DecodeStatus::Skipped: return MapResult::Status::Skipped;
    case DecodeStatus::Rejected: break;
    }
    return MapResult::Status::Rejected;
}

// Decodes input once, then maps its payload through the fast path or the general pipeline.
MapResult mapInput(QByteArrayView input, DecodeInput kind, const MapOptions &options, MapperPath path, bool *fast,
                   bool *facts)
{
    // Declared first: the parser is trimmed after the result is built and everything else of this input is gone.
    const ThreadJsonParserTrim trim;
    if (fast)
        *fast = false;
    if (facts)
        *facts = false;
    // Every EcsValue of this input lives in the thread's arena, released at once on return.
    const EcsValue::Scope scope;
    MapResult result;
    Envelope env;
    QString error;
    const DecodeStatus status = decodeEnvelope(input, kind, options.readTimeMs, &env, &error);
    if (status != DecodeStatus::Payload) {
        result.status = statusOf(status);
        result.error = error;
        return result;
    }
    simdjson::dom::element root;
    const auto err = threadJsonParser().parse(env.payload.data(), env.payload.size()).get(root);
    if (err) {
        result.status = MapResult::Status::Rejected;
        result.error = jsonErrorText(env.payload, simdjson::error_message(err));
        if (env.hasSyslog)
            result.error = QStringLiteral("syslog message: ") + result.error;
        return result;
    }
    if (root.type() != simdjson::dom::element_type::OBJECT) {
        result.status = MapResult::Status::Skipped;
        return result;
    }
    if (QString tooLarge = memberLimitError(root, env.payload.size()); !tooLarge.isEmpty()) {
        result.status = MapResult::Status::Rejected;
        result.error = std::move(tooLarge);
        return result;
    }
    if (path == MapperPath::Auto && !options.buildDocument) {
        FactsMapper mapper(options, env);
        if (mapper.run(root.get_object().value_unsafe(), &result)) {
            if (fast)
                *fast = true;
            if (facts)
                *facts = true;
            return result;
        }
    }
    if (path != MapperPath::General) {
        FastMapper mapper(options, env);
        if (mapper.run(root.get_object().value_unsafe(), &result)) {
            if (fast)
                *fast = true;
            return result;
        }
    }
    EcsValue parsed = convert(root);
    if (!looksLikeAlert(parsed)) {
        result.status = MapResult::Status::Skipped;
        return result;
    }
    Pipeline pipeline(options, env);
    return pipeline.run(std::move(parsed));
}

} // namespace

MapResult mapLine(QByteArrayView line, const MapOptions &options)
{
    return mapInput(line, DecodeInput::Line, options, MapperPath::Auto, nullptr, nullptr);
}

MapResult mapFrame(QByteArrayView frame, const MapOptions &options)
{
    return mapInput(frame, DecodeInput::Frame, options, MapperPath::Auto, nullptr, nullptr);
}

QByteArray alertOutputText(QByteArrayView frameOrLine, const MapOptions &options, bool tcpFrame)
{
    // A --set extra under falco (falco.output, or falco itself) overrides what the alert says: map it.
    for (const QPair<QString, QString> &extra : options.extraFields) {
        if (extra.first == QLatin1String("falco") || extra.first.startsWith(QLatin1String("falco.")))
            return (tcpFrame ? mapFrame(frameOrLine, options) : mapLine(frameOrLine, options)).alert.output.toUtf8();
    }
    // Declared first, as in mapInput: the parser is trimmed once nothing of this input is in use.
    const ThreadJsonParserTrim trim;
    const EcsValue::Scope scope;
    Envelope env;
    QString error;
    const DecodeInput kind = tcpFrame ? DecodeInput::Frame : DecodeInput::Line;
    if (decodeEnvelope(frameOrLine, kind, options.readTimeMs, &env, &error) != DecodeStatus::Payload)
        return QByteArray();
    simdjson::dom::element root;
    simdjson::dom::object object;
    if (threadJsonParser().parse(env.payload.data(), env.payload.size()).get(root) || root.get_object().get(object)
        || !memberLimitError(root, env.payload.size()).isEmpty())
        return QByteArray();
    // The mapper's rules: an object with a rule, an output or a priority is an alert; of repeated keys the
    // last one counts.
    bool alert = false;
    simdjson::dom::element output;
    bool hasOutput = false;
    for (simdjson::dom::key_value_pair field : object) {
        if (field.key == "output") {
            output = field.value;
            hasOutput = true;
        }
        alert = alert || field.key == "output" || field.key == "rule" || field.key == "priority";
    }
    if (!alert || !hasOutput)
        return QByteArray();
    std::string_view text;
    if (!output.get_string().get(text))
        return QByteArray(text.data(), qsizetype(text.size()));
    if (output.is_null())
        return QByteArray();
    const std::string scalar = convert(output).scalarText();
    return QByteArray(scalar.data(), qsizetype(scalar.size()));
}

MapResult mapLineVia(QByteArrayView line, const MapOptions &options, MapperPath path, bool *fast, bool *facts)
{
    return mapInput(line, DecodeInput::Line, options, path, fast, facts);
}

MapResult mapFrameVia(QByteArrayView frame, const MapOptions &options, MapperPath path, bool *fast, bool *facts)
{
    return mapInput(frame, DecodeInput::Frame, options, path, fast, facts);
}

} // namespace fe
