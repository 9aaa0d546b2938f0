// SPDX-License-Identifier: Apache-2.0
#include "model/aggregates.h"

#include "model/alertcolumncache.h"
#include "model/alerttime.h"
#include "model/cachedmatch.h"
#include "model/factcatalog.h"
#include "model/filtersql.h"
#include "model/recordreader.h"
#include "model/storefunctions.h"
#include "model/schema.h"
#include "model/sqlstatement.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <array>
#include <bit>
#include <memory>
#include <shared_mutex>
#include <tuple>
#include <vector>
#include <limits>

namespace fe {

namespace {

constexpr qint64 s_noTs = std::numeric_limits<qint64>::min();

qint64 floorDiv(qint64 value, qint64 divisor)
{
    qint64 q = value / divisor;
    if (value % divisor != 0 && (value < 0) != (divisor < 0))
        --q;
    return q;
}

qint64 ceilDiv(qint64 value, qint64 divisor)
{
    return -floorDiv(-value, divisor);
}

// The over_time widths offered, smallest first; past the list, whole multiples of a year.
qint64 chooseInterval(qint64 fromMs, qint64 toMs, int maxBuckets)
{
    static const qint64 s_steps[] = {MinuteMs,      5 * MinuteMs,   10 * MinuteMs,  30 * MinuteMs,
                                     HourMs,        3 * HourMs,     12 * HourMs,    24 * HourMs,
                                     7 * 24 * HourMs, 30 * 24 * HourMs, 90 * 24 * HourMs, 365 * 24 * HourMs};
    maxBuckets = std::max(maxBuckets, 1);
    auto fits = [&](qint64 interval) {
        const qint64 origin = floorDiv(fromMs, interval) * interval;
        return ceilDiv(toMs - origin, interval) <= maxBuckets;
    };
    for (qint64 step : s_steps) {
        if (fits(step))
            return step;
    }
    qint64 interval = 365 * 24 * HourMs;
    while (!fits(interval))
        interval *= 2;
    return interval;
}

struct Agg
{
    qint64 count = 0;
    qint64 lastTs = s_noTs;
    void add(qint64 n, qint64 ts)
    {
        count += n;
        lastTs = std::max(lastTs, ts);
    }
};

// Counts of one dashboard, fed by rollup rows or by base-table rows alike, so both paths give identical results.
// Keys are the UTF-8 bytes SQLite hands out; a lookup wraps them without copying.
class Accumulator
{
public:
    Accumulator(qint64 origin, qint64 interval, int buckets)
        : m_origin(origin)
        , m_interval(interval)
    {
        m_overTime.resize(buckets);
        for (int i = 0; i < buckets; ++i)
            m_overTime[i].startMs = origin + qint64(i) * interval;
    }

    void add(RollupDim dim, const char *key, int size, qint64 count, qint64 lastTs)
    {
        QHash<QByteArray, Agg> &map = m_dims[size_t(dim)];
        const QByteArray probe = QByteArray::fromRawData(key ? key : "", key ? size : 0);
        auto it = map.find(probe);
        if (it == map.end())
            it = map.insert(QByteArray(probe.constData(), probe.size()), Agg{});
        it->add(count, lastTs);
    }

    // Alerts of one priority starting in [bucketStartMs, bucketStartMs + width), width dividing the interval.
    void addTime(qint64 bucketStartMs, int priority, qint64 count, qint64 lastTs)
    {
        priority = std::clamp(priority, 0, int(Priority::Unknown));
        m_priorities[size_t(priority)].add(count, lastTs);
        const qint64 index = floorDiv(bucketStartMs - m_origin, m_interval);
        if (index < 0 || index >= m_overTime.size())
            return; // cannot happen for slices of the range; kept out of the chart rather than misplaced
        TimePoint &point = m_overTime[index];
        point.count += count;
        point.byPriority[priority] += count;
    }

    // Counts already split by over_time bucket (an index into overTime) and by priority; the priority totals are
    // added apart with addPriority().
    void addBucketCount(int index, int priority, qint64 count)
    {
        TimePoint &point = m_overTime[index];
        point.count += count;
        point.byPriority[std::clamp(priority, 0, int(Priority::Unknown))] += count;
    }

