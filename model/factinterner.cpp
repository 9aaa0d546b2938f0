// SPDX-License-Identifier: Apache-2.0
#include "model/factinterner.h"

#include "model/schema.h"

#include <QHash>

#include <atomic>

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace fe {

namespace {

struct ContentHash
{
    size_t operator()(const ProfileContent &c) const noexcept
    {
        size_t h = qHashMulti(0x5eed, c.priority, c.severity);
        for (const QByteArray &t : c.texts)
            h = qHashMulti(h, t);
        return h;
    }
};

// The token of the last alerts a worker saw, keyed by the character data of their fact strings: the mapper shares one
// QString per repeated value within a thread, so alerts of one rule on one container find their token without a
// UTF-8 conversion or a lookup under the lock. The slot holds the strings themselves, so their data cannot be freed
// and reused for another text while it is there.
struct RecentProfile
{
    std::array<QString, 12> strings;
    QStringList tactics;
    QStringList tags;
    int priority = -1;
    int severity = -1;
    quint32 token = 0;
};

const QString *factStrings(const Alert &a, int i)
{
    const QString *strings[12] = {&a.rule,          &a.hostname,  &a.source,      &a.containerId,
                                  &a.containerName, &a.containerImage, &a.podName, &a.namespaceName,
                                  &a.processName,   &a.userName,  &a.technique,   &a.subtechnique};
    return strings[i];
}

bool sameAlertFacts(const RecentProfile &r, const Alert &a)
{
    if (r.token == 0 || r.priority != int(a.priority) || r.severity != a.severity
        || r.tactics.constData() != a.tactics.constData() || r.tactics.size() != a.tactics.size()
        || r.tags.constData() != a.tags.constData() || r.tags.size() != a.tags.size())
        return false;
    for (int i = 0; i < 12; ++i) {
        const QString *s = factStrings(a, i);
        if (r.strings[size_t(i)].constData() != s->constData() || r.strings[size_t(i)].size() != s->size())
            return false;
    }
    return true;
}

} // namespace

std::atomic<quint64> s_instances{0};

struct FactInterner::Private
{
    const quint64 instance = ++s_instances;   // the per-thread caches know which interner they belong to
    mutable std::shared_mutex mutex;
    std::unordered_map<ProfileContent, quint32, ContentHash> tokens;   // guarded by mutex
    std::deque<ProfileContent> contents;                               // guarded by mutex; by token - 1, never moves
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
    for (int i = 0; i < 12; ++i)
        c.texts[size_t(i)] = factStrings(a, i)->toUtf8();
    c.texts[size_t(FactTactics - FactIntColumns)] = Schema::encodeList(Schema::normalizedList(a.tactics)).toUtf8();
    c.texts[size_t(FactTags - FactIntColumns)] = Schema::encodeList(Schema::normalizedList(a.tags)).toUtf8();
    return c;
}

quint32 FactInterner::token(const Alert &alert)
{
    thread_local std::array<RecentProfile, 64> recent;
    thread_local quint64 owner = 0;
    if (owner != d->instance) {
        recent.fill(RecentProfile{});
        owner = d->instance;
    }
    const size_t slot = (quintptr(alert.rule.constData()) ^ (quintptr(alert.containerId.constData()) >> 3)
                         ^ (quintptr(alert.processName.constData()) >> 7)) % recent.size();
    RecentProfile &r = recent[slot];
    if (sameAlertFacts(r, alert))
        return r.token;
    const ProfileContent content = contentOf(alert);
    quint32 token = 0;
    {
        std::shared_lock lock(d->mutex);
        const auto it = d->tokens.find(content);
        if (it != d->tokens.end())
            token = it->second;
    }
    if (token == 0) {
        std::unique_lock lock(d->mutex);
        const auto [it, inserted] = d->tokens.emplace(content, quint32(d->contents.size() + 1));
        if (inserted)
            d->contents.push_back(content);
        token = it->second;
    }
    for (int i = 0; i < 12; ++i)
        r.strings[size_t(i)] = *factStrings(alert, i);
    r.tactics = alert.tactics;
    r.tags = alert.tags;
    r.priority = int(alert.priority);
    r.severity = alert.severity;
    r.token = token;
    return token;
}

const ProfileContent &FactInterner::content(quint32 token) const
{
    std::shared_lock lock(d->mutex);
    return d->contents[size_t(token - 1)];
}

} // namespace fe
