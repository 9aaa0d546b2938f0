// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsvalue.h"
#include "ingest/ecs/mapsteps.h"
#include "model/alert.h"

#include <QString>

#include <functional>
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
        Slot &slot = m_slots[std::hash<std::string_view>{}(s) & (s_slots - 1)];
        if (slot.key != s) {
            slot.key.assign(s);
            slot.text = toQString(s);
        }
        return slot.text;
    }

    // text(s) through a memo of the last text asked for in this column (an alert column, a tag position): a
    // column mostly repeats its last value, which is then found without hashing or a walk into the table.
    QString text(std::string_view s, size_t column)
    {
        if (s.empty() || s.size() > s_maxLength || column >= s_columns)
            return text(s);
        Recent &recent = m_recent[column];
        if (sameKey(recent.key, s))
            return recent.text;
        recent.text = text(s);
        recent.key.assign(s);
        return recent.text;
    }

private:
    static constexpr size_t s_slots = 4096;
    static constexpr size_t s_columns = 32;
    struct Recent
    {
        std::string key;
        QString text;
    };
    Recent m_recent[s_columns];
    static constexpr size_t s_maxLength = 64;
    struct Slot
    {
        std::string key;
        QString text;
    };
    std::vector<Slot> m_slots;
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

} // namespace fe::ecs
