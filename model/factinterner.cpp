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

// The UTF-8 of the last strings a worker saw per fact, keyed by their character data: the mapper shares one QString
// per repeated value within a thread, so most facts need no conversion. A slot holds the string itself, so its data
// cannot be freed and reused for another text while it is there.
struct RecentText
{
    QString text;
    QByteArray utf8;
};
struct RecentList
{
    QStringList list;
    QByteArray utf8;   // Schema::encodeList of the normalized list
};

// The token of the last alerts a worker saw, keyed by the character data of all their facts.
struct RecentProfile
{
    std::array<QString, s_stringFacts> strings;
    QStringList tactics;
    QStringList tags;
    int priority = -1;
    int severity = -1;
    quint32 token = 0;
};

bool sameFacts(const RecentProfile &r, const Alert &a)
{
    if (r.token == 0 || r.priority != int(a.priority) || r.severity != a.severity
        || r.tactics.constData() != a.tactics.constData() || r.tactics.size() != a.tactics.size()
        || r.tags.constData() != a.tags.constData() || r.tags.size() != a.tags.size())
        return false;
    for (int i = 0; i < s_stringFacts; ++i) {
        const QString *s = factString(a, i);
        if (r.strings[size_t(i)].constData() != s->constData() || r.strings[size_t(i)].size() != s->size())
            return false;
    }
    return true;
}

struct ThreadCache
{
    quint64 owner = 0;
    std::array<RecentProfile, 64> profiles;
    std::array<std::array<RecentText, 16>, s_stringFacts> texts;
    std::array<std::array<RecentList, 8>, 2> lists;
    QByteArray key;   // the key being built

    void reset(quint64 instance)
    {
        owner = instance;
        profiles.fill(RecentProfile{});
        for (auto &column : texts)
            column.fill(RecentText{});
        for (auto &column : lists)
            column.fill(RecentList{});
    }
};

void appendText(QByteArray &key, const QByteArray &utf8)
{
    const quint32 size = quint32(utf8.size());
    key.append(reinterpret_cast<const char *>(&size), sizeof(size));
    key.append(utf8);
}

QByteArray listUtf8(const QStringList &list)
{
    return Schema::encodeList(Schema::normalizedList(list)).toUtf8();
}

// A profile's key: priority, severity, then each text fact as a 4-byte length and its UTF-8 (FactRule .. FactTags).
void buildKey(ThreadCache &cache, const Alert &a, QByteArray *key)
{
    key->resize(0);
    const quint32 ints[2] = {quint32(std::clamp(int(a.priority), 0, int(Priority::Unknown))),
                             quint32(std::max(a.severity, 0))};
    key->append(reinterpret_cast<const char *>(ints), sizeof(ints));
    for (int i = 0; i < s_stringFacts; ++i) {
        const QString &s = *factString(a, i);
        RecentText &r = cache.texts[size_t(i)][(quintptr(s.constData()) >> 4) % 16];
        if (r.text.isNull() || r.text.constData() != s.constData() || r.text.size() != s.size()) {
            r.text = s;
            r.utf8 = s.toUtf8();
        }
        appendText(*key, r.utf8);
    }
    for (int l = 0; l < 2; ++l) {
        const QStringList &list = l == 0 ? a.tactics : a.tags;
        RecentList &r = cache.lists[size_t(l)][(quintptr(list.constData()) >> 4) % 8];
        if (r.utf8.isNull() || r.list.constData() != list.constData() || r.list.size() != list.size()) {
            r.list = list;
            r.utf8 = listUtf8(list);
            if (r.utf8.isNull())
                r.utf8 = QByteArray("");
        }
        appendText(*key, r.utf8);
    }
}

ProfileContent contentOfKey(const QByteArray &key)
{
    ProfileContent c;
    const char *p = key.constData();
    std::memcpy(&c.priority, p, 4);
    std::memcpy(&c.severity, p + 4, 4);
    p += 8;
    for (QByteArray &text : c.texts) {
        quint32 size = 0;
        std::memcpy(&size, p, 4);
        text = QByteArray(p + 4, qsizetype(size));
        p += 4 + size;
    }
    return c;
}

std::atomic<quint64> s_instances{0};

} // namespace

struct FactInterner::Private
{
    const quint64 instance = ++s_instances;   // the per-thread caches know which interner they belong to
    mutable std::shared_mutex mutex;
    QHash<QByteArray, quint32> tokens;        // guarded by mutex: profile key → token
    std::deque<QByteArray> keys;              // guarded by mutex; by token - 1 (shares the hash's key)
};

FactInterner::FactInterner()
    : d(std::make_unique<Private>())
{
}

FactInterner::~FactInterner() = default;

ProfileContent FactInterner::contentOf(const Alert &a)
{
    ProfileContent c;
    c.priority = quint32(std::clamp(int(a.priority), 0, int(Priority::Unknown)));
    c.severity = quint32(std::max(a.severity, 0));
    for (int i = 0; i < s_stringFacts; ++i)
        c.texts[size_t(i)] = factString(a, i)->toUtf8();
    c.texts[size_t(FactTactics - FactIntColumns)] = listUtf8(a.tactics);
    c.texts[size_t(FactTags - FactIntColumns)] = listUtf8(a.tags);
    return c;
}

quint32 FactInterner::token(const Alert &alert)
{
    thread_local ThreadCache cache;
    if (cache.owner != d->instance)
        cache.reset(d->instance);
    RecentProfile &r = cache.profiles[(quintptr(alert.rule.constData()) ^ (quintptr(alert.containerId.constData()) >> 3)
                                       ^ (quintptr(alert.processName.constData()) >> 7))
                                      % cache.profiles.size()];
    if (sameFacts(r, alert))
        return r.token;
    buildKey(cache, alert, &cache.key);
    quint32 token = 0;
    {
        std::shared_lock lock(d->mutex);
        token = d->tokens.value(cache.key, 0);
    }
    if (token == 0) {
        std::unique_lock lock(d->mutex);
        auto it = d->tokens.constFind(cache.key);
        if (it == d->tokens.cend()) {
            const QByteArray key(cache.key.constData(), cache.key.size());
            it = d->tokens.insert(key, quint32(d->keys.size() + 1));
            d->keys.push_back(key);
        }
        token = *it;
    }
    for (int i = 0; i < s_stringFacts; ++i)
        r.strings[size_t(i)] = *factString(alert, i);
    r.tactics = alert.tactics;
    r.tags = alert.tags;
    r.priority = int(alert.priority);
    r.severity = alert.severity;
    r.token = token;
    return token;
}

ProfileContent FactInterner::content(quint32 token) const
{
    QByteArray key;
    {
        std::shared_lock lock(d->mutex);
        key = d->keys[size_t(token - 1)];
    }
    return contentOfKey(key);
}

} // namespace fe
