// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/textcache.h"

#include <array>
#include <cstdint>

namespace fe::ecs {

TextCache &textCache()
{
    thread_local TextCache cache;
    return cache;
}

QString stringOf(const EcsValue *v, bool shared)
{
    if (!v || v->isNull())
        return QString();
    if (!v->isString())
        return QString::fromStdString(v->scalarText());
    return shared ? textCache().text(v->string()) : v->toQString();
}

QString columnText(const EcsValue *v, size_t column)
{
    if (v && v->isString())
        return textCache().text(v->string(), column);
    return stringOf(v);
}

QString stringAt(const EcsValue &doc, Path path, bool shared)
{
    return stringOf(doc.find(path), shared);
}

QString firstOf(const EcsValue &doc, std::string_view key)
{
    const EcsValue *v = doc.find(key);
    if (v && v->isArray() && !v->items().empty() && v->items().front().isString())
        return textCache().text(v->items().front().string());
    return QString();
}

QString imageColumn(const EcsValue *name, const EcsValue *repository, const EcsValue *tag)
{
    if (name && !name->isNull())
        return columnText(name, 5);
    const auto usable = [](const EcsValue *v) {
        return v && (v->isString() || v->isNumber()) && !v->isEmptyValue();
    };
    if (!usable(repository))
        return QString();
    if (!usable(tag))
        return columnText(repository, 5);
    std::string text = repository->scalarText();
    text += ':';
    text += tag->scalarText();
    return textCache().text(text, 5);
}

// A short ASCII priority is widened on the stack instead of into a QString.
Priority priorityOf(const EcsValue *v)
{
    if (v && v->isString() && v->string().size() <= 32) {
        const std::string_view text = v->string();
        char16_t wide[32];
        bool ascii = true;
        for (size_t i = 0; i < text.size(); ++i) {
            ascii = ascii && static_cast<unsigned char>(text[i]) < 0x80;
            wide[i] = char16_t(static_cast<unsigned char>(text[i]));
        }
        if (ascii) {
            // A handful of distinct texts: the last ones are remembered per thread (priorityFromString lower-cases
            // into a QString).
            struct Entry
            {
                std::string text;
                Priority priority = Priority::Unknown;
                bool used = false;
            };
            thread_local std::array<Entry, 8> entries;
            thread_local size_t next = 0;
            for (const Entry &e : entries) {
                if (e.used && e.text == text)
                    return e.priority;
            }
            Entry &e = entries[next++ % entries.size()];
            e.text.assign(text);
            e.priority = priorityFromString(QStringView(wide, qsizetype(text.size())));
            e.used = true;
            return e.priority;
        }
    }
    return priorityFromString(stringOf(v, false));
}

void setTagColumns(const EcsValue::List<EcsValue> &items, Alert &alert)
{
    // A rule's alerts share their tags: one shared pair of lists per distinct tag list (a small table by the
    // tags' hash), so that an alert costs no allocation for its lists, nor a free on whichever thread drops it,
    // and the store's interner finds the lists by their address however the rules interleave.
    struct TagLists
    {
        std::vector<std::string> key;
        QStringList tags;
        QStringList tactics;
    };
    thread_local std::array<TagLists, 128> tagTable;
    // Only picks the slot (the lists are then compared whole): the key tags mixed, with no call per tag.
    std::uint64_t hash = 0;
    size_t strings = 0;
    for (const EcsValue &t : items) {
        if (!t.isString())
            continue;
        hash = (hash ^ EcsValue::Member::keyTag(t.string())) * 0x9E3779B97F4A7C15ULL;
        ++strings;
    }
    TagLists &last = tagTable[(hash >> 40) % tagTable.size()];
    bool same = strings == last.key.size();
    if (same) {
        size_t i = 0;
        for (const EcsValue &t : items) {
            if (!t.isString())
                continue;
            if (!sameKey(last.key[i++], t.string())) {
                same = false;
                break;
            }
        }
    }
    if (!same) {
        // New lists (never clear() a list alerts still share: that would only detach it).
        last.key.clear();
        last.tags = QStringList();
        last.tactics = QStringList();
        last.tags.reserve(qsizetype(items.size()));
        size_t column = 10;
        for (const EcsValue &t : items) {
            if (!t.isString())
                continue;
            last.key.emplace_back(t.string());
            last.tags.append(textCache().text(t.string(), column++));
            if (t.string().starts_with("mitre_") && t.string().size() > 6)
                last.tactics.append(textCache().text(t.string().substr(6), column++));
        }
    }
    alert.tags = last.tags;
    alert.tactics = last.tactics;
}

} // namespace fe::ecs
