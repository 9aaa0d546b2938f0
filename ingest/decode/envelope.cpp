// SPDX-License-Identifier: Apache-2.0
#include "ingest/decode/envelope.h"

#include "ingest/decode/jsontext.h"
#include "ingest/syslog/cefdecoder.h"

namespace fe {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && isSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

QByteArrayView toView(std::string_view s)
{
    return QByteArrayView(s.data(), qsizetype(s.size()));
}

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
DecodeStatus unwrapDocker(std::string_view line, Envelope *env, QString *error)
{
    simdjson::dom::element root;
    const auto err = threadJsonParser().parse(line.data(), line.size()).get(root);
    if (err) {
        *error = jsonErrorText(line, simdjson::error_message(err));
        return DecodeStatus::Rejected;
    }
    std::string_view log;
    if (root["log"].get(log))
        return DecodeStatus::Skipped;
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
    return DecodeStatus::Payload;
}

// Falcosidekick's CEF record (payload) → its Falco JSON, which becomes the payload.
DecodeStatus decodeCef(std::string_view cef, Envelope *env, QString *error)
{
    const QByteArray json = falcoJsonFromCef(toView(cef), env->hasSyslog ? env->syslog.severity : -1, error);
    if (json.isEmpty())
        return DecodeStatus::Rejected;
    env->storage.assign(json.constData(), size_t(json.size()));
    env->payload = env->storage;
    env->fromCef = true;
    return DecodeStatus::Payload;
}

} // namespace

DecodeStatus decodeEnvelope(QByteArrayView input, DecodeInput kind, qint64 referenceMs, Envelope *env, QString *error)
{
    std::string_view line = trimmed(std::string_view(input.data(), size_t(input.size())));
    if (line.starts_with("\xEF\xBB\xBF"))   // a UTF-8 BOM on a file's first line
        line = trimmed(line.substr(3));
    env->line = line;
    if (line.empty())
        return DecodeStatus::Skipped;
    const bool frame = kind == DecodeInput::Frame;
    if (line[0] == '<' && line.size() > 1 && isDigit(line[1])) {
        QString why;
        if (!parseSyslogHeader(toView(line), &env->syslog, &why, referenceMs)) {
            *error = why;
            return DecodeStatus::Rejected;
        }
        env->hasSyslog = true;
        if (env->syslog.hasTimestamp) {
            env->wrapperTimeMs = env->syslog.timestampMs;
            env->hasWrapperTime = true;
        }
        env->payload = trimmed(line.substr(size_t(env->syslog.payloadOffset)));
        if (frame && isCef(toView(env->payload)))
            return decodeCef(env->payload, env, error);
        if (env->payload.empty() || env->payload[0] != '{') {
            *error = QStringLiteral("syslog message is not a JSON alert");
            return DecodeStatus::Rejected;
        }
        return DecodeStatus::Payload;
    }
    if (frame && isCef(toView(line)))
        return decodeCef(line, env, error);
    if (line.starts_with("{\"log\":"))
        return unwrapDocker(line, env, error);
    if (isDigit(line[0]) && unwrapCri(line, env))
        return env->payload.empty() ? DecodeStatus::Skipped : DecodeStatus::Payload;
    env->payload = line;
    // Falco's own text log ("Mon Jan  1 ...: Falco version ..."), text alerts, anything not a JSON object.
    return line[0] == '{' ? DecodeStatus::Payload : DecodeStatus::Skipped;
}

} // namespace fe