    void addPriority(int priority, qint64 count, qint64 lastTs)
    {
        m_priorities[size_t(std::clamp(priority, 0, int(Priority::Unknown)))].add(count, lastTs);
    }

    // One base-table row group: (tactics, technique) as stored, split the way the rollups were written.
    void addMitre(const char *tactics, int tacticsSize, const char *technique, int techniqueSize, qint64 count,
                  qint64 lastTs)
    {
        QByteArray key;
        bool any = false;
        int start = 0;
        for (int i = 0; i <= tacticsSize; ++i) {
            if (i < tacticsSize && tactics[i] != '|')
                continue;
            if (i > start) {
                any = true;
                add(RollupDim::Tactic, tactics + start, i - start, count, lastTs);
                key = QByteArray(tactics + start, i - start) + '\t' + QByteArray(technique, techniqueSize);
                add(RollupDim::Mitre, key.constData(), int(key.size()), count, lastTs);
            }
            start = i + 1;
        }
        if (!any) {
            add(RollupDim::Tactic, "", 0, count, lastTs);
            key = '\t' + QByteArray(technique, techniqueSize);
            add(RollupDim::Mitre, key.constData(), int(key.size()), count, lastTs);
        }
    }

    void addTags(const char *tags, int size, qint64 count, qint64 lastTs)
    {
        bool any = false;
        int start = 0;
        for (int i = 0; i <= size; ++i) {
            if (i < size && tags[i] != '|')
                continue;
            if (i > start) {
                any = true;
                add(RollupDim::Tag, tags + start, i - start, count, lastTs);
            }
            start = i + 1;
        }
        if (!any)
            add(RollupDim::Tag, "", 0, count, lastTs);
    }

    void finish(const AggregateOptions &options, DashboardData *out) const
    {
        out->overTime = m_overTime;
        out->total = 0;
        out->byPriority.clear();
        for (int p = 0; p <= int(Priority::Unknown); ++p) {
            const Agg &agg = m_priorities[size_t(p)];
            out->total += agg.count;
            if (agg.count > 0)
                out->byPriority.append(Bucket{priorityName(Priority(p)), agg.count, agg.lastTs});
        }
        out->byRule = top(RollupDim::Rule, options.topN);
        out->byHost = top(RollupDim::Host, options.topN);
        out->byPod = top(RollupDim::Pod, options.topN);
        out->bySource = top(RollupDim::Source, options.topN);
        out->byTechnique = top(RollupDim::Technique, options.topN);
        out->byTactic = top(RollupDim::Tactic, options.topN);
        out->byImage = top(RollupDim::Image, options.topN);
        out->byNamespace = top(RollupDim::Namespace, options.topN);
        out->byTag = top(RollupDim::Tag, options.topN);
        // The matrix shows every cell.
        out->mitre.clear();
        for (const Bucket &cell : top(RollupDim::Mitre, 0)) {
            const qsizetype tab = cell.key.indexOf(QLatin1Char('\t'));
            out->mitre.append(MitreCell{cell.key.left(tab), cell.key.mid(tab + 1), cell.count});
        }
    }

private:
    QVector<Bucket> top(RollupDim dim, int topN) const
    {
        const QHash<QByteArray, Agg> &map = m_dims[size_t(dim)];
        QVector<Bucket> list;
        list.reserve(map.size());
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (it->count > 0)
                list.append(Bucket{QString::fromUtf8(it.key()), it->count, it->lastTs});
        }
        std::sort(list.begin(), list.end(), [](const Bucket &a, const Bucket &b) {
            return a.count != b.count ? a.count > b.count : a.key < b.key;
        });
        if (topN > 0 && list.size() > topN)
            list.resize(topN);
        return list;
    }

