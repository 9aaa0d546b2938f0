// SPDX-License-Identifier: Apache-2.0
#include "model/factcatalog.h"
#include "model/storeregistry.h"

#include "model/sqlstatement.h"

#include <QFileInfo>
#include <QHash>
#include <QMutex>

#include <sqlite3.h>

namespace fe {

namespace {

const char *const s_factNames[FactColumnCount] = {
    "priority", "severity", "rule", "host", "source", "container_id", "container_name", "image", "pod", "namespace",
    "process", "user_name", "technique", "subtechnique", "tactics", "tags",
};

StoreRegistry<FactCatalog> &registry()
{
    static StoreRegistry<FactCatalog> s_registry;
    return s_registry;
}

} // namespace

const char *factColumnName(int column)
{
    Q_ASSERT(column >= 0 && column < FactColumnCount);
    return s_factNames[column];
}

FactCatalog::FactCatalog()
{
    // Id 0 is "no value" in both tables: an empty text, a profile of zeros.
    m_texts.ensure(0);
    m_kinds.ensure(0);
    m_profiles.ensure(0);
}

FactCatalog::~FactCatalog() = default;

std::shared_ptr<FactCatalog> FactCatalog::acquire(const QString &databasePath)
{
    return registry().acquire(databasePath);
}

bool FactCatalog::refresh(sqlite3 *db, QString *error)
{
    std::lock_guard lock(m_refresh);
    // Values first: a profile read below only names values committed with or before it.
    {
        SqlStatement dict(db, QStringLiteral("SELECT id, kind, value FROM dict WHERE id >= ?1 ORDER BY id"));
        if (!dict) {
            if (error)
                *error = dict.error();
            return false;
        }
        quint32 end = m_dictEnd.load(std::memory_order_relaxed);
        sqlite3_bind_int64(dict.get(), 1, end);
        qint64 bytes = 0;
        int rc;
        while ((rc = sqlite3_step(dict.get())) == SQLITE_ROW) {
            const qint64 id = sqlite3_column_int64(dict.get(), 0);
            if (id < end || id >= qint64(MaxChunks) * ChunkSize)
                continue;
            const quint32 slot = quint32(id);
            m_texts.ensure(slot);
            m_kinds.ensure(slot);
            const char *text = reinterpret_cast<const char *>(sqlite3_column_text(dict.get(), 2));
            const int size = sqlite3_column_bytes(dict.get(), 2);
            m_texts[slot >> ChunkBits][slot & ChunkMask] = QByteArray(text ? text : "", text ? size : 0);
            m_kinds[slot >> ChunkBits][slot & ChunkMask] = quint8(sqlite3_column_int(dict.get(), 1));
            bytes += size + 32;
            end = slot + 1;   // ids are dense: a gap would be rows this snapshot cannot see yet
        }
        if (rc != SQLITE_DONE) {
            if (error)
                *error = QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
        m_bytes.fetch_add(bytes, std::memory_order_relaxed);
        m_dictEnd.store(end, std::memory_order_release);
    }
    QByteArray sql("SELECT id");
    for (const char *name : s_factNames)
        sql += QByteArray(", ") + name;
    sql += " FROM profile WHERE id >= ?1 ORDER BY id";
    SqlStatement profiles(db, QString::fromLatin1(sql));
    if (!profiles) {
        if (error)
            *error = profiles.error();
        return false;
    }
    quint32 end = m_profileEnd.load(std::memory_order_relaxed);
    sqlite3_bind_int64(profiles.get(), 1, end);
    int rc;
    qint64 added = 0;
    while ((rc = sqlite3_step(profiles.get())) == SQLITE_ROW) {
        const qint64 id = sqlite3_column_int64(profiles.get(), 0);
        if (id < end || id >= qint64(MaxChunks) * ChunkSize)
            continue;
        const quint32 slot = quint32(id);
        m_profiles.ensure(slot);
        Profile &p = m_profiles[slot >> ChunkBits][slot & ChunkMask];
        for (int c = 0; c < FactColumnCount; ++c)
            p.values[c] = quint32(sqlite3_column_int64(profiles.get(), 1 + c));
        end = slot + 1;
        ++added;
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    m_bytes.fetch_add(added * qint64(sizeof(Profile)), std::memory_order_relaxed);
    m_profileEnd.store(end, std::memory_order_release);
    return true;
}

bool FactCatalog::ensureProfile(sqlite3 *db, quint32 profileId)
{
    if (profileId < profileEnd())
        return true;
    return refresh(db) && profileId < profileEnd();
}

} // namespace fe
