// SPDX-License-Identifier: Apache-2.0
#include "ingest/bulkencoder.h"

#include <QCryptographicHash>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace fe {

namespace {

using Json = nlohmann::json;

// A minimal scanner over one JSON object's direct members. The documents come from our own mapper, so
// this only has to find member boundaries (strings with escapes, nesting), not validate every token;
// it is ~50x cheaper than a full parse, which matters at tens of thousands of documents a second.
struct Member
{
    QByteArrayView key;   // raw bytes between the quotes
    qsizetype valueBegin = 0;
    qsizetype valueEnd = 0;
};

bool isWs(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

qsizetype skipWs(QByteArrayView t, qsizetype p)
{
    while (p < t.size() && isWs(t[p]))
        ++p;
    return p;
}

// p at the opening quote; returns the position after the closing quote, or -1. Strings are most of a
// document's bytes: memchr finds the candidate quotes, the backslashes before one say whether it is escaped.
qsizetype skipString(QByteArrayView t, qsizetype p)
{
    const char *const data = t.data();
    qsizetype from = p + 1;
    while (from < t.size()) {
        const void *hit = std::memchr(data + from, '"', size_t(t.size() - from));
        if (!hit)
            return -1;
        const qsizetype q = static_cast<const char *>(hit) - data;
        qsizetype backslashes = 0;
        while (q - 1 - backslashes > p && data[q - 1 - backslashes] == '\\')
            ++backslashes;
        if (backslashes % 2 == 0)
            return q + 1;
        from = q + 1;
    }
    return -1;
}

qsizetype skipValue(QByteArrayView t, qsizetype p)
{
    if (p >= t.size())
        return -1;
    const char c = t[p];
    if (c == '"')
        return skipString(t, p);
    if (c == '{' || c == '[') {
        int depth = 0;
        while (p < t.size()) {
            const char d = t[p];
            if (d == '"') {
                p = skipString(t, p);
                if (p < 0)
                    return -1;
                continue;
            }
            if (d == '{' || d == '[')
                ++depth;
            else if (d == '}' || d == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            ++p;
        }
        return -1;
    }
    while (p < t.size() && t[p] != ',' && t[p] != '}' && t[p] != ']' && !isWs(t[p]))
        ++p;
    return p;
}

// Scans the object starting at begin ('{' after optional whitespace). open gets the position of '{'.
bool scanObject(QByteArrayView t, qsizetype begin, qsizetype *open, QVector<Member> *members)
{
    qsizetype p = skipWs(t, begin);
    if (p >= t.size() || t[p] != '{')
        return false;
    *open = p;
    p = skipWs(t, p + 1);
    if (p < t.size() && t[p] == '}')
        return true;
    while (p < t.size()) {
        if (t[p] != '"')
            return false;
        const qsizetype keyEnd = skipString(t, p);
        if (keyEnd < 0)
            return false;
        Member m;
        m.key = t.sliced(p + 1, keyEnd - p - 2);
        p = skipWs(t, keyEnd);
        if (p >= t.size() || t[p] != ':')
            return false;
        p = skipWs(t, p + 1);
        m.valueBegin = p;
        p = skipValue(t, p);
        if (p < 0)
            return false;
        m.valueEnd = p;
        members->append(m);
        p = skipWs(t, p);
        if (p >= t.size())
            return false;
        if (t[p] == '}')
            return true;
        if (t[p] != ',')
            return false;
        p = skipWs(t, p + 1);
    }
    return false;
}

bool hasKey(const QVector<Member> &members, QByteArrayView key)
{
    return std::any_of(members.cbegin(), members.cend(), [key](const Member &m) { return m.key == key; });
}

const Member *findKey(const QVector<Member> &members, QByteArrayView key)
{
    for (const Member &m : members) {
        if (m.key == key)
            return &m;
    }
    return nullptr;
}

QByteArray jsonString(const QString &text)
{
    return QByteArray::fromStdString(Json(text.toStdString()).dump());
}

// Falco's names for the output_fields the pipeline renamed (PIPELINE.md §8.4), keyed by the ECS-side path.
const std::pair<const char *, const char *> kRenamedFields[] = {
    {"client.ip", "fd.cip"},
    {"server.ip", "fd.sip"},
    {"source.ip", "fd.lip"},
    {"destination.ip", "fd.rip"},
    {"process.pid", "proc.pid"},
    {"process.parent.pid", "proc.ppid"},
    {"process.session_leader.pid", "proc.sid"},
    {"process.group_leader.vpid", "proc.vpgid"},
    {"container.image.name", "container.image"},
    {"event.time", "evt.time"},
    {"syslog_facility", "syslog.facility"},
    {"syslog_severity", "syslog.severity"},
};

void flattenInto(const Json &value, const std::string &prefix, Json &out)
{
    if (value.is_object() && !value.empty()) {
        for (auto it = value.begin(); it != value.end(); ++it)
            flattenInto(it.value(), prefix.empty() ? it.key() : prefix + '.' + it.key(), out);
        return;
    }
    std::string key = prefix;
    for (const auto &[ecs, falco] : kRenamedFields) {
        if (key == ecs) {
            key = falco;
            break;
        }
    }
    Json v = value;
    // The pipeline overwrote evt.time.iso8601 (ns since the epoch) with milliseconds; Falco sends ns.
    if (key == "evt.time.iso8601" && v.is_number_integer() && v.get<qint64>() < 100000000000000LL)
        v = v.get<qint64>() * 1000000LL;
    out[key] = std::move(v);
}

// A Falco alert object: has at least one of Falco's own top-level keys.
bool looksLikeFalcoAlert(const Json &j)
{
    return j.is_object() && (j.contains("output") || j.contains("rule")) && (j.contains("priority") || j.contains("time"));
}

} // namespace

BulkEncoder::BulkEncoder(const ForwardConfig &config)
    : m_mode(config.mode)
    , m_index(config.targetIndex())
    , m_indexJson(jsonString(m_index))
    , m_addDataStream(config.mode == ForwardConfig::Mode::Ecs && config.isDefaultDataStream())
    , m_namespace(config.namespaceName.toUtf8())
{
    m_dataStreamJson = QByteArrayLiteral("\"data_stream\":{\"type\":\"logs\",\"dataset\":\"falco.alerts\",\"namespace\":")
        + jsonString(config.namespaceName) + '}';
}

QByteArray BulkEncoder::documentId(QByteArrayView dedupeKey)
{
    return QCryptographicHash::hash(dedupeKey, QCryptographicHash::Sha256).left(20).toHex();
}

QByteArray BulkEncoder::bulkPath() const
{
    // filter_path keeps the response to what the decision needs; ES ignores it for the fields it lacks.
    QByteArray path = QByteArrayLiteral("/_bulk?filter_path=errors,items.*.status,items.*.error,items.*._id");
    if (m_mode == ForwardConfig::Mode::Ecs)
        path += QByteArrayLiteral("&pipeline=_none");
    return path;
}

void BulkEncoder::appendActionLine(const QByteArray &documentId, QByteArray *body) const
{
    *body += QByteArrayLiteral("{\"create\":{\"_index\":");
    *body += m_indexJson;
    *body += QByteArrayLiteral(",\"_id\":\"");
    *body += documentId;
    *body += QByteArrayLiteral("\"}}\n");
}

QByteArray BulkEncoder::encodeDocument(QByteArrayView ecsJson, QString *error) const
{
    QByteArray out;
    if (!appendDocument(ecsJson, &out, error))
        return {};
    return out;
}

bool BulkEncoder::appendDocument(QByteArrayView ecsJson, QByteArray *body, QString *error) const
{
    const qsizetype start = body->size();
    if (m_mode == ForwardConfig::Mode::Raw) {
        const QByteArray raw = rawFalcoJson(ecsJson, error);
        if (raw.isEmpty())
            return false;
        *body += raw;
        return true;
    }

    qsizetype open = 0;
    QVector<Member> members;
    members.reserve(32);
    if (!scanObject(ecsJson, 0, &open, &members)) {
        if (error)
            *error = QStringLiteral("the stored document is not a JSON object");
        return false;
    }
    // The stored bytes are copied as they are (no re-serialisation): at most a few members are spliced in.
    QByteArray &out = *body;
    if (!m_addDataStream) {
        out += ecsJson;
    } else {
        const bool empty = members.isEmpty();
        QByteArray head;   // inserted right after the opening brace
        if (!hasKey(members, "data_stream") && !hasKey(members, "data_stream.dataset"))
            head += m_dataStreamJson + ',';
        const Member *event = findKey(members, "event");
        QByteArray eventFields;   // inserted after the event object's opening brace
        qsizetype eventOpen = -1;
        bool eventEmpty = false;
        const bool dottedDataset = hasKey(members, "event.dataset");
        const bool dottedModule = hasKey(members, "event.module");
        if (!event) {
            QByteArray fields;
            if (!dottedDataset)
                fields += QByteArrayLiteral("\"dataset\":\"falco.alerts\"");
            if (!dottedModule)
                fields += (fields.isEmpty() ? "" : ",") + QByteArrayLiteral("\"module\":\"falco\"");
            if (!fields.isEmpty())
                head += QByteArrayLiteral("\"event\":{") + fields + QByteArrayLiteral("},");
        } else {
            QVector<Member> eventMembers;
            if (scanObject(ecsJson, event->valueBegin, &eventOpen, &eventMembers)) {
                eventEmpty = eventMembers.isEmpty();
                if (!hasKey(eventMembers, "dataset") && !dottedDataset)
                    eventFields += QByteArrayLiteral("\"dataset\":\"falco.alerts\",");
                if (!hasKey(eventMembers, "module") && !dottedModule)
                    eventFields += QByteArrayLiteral("\"module\":\"falco\",");
                if (eventEmpty && !eventFields.isEmpty())
                    eventFields.chop(1);
            } else {
                eventOpen = -1;
            }
        }
        if (empty && !head.isEmpty())
            head.chop(1);
        out += ecsJson.first(open + 1);
        out += head;
        if (eventOpen > open && !eventFields.isEmpty()) {
            out += ecsJson.sliced(open + 1, eventOpen + 1 - (open + 1));
            out += eventFields;
            out += ecsJson.sliced(eventOpen + 1);
        } else {
            out += ecsJson.sliced(open + 1);
        }
    }
    // NDJSON: a document is one line. Raw newlines can only be whitespace between tokens in valid JSON.
    const qsizetype end = out.size();
    if (QByteArrayView(out).sliced(start).indexOf('\n') >= 0 || QByteArrayView(out).sliced(start).indexOf('\r') >= 0) {
        char *data = out.data();
        std::replace_if(data + start, data + end, [](char c) { return c == '\n' || c == '\r'; }, ' ');
    }
    return true;
}

QByteArray BulkEncoder::rawFalcoJson(QByteArrayView ecsJson, QString *error)
{
    const Json doc = Json::parse(ecsJson.begin(), ecsJson.end(), nullptr, false);
    if (!doc.is_object()) {
        if (error)
            *error = QStringLiteral("the stored document is not a JSON object");
        return {};
    }
    // 1. event.original, when it is (or ends in) the Falco JSON line: exact.
    const Json *original = nullptr;
    if (auto ev = doc.find("event"); ev != doc.end() && ev->is_object()) {
        if (auto o = ev->find("original"); o != ev->end() && o->is_string())
            original = &*o;
    }
    if (auto o = doc.find("event.original"); !original && o != doc.end() && o->is_string())
        original = &*o;
    if (original) {
        const std::string &text = original->get_ref<const std::string &>();
        const auto brace = text.find('{');
        if (brace != std::string::npos) {
            const Json falco = Json::parse(text.begin() + std::ptrdiff_t(brace), text.end(), nullptr, false);
            if (looksLikeFalcoAlert(falco)) {
                // Sidekick-direct originals are the JSON of the falco object, Falco lines are the alert itself.
                return QByteArray::fromStdString(falco.dump(-1, ' ', false, Json::error_handler_t::replace));
            }
        }
    }
    // 2. Rebuild Falcosidekick's payload from the falco object.
    const auto falco = doc.find("falco");
    if (falco == doc.end() || !falco->is_object()) {
        if (error)
            *error = QStringLiteral("raw mode: the document has neither event.original nor a falco object");
        return {};
    }
    Json raw = Json::object();
    for (const char *key : {"uuid", "output", "priority", "rule", "time", "source", "tags", "hostname"}) {
        if (auto it = falco->find(key); it != falco->end() && !it->is_null())
            raw[key] = *it;
    }
    Json fields = Json::object();
    if (auto of = falco->find("output_fields"); of != falco->end() && of->is_object())
        flattenInto(*of, std::string(), fields);
    raw["output_fields"] = std::move(fields);
    if (auto ts = doc.find("@timestamp"); ts != doc.end() && ts->is_string())
        raw["@timestamp"] = *ts;
    if (!looksLikeFalcoAlert(raw)) {
        if (error)
            *error = QStringLiteral("raw mode: the falco object has no rule, output, priority or time");
        return {};
    }
    return QByteArray::fromStdString(raw.dump(-1, ' ', false, Json::error_handler_t::replace));
}

qsizetype BulkEncoder::encode(const QVector<BulkSource> &sources, qsizetype from, int maxDocs, qint64 maxBytes,
                              BulkRequest *request, QVector<BulkEncodeFailure> *failures) const
{
    return encode(sources, from, sources.size(), maxDocs, maxBytes, request, failures);
}

qsizetype BulkEncoder::encode(const QVector<BulkSource> &sources, qsizetype from, qsizetype to, int maxDocs,
                              qint64 maxBytes, BulkRequest *request, QVector<BulkEncodeFailure> *failures) const
{
    QByteArray &body = request->body;
    if (body.capacity() < std::min<qint64>(maxBytes, 64LL * 1024 * 1024))
        body.reserve(qsizetype(std::min<qint64>(maxBytes, 64LL * 1024 * 1024)) + 4096);
    qsizetype i = from;
    to = std::min(to, sources.size());
    for (; i < to && request->size() < maxDocs; ++i) {
        const BulkSource &source = sources[i];
        const qsizetype before = body.size();
        const QByteArray id = documentId(source.dedupeKey);
        appendActionLine(id, &body);
        QString error;
        if (!appendDocument(source.ecsJson, &body, &error)) {
            body.truncate(before);
            if (failures)
                failures->append({source.alertId, error});
            continue;
        }
        body += '\n';
        if (request->size() > 0 && body.size() > maxBytes) {
            body.truncate(before);
            break;
        }
        request->alertIds.append(source.alertId);
        request->documentIds.append(id);
    }
    return i;
}

} // namespace fe