    qint64 m_origin;
    qint64 m_interval;
    QVector<TimePoint> m_overTime;
    std::array<Agg, 9> m_priorities{};
    std::array<QHash<QByteArray, Agg>, RollupDimCount> m_dims;
};


const char *text(sqlite3_stmt *stmt, int column)
{
    return reinterpret_cast<const char *>(sqlite3_column_text(stmt, column));
}

// The alert stream's columns (readSummary()): the facts come from the profile, the output from the record.
constexpr char s_summaryColumns[] =
    "SELECT a.id, a.ts, a.profile, a.record, a.origin, a.byte_offset, a.received";

AlertSummary readSummary(const AlertStore &store, sqlite3_stmt *s)
{
    const auto str = [](const QByteArray &bytes) { return QString::fromUtf8(bytes); };
    AlertSummary summary;
    summary.id = sqlite3_column_int64(s, 0);
    summary.timestampMs = sqlite3_column_int64(s, 1);
    const quint32 profile = quint32(sqlite3_column_int64(s, 2));
    FactCatalog &catalog = store.functions().catalog();
    if (catalog.ensureProfile(store.handle(), profile)) {
        summary.priority = Priority(std::clamp(int(catalog.value(profile, FactPriority)), 0, int(Priority::Unknown)));
        summary.severity = int(catalog.value(profile, FactSeverity));
        summary.rule = str(catalog.factText(profile, FactRule));
        summary.host = str(catalog.factText(profile, FactHost));
        summary.process = str(catalog.factText(profile, FactProcess));
        summary.containerName = str(catalog.factText(profile, FactContainerName));
        summary.pod = str(catalog.factText(profile, FactPod));
    }
    RecordReader &reader = store.functions().reader();
    StoredRecord record;
    if (reader.load(summary.id, s, 3, &record))
        summary.output = QString::fromUtf8(reader.outputUtf8(record));
    return summary;
}

// The base table: one pass over the matching rows, counted in memory per profile, then per value. A GROUP BY per
// panel would scan the filtered rows once per panel; one pass reads them once whatever the number of panels.
bool addFromBase(const AlertStore &store, const FilterSql &filter, Accumulator *acc, qint64 origin, qint64 interval,
                 QString *error)
{
    sqlite3 *db = store.handle();
    const QString sql = QStringLiteral("SELECT a.ts, a.profile FROM ") + filter.from() + QStringLiteral(" WHERE ")
        + filter.where();
    SqlStatement query(db, sql);
    if (!query || filter.bind(query.get()) < 0) {
        if (error)
            *error = query.error();
        return false;
    }
    FactCatalog &catalog = store.functions().catalog();
    QHash<quint32, Agg> byProfile;
    sqlite3_stmt *s = query.get();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const qint64 ts = sqlite3_column_int64(s, 0);
        const quint32 profile = quint32(sqlite3_column_int64(s, 1));
        if (!catalog.ensureProfile(db, profile))
            continue;
        acc->addTime(origin + floorDiv(ts - origin, interval) * interval, int(catalog.value(profile, FactPriority)), 1,
                     ts);
        byProfile[profile].add(1, ts);
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    static const std::pair<int, RollupDim> s_simple[] = {
        {FactRule, RollupDim::Rule},           {FactHost, RollupDim::Host},   {FactPod, RollupDim::Pod},
        {FactSource, RollupDim::Source},       {FactTechnique, RollupDim::Technique}, {FactImage, RollupDim::Image},
        {FactNamespace, RollupDim::Namespace},
    };
    for (auto it = byProfile.cbegin(); it != byProfile.cend(); ++it) {
        const quint32 profile = it.key();
        const qint64 n = it->count;
        const qint64 last = it->lastTs;
        for (const auto &[column, dim] : s_simple) {
            const QByteArray &key = catalog.factText(profile, column);
            acc->add(dim, key.constData(), int(key.size()), n, last);
        }
        const QByteArray &technique = catalog.factText(profile, FactTechnique);
        const QByteArray &tactics = catalog.factText(profile, FactTactics);
        acc->addMitre(tactics.constData(), int(tactics.size()), technique.constData(), int(technique.size()), n, last);
        const QByteArray &tags = catalog.factText(profile, FactTags);
        acc->addTags(tags.constData(), int(tags.size()), n, last);
    }
    return true;
}

// Rollup rows of one table for buckets [firstBucket, endBucket). withTime: also feed over_time and the priority
// counts from dim 1 (false when another table covers the time series for this slice).
bool addFromRollup(sqlite3 *db, const char *table, qint64 width, qint64 firstBucket, qint64 endBucket, bool withDims,
                   bool withTime, Accumulator *acc, QString *error)
{
    if (firstBucket >= endBucket)
        return true;
    SqlStatement query(db, QStringLiteral("SELECT bucket, key, cnt, last_ts FROM %1 WHERE dim = ?1 AND bucket >= ?2 AND "
                                   "bucket < ?3")
                        .arg(QLatin1String(table)));
    if (!query) {
        if (error)
            *error = query.error();
        return false;
    }
    sqlite3_stmt *s = query.get();
    for (int dim = int(RollupDim::Priority); dim < RollupDimCount; ++dim) {
        const bool time = dim == int(RollupDim::Priority);
        if (time ? !withTime : !withDims)
            continue;
        sqlite3_bind_int(s, 1, dim);
        sqlite3_bind_int64(s, 2, firstBucket);
        sqlite3_bind_int64(s, 3, endBucket);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const qint64 count = sqlite3_column_int64(s, 2);
            const qint64 lastTs = sqlite3_column_int64(s, 3);
            if (time)
                acc->addTime(sqlite3_column_int64(s, 0) * width, sqlite3_column_int(s, 1), count, lastTs);
            else
                acc->add(RollupDim(dim), text(s, 1), sqlite3_column_bytes(s, 1), count, lastTs);
        }
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
            if (error)
                *error = QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
    }
    return true;
}


