// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/factcatalog.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

struct sqlite3;

namespace fe {

class AlertStore;

// The in-memory columns the dashboard counts and analysts filter and sort on: for every alert, its timestamp and its
// profile (the distinct combination of its facts: priority, severity, rule, host, source, container, image, pod,
// namespace, process, user, technique, sub-technique, tactics, tags; model/factcatalog.h). 12 bytes an alert, loaded
// from the store's persisted column blocks (model/columnsegment.h) and the alerts after them. Alerts repeat
// combinations, so profiles are few: a query over facts is evaluated by SQLite once per distinct combination of the
// columns it reads (model/cachedmatch.cpp), not once per alert. The cache's profile n is the store's profile n.
//
// Only facts that never change after insert are cached (not triage). Alerts are appended in id order by catchUp();
// ids map back to rows through runs of consecutive ids. One cache per database file is shared by every reader in the
// process (acquire()/find()); it lives while someone holds it (the dashboard view).
//
// Thread safety: catchUp() and clear() need lock() (alone); the accessors need readLock() or lock(). Readers share
// the cache (the dashboard's counts and the alert table's order run side by side) and hold it for a whole aggregation,
// so they see a consistent prefix of the store; CachedMatch::catchUp() brings it up to date and read-locks it.
class AlertColumnCache
{
public:
    // The store's fact columns (model/factcatalog.h), under the names the cache's users know them by.
    enum Column : int {
        Priority = FactPriority,
        Severity = FactSeverity,
        Rule = FactRule,
        Host = FactHost,
        Source = FactSource,
        ContainerId = FactContainerId,
        ContainerName = FactContainerName,
        Image = FactImage,
        Pod = FactPod,
        Namespace = FactNamespace,
        Process = FactProcess,
        UserName = FactUser,
        Technique = FactTechnique,
        Subtechnique = FactSubtechnique,
        Tactics = FactTactics,
        Tags = FactTags,
        ColumnCount = FactColumnCount
    };
    static constexpr int IntColumnCount = FactIntColumns; // Priority, Severity: integers; the others are text

    // Per column: the code of the value in that column's dictionary.
    struct Profile
    {
        quint32 codes[ColumnCount];
    };
    // Consecutive ids on consecutive rows: how rows map to ids (idRuns()).
    struct IdRun
    {
        qint64 firstId = 0;
        qint64 firstRow = 0;
        qint64 count = 0;
    };

    AlertColumnCache();
    ~AlertColumnCache();
    AlertColumnCache(const AlertColumnCache &) = delete;
    AlertColumnCache &operator=(const AlertColumnCache &) = delete;

    // The cache of the database at path, created empty if nobody holds one yet.
    static std::shared_ptr<AlertColumnCache> acquire(const QString &databasePath);
    // The cache of the database at path if someone holds one, else null.
    static std::shared_ptr<AlertColumnCache> find(const QString &databasePath);
    // acquire(), and unless a load is running already, a background task (thread pool) that catches the cache up with
    // the store in chunks of their own short read transactions, loading() meanwhile. Whoever needs the cache first
    // starts it (the dashboard, the alert table): waiting for a load beats the base table's answer to a sort or a
    // count of millions of alerts. The task ends when it is caught up or nobody holds the cache any more.
    static std::shared_ptr<AlertColumnCache> acquireLoaded(const QString &databasePath);

    // The SQL name of a column in `alerts` ("rule"): what compiled queries reference as "a.rule".
    static const char *columnName(int column);

    std::unique_lock<std::shared_mutex> lock() const { return std::unique_lock<std::shared_mutex>(m_mutex); }
    std::shared_lock<std::shared_mutex> readLock() const { return std::shared_lock<std::shared_mutex>(m_mutex); }

    // Needs lock(). Appends at most maxRows (-1: all) alerts with an id above lastId() from store's current read
    // snapshot, oldest first. Returns how many, or -1 (and error). Starts over when the store is not the one cached
    // (the newest cached alert is gone or changed: another file at the same path).
    qint64 catchUp(const AlertStore &store, qint64 maxRows, QString *error = nullptr);
    // Needs readLock() or lock(). Whether the newest cached alert with an id <= maxId is in store with the same
    // timestamp (false: another file at the same path; clear() and load again). An empty cache agrees with any store.
    bool agreesWith(const AlertStore &store, qint64 maxId) const;
    // Needs lock(). Empties the cache.
    void clear();

