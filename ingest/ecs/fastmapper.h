// SPDX-License-Identifier: Apache-2.0
#pragma once

// The fast path: the same document and alert as Pipeline for the usual Falco / Falcosidekick alert, written
// straight in its final key order instead of built by moving members around a tree. It takes an alert whose
// top-level keys are Falco's own (each once, no "@timestamp"), whose output_fields is an object of dotted
// keys with non-object values, and no --set extras; anything else, and anything the pipeline would turn into
// a pipeline_error, goes to Pipeline (FastMapper::run returns false before it has produced anything).
// Every step below names the Pipeline step it mirrors: a change there must be made here too (tst_mapperpaths
// and `bench_mapper --digest` compare both paths).

#include "ingest/ecs/ecsmapper.h"
#include "ingest/ecs/ecsvalue.h"
#include "ingest/decode/envelope.h"
#include "ingest/ecs/mapsteps.h"

#include <simdjson.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

namespace fe::ecs {

// The ECS fields the fast path sets after `falco`, and the ordered tree that holds them (fastmapper.cpp).
enum OutNode : std::uint8_t;
class OutTree;

// Top-level keys of a Falco alert (the `moved` list of the Sidekick-direct shape).
enum FalcoKey : std::uint8_t { KUuid, KOutput, KPriority, KRule, KTime, KOutputFields, KSource, KTags, KHostname, KCount };

// Where the dots of an output_fields key are.
struct KeyDots
{
    std::uint8_t count = 0;
    std::uint8_t at[7] = {};
};

// The FalcoKey of a top-level key, -1 for any other key.
int falcoKeyOf(std::string_view key);
// The dots of an output_fields key, found once: false when the key has none, an empty segment, or more than
// this path takes (such a key goes to Pipeline).
inline bool scanDots(std::string_view key, KeyDots *dots)
{
    const size_t n = key.size();
    if (n < 3 || n > 255 || key[0] == '.' || key[n - 1] == '.')
        return false;
    dots->count = 0;
    // Eight bytes at a time: a byte of w ^ "........" is zero where w has a dot (marked exactly, without the carries
    // of the shorter test).
    constexpr std::uint64_t kDots = 0x2E2E2E2E2E2E2E2EULL;
    constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
    size_t previous = ~size_t(0) - 1;   // the last dot (none yet)
    const auto add = [dots, &previous](size_t at) {
        if (at == previous + 1 || dots->count == sizeof dots->at)
            return false;   // an empty segment, or too many dots
        dots->at[dots->count++] = std::uint8_t(at);
        previous = at;
        return true;
    };
    if constexpr (std::endian::native == std::endian::little) {
        size_t i = 0;
        for (; i < n; i += 8) {
            std::uint64_t w;
            size_t skip = 0;   // bytes of w already looked at (the last word overlaps the one before)
            if (i + 8 <= n) {
                std::memcpy(&w, key.data() + i, 8);
            } else if (n >= 8) {
                skip = i + 8 - n;
                i = n - 8;
                std::memcpy(&w, key.data() + i, 8);
            } else {
                w = 0;
                std::memcpy(&w, key.data(), n);
            }
            const std::uint64_t x = w ^ kDots;
            std::uint64_t marks = ~(((x & kLow7) + kLow7) | x | kLow7);
            marks &= ~std::uint64_t(0) << (8 * skip);
            if (n < 8)
                marks &= (std::uint64_t(1) << (8 * n)) - 1;
            for (; marks; marks &= marks - 1) {
                if (!add(i + size_t(std::countr_zero(marks) / 8)))
                    return false;
            }
        }
    } else {
        for (size_t i = 1; i + 1 < n; ++i) {
            if (key[i] == '.' && !add(i))
                return false;
        }
    }
    return dots->count > 0;
}

// Step 5's keys, expanded before the others, and where step 6 renames each (the same index; a dotted path).
constexpr std::string_view kExpandFirst[] = {
    "container.image", "fd.cip", "fd.sip", "fd.lip", "fd.rip", "proc.ppid", "proc.pid", "proc.sid",
    "proc.vpgid", "evt.time", "syslog.facility", "syslog.severity"};
constexpr std::string_view kRenamedTo[] = {
    "container.image.name", "client.ip", "server.ip", "source.ip", "destination.ip", "process.parent.pid",
    "process.pid", "process.session_leader.pid", "process.group_leader.vpid", "event.time", "syslog_facility",
    "syslog_severity"};
static_assert(std::size(kExpandFirst) == std::size(kRenamedTo));
// kExpandFirst's index of key, -1 when it is not one of them.
int expandFirstIndex(std::string_view key);

// A Bloom filter (one hash) of the paths in output_fields: "certainly not there" without a scan.
class PathFilter
{
public:
    // The hash of path + "." + seg from the hash of path (0 for the root).
    static std::uint64_t hash(std::uint64_t path, std::uint64_t segTag)
    {
        return ((path ^ segTag) + 0x632BE59BD9B4E019ULL) * 0x9E3779B97F4A7C15ULL;
    }
    bool mayHave(std::uint64_t h) const { return m_bits[h >> 58] & (std::uint64_t(1) << ((h >> 52) & 63)); }
    void add(std::uint64_t h) { m_bits[h >> 58] |= std::uint64_t(1) << ((h >> 52) & 63); }
    // Adds path and all its prefixes.
    void addPath(Path path)
    {
        std::uint64_t h = 0;
        for (std::string_view seg : path) {
            h = hash(h, EcsValue::Member::keyTag(seg));
            add(h);
        }
    }

private:
    std::uint64_t m_bits[64] = {};
};

class FastMapper
{
public:
    FastMapper(const MapOptions &options, const Envelope &env)
        : m_options(options), m_env(env)
    {
    }

