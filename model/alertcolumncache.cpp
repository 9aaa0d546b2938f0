// SPDX-License-Identifier: Apache-2.0
#include "model/alertcolumncache.h"

#include "model/alertstore.h"
#include "model/sqlstatement.h"

#include <QFileInfo>
#include <QMutex>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace fe {

namespace {

const char *const s_columnNames[AlertColumnCache::ColumnCount] = {
    "priority", "severity", "rule", "host", "source", "container_id", "container_name", "image", "pod", "namespace",
    "process", "user_name", "technique", "subtechnique", "tactics", "tags",
};

// The registry of shared caches, by canonical file path.
QMutex s_registryMutex;
QHash<QString, std::weak_ptr<AlertColumnCache>> &registry()
{
    static QHash<QString, std::weak_ptr<AlertColumnCache>> s_registry;
    return s_registry;
}

QString registryKey(const QString &path)
{
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? info.absoluteFilePath() : canonical;
}

} // namespace

AlertColumnCache::AlertColumnCache() = default;

AlertColumnCache::~AlertColumnCache()
{
    if (m_probe)
        sqlite3_close(m_probe);
}

std::shared_ptr<AlertColumnCache> AlertColumnCache::acquire(const QString &databasePath)
{
    const QString key = registryKey(databasePath);
    QMutexLocker locker(&s_registryMutex);
    std::weak_ptr<AlertColumnCache> &slot = registry()[key];
    std::shared_ptr<AlertColumnCache> cache = slot.lock();
    if (!cache) {
        cache = std::make_shared<AlertColumnCache>();
        slot = cache;
    }
    // Forget the entries of caches nobody holds any more.
    for (auto it = registry().begin(); it != registry().end();) {
        if (it->expired())
            it = registry().erase(it);
        else
            ++it;
    }
    return cache;
}

std::shared_ptr<AlertColumnCache> AlertColumnCache::find(const QString &databasePath)
{
    if (databasePath.isEmpty())
        return nullptr;
    const QString key = registryKey(databasePath);
    QMutexLocker locker(&s_registryMutex);
    const auto it = registry().constFind(key);
    return it == registry().cend() ? nullptr : it->lock();
}

const char *AlertColumnCache::columnName(int column)
{
    Q_ASSERT(column >= 0 && column < ColumnCount);
    return s_columnNames[column];
}

int AlertColumnCache::dictionarySize(int column) const
{
    return column < IntColumnCount ? int(m_ints[column].size()) : int(m_text[column - IntColumnCount].size());
}

void AlertColumnCache::clear()
{
    m_ts.clear();
    m_ts.shrink_to_fit();
    m_rowProfile.clear();
    m_rowProfile.shrink_to_fit();
    m_runs.clear();
    m_profiles.clear();
    m_profileByHash.clear();
    for (int c = 0; c < IntColumnCount; ++c) {
        m_ints[c].clear();
        m_intCodes[c].clear();
    }
    for (int c = 0; c < ColumnCount - IntColumnCount; ++c) {
        m_text[c].clear();
        m_textCodes[c].clear();
    }
    m_textBytes = 0;
}

quint32 AlertColumnCache::intCode(int column, qint64 value)
{
    auto it = m_intCodes[column].constFind(value);
    if (it != m_intCodes[column].cend())
        return *it;
    const quint32 code = quint32(m_ints[column].size());
    m_ints[column].push_back(value);
    m_intCodes[column].insert(value, code);
    return code;
}

quint32 AlertColumnCache::textCode(int column, const char *data, int size)
{
    const int t = column - IntColumnCount;
    const QByteArray probe = QByteArray::fromRawData(data ? data : "", data ? size : 0);
    auto it = m_textCodes[t].constFind(probe);
    if (it != m_textCodes[t].cend())
        return *it;
    const quint32 code = quint32(m_text[t].size());
    const QByteArray copy(probe.constData(), probe.size());
    m_text[t].push_back(copy);
    m_textCodes[t].insert(copy, code);
    m_textBytes += copy.size();
    return code;
}

bool AlertColumnCache::agreesWith(const AlertStore &store, qint64 maxId) const
{
    if (m_runs.empty())
        return true;
    const qint64 row = rowsUpToId(maxId) - 1;
    if (row < 0)
        return false; // the store ends before the first cached alert
    SqlStatement stmt(store.handle(), QStringLiteral("SELECT ts FROM alerts WHERE id = ?1"));
    if (!stmt)
        return false;
    sqlite3_bind_int64(stmt.get(), 1, idOfRow(row));
    return sqlite3_step(stmt.get()) == SQLITE_ROW && sqlite3_column_int64(stmt.get(), 0) == m_ts[size_t(row)];
}

