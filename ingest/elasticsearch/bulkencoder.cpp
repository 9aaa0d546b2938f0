// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/bulkencoder.h"

#include "ingest/ecs/sha256.h"

#include <QVarLengthArray>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fe {

namespace {

using Json = nlohmann::json;

// A minimal scanner over one JSON object's direct members. The documents come from our own mapper, so
// this only has to find member boundaries (strings with escapes, nesting), not validate every token;
// it is much cheaper than a full parse, which matters at tens of thousands of documents a second.
struct Member
{
    QByteArrayView key;   // raw bytes between the quotes
    qsizetype valueBegin = 0;
    qsizetype valueEnd = 0;
};
// An ECS document has a few dozen top-level members at most: no heap allocation per document.
using Members = QVarLengthArray<Member, 48>;

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

// The first '"' or '\\' at or after p (n when none). Strings are most of a document's bytes: 16 at a time.
qsizetype findQuoteOrBackslash(const char *d, qsizetype p, qsizetype n)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    for (; p + 16 <= n; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(d + p));
        const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (mask != 0)
            return p + __builtin_ctz(unsigned(mask));
    }
#endif
    for (; p < n; ++p) {
        if (d[p] == '"' || d[p] == '\\')
            return p;
    }
    return n;
}

// The first of '"', '{', '}', '[', ']' at or after p (n when none).
qsizetype findStructural(const char *d, qsizetype p, qsizetype n)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i open = _mm_set1_epi8('{');
    const __m128i close = _mm_set1_epi8('}');
    const __m128i lower = _mm_set1_epi8(0x20);   // '[' | 0x20 == '{', ']' | 0x20 == '}', and nothing else maps there
    for (; p + 16 <= n; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(d + p));
        const __m128i l = _mm_or_si128(v, lower);
        const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_or_si128(_mm_cmpeq_epi8(l, open), _mm_cmpeq_epi8(l, close)));
        if (const int mask = _mm_movemask_epi8(hit); mask != 0)
            return p + __builtin_ctz(unsigned(mask));
    }
#endif
    for (; p < n; ++p) {
        const char c = d[p];
        if (c == '"' || c == '{' || c == '}' || c == '[' || c == ']')
            return p;
    }
    return n;
}

// p at the opening quote; returns the position after the closing quote, or -1.
qsizetype skipString(QByteArrayView t, qsizetype p)
{
    const char *const d = t.data();
    const qsizetype n = t.size();
    ++p;
    for (;;) {
        p = findQuoteOrBackslash(d, p, n);
        if (p >= n)
            return -1;
        if (d[p] == '"')
            return p + 1;
        p += 2;   // an escape: the next byte is never the closing quote (\uXXXX holds hex digits only)
    }
}

qsizetype skipValue(QByteArrayView t, qsizetype p)
{
    if (p >= t.size())
        return -1;
    const char c = t[p];
    if (c == '"')
        return skipString(t, p);
    if (c == '{' || c == '[') {
        const char *const d = t.data();
        const qsizetype n = t.size();
        int depth = 0;
        for (;;) {
            p = findStructural(d, p, n);
            if (p >= n)
                return -1;
            const char s = d[p];
            if (s == '"') {
                p = skipString(t, p);
                if (p < 0)
                    return -1;
                continue;
            }
            if (s == '{' || s == '[')
                ++depth;
            else if (--depth == 0)
                return p + 1;
            ++p;
        }
    }
    while (p < t.size() && t[p] != ',' && t[p] != '}' && t[p] != ']' && !isWs(t[p]))
        ++p;
    return p;
}

// Scans the object starting at begin ('{' after optional whitespace). open gets the position of '{'.
bool scanObject(QByteArrayView t, qsizetype begin, qsizetype *open, Members *members)
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

bool hasKey(const Members &members, QByteArrayView key)
{
    return std::any_of(members.cbegin(), members.cend(), [key](const Member &m) { return m.key == key; });
}

const Member *findKey(const Members &members, QByteArrayView key)
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

// Falco's names for the output_fields the integration's pipeline renamed, keyed by the ECS-side path.
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
    // The first 20 bytes of the digest are its first 40 hex digits (sha256Hex uses the CPU's SHA extensions).
    QByteArray id = sha256Hex(dedupeKey);
    id.truncate(40);
    return id;
}

QByteArray BulkEncoder::bulkPath() const
{
    // filter_path keeps the response to what the decision needs (items answer in request order: no _id needed),
    // ~25 bytes per created document; ES ignores it for the fields it lacks.
    QByteArray path = QByteArrayLiteral("/_bulk?filter_path=errors,items.*.status,items.*.error");
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
    Members members;
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
        const bool addDataStream = !hasKey(members, "data_stream") && !hasKey(members, "data_stream.dataset");
        const bool dottedDataset = hasKey(members, "event.dataset");
        const bool dottedModule = hasKey(members, "event.module");
        const Member *event = findKey(members, "event");
        // Without an event object: one is added after the opening brace. With one: the missing fields go right
        // after the event object's own opening brace.
        bool addDataset = !dottedDataset;
        bool addModule = !dottedModule;
        qsizetype eventOpen = -1;
        bool eventEmpty = false;
        if (event) {
            Members eventMembers;
            if (scanObject(ecsJson, event->valueBegin, &eventOpen, &eventMembers)) {
                eventEmpty = eventMembers.isEmpty();
                addDataset = addDataset && !hasKey(eventMembers, "dataset");
                addModule = addModule && !hasKey(eventMembers, "module");
            } else {
                eventOpen = -1;   // "event" is not an object: left alone
                addDataset = addModule = false;
            }
        }
        const bool addEventObject = !event && (addDataset || addModule);
        const auto eventFields = [&] {
            if (addDataset)
                out += QByteArrayView("\"dataset\":\"falco.alerts\"");
            if (addModule)
                out += addDataset ? QByteArrayView(",\"module\":\"falco\"") : QByteArrayView("\"module\":\"falco\"");
        };
        out += ecsJson.first(open + 1);
        if (addDataStream) {
            out += m_dataStreamJson;
            if (addEventObject || !members.isEmpty())
                out += ',';
        }
        if (addEventObject) {
            out += QByteArrayView("\"event\":{");
            eventFields();
            out += members.isEmpty() ? QByteArrayView("}") : QByteArrayView("},");
        }
        if (eventOpen > open && (addDataset || addModule)) {
            out += ecsJson.sliced(open + 1, eventOpen + 1 - (open + 1));
            eventFields();
            if (!eventEmpty)
                out += ',';
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
