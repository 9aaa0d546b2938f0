// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/envelope.h"

#include "ingest/ecs/mapsteps.h"

namespace fe::ecs {

namespace {

// CRI log line: "<RFC3339 time> <stdout|stderr> <F|P> <message>".
bool unwrapCri(std::string_view line, Envelope *env)
{
    const size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 < 20)
        return false;
    qint64 ms = 0;
    if (!parseRfc3339(toView(line.substr(0, sp1)), &ms))
        return false;
    std::string_view rest = line.substr(sp1 + 1);
    if (rest.starts_with("stdout "))
        rest.remove_prefix(7);
    else if (rest.starts_with("stderr "))
        rest.remove_prefix(7);
    else
        return false;
    if (rest.size() < 2 || (rest[0] != 'F' && rest[0] != 'P') || rest[1] != ' ')
        return false;
    env->payload = trimmed(rest.substr(2));
    env->wrapperTimeMs = ms;
    env->hasWrapperTime = true;
    return true;
}

// Docker json-file: {"log":"{...}\n","stream":"stdout","time":"..."}.
MapResult::Status unwrapDocker(std::string_view line, Envelope *env, QString *error)
{
    simdjson::dom::element root;
    const auto err = threadParser().parse(line.data(), line.size()).get(root);
    if (err) {
        *error = jsonErrorText(line, simdjson::error_message(err));
        return MapResult::Status::Rejected;
    }
    std::string_view log;
    if (root["log"].get(log))
        return MapResult::Status::Skipped;
    std::string_view time;
    if (!root["time"].get(time)) {
        qint64 ms = 0;
        if (parseRfc3339(toView(time), &ms)) {
            env->wrapperTimeMs = ms;
            env->hasWrapperTime = true;
        }
    }
    env->storage.assign(log);
    env->payload = trimmed(env->storage);
    return MapResult::Status::Alert;
}

} // namespace

MapResult::Status unwrap(std::string_view line, const MapOptions &options, Envelope *env, QString *error)
{
    if (line.empty())
        return MapResult::Status::Skipped;
    if (line[0] == '<' && line.size() > 1 && isDigit(line[1])) {
        QString why;
        if (!parseSyslogHeader(toView(line), &env->syslog, &why, options.readTimeMs)) {
            *error = why;
            return MapResult::Status::Rejected;
        }
        env->hasSyslog = true;
        if (env->syslog.hasTimestamp) {
            env->wrapperTimeMs = env->syslog.timestampMs;
            env->hasWrapperTime = true;
        }
        env->payload = trimmed(line.substr(size_t(env->syslog.payloadOffset)));
        if (env->payload.empty() || env->payload[0] != '{') {
            *error = QStringLiteral("syslog message is not a JSON alert");
            return MapResult::Status::Rejected;
        }
        return MapResult::Status::Alert;
    }
    if (line.starts_with("{\"log\":"))
        return unwrapDocker(line, env, error);
    if (isDigit(line[0]) && unwrapCri(line, env))
        return env->payload.empty() ? MapResult::Status::Skipped : MapResult::Status::Alert;
    env->payload = line;
    // Falco's own text log ("Mon Jan  1 ...: Falco version ..."), text alerts, anything not a JSON object.
    return line[0] == '{' ? MapResult::Status::Alert : MapResult::Status::Skipped;
}

} // namespace fe::ecs
