// SPDX-License-Identifier: Apache-2.0
#include "model/factinterner.h"

#include "model/schema.h"

#include <QHash>

#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <shared_mutex>

namespace fe {

namespace {

constexpr int s_stringFacts = 12;   // the text facts other than the two lists

const QString *factString(const Alert &a, int i)
{
    switch (i) {
    case 0: return &a.rule;
    case 1: return &a.hostname;
    case 2: return &a.source;
    case 3: return &a.containerId;
    case 4: return &a.containerName;
    case 5: return &a.containerImage;
    case 6: return &a.podName;
    case 7: return &a.namespaceName;
    case 8: return &a.processName;
    case 9: return &a.userName;
    case 10: return &a.technique;
    default: return &a.subtechnique;
    }
}

// The value id of the last strings a worker saw per fact, keyed by their character data: the mapper shares one QString
// per repeated value within a thread, so most facts need neither a conversion nor a lookup. A slot holds the string
// itself, so its data cannot be freed and reused for another text while it is there.
struct RecentText
{
    QString text;
    quint32 id = 0;
};
struct RecentList
{
    QStringList list;
    quint32 id = 0;
};

struct ThreadCache
{
    quint64 owner = 0;
    // Enough slots per fact for the distinct values a busy host mixes (container ids, processes, users), so that
    // most facts are found by their string's address.
    static constexpr size_t TextSlots = 1024;
    static constexpr size_t ListSlots = 128;
    std::array<std::array<RecentText, TextSlots>, s_stringFacts> texts;
    std::array<std::array<RecentList, ListSlots>, 2> lists;

    void reset(quint64 instance)
    {
        owner = instance;
        for (auto &column : texts)
            column.fill(RecentText{});
        for (auto &column : lists)
            column.fill(RecentList{});
    }
};

QByteArray listUtf8(const QStringList &list)
{
    const QByteArray utf8 = Schema::encodeList(Schema::normalizedList(list)).toUtf8();
    return utf8.isNull() ? QByteArray("") : utf8;
}

std::atomic<quint64> s_instances{0};

} // namespace

constexpr int s_textFacts = FactColumnCount - FactIntColumns;

struct FactInterner::Private
{
    const quint64 instance = ++s_instances;   // the per-thread caches know which interner they belong to
    mutable std::shared_mutex mutex;
    // Per text fact: value → id (from 1) and the values by id - 1. Guarded by mutex.
    std::array<QHash<QByteArray, quint32>, s_textFacts> valueIds;
    std::array<std::deque<QByteArray>, s_textFacts> values;

    quint32 valueId(int fact, const QByteArray &utf8)
    {
        {
            std::shared_lock lock(mutex);
            const quint32 id = valueIds[size_t(fact)].value(utf8, 0);
            if (id != 0)
                return id;
        }
        std::unique_lock lock(mutex);
        auto it = valueIds[size_t(fact)].constFind(utf8);
        if (it == valueIds[size_t(fact)].cend()) {
            values[size_t(fact)].push_back(utf8);
            it = valueIds[size_t(fact)].insert(utf8, quint32(values[size_t(fact)].size()));
        }
        return *it;
    }

    void buildKey(ThreadCache &cache, const Alert &a, std::array<quint32, FactColumnCount> *key)
    {
        (*key)[0] = quint32(std::clamp(int(a.priority), 0, int(Priority::Unknown)));
        (*key)[1] = quint32(std::max(a.severity, 0));
        for (int i = 0; i < s_stringFacts; ++i) {
            const QString &s = *factString(a, i);
            RecentText &r = cache.texts[size_t(i)][(quintptr(s.constData()) >> 4) % ThreadCache::TextSlots];
            if (r.id == 0 || r.text.constData() != s.constData() || r.text.size() != s.size()) {
                r.text = s;
                r.id = valueId(i, s.toUtf8());
            }
            (*key)[size_t(FactIntColumns + i)] = r.id;
        }
        for (int l = 0; l < 2; ++l) {
            const QStringList &list = l == 0 ? a.tactics : a.tags;
            RecentList &r = cache.lists[size_t(l)][(quintptr(list.constData()) >> 4) % ThreadCache::ListSlots];
            if (r.id == 0 || r.list.constData() != list.constData() || r.list.size() != list.size()) {
                r.list = list;
                r.id = valueId(s_stringFacts + l, listUtf8(list));
            }
            (*key)[size_t(FactIntColumns + s_stringFacts + l)] = r.id;
        }
    }
};

FactInterner::FactInterner()
    : d(std::make_unique<Private>())
{
}

FactInterner::~FactInterner() = default;

void FactInterner::intern(Alert *alert)
{
    static_assert(std::tuple_size_v<decltype(alert->internedFacts)> == FactColumnCount);
    thread_local ThreadCache cache;
    if (cache.owner != d->instance)
        cache.reset(d->instance);
    d->buildKey(cache, *alert, &alert->internedFacts);
}

QByteArray FactInterner::value(int column, quint32 valueId) const
{
    std::shared_lock lock(d->mutex);
    return d->values[size_t(column - FactIntColumns)][size_t(valueId - 1)];
}

} // namespace fe
