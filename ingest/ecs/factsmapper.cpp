// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/factsmapper.h"

#include "ingest/ecs/fastmapper.h"
#include "ingest/ecs/mapsteps.h"
#include "ingest/ecs/sha256.h"
#include "ingest/ecs/textcache.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>

namespace fe::ecs {

namespace {

// The output_fields members the columns come from (or that decide whether the alert maps), by their path once
// output_fields is expanded and renamed (steps 5-7).
enum Fact {
    FContainerId, FContainerName, FImageName, FImageRepository, FImageTag, FPodName, FNamespace, FProcName,
    FUserName, FDuration, FTimeIso, FTimeRaw, FEventTime, FCount
};
constexpr std::string_view kFactPaths[FCount] = {
    "container.id", "container.name", "container.image.name", "container.image.repository", "container.image.tag",
    "k8s.pod.name", "k8s.ns.name", "proc.name", "user.name", "proc.duration", "evt.time.iso8601", "evt.time.rawtime",
    "event.time"};

// The kExpandFirst keys whose renamed value is a fact.
constexpr int kImageIndex = 0;       // container.image → container.image.name
constexpr int kEvtTimeIndex = 9;     // evt.time → event.time
static_assert(kExpandFirst[kImageIndex] == "container.image" && kRenamedTo[kImageIndex] == kFactPaths[FImageName]);
static_assert(kExpandFirst[kEvtTimeIndex] == "evt.time" && kRenamedTo[kEvtTimeIndex] == kFactPaths[FEventTime]);

// Of the paths of one segment, only the targets of 15 bytes are special (see outputFields()).
constexpr bool oneSegmentPathsAre15()
{
    for (std::string_view path : kRenamedTo) {
        if (path.find('.') == std::string_view::npos && path.size() != 15)
            return false;
    }
    for (std::string_view path : kFactPaths) {
        if (path.find('.') == std::string_view::npos)
            return false;
    }
    return true;
}
static_assert(oneSegmentPathsAre15());

// What an output_fields path means here: a kExpandFirst key, a fact's path, a kRenamedTo target (a member there or
// below clashes with the renamed value) or a parent of targets (a value there clashes with them).
struct Special
{
    std::string_view path;
    int expandFirst = -1;       // kExpandFirst index
    int fact = -1;              // Fact
    unsigned target = 0;        // the kRenamedTo index's bit
    unsigned aboveTargets = 0;  // the bits of the kRenamedTo paths below it
};

// The Specials by path, in a small open-addressing table found by the paths' key tags.
class Specials
{
public:
    Specials()
    {
        for (size_t i = 0; i < std::size(kExpandFirst); ++i)
            entry(kExpandFirst[i]).expandFirst = int(i);
        for (int f = 0; f < FCount; ++f)
            entry(kFactPaths[f]).fact = f;
        for (size_t i = 0; i < std::size(kRenamedTo); ++i) {
            const std::string_view target = kRenamedTo[i];
            entry(target).target = 1u << i;
            // Its parents of two segments or more (a member's key has a dot).
            const size_t first = target.find('.');
            for (size_t dot = target.rfind('.'); dot != std::string_view::npos && dot > first; dot = target.rfind('.', dot - 1))
                entry(target.substr(0, dot)).aboveTargets |= 1u << i;
        }
        for (Slot &slot : m_slots)
            slot = Slot();
        for (size_t e = 0; e < m_count; ++e) {
            const std::uint64_t tag = EcsValue::Member::keyTag(m_entries[e].path);
            size_t i = index(tag);
            while (m_slots[i].entry)
                i = (i + 1) % s_size;
            m_slots[i] = {tag, &m_entries[e]};
        }
    }

    const Special *find(std::string_view path) const
    {
        const std::uint64_t tag = EcsValue::Member::keyTag(path);
        for (size_t i = index(tag);; i = (i + 1) % s_size) {
            const Slot &slot = m_slots[i];
            if (!slot.entry)
                return nullptr;
            if (slot.tag == tag && sameKey(slot.entry->path, path))
                return slot.entry;
        }
    }

private:
    Special &entry(std::string_view path)
    {
        for (size_t e = 0; e < m_count; ++e) {
            if (m_entries[e].path == path)
                return m_entries[e];
        }
        Q_ASSERT(m_count < std::size(m_entries));
        m_entries[m_count].path = path;
        return m_entries[m_count++];
    }
    static size_t index(std::uint64_t tag) { return size_t((tag * 0x9E3779B97F4A7C15ULL) >> 57); }