qint64 AlertColumnCache::catchUp(const AlertStore &store, qint64 maxRows, QString *error)
{
    sqlite3 *db = store.handle();
    if (!db) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return -1;
    }
    if (!agreesWith(store, lastId()))
        clear();
    QByteArray sql("SELECT id, ts");
    for (const char *name : s_columnNames)
        sql += QByteArray(", ") + name;
    sql += " FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2";
    SqlStatement stmt(db, QString::fromLatin1(sql));
    if (!stmt) {
        if (error)
            *error = stmt.error();
        return -1;
    }
    sqlite3_stmt *s = stmt.get();
    sqlite3_bind_int64(s, 1, lastId());
    sqlite3_bind_int64(s, 2, maxRows < 0 ? std::numeric_limits<qint64>::max() : maxRows);

    // A row's values in one buffer (integers as 8 bytes, texts as length + bytes): one hash finds its profile.
    QByteArray key;
    key.reserve(1024);
    const char *texts[ColumnCount];
    int sizes[ColumnCount];
    qint64 ints[IntColumnCount];
    qint64 loaded = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const qint64 id = sqlite3_column_int64(s, 0);
        const qint64 ts = sqlite3_column_int64(s, 1);
        key.resize(0);
        for (int c = 0; c < ColumnCount; ++c) {
            if (c < IntColumnCount) {
                ints[c] = sqlite3_column_int64(s, 2 + c);
                key.append(reinterpret_cast<const char *>(&ints[c]), sizeof(qint64));
            } else {
                texts[c] = reinterpret_cast<const char *>(sqlite3_column_text(s, 2 + c));
                sizes[c] = texts[c] ? sqlite3_column_bytes(s, 2 + c) : 0;
                const qint32 size = sizes[c];
                key.append(reinterpret_cast<const char *>(&size), sizeof(size));
                if (size > 0)
                    key.append(texts[c], size);
            }
        }
        const quint64 hash = quint64(qHashBits(key.constData(), size_t(key.size()), 0x5eed));
        quint32 profile = quint32(-1);
        for (auto it = m_profileByHash.constFind(hash); it != m_profileByHash.cend() && it.key() == hash; ++it) {
            const Profile &candidate = m_profiles[*it];
            bool same = true;
            for (int c = 0; c < ColumnCount && same; ++c) {
                if (c < IntColumnCount) {
                    same = m_ints[c][candidate.codes[c]] == ints[c];
                } else {
                    const QByteArray &value = m_text[c - IntColumnCount][candidate.codes[c]];
                    same = value.size() == sizes[c] && (sizes[c] == 0 || std::memcmp(value.constData(), texts[c], size_t(sizes[c])) == 0);
                }
            }
            if (same) {
                profile = *it;
                break;
            }
        }
        if (profile == quint32(-1)) {
            Profile p;
            for (int c = 0; c < ColumnCount; ++c)
                p.codes[c] = c < IntColumnCount ? intCode(c, ints[c]) : textCode(c, texts[c], sizes[c]);
            profile = quint32(m_profiles.size());
            m_profiles.push_back(p);
            m_profileByHash.insert(hash, profile);
        }
        const qint64 row = qint64(m_ts.size());
        if (!m_runs.empty() && m_runs.back().firstId + m_runs.back().count == id)
            ++m_runs.back().count;
        else
            m_runs.push_back(Run{id, row, 1});
        m_ts.push_back(ts);
        m_rowProfile.push_back(profile);
        ++loaded;
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return -1;
    }
    return loaded;
}

qint64 AlertColumnCache::rowForId(qint64 id) const
{
    auto it = std::upper_bound(m_runs.begin(), m_runs.end(), id,
                               [](qint64 value, const Run &run) { return value < run.firstId; });
    if (it == m_runs.begin())
        return -1;
    --it;
    return id < it->firstId + it->count ? it->firstRow + (id - it->firstId) : -1;
}

qint64 AlertColumnCache::idOfRow(qint64 row) const
{
    const auto run = std::upper_bound(m_runs.begin(), m_runs.end(), row,
                                      [](qint64 value, const Run &r) { return value < r.firstRow; }) - 1;
    return run->firstId + (row - run->firstRow);
}

qint64 AlertColumnCache::rowsUpToId(qint64 maxId) const
{
    auto it = std::upper_bound(m_runs.begin(), m_runs.end(), maxId,
                               [](qint64 value, const Run &run) { return value < run.firstId; });
    if (it == m_runs.begin())
        return 0;
    --it;
    return it->firstRow + std::min(it->count, maxId - it->firstId + 1);
}

qint64 AlertColumnCache::memoryBytes() const
{
    qint64 bytes = qint64(m_ts.capacity() * sizeof(qint64) + m_rowProfile.capacity() * sizeof(quint32)
                          + m_runs.capacity() * sizeof(Run) + m_profiles.capacity() * sizeof(Profile));
    bytes += qint64(m_profileByHash.size()) * 32; // node + bucket, roughly
    for (int c = 0; c < ColumnCount - IntColumnCount; ++c)
        bytes += qint64(m_text[c].size()) * 64;
    return bytes + m_textBytes;
}

sqlite3 *AlertColumnCache::probeDatabase()
{
    if (m_probe)
        return m_probe;
    if (sqlite3_open_v2(":memory:", &m_probe, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr)
        != SQLITE_OK) {
        sqlite3_close(m_probe);
        m_probe = nullptr;
    }
    return m_probe;
}

} // namespace fe
