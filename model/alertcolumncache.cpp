// SPDX-License-Identifier: Apache-2.0
#include "model/alertcolumncache.h"
#include "model/storeregistry.h"

#include "model/alertstore.h"
#include "model/columnsegment.h"
#include "model/factcatalog.h"
#include "model/sqlstatement.h"

#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>
#include <QMutex>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace fe {

namespace {

constexpr qint64 s_halfRange = qint64(1) << 31;

StoreRegistry<AlertColumnCache> &registry()
{
    static StoreRegistry<AlertColumnCache> s_registry;
    return s_registry;
}

} // namespace

AlertColumnCache::AlertColumnCache() = default;

AlertColumnCache::~AlertColumnCache() = default;

std::shared_ptr<AlertColumnCache> AlertColumnCache::acquire(const QString &databasePath)
{
    return registry().acquire(databasePath);
}

std::shared_ptr<AlertColumnCache> AlertColumnCache::acquireLoaded(const QString &databasePath)
{
    // Alerts per step of the load: a short read transaction, so the writer is never held back.
    constexpr qint64 chunk = 50000;
    std::shared_ptr<AlertColumnCache> cache = databasePath.isEmpty() ? nullptr : acquire(databasePath);
    if (!cache || cache->loading().exchange(true))
        return cache;
    const std::weak_ptr<AlertColumnCache> weak = cache;
    (void)QtConcurrent::run([weak, databasePath] {
        AlertStore store;
        const bool open = store.open(databasePath, AlertStore::OpenMode::ReadOnly);
        for (;;) {
            const std::shared_ptr<AlertColumnCache> held = weak.lock();
            if (!held)
                return;
            qint64 loaded = -1;
            if (open) {
                auto lock = held->lock();
                loaded = held->catchUp(store, chunk);
            }
            if (loaded < chunk) {
                held->loading() = false;
                return;
            }
        }
    });
    return cache;
}

std::shared_ptr<AlertColumnCache> AlertColumnCache::find(const QString &databasePath)
{
    return databasePath.isEmpty() ? nullptr : registry().find(databasePath);
}

const char *AlertColumnCache::columnName(int column)
{
    return factColumnName(column);
}

int AlertColumnCache::dictionarySize(int column) const
{
    return column < IntColumnCount ? int(m_ints[column].size()) : int(m_text[column - IntColumnCount].size());
}

void AlertColumnCache::clear()
{
    m_tsBase.clear();
    m_tsOffset.clear();
    m_tsOffset.shrink_to_fit();
    m_wideTs.clear();
    m_wideTs.shrink_to_fit();
    m_rowProfile.clear();
    m_rowProfile.shrink_to_fit();
    m_runs.clear();
    m_blockMin.clear();
    m_blockMax.clear();
    m_profileRows.clear();
    m_profiles.clear();
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
    return sqlite3_step(stmt.get()) == SQLITE_ROW && sqlite3_column_int64(stmt.get(), 0) == timestamp(row);
}

bool AlertColumnCache::syncProfiles(const AlertStore &store, QString *error)
{
    const std::shared_ptr<FactCatalog> catalog = store.facts();
    if (!catalog) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return false;
    }
    // Cache profile n is the store's profile n (0: none); its codes are this cache's per-column codes of its values.
    if (m_profiles.empty())
        m_profiles.push_back(Profile{});
    // (Grown by doubling, a third of hundreds of thousands of profiles' room would stay unused.)
    if (catalog->profileEnd() > m_profiles.capacity())
        m_profiles.reserve(catalog->profileEnd() + catalog->profileEnd() / 64);
    for (quint32 id = quint32(m_profiles.size()); id < catalog->profileEnd(); ++id) {
        Profile p;
        for (int c = 0; c < ColumnCount; ++c) {
            if (c < IntColumnCount) {
                p.codes[c] = intCode(c, catalog->value(id, c));
            } else {
                const QByteArray &text = catalog->factText(id, c);
                p.codes[c] = textCode(c, text.constData(), int(text.size()));
            }
        }
        m_profiles.push_back(p);
    }
    m_profileRows.resize(m_profiles.size(), 0);
    return true;
}