// A query counted from the column cache: the matching rows come from the profiles the query matches (queries on
// cached columns only) or from the ids SQLite returns for it (full text, the document, ...); the rows' counts per
// profile then expand into every panel. *used = false when the cache cannot answer (too far behind): the caller
// reads the base table.
bool addFromColumns(const AlertStore &store, AlertColumnCache &cache, const FilterSql &query, qint64 fromMs,
                    qint64 toMs, qint64 origin, qint64 interval, int buckets, int newestRows, Accumulator *acc,
                    QVector<AlertSummary> *newest, bool *used, QString *error)
{
    *used = false;
    sqlite3 *db = store.handle();
    std::shared_lock<std::shared_mutex> lock;
    qint64 snapshotMaxId = 0;
    bool usable = false;
    if (!CachedMatch::catchUp(store, cache, &lock, &snapshotMaxId, &usable, error))
        return false;
    if (!usable)
        return true;
    CachedMatch match;
    if (!match.build(store, cache, query, cache.rowsUpToId(snapshotMaxId), error))
        return false;

    const std::vector<AlertColumnCache::Profile> &profiles = cache.profiles();
    std::vector<quint8> priorityOf(profiles.size());
    for (size_t p = 0; p < profiles.size(); ++p) {
        const qint64 priority = cache.intValue(AlertColumnCache::Priority, profiles[p].codes[AlertColumnCache::Priority]);
        priorityOf[p] = quint8(std::clamp<qint64>(priority, 0, int(Priority::Unknown)));
    }
    std::vector<qint64> profileCount(profiles.size(), 0);
    std::vector<qint64> profileLast(profiles.size(), s_noTs);
    std::vector<qint64> bucketCounts(size_t(std::max(buckets, 0)) * 9, 0);
    const quint32 *rowProfile = cache.rowProfiles().data();
    // The newest rows: a min-heap of (ts, row); rows are in id order, so this is the stream's (ts, id) order.
    std::vector<std::pair<qint64, qint64>> heap;
    heap.reserve(size_t(std::max(newestRows, 0)) + 1);
    const auto count = [&](const auto &ts, qint64 row) {
        const qint64 t = ts[row];
        if (t < fromMs || t >= toMs)
            return;
        const quint32 p = rowProfile[row];
        if (!match.profileMatches(p))
            return;
        ++profileCount[p];
        profileLast[p] = std::max(profileLast[p], t);
        const qint64 index = (t - origin) / interval; // t >= fromMs >= origin
        if (index < buckets)
            ++bucketCounts[size_t(index) * 9 + priorityOf[p]];
        if (newestRows > 0 && (heap.size() < size_t(newestRows) || std::pair{t, row} > heap.front())) {
            heap.emplace_back(t, row);
            std::push_heap(heap.begin(), heap.end(), std::greater<>());
            if (heap.size() > size_t(newestRows)) {
                std::pop_heap(heap.begin(), heap.end(), std::greater<>());
                heap.pop_back();
            }
        }
    };
    cache.withTimestamps([&](const auto ts) { match.forEachCandidate([&](qint64 row) { count(ts, row); }); });

    for (int b = 0; b < buckets; ++b) {
        for (int p = 0; p < 9; ++p) {
            if (const qint64 n = bucketCounts[size_t(b) * 9 + size_t(p)])
                acc->addBucketCount(b, p, n);
        }
    }
    // Per profile → per value of each panel's column, then into the accumulator once per value.
    static const std::pair<int, RollupDim> s_simple[] = {
        {AlertColumnCache::Rule, RollupDim::Rule},           {AlertColumnCache::Host, RollupDim::Host},
        {AlertColumnCache::Pod, RollupDim::Pod},             {AlertColumnCache::Source, RollupDim::Source},
        {AlertColumnCache::Technique, RollupDim::Technique}, {AlertColumnCache::Image, RollupDim::Image},
        {AlertColumnCache::Namespace, RollupDim::Namespace},
    };
    std::array<Agg, 9> byPriority{};
    std::vector<std::vector<Agg>> byCode;
    for (const auto &[column, dim] : s_simple)
        byCode.emplace_back(size_t(cache.dictionarySize(column)));
    std::vector<Agg> byTags(size_t(cache.dictionarySize(AlertColumnCache::Tags)));
    QHash<quint64, Agg> byMitre;
    for (size_t p = 0; p < profiles.size(); ++p) {
        const qint64 n = profileCount[p];
        if (n == 0)
            continue;
        const qint64 last = profileLast[p];
        const quint32 *codes = profiles[p].codes;
        byPriority[priorityOf[p]].add(n, last);
        for (size_t i = 0; i < std::size(s_simple); ++i)
            byCode[i][codes[s_simple[i].first]].add(n, last);
        byTags[codes[AlertColumnCache::Tags]].add(n, last);
        byMitre[(quint64(codes[AlertColumnCache::Tactics]) << 32) | codes[AlertColumnCache::Technique]].add(n, last);
    }
    for (int p = 0; p < 9; ++p) {
        if (byPriority[size_t(p)].count > 0)
            acc->addPriority(p, byPriority[size_t(p)].count, byPriority[size_t(p)].lastTs);
    }
    for (size_t i = 0; i < std::size(s_simple); ++i) {
        const int column = s_simple[i].first;
        for (size_t code = 0; code < byCode[i].size(); ++code) {
            const Agg &agg = byCode[i][code];
            if (agg.count > 0) {
                const QByteArray &key = cache.text(column, quint32(code));
                acc->add(s_simple[i].second, key.constData(), int(key.size()), agg.count, agg.lastTs);
            }
        }
    }
    for (size_t code = 0; code < byTags.size(); ++code) {
        if (byTags[code].count > 0) {
            const QByteArray &tags = cache.text(AlertColumnCache::Tags, quint32(code));
            acc->addTags(tags.constData(), int(tags.size()), byTags[code].count, byTags[code].lastTs);
        }
    }
    for (auto it = byMitre.cbegin(); it != byMitre.cend(); ++it) {
        const QByteArray &tactics = cache.text(AlertColumnCache::Tactics, quint32(it.key() >> 32));
        const QByteArray &technique = cache.text(AlertColumnCache::Technique, quint32(it.key() & 0xffffffffu));
        acc->addMitre(tactics.constData(), int(tactics.size()), technique.constData(), int(technique.size()),
                      it->count, it->lastTs);
    }

    if (newestRows > 0) {
        std::sort(heap.begin(), heap.end(), std::greater<>());
        std::vector<qint64> rowIds;
        SqlStatement byId(db, QLatin1String(s_summaryColumns) + QStringLiteral(" FROM alerts a WHERE a.id = ?1"));
        if (!byId) {
            if (error)
                *error = byId.error();
            return false;
        }
        for (const auto &[t, row] : heap) {
            sqlite3_bind_int64(byId.get(), 1, cache.idOfRow(row));
            if (sqlite3_step(byId.get()) == SQLITE_ROW)
                newest->append(readSummary(store, byId.get()));
            sqlite3_reset(byId.get());
        }
    }
    *used = true;
    return true;
}