    static constexpr size_t s_size = 128;   // index() gives 7 bits
    struct Slot
    {
        std::uint64_t tag = 0;
        const Special *entry = nullptr;
    };
    Special m_entries[48];
    size_t m_count = 0;
    Slot m_slots[s_size];
};

const Specials s_specials;

// The length of the common prefix of a and b.
size_t commonPrefix(std::string_view a, std::string_view b)
{
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    if constexpr (std::endian::native == std::endian::little) {
        for (; i + 8 <= n; i += 8) {
            std::uint64_t x, y;
            std::memcpy(&x, a.data() + i, 8);
            std::memcpy(&y, b.data() + i, 8);
            if (x != y)
                return i + size_t(std::countr_zero(x ^ y) / 8);
        }
    }
    for (; i < n; ++i) {
        if (a[i] != b[i])
            return i;
    }
    return n;
}

// Tells whether the expanded paths of output_fields, given one at a time in strictly increasing byte order, clash:
// one equal to another, or one below a path that holds a value (what FastMapper::expand hands to Pipeline). Sorted,
// a path's prefixes come before it and everything between a prefix and the path starts with that prefix: a stack of
// the earlier paths that are prefixes of the last one is all it takes.
class SortedClashCheck
{
public:
    // False: path is not greater than the last one (unsorted() tells), clashes with an earlier one, or the stack
    // is full.
    bool add(std::string_view path, const KeyDots &)
    {
        if (m_depth > 0) {
            const std::string_view top = m_stack[m_depth - 1];
            const size_t i = commonPrefix(top, path);
            if (i == path.size() || (i < top.size() && static_cast<unsigned char>(path[i]) < static_cast<unsigned char>(top[i]))) {
                m_unsorted = true;   // path <= top
                return false;
            }
            if (i < top.size()) {
                // Each path on the stack is a prefix of the one above it: those longer than i are no prefix of path
                // (nor of any later path).
                while (m_depth > 0 && m_stack[m_depth - 1].size() > i)
                    --m_depth;
            }
            // The shorter prefixes were checked against top, whose byte after them path shares.
            if (m_depth > 0 && m_stack[m_depth - 1].size() == i && path[i] == '.')
                return false;
        }
        if (m_depth == std::size(m_stack))
            return false;
        m_stack[m_depth++] = path;
        return true;
    }

    bool unsorted() const { return m_unsorted; }

private:
    std::string_view m_stack[16];
    size_t m_depth = 0;
    bool m_unsorted = false;
};

// The same for paths in any order: every path and its prefixes in a hash table, marked as holding a value or as
// a parent. Paths that only share a hash count as a clash, and so does a table too full (the alert then takes
// FastMapper).
class HashedClashCheck
{
public:
    HashedClashCheck()
    {
        // A new generation empties the table without touching it.
        s_generation = (s_generation + 1) & s_generationMask;
        if (s_generation == 0) {
            std::fill(std::begin(s_slots), std::end(s_slots), 0);
            s_generation = 1;
        }
    }

    bool unsorted() const { return false; }
    bool add(std::string_view path, const KeyDots &dots)
    {
        std::uint64_t h = 0;
        size_t start = 0;
        for (size_t seg = 0; seg <= dots.count; ++seg) {
            const bool leaf = seg == dots.count;
            const size_t end = leaf ? path.size() : dots.at[seg];
            h = mix(h ^ segmentHash(path.data() + start, end - start));
            start = end + 1;
            // A slot: the hash's upper 48 bits, then the generation, then whether it holds a value (bit 0).
            const std::uint64_t key = (h & ~s_lowMask) | (std::uint64_t(s_generation) << 1);
            size_t i = size_t(h) & (s_size - 1);
            while (true) {
                const std::uint64_t slot = s_slots[i];
                if (((slot >> 1) & s_generationMask) != s_generation) {
                    if (++m_used > s_maxUsed)
                        return false;
                    s_slots[i] = key | (leaf ? 1 : 0);
                    break;
                }
                if ((slot & ~std::uint64_t(1)) == key) {
                    if (leaf || (slot & 1))
                        return false;   // the path is there already, or a value is where it needs a parent
                    break;
                }
                i = (i + 1) & (s_size - 1);
            }
        }
        return true;
    }

private:
    static constexpr size_t s_size = 512;   // a power of two, at most half of it in use: 4 KiB
    static constexpr size_t s_maxUsed = s_size / 2;
    static constexpr std::uint64_t s_lowMask = 0xFFFF;
    static constexpr std::uint32_t s_generationMask = 0x7FFF;