    // Need readLock() or lock() (the accessors below too).
    qint64 rowCount() const { return qint64(m_rowProfile.size()); }
    qint64 lastId() const { return m_runs.empty() ? 0 : m_runs.back().firstId + m_runs.back().count - 1; }
    // The rows' timestamps, read through an accessor (times[row]) handed to f: 4 bytes a row, an offset from its
    // block's base, while every block's times lie within 2^31 ms (24 days) of its first row's; 8 bytes a row
    // otherwise (a store whose blocks span more). f(times) is instantiated for both kinds: loops over millions of rows
    // read them without a branch per row.
    struct CompactTimes
    {
        const qint64 *base;      // per block
        const quint32 *offset;   // per row
        qint64 operator[](qint64 row) const { return base[size_t(row) / size_t(BlockRows)] + qint64(offset[row]); }
    };
    struct WideTimes
    {
        const qint64 *ts;
        qint64 operator[](qint64 row) const { return ts[row]; }
    };
    template<typename F>
    decltype(auto) withTimestamps(F &&f) const
    {
        if (m_wideTs.empty() && !m_tsOffset.empty())
            return f(CompactTimes{m_tsBase.data(), m_tsOffset.data()});
        return f(WideTimes{m_wideTs.data()});
    }
    qint64 timestamp(qint64 row) const
    {
        return m_wideTs.empty() ? m_tsBase[size_t(row / BlockRows)] + qint64(m_tsOffset[size_t(row)]) : m_wideTs[size_t(row)];
    }
    const std::vector<quint32> &rowProfiles() const { return m_rowProfile; }
    const std::vector<Profile> &profiles() const { return m_profiles; }
    int dictionarySize(int column) const;
    // Text columns: the UTF-8 bytes of a code. Integer columns: intValue().
    const QByteArray &text(int column, quint32 code) const { return m_text[column - IntColumnCount][code]; }
    qint64 intValue(int column, quint32 code) const { return m_ints[column][code]; }
    // The row of an alert id, or -1 when that id is not cached.
    qint64 rowForId(qint64 id) const;
    // The id of a cached row (0 <= row < rowCount()).
    qint64 idOfRow(qint64 row) const;
    // The runs of consecutive ids, in row order (ids are dense: usually one).
    const std::vector<IdRun> &idRuns() const { return m_runs; }
    // The oldest and newest timestamp of the rows [b * BlockRows, (b + 1) * BlockRows), for each block b that has
    // rows: a scan for the newest (or oldest) rows stops at the first block that cannot hold any (CachedOrder).
    static constexpr qint64 BlockRows = 65536;
    const std::vector<qint64> &blockMinTs() const { return m_blockMin; }
    const std::vector<qint64> &blockMaxTs() const { return m_blockMax; }
    // Per profile, how many cached rows carry it.
    const std::vector<quint32> &profileRows() const { return m_profileRows; }
    // The number of cached rows with an id <= maxId.
    qint64 rowsUpToId(qint64 maxId) const;
    // Bytes held (rows, profiles, dictionaries), roughly.
    qint64 memoryBytes() const;

    // Set by whoever loads the cache in the background; readers fall back to the base table meanwhile.
    std::atomic<bool> &loading() { return m_loading; }

private:
    using Run = IdRun;

    bool syncProfiles(const AlertStore &store, QString *error);
    void appendRow(qint64 id, qint64 ts, quint32 profile);
    void widenTimes();
    quint32 intCode(int column, qint64 value);
    quint32 textCode(int column, const char *data, int size);

    mutable std::shared_mutex m_mutex;
    std::atomic<bool> m_loading{false};
    std::vector<qint64> m_tsBase;                           // per block: the time offsets count from
    std::vector<quint32> m_tsOffset;                        // per row (empty once the times are wide)
    std::vector<qint64> m_wideTs;                           // per row, when a block's times did not fit 32 bits
    std::vector<quint32> m_rowProfile;
    std::vector<Run> m_runs;
    std::vector<qint64> m_blockMin;
    std::vector<qint64> m_blockMax;
    std::vector<quint32> m_profileRows;
    std::vector<Profile> m_profiles;
    std::vector<qint64> m_ints[IntColumnCount];
    QHash<qint64, quint32> m_intCodes[IntColumnCount];
    std::vector<QByteArray> m_text[ColumnCount - IntColumnCount];
    QHash<QByteArray, quint32> m_textCodes[ColumnCount - IntColumnCount];
    qint64 m_textBytes = 0;
};

} // namespace fe