// Every range stays within this window (twice the times an alert may carry, model/alerttime.h), where the bucket
// arithmetic cannot overflow; only a store written before the writer replaced out-of-range times has rows outside it.
constexpr qint64 s_minRangeMs = -kMaxAlertTimeMs;
constexpr qint64 s_maxRangeMs = kMaxAlertTimeMs + 1;

// The oldest and newest times in the window; s_noTs when there is none.
bool dataRange(sqlite3 *db, qint64 *minTs, qint64 *maxTs, QString *error)
{
    // Two statements: SQLite answers a lone min() or max() from the index in O(log n), not both at once.
    for (const auto &[sql, target, bound] :
         {std::tuple{"SELECT min(ts) FROM alerts WHERE ts >= ?", minTs, s_minRangeMs},
          std::tuple{"SELECT max(ts) FROM alerts WHERE ts < ?", maxTs, s_maxRangeMs}}) {
        SqlStatement query(db, QString::fromLatin1(sql));
        if (query)
            sqlite3_bind_int64(query.get(), 1, bound);
        if (!query || sqlite3_step(query.get()) != SQLITE_ROW) {
            if (error)
                *error = query.error();
            return false;
        }
        *target = sqlite3_column_type(query.get(), 0) == SQLITE_NULL ? s_noTs : sqlite3_column_int64(query.get(), 0);
    }
    return true;
}

} // namespace