    // False: not this path's input (nothing was produced; use Pipeline).
    bool run(simdjson::dom::object root, MapResult *result);

private:
    struct Field
    {
        std::string_view key;
        EcsValue value;
        KeyDots dots;
    };
    bool expand(const Field &field);
    bool rename(Path from, Path to);
    const EcsValue *ofFind(Path path) const { return m_of.find(path); }
    // group's member at key (or key / sub), inline: the keys are literals, so their tags are constants.
    static const EcsValue *in(const EcsValue *group, std::string_view key)
    {
        if (!group || !group->isObject())
            return nullptr;
        const std::uint64_t tag = EcsValue::Member::keyTag(key);
        for (const EcsValue::Member &m : group->members()) {
            if (m.tag == tag && sameKey(m.first, key))
                return &m.second;
        }
        return nullptr;
    }
    static const EcsValue *in(const EcsValue *group, std::string_view key, std::string_view sub)
    {
        return in(in(group, key), sub);
    }
    void copy(const EcsValue *v, OutNode to);
    bool outputFields(simdjson::dom::object of);
    bool classify();
    bool timestamp();
    bool hostAndProcess();
    void containerFileNetwork();
    void cleanUp();
    void write(std::string &buffer, std::size_t *size) const;
    void fillAlert(Alert &alert) const;

    const MapOptions &m_options;
    const Envelope &m_env;
    std::string_view m_keys[KCount];   // the top-level members in input order (by FalcoKey)
    FalcoKey m_order[KCount];
    int m_count = 0;
    EcsValue m_falco[KCount];
    bool m_has[KCount] = {};
    EcsValue m_of = EcsValue::object();
    // The top-level member of m_of last expanded into (neighbouring keys share it) and its path's hash.
    struct Top
    {
        std::string_view key;
        EcsValue *value = nullptr;
        std::uint64_t hash = 0;
    };
    Top m_top;
    PathFilter m_paths;
    OutTree &m_out = outTree();
    // event.* (step order: kind, category, type, outcome, ingested, severity, sequence, provider)
    std::string_view m_category;
    std::string_view m_type;
    std::string_view m_outcome;
    EcsValue m_ingested;
    int m_severity = 0;
    EcsValue m_sequence;
    bool m_hasSequence = false;
    EcsValue m_provider;
    bool m_hasProvider = false;
    qint64 m_timestampMs = 0;
    bool m_eventTime = false;

    // The calling thread's tree, cleared.
    static OutTree &outTree();
};

} // namespace fe::ecs