    static std::uint64_t mix(std::uint64_t x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
        return x ^ (x >> 31);
    }
    // A hash of n > 0 bytes at p that reads no byte past them: (length, words) determines the bytes before mixing.
    static std::uint64_t segmentHash(const char *p, size_t n)
    {
        std::uint64_t h = std::uint64_t(n) * 0x9E3779B97F4A7C15ULL;
        for (; n > 8; p += 8, n -= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            h = mix(h ^ w);
        }
        std::uint64_t tail = 0;
        if (n >= 4) {
            std::uint32_t a, b;
            std::memcpy(&a, p, 4);
            std::memcpy(&b, p + n - 4, 4);
            tail = (std::uint64_t(a) << 32) | b;
        } else {
            for (size_t i = 0; i < n; ++i)
                tail = (tail << 8) | static_cast<unsigned char>(p[i]);
        }
        return h ^ (tail * 0xD6E8FEB86659FD93ULL);
    }

    static thread_local std::uint64_t s_slots[s_size];
    static thread_local std::uint32_t s_generation;
    size_t m_used = 0;
};

thread_local std::uint64_t HashedClashCheck::s_slots[HashedClashCheck::s_size];
thread_local std::uint32_t HashedClashCheck::s_generation = 0;

enum class Scan { Ok, Unsorted, Refused };

// Steps 5-7 (FastMapper::outputFields) without the tree: each member's path once expanded and renamed, checked for
// clashes (Refused: FastMapper would hand the alert to Pipeline, or this path cannot tell) and for the facts.
template<typename Check>
Scan outputFields(simdjson::dom::object of, simdjson::dom::element (&facts)[FCount], bool (&found)[FCount])
{
    std::fill(std::begin(found), std::end(found), false);
    unsigned picked = 0;     // the kExpandFirst keys seen
    unsigned renamed = 0;    // ... and renamed (step 6 leaves a null where it is)
    unsigned clashes = 0;    // the renamed paths that other members' paths would clash with
    Check check;
    for (simdjson::dom::key_value_pair field : of) {
        const std::string_view key = field.key;
        KeyDots dots;
        if (field.value.type() == simdjson::dom::element_type::OBJECT || !scanDots(key, &dots))
            return Scan::Refused;
        const Special *exact = s_specials.find(key);
        if (const int i = exact ? exact->expandFirst : -1; i >= 0) {
            if (picked & (1u << i))
                return Scan::Refused;
            picked |= 1u << i;
            if (!field.value.is_null()) {
                renamed |= 1u << i;
                if (i == kImageIndex || i == kEvtTimeIndex) {
                    const Fact f = i == kImageIndex ? FImageName : FEventTime;
                    facts[f] = field.value;
                    found[f] = true;
                }
                continue;
            }
        }
        if (!check.add(key, dots))
            return check.unsorted() ? Scan::Unsorted : Scan::Refused;
        if (exact) {
            if (exact->fact >= 0) {
                facts[exact->fact] = field.value;
                found[exact->fact] = true;
            }
            clashes |= exact->target | exact->aboveTargets;
        }
        // The paths above it: only one of one segment is special (the single-segment targets, of 15 bytes).
        for (size_t d = dots.at[0] == 15 ? 0 : 1; d < dots.count; ++d) {
            if (const Special *above = s_specials.find(key.substr(0, dots.at[d]))) {
                if (above->fact >= 0)
                    return Scan::Refused;   // the fact would be an object
                clashes |= above->target;
            }
        }
    }
    return clashes & renamed ? Scan::Refused : Scan::Ok;
}

} // namespace

bool FactsMapper::run(simdjson::dom::object root, MapResult *result)
{
    // FastMapper::run's input checks.
    if (!m_options.extraFields.isEmpty())
        return false;
    simdjson::dom::object of;
    bool has[KCount] = {};
    EcsValue falco[KCount];
    for (simdjson::dom::key_value_pair field : root) {
        const int k = falcoKeyOf(field.key);
        if (k < 0 || has[k])
            return false;
        has[k] = true;
        if (k == KOutputFields) {
            if (field.value.get_object().get(of))
                return false;
        } else if (k != KOutput) {   // only the document holds the output
            falco[k] = convert(field.value);
        }
    }
    if (!has[KOutputFields] || !(has[KRule] || has[KOutput] || has[KPriority]))
        return false;
    if (of.size() > 512)
        return false;
    if (m_env.hasWrapperTime && !timeInRange(m_env.wrapperTimeMs))
        return false;

    simdjson::dom::element facts[FCount];
    bool found[FCount] = {};
    const Scan scan = outputFields<SortedClashCheck>(of, facts, found);
    if (scan == Scan::Refused || (scan == Scan::Unsorted && outputFields<HashedClashCheck>(of, facts, found) != Scan::Ok))
        return false;
    EcsValue factValues[FCount];
    const auto fact = [&](Fact f) -> const EcsValue * {
        if (!found[f])
            return nullptr;
        factValues[f] = convert(facts[f]);
        return &factValues[f];
    };

    // Step 14 (FastMapper::classify): a priority that is not a string is a pipeline_error.
    int severity = 0;
    if (has[KPriority] && !falco[KPriority].isNull()) {
        if (!falco[KPriority].isString())
            return false;
        severity = severityFor(lower(falco[KPriority].string()));
    }
    // Step 17 (FastMapper::timestamp, timestampSource).
    qint64 timestampMs = m_env.hasWrapperTime ? m_env.wrapperTimeMs
                                              : (m_options.readTimeMs > 0 ? m_options.readTimeMs : nowMs());
    bool eventTime = false;
    const EcsValue *source = nullptr;
    for (const Fact f : {FTimeIso, FTimeRaw, FEventTime}) {
        if (const EcsValue *v = fact(f); v && !v->isNull()) {
            source = v;
            break;
        }
    }
    if (source) {
        qint64 ms = 0;
        if (eventTimeMs(*source, &ms) != TimeValue::Valid)
            return false;   // a pipeline_error, or a time out of range (Pipeline warns)
        timestampMs = ms;
        eventTime = true;
    } else if (has[KTime] && falco[KTime].isString()) {
        qint64 ms = 0;
        switch (rfc3339Ms(falco[KTime].string(), &ms)) {
        case TimeValue::Valid:
            timestampMs = ms;
            eventTime = true;
            break;
        case TimeValue::OutOfRange: return false;   // Pipeline warns
        case TimeValue::Unparsable: break;
        }
    }
    // Step 29 (FastMapper::hostAndProcess): a duration that is no whole number is a pipeline_error.
    if (const EcsValue *d = fact(FDuration); d && !d->isNull()) {
        std::int64_t value = 0;
        if (!toLong(*d, &value))
            return false;
    }

    // FastMapper::fillAlert, each column from the value its step copies (a copy skips null and "").
    result->status = MapResult::Status::Alert;
    Alert &alert = result->alert;
    alert.timestampMs = timestampMs;
    alert.timeIsReceipt = !eventTime;
    alert.priority = priorityOf(has[KPriority] ? &falco[KPriority] : nullptr);
    if (severity > 0)
        alert.severity = severity;
    const auto copied = [](const EcsValue *v) { return v && !v->isEmptyValue() ? v : nullptr; };
    alert.rule = columnText(has[KRule] ? copied(&falco[KRule]) : nullptr, 0);
    alert.hostname = columnText(has[KHostname] ? copied(&falco[KHostname]) : nullptr, 1);
    alert.source = columnText(has[KSource] ? copied(&falco[KSource]) : nullptr, 2);
    alert.uuid = stringOf(has[KUuid] ? &falco[KUuid] : nullptr, false);
    alert.containerId = columnText(copied(fact(FContainerId)), 3);
    alert.containerName = columnText(copied(fact(FContainerName)), 4);
    alert.containerImage = imageColumn(copied(fact(FImageName)), fact(FImageRepository), fact(FImageTag));
    alert.podName = columnText(copied(fact(FPodName)), 6);
    alert.namespaceName = columnText(copied(fact(FNamespace)), 7);
    alert.processName = columnText(copied(fact(FProcName)), 8);
    alert.userName = columnText(copied(fact(FUserName)), 9);
    if (has[KTags] && falco[KTags].isArray()) {
        setTagColumns(falco[KTags].items(), alert);
        const auto [technique, subtechnique] = findTechniques(falco[KTags].items());
        if (!technique.empty())
            alert.technique = textCache().text(technique, 30);
        if (!subtechnique.empty())
            alert.subtechnique = textCache().text(subtechnique, 31);
    }
    if (!alert.uuid.isEmpty()) {
        alert.dedupeKey.reserve(2 + alert.uuid.size());
        alert.dedupeKey.append("u:").append(alert.uuid.toUtf8());
    } else {
        alert.dedupeKey.reserve(66);
        alert.dedupeKey.append("h:").append(sha256Hex(toView(m_env.payload)));
    }
    return true;
}

} // namespace fe::ecs