bool computeDashboard(const AlertStore &store, const AlertFilter &filter, const AggregateOptions &options,
                      DashboardData *out, QString *error)
{
    Q_ASSERT(out);
    QElapsedTimer timer;
    timer.start();
    *out = DashboardData{};
    sqlite3 *db = store.handle();
    if (!db) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return false;
    }
    const qint64 nowMs = options.nowMs ? options.nowMs : QDateTime::currentMSecsSinceEpoch();
    const FilterSql filterSql = FilterSql::build(filter, nowMs);
    if (!filterSql.ok()) {
        if (error)
            *error = filterSql.error();
        return false;
    }

    // One read transaction, so the panels agree with each other while the writer goes on (unless the caller
    // already holds one).
    const bool ownTransaction = sqlite3_get_autocommit(db) != 0;
    if (ownTransaction && sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    struct EndRead
    {
        sqlite3 *db;
        bool active;
        ~EndRead()
        {
            if (active)
                sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        }
    } endRead{db, ownTransaction};

    qint64 fromMs = filter.fromMs;
    qint64 toMs = filter.toMs;
    const bool openFrom = fromMs == std::numeric_limits<qint64>::min();
    const bool openTo = toMs == std::numeric_limits<qint64>::max();
    if (openFrom || openTo) {
        qint64 minTs = s_noTs;
        qint64 maxTs = s_noTs;
        if (!dataRange(db, &minTs, &maxTs, error))
            return false;
        if (minTs == s_noTs) { // empty store
            minTs = maxTs = openFrom ? (openTo ? 0 : toMs) : fromMs;
            maxTs -= 1;
        }
        if (openFrom)
            fromMs = minTs;
        if (openTo)
            toMs = maxTs + 1;
    }
    fromMs = std::clamp(fromMs, s_minRangeMs, s_maxRangeMs);
    toMs = std::clamp(toMs, fromMs, s_maxRangeMs);

    const qint64 interval = chooseInterval(fromMs, toMs, options.maxTimeBuckets);
    const qint64 origin = floorDiv(fromMs, interval) * interval;
    const int buckets = toMs > fromMs ? int(ceilDiv(toMs - origin, interval)) : 0;
    out->fromMs = fromMs;
    out->toMs = toMs;
    out->intervalMs = interval;
    Accumulator acc(origin, interval, buckets);

    if (toMs > fromMs) {
        if (filterSql.hasQuery() || options.forceBaseTable) {
            bool used = false;
            std::shared_ptr<AlertColumnCache> cache;
            if (filterSql.hasQuery() && !options.forceBaseTable && options.useColumnCache)
                cache = AlertColumnCache::find(store.path());
            if (cache
                && !addFromColumns(store, *cache, filterSql.withRange(FilterSql::Unbounded, std::numeric_limits<qint64>::max()),
                                   fromMs, toMs, origin, interval, buckets, options.newestRows, &acc, &out->newest,
                                   &used, error))
                return false;
            out->fromColumnCache = used;
            if (!used)
                out->newest.clear();
            if (!used && !addFromBase(store, filterSql.withRange(fromMs, toMs), &acc, origin, interval, error))
                return false;
        } else {
            out->fromRollups = true;
            // RollupSlices: the sub-hour edges [from, h0) and [h1, to) from the base table (only the total and the
            // priority have minute rollups, model/schema.h); [h0, d0) and [d1, h1) from hours, [d0, d1) from days.
            // over_time needs rollup buckets that nest in its interval: with an interval below an hour (ranges
            // under 120 h) the time series of [h0, h1) comes from minutes, below a day from hours.
            const RollupSlices r = RollupSlices::plan(db, fromMs, toMs);
            const FilterSql plain = FilterSql::build(AlertFilter{});
            if (r.h0 > r.from && !addFromBase(store, plain.withRange(r.from, r.h0), &acc, origin, interval, error))
                return false;
            if (r.to > r.h1 && !addFromBase(store, plain.withRange(r.h1, r.to), &acc, origin, interval, error))
                return false;
            const bool hourTime = interval % HourMs == 0;
            const bool dayTime = interval % DayMs == 0;
            const bool ok =
                addFromRollup(db, sqlnames::rollupHour, HourMs, r.h0 / HourMs, r.d0 / HourMs, true, hourTime, &acc,
                              error)
                && addFromRollup(db, sqlnames::rollupHour, HourMs, r.d1 / HourMs, r.h1 / HourMs, true, hourTime,
                                 &acc, error)
                && addFromRollup(db, sqlnames::rollupDay, DayMs, r.d0 / DayMs, r.d1 / DayMs, true, dayTime, &acc,
                                 error)
                && (dayTime || !hourTime
                    || addFromRollup(db, sqlnames::rollupHour, HourMs, r.d0 / HourMs, r.d1 / HourMs, false, true,
                                     &acc, error))
                && (hourTime
                    || addFromRollup(db, sqlnames::rollupMinute, MinuteMs, r.h0 / MinuteMs, r.h1 / MinuteMs, false,
                                     true, &acc, error));
            if (!ok)
                return false;
        }
    }
    if (options.newestRows > 0 && !out->fromColumnCache
        && !newestAlerts(store, filter, options.newestRows, &out->newest, error))
        return false;
    acc.finish(options, out);
    out->elapsedMs = double(timer.nsecsElapsed()) / 1e6;
    return true;
}

bool newestAlerts(const AlertStore &store, const AlertFilter &filter, int limit, QVector<AlertSummary> *out,
                  QString *error)
{
    Q_ASSERT(out);
    out->clear();
    sqlite3 *db = store.handle();
    if (!db) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return false;
    }
    const FilterSql filterSql = FilterSql::build(filter);
    if (!filterSql.ok()) {
        if (error)
            *error = filterSql.error();
        return false;
    }
    if (limit <= 0)
        return true;
    SqlStatement query(db, QLatin1String(s_summaryColumns) + QStringLiteral(" FROM ") + filterSql.from() + QStringLiteral(" WHERE ") + filterSql.where()
                        + QStringLiteral(" ORDER BY a.ts DESC, a.id DESC LIMIT ?"));
    const int limitIndex = query ? filterSql.bind(query.get()) : -1;
    if (!query || limitIndex < 0) {
        if (error)
            *error = query.error();
        return false;
    }
    sqlite3_stmt *s = query.get();
    sqlite3_bind_int(s, limitIndex, limit);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        out->append(readSummary(store, s));
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    return true;
}

} // namespace fe
