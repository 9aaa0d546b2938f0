// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsvalue.h"
#include "ingest/ecs/mapsteps.h"
#include "model/alert.h"

#include <QString>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace fe::ecs {

// The alert's short text columns (rule, host, image, namespace, process, user, tags...) repeat from alert to
// alert: one shared QString per distinct value and thread, so an alert holds references instead of a dozen
// allocations that its creation and its destruction (on the mapper thread too) would each pay. A small
// direct-mapped table: a collision just replaces the slot; long or empty text is not kept.
class TextCache
{
public:
    TextCache() : m_slots(s_slots) {}

    QString text(std::string_view s)
    {
        if (s.empty() || s.size() > s_maxLength)
            return toQString(s);
        return slot(s).text;
    }

    // text(s) through a memo of the slot last asked for in this column (an alert column, a tag position): a column
    // mostly repeats its last value, which is then found without hashing. The memo is the slot's address (a copy of
    // its QString would cost reference counting for every new value).
    QString text(std::string_view s, size_t column)
    {
        if (s.empty() || s.size() > s_maxLength || column >= s_columns)
            return text(s);
        const Slot *&recent = m_recent[column];
        if (recent && sameKey(recent->key, s))
            return recent->text;
        recent = &slot(s);
        return recent->text;
    }

private:
    static constexpr size_t s_slots = 4096;
    static constexpr size_t s_columns = 32;
    static constexpr size_t s_maxLength = 64;
    struct Slot
    {
        std::uint64_t hash = 0;
        std::string key;
        QString text;
    };
    // s's slot, filled with s (1 to s_maxLength bytes).
    Slot &slot(std::string_view s)
    {
        const std::uint64_t h = hash(s);
        Slot &slot = m_slots[size_t(h >> 52) & (s_slots - 1)];
        if (slot.hash != h || !sameKey(slot.key, s)) {
            slot.hash = h;
            slot.key.assign(s);
            slot.text = toQString(s);
        }
        return slot;
    }
    // Of 1 to s_maxLength bytes, word by word (a slot only needs a spread, not a strong hash).
    static std::uint64_t hash(std::string_view s)
    {
        const char *p = s.data();
        size_t n = s.size();
        std::uint64_t h = std::uint64_t(n) * 0x9E3779B97F4A7C15ULL;
        for (; n > 8; p += 8, n -= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 29;
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
        h = (h ^ tail) * 0x94D049BB133111EBULL;
        return h ^ (h >> 31);
    }
    std::vector<Slot> m_slots;
    const Slot *m_recent[s_columns] = {};   // into m_slots
};

// The calling thread's cache.
TextCache &textCache();

// An Alert column's text for v (null: empty; non-strings: their scalar text). shared: through textCache() (for
// values that repeat; not the uuid, which never does).
QString stringOf(const EcsValue *v, bool shared = true);
// stringOf(v) for the alert column `column` (see TextCache::text).
QString columnText(const EcsValue *v, size_t column);
QString stringAt(const EcsValue &doc, Path path, bool shared = true);
// The first string of the array at doc's key, empty otherwise.
QString firstOf(const EcsValue &doc, std::string_view key);
// Alert::containerImage: container.image.name (ECS), else output_fields' container.image.repository with
// ":" + container.image.tag when the alert has a tag (Falco 0.36+ splits the image; scalars only, "" is none).
QString imageColumn(const EcsValue *name, const EcsValue *repository, const EcsValue *tag);
// priorityFromString(falco.priority).
Priority priorityOf(const EcsValue *v);
// Alert::tags (falco.tags' strings) and Alert::tactics (of its mitre_* tags), as lists shared by every alert with the
// same tags.
void setTagColumns(const EcsValue::List<EcsValue> &tags, Alert &alert);

} // namespace fe::ecs
