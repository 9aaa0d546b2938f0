// SPDX-License-Identifier: Apache-2.0
#pragma once

// The steps and tables that both mapper paths (Pipeline, FastMapper) share: value conversions, the
// integration's lookup tables (event.category and event.type from the syscall), event times, and the small text helpers their hot
// loops use. Internal to the mapper.

#include "ingest/ecs/ecsvalue.h"
#include "model/alerttime.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace fe::ecs {

using Path = EcsValue::Path;

constexpr std::string_view kTagPreserveOriginal = "preserve_original_event";
constexpr std::string_view kTagPreserveFalcoFields = "preserve_falco_fields";
constexpr std::string_view kMountsKey = "falco.container.mounts";
constexpr std::string_view kTechniqueKey = "threat.technique.id";
constexpr std::string_view kSubtechniqueKey = "threat.technique.subtechnique.id";

inline bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// s.find(c) for short text (keys): a plain loop, where string_view::find calls memchr.
inline std::size_t findChar(std::string_view s, char c)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == c)
            return i;
    }
    return std::string_view::npos;
}

// a == b for short keys without a memcmp call: overlapping word compares.
inline bool sameKey(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && sameBytes(a.data(), b.data(), a.size());
}

inline QByteArrayView toView(std::string_view s)
{
    return QByteArrayView(s.data(), qsizetype(s.size()));
}

inline QString toQString(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

template<std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view s)
{
    for (std::string_view x : list) {
        // First byte before the rest: string_view's == would call memcmp for every entry of s's length.
        if (x.size() == s.size() && !s.empty() && x[0] == s[0] && sameKey(x, s))
            return true;
    }
    return false;
}

// The pipeline's convert processor to long: integers as they are, doubles truncated, strings only when they are a
// whole decimal integer; false for anything else (the caller's pipeline_error).
bool toLong(const EcsValue &v, std::int64_t *out);

std::string_view trimmed(std::string_view s);

// "2024-05-07T18:54:19.341Z": the integration's @timestamp form (ms precision, UTC), as a string value in the
// arena.
EcsValue isoMs(qint64 ms);

// EcsValue(v.scalarText()) without the copy when v is a string already (strings are views that live as long
// as the tree).
EcsValue scalarTextValue(const EcsValue &v);

// A string value for header bytes of the line (which outlives the tree): a view when it is ASCII, else the
// text as QString::fromUtf8 reads it (invalid UTF-8 becomes U+FFFD), as the header's QStrings had it.
EcsValue headerText(QByteArrayView bytes);
// A string value for input bytes that are not JSON-validated (the whole TCP line, a CEF record: event.original): a
// view when they are UTF-8, else with invalid sequences replaced by U+FFFD, as Elastic Agent's JSON encoder writes
// them (a document must stay UTF-8 JSON whatever a peer sends).
EcsValue inputText(std::string_view bytes);

// EcsValue(text) for an option that repeats from line to line (the file path, the peer address): its UTF-8
// form is kept per thread and per option while the same text comes back.
struct Utf8Cache
{
    QString text;
    QByteArray utf8;
};
EcsValue repeatedText(const QString &text, Utf8Cache &cache);

qint64 nowMs();

// simdjson DOM → EcsValue (duplicate keys: the last one wins, as in Elasticsearch). Keys and strings are
// views into the parser's document, which stays as it is until mapLine returns.
EcsValue convert(simdjson::dom::element e);

// ASCII lower case.
std::string lower(std::string_view s);

// Step 8: whether lowered is an ECS event.category, else the category Falco's evt.category maps to.
bool isEcsCategory(std::string_view lowered);
std::string_view categoryFor(std::string_view c);
// Step 9: whether lowered is an ECS event.type, else the type a syscall name maps to.
bool isEcsType(std::string_view lowered);
std::string_view typeFor(std::string_view t);
// Step 14: event.severity of a lower-cased priority, 0 for none.
int severityFor(std::string_view lowered);