void AlertColumnCache::appendRow(qint64 id, qint64 ts, quint32 profile)
{
    const qint64 row = rowCount();
    if (!m_runs.empty() && m_runs.back().firstId + m_runs.back().count == id)
        ++m_runs.back().count;
    else
        m_runs.push_back(Run{id, row, 1});
    if (!m_wideTs.empty()) {
        m_wideTs.push_back(ts);
    } else {
        // A block's base lies 2^31 ms before its first row's time, so that later rows fit either way of it.
        if (row % BlockRows == 0)
            m_tsBase.push_back(ts < std::numeric_limits<qint64>::min() + s_halfRange ? ts : ts - s_halfRange);
        qint64 offset = 0;
        if (!__builtin_sub_overflow(ts, m_tsBase.back(), &offset) && offset >= 0
            && offset <= qint64(std::numeric_limits<quint32>::max())) {
            m_tsOffset.push_back(quint32(offset));
        } else {
            widenTimes();
            m_wideTs.push_back(ts);
        }
    }
    if (row % BlockRows == 0) {
        m_blockMin.push_back(ts);
        m_blockMax.push_back(ts);
    } else {
        m_blockMin.back() = std::min(m_blockMin.back(), ts);
        m_blockMax.back() = std::max(m_blockMax.back(), ts);
    }
    // A profile the catalog did not have when the rows were read (another snapshot): counted as "no facts".
    const quint32 p = profile < m_profiles.size() ? profile : 0;
    m_rowProfile.push_back(p);
    ++m_profileRows[p];
}

void AlertColumnCache::widenTimes()
{
    std::vector<qint64> wide;
    wide.reserve(std::max(m_tsOffset.capacity(), m_rowProfile.capacity()));
    for (qint64 row = 0; row < qint64(m_tsOffset.size()); ++row)
        wide.push_back(m_tsBase[size_t(row / BlockRows)] + qint64(m_tsOffset[size_t(row)]));
    m_wideTs = std::move(wide);
    m_tsOffset.clear();
    m_tsOffset.shrink_to_fit();
    m_tsBase.clear();
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
    if (!syncProfiles(store, error))
        return -1;
    const qint64 limit = maxRows < 0 ? std::numeric_limits<qint64>::max() : maxRows;
    qint64 loaded = 0;
    {
        // Room for every row the store has (ids are dense: the newest id says how many), whatever the chunk asked
        // for, plus a sixteenth for what live ingest adds: grown by the vectors' doubling, the columns of 10M alerts
        // were copied a dozen times and could leave half their room unused.
        SqlStatement newest(db, QStringLiteral("SELECT max(id) FROM alerts"));
        if (newest && sqlite3_step(newest.get()) == SQLITE_ROW) {
            const size_t want = m_rowProfile.size() + size_t(std::max<qint64>(0, sqlite3_column_int64(newest.get(), 0) - lastId()));
            if (want > m_rowProfile.capacity()) {
                if (m_wideTs.empty())
                    m_tsOffset.reserve(want + want / 16);
                else
                    m_wideTs.reserve(want + want / 16);
                m_rowProfile.reserve(want + want / 16);
            }
        }
    }
    // The persisted blocks first (schema v5, model/columnsegment.h): a whole block of rows per read.
    {
        // Only a block that starts right after the cached rows: ids are dense, and rows read from the table after a
        // block (the alerts a block did not hold yet) must not be followed by a later block.
        SqlStatement blocks(db, QStringLiteral("SELECT data FROM colseg WHERE first_id = ?1"));
        if (!blocks) {
            if (error)
                *error = blocks.error();
            return -1;
        }
        ColumnSegment segment;
        while (loaded < limit) {
            sqlite3_reset(blocks.get());
            sqlite3_bind_int64(blocks.get(), 1, lastId() + 1);
            if (sqlite3_step(blocks.get()) != SQLITE_ROW)
                break;
            const void *data = sqlite3_column_blob(blocks.get(), 0);
            if (!segment.decode(QByteArrayView(static_cast<const char *>(data), sqlite3_column_bytes(blocks.get(), 0)),
                                error))
                return -1;
            for (size_t i = 0; i < segment.ids.size(); ++i)
                appendRow(segment.ids[i], segment.timestamps[i], segment.profiles[i]);
            loaded += qint64(segment.ids.size());
        }
    }
    if (loaded >= limit)
        return loaded;
    SqlStatement stmt(db, QStringLiteral("SELECT id, ts, profile FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2"));
    if (!stmt) {
        if (error)
            *error = stmt.error();
        return -1;
    }
    sqlite3_stmt *s = stmt.get();
    sqlite3_bind_int64(s, 1, lastId());
    sqlite3_bind_int64(s, 2, limit - loaded);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        appendRow(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), quint32(sqlite3_column_int64(s, 2)));
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
    qint64 bytes = qint64(m_tsOffset.capacity() * sizeof(quint32) + m_wideTs.capacity() * sizeof(qint64)
                          + m_tsBase.capacity() * sizeof(qint64) + m_rowProfile.capacity() * sizeof(quint32)
                          + m_runs.capacity() * sizeof(Run) + m_profiles.capacity() * sizeof(Profile)
                          + (m_blockMin.capacity() + m_blockMax.capacity()) * sizeof(qint64)
                          + m_profileRows.capacity() * sizeof(quint32));
    for (int c = 0; c < ColumnCount - IntColumnCount; ++c)
        bytes += qint64(m_text[c].size()) * 64;
    return bytes + m_textBytes;
}

} // namespace fe