// Steps 12-13: the technique and the sub-technique of falco.tags, each from its own first matching tag (non-string
// tags are skipped).
struct Techniques
{
    std::string_view technique;
    std::string_view subtechnique;
};
Techniques findTechniques(const EcsValue::List<EcsValue> &tags);

// What Elasticsearch's `convert` to type ip accepts: an IPv4 dotted quad or an IPv6 address.
bool isValidIp(const EcsValue &v);

// Java's String.split(regex): trailing empty strings removed. At most kMaxSplitParts parts: the last one holds the rest
// of s unsplit (a real command line or environment has far fewer; a hostile 16 MiB one would otherwise become eight
// million parts, a few hundred MB once mapped).
constexpr std::size_t kMaxSplitParts = 100000;
std::vector<std::string_view> javaSplit(std::string_view s, bool onWhitespaceRun, char sep = ' ');

// The times an alert may carry (model/alerttime.h): the mapper ignores any other, falls back as it does when there
// is no time, and says so in MapResult::warning.
constexpr qint64 kMinTimeMs = kMinAlertTimeMs;
constexpr qint64 kMaxTimeMs = kMaxAlertTimeMs;
inline bool timeInRange(qint64 ms)
{
    return alertTimeInRange(ms);
}
enum class TimeValue { Valid, Unparsable, OutOfRange };

// Nanoseconds since the epoch (number, or digit-only string) or a date string → ms. Unparsable: what the
// integration's script fails on (a pipeline_error).
TimeValue eventTimeMs(const EcsValue &v, qint64 *ms);
// An RFC 3339 time (the alert's `time`, Sidekick-direct's @timestamp) → ms.
TimeValue rfc3339Ms(std::string_view text, qint64 *ms);

// The warning for times the mapper ignored (names: where they were, e.g. "evt.time").
QString ignoredTimesWarning(const QStringList &names);

// A JSON object may hold at most this many members (at any depth): more is no Falco alert, and the steps that look
// members up by key would cost the square of it. The mapper rejects such input with memberLimitError's text.
constexpr std::size_t kMaxObjectMembers = 10000;
// A JSON text may hold at most this many values (objects, arrays and scalars, at any depth): a real alert holds a few
// hundred, and each value costs a hundred bytes or more once mapped, so that a line of 16 MiB of tiny values (eight
// million) would take about a gigabyte.
constexpr std::size_t kMaxJsonValues = 100000;
// Empty when root (parsed from payloadSize bytes) holds at most kMaxJsonValues values and no object of it has more
// than kMaxObjectMembers members; else why the input is rejected, naming the object.
QString memberLimitError(simdjson::dom::element root, std::size_t payloadSize);

// Step 26: process.args = [proc.exepath, the words of proc.args split on single spaces]; null unless both are there.
EcsValue processArgs(const EcsValue *exepath, const EcsValue *args);

// Step 49: container.mounts ("src:dest:mode:rdrw:propagation ...", Falco's text) as an array of objects, one per
// mount; null when there are none (also for a value that is not a non-empty string).
EcsValue parseMounts(const EcsValue *text);

// Step 17's source (§4.5): evt.time.iso8601 (overwrite: it is written back as the parsed time), else
// evt.time.rawtime, else event.time (looked up only then); a null value does not count.
template <typename EventTime>
EcsValue *timestampSource(EcsValue *evtTime, EventTime eventTime, bool *overwrite)
{
    *overwrite = false;
    if (evtTime && evtTime->isObject()) {
        if (EcsValue *iso = evtTime->find("iso8601"); iso && !iso->isNull()) {
            *overwrite = true;
            return iso;
        }
        if (EcsValue *raw = evtTime->find("rawtime"); raw && !raw->isNull())
            return raw;
    }
    EcsValue *event = eventTime();
    return event && !event->isNull() ? event : nullptr;
}

} // namespace fe::ecs
