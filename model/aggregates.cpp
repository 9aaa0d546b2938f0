// SPDX-License-Identifier: Apache-2.0
#include "model/aggregates.h"

#include "model/alertcolumncache.h"
#include "model/filtersql.h"
#include "model/schema.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <array>
#include <bit>
#include <memory>
#include <mutex>
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

class Query
{
public:
    Query(sqlite3 *db, const QString &sql)
        : m_db(db)
    {
        const QByteArray utf8 = sql.toUtf8();
        if (sqlite3_prepare_v2(db, utf8.constData(), int(utf8.size()), &m_stmt, nullptr) != SQLITE_OK) {
            m_error = QString::fromUtf8(sqlite3_errmsg(db));
            m_stmt = nullptr;
        }
    }
    ~Query() { sqlite3_finalize(m_stmt); }
    Query(const Query &) = delete;
    Query &operator=(const Query &) = delete;

    sqlite3_stmt *get() const { return m_stmt; }
    explicit operator bool() const { return m_stmt != nullptr; }
    QString error() const { return m_error.isEmpty() ? QString::fromUtf8(sqlite3_errmsg(m_db)) : m_error; }

private:
    sqlite3 *m_db;
    sqlite3_stmt *m_stmt = nullptr;
    QString m_error;
};

const char *text(sqlite3_stmt *stmt, int column)
{
    return reinterpret_cast<const char *>(sqlite3_column_text(stmt, column));
}

// The alert stream's columns (readSummary()), and its output text.
constexpr char s_summaryColumns[] =
    "SELECT a.id, a.ts, a.priority, a.severity, a.rule, a.host, a.process, a.container_name, a.pod";
constexpr char s_summaryOutput[] = "SELECT output FROM alert_fts WHERE rowid = ?1";

AlertSummary readSummary(sqlite3_stmt *s, sqlite3_stmt *output)
{
    auto str = [](sqlite3_stmt *stmt, int column) {
        return QString::fromUtf8(text(stmt, column), sqlite3_column_bytes(stmt, column));
    };
    AlertSummary summary;
    summary.id = sqlite3_column_int64(s, 0);
    summary.timestampMs = sqlite3_column_int64(s, 1);
    summary.priority = Priority(std::clamp(sqlite3_column_int(s, 2), 0, int(Priority::Unknown)));
    summary.severity = sqlite3_column_int(s, 3);
    summary.rule = str(s, 4);
    summary.host = str(s, 5);
    summary.process = str(s, 6);
    summary.containerName = str(s, 7);
    summary.pod = str(s, 8);
    sqlite3_bind_int64(output, 1, summary.id);
    if (sqlite3_step(output) == SQLITE_ROW)
        summary.output = str(output, 0);
    sqlite3_reset(output);
    return summary;
}

// The base table: one pass over the matching rows, counted in memory. A GROUP BY per panel would scan the
// filtered rows once per panel; one pass reads them once whatever the number of panels.
bool addFromBase(sqlite3 *db, const FilterSql &filter, Accumulator *acc, qint64 origin, qint64 interval,
                 QString *error)
{
    const QString sql = QStringLiteral(
                            "SELECT a.ts, a.priority, a.rule, a.host, a.pod, a.source, a.technique, a.tactics, a.image, "
                            "a.namespace, a.tags FROM ")
        + filter.from() + QStringLiteral(" WHERE ") + filter.where();
    Query query(db, sql);
    if (!query || filter.bind(query.get()) < 0) {
        if (error)
            *error = query.error();
        return false;
    }
    sqlite3_stmt *s = query.get();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const qint64 ts = sqlite3_column_int64(s, 0);
        acc->addTime(origin + floorDiv(ts - origin, interval) * interval, sqlite3_column_int(s, 1), 1, ts);
        static const std::pair<int, RollupDim> s_simple[] = {
            {2, RollupDim::Rule},      {3, RollupDim::Host},  {4, RollupDim::Pod},
            {5, RollupDim::Source},    {6, RollupDim::Technique}, {8, RollupDim::Image},
            {9, RollupDim::Namespace},
        };
        for (const auto &[column, dim] : s_simple)
            acc->add(dim, text(s, column), sqlite3_column_bytes(s, column), 1, ts);
        const char *technique = text(s, 6);
        const int techniqueSize = sqlite3_column_bytes(s, 6);
        const char *tactics = text(s, 7);
        acc->addMitre(tactics ? tactics : "", sqlite3_column_bytes(s, 7), technique ? technique : "", techniqueSize, 1,
                      ts);
        const char *tags = text(s, 10);
        acc->addTags(tags ? tags : "", sqlite3_column_bytes(s, 10), 1, ts);
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
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
    Query query(db, QStringLiteral("SELECT bucket, key, cnt, last_ts FROM %1 WHERE dim = ?1 AND bucket >= ?2 AND "
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

// The cached columns a compiled query reads (their AlertColumnCache::Column), or false when it reads anything the
// cache does not hold: a subquery (full text, notes), the document, the time, the id, the triage status, the command
// line. Scans the SQL text outside its quoted literals (user values are bound parameters, never in the text).
bool cachedColumnsOf(const QString &where, std::vector<int> *columns)
{
    columns->clear();
    const auto isIdent = [](QChar c) { return c.isLetterOrNumber() || c == QLatin1Char('_'); };
    bool quoted = false;
    for (qsizetype i = 0; i < where.size(); ++i) {
        const QChar c = where.at(i);
        if (c == QLatin1Char('\'')) {
            quoted = !quoted;
            continue;
        }
        if (quoted || !isIdent(c) || (i > 0 && (isIdent(where.at(i - 1)) || where.at(i - 1) == QLatin1Char('.'))))
            continue;
        qsizetype end = i;
        while (end < where.size() && isIdent(where.at(end)))
            ++end;
        const QStringView word = QStringView(where).mid(i, end - i);
        if (end < where.size() && where.at(end) == QLatin1Char('.')) {
            if (word != u"a")
                return false; // d.doc, n.text, ...
            qsizetype nameEnd = end + 1;
            while (nameEnd < where.size() && isIdent(where.at(nameEnd)))
                ++nameEnd;
            const QStringView name = QStringView(where).mid(end + 1, nameEnd - end - 1);
            int column = -1;
            for (int c = 0; c < AlertColumnCache::ColumnCount; ++c) {
                if (name == QLatin1String(AlertColumnCache::columnName(c)))
                    column = c;
            }
            if (column < 0)
                return false;
            if (std::find(columns->begin(), columns->end(), column) == columns->end())
                columns->push_back(column);
            i = nameEnd - 1;
            continue;
        }
        if (word.compare(u"select", Qt::CaseInsensitive) == 0 || word.startsWith(u"json", Qt::CaseInsensitive)
            || word.startsWith(u"fe_", Qt::CaseInsensitive))
            return false;
        i = end - 1;
    }
    return !quoted;
}

// Which profiles of the cache a query matches: SQLite evaluates the compiled query itself (same operators, LIKE,
// collation as on the store), on a private in-memory table holding one row per distinct combination of the columns
// the query reads. A handful of rows for a typical query, however many alerts there are.
bool matchProfiles(AlertColumnCache &cache, const FilterSql &query, const QString &where,
                   const std::vector<int> &columns, std::vector<quint8> *match, QString *error)
{
    const std::vector<AlertColumnCache::Profile> &profiles = cache.profiles();
    std::vector<quint32> tupleOf(profiles.size());
    std::vector<quint32> tupleProfile; // a profile carrying each distinct combination
    if (columns.size() == 1) {
        std::vector<qint64> byCode(size_t(cache.dictionarySize(columns[0])), -1);
        for (size_t p = 0; p < profiles.size(); ++p) {
            qint64 &slot = byCode[profiles[p].codes[columns[0]]];
            if (slot < 0) {
                slot = qint64(tupleProfile.size());
                tupleProfile.push_back(quint32(p));
            }
            tupleOf[p] = quint32(slot);
        }
    } else {
        QHash<QByteArray, quint32> tuples;
        QByteArray key;
        for (size_t p = 0; p < profiles.size(); ++p) {
            key.resize(0);
            for (int c : columns)
                key.append(reinterpret_cast<const char *>(&profiles[p].codes[c]), sizeof(quint32));
            auto it = tuples.constFind(key);
            if (it == tuples.cend()) {
                it = tuples.insert(key, quint32(tupleProfile.size()));
                tupleProfile.push_back(quint32(p));
            }
            tupleOf[p] = *it;
        }
    }

    sqlite3 *db = cache.probeDatabase();
    if (!db) {
        if (error)
            *error = QStringLiteral("cannot open an in-memory database");
        return false;
    }
    QString create = QStringLiteral("CREATE TABLE IF NOT EXISTS probe(k INTEGER PRIMARY KEY");
    for (int c = 0; c < AlertColumnCache::ColumnCount; ++c) {
        create += QStringLiteral(", %1 %2").arg(QLatin1String(AlertColumnCache::columnName(c)),
                                               c < AlertColumnCache::IntColumnCount ? QStringLiteral("INTEGER")
                                                                                    : QStringLiteral("TEXT"));
    }
    create += QStringLiteral("); DELETE FROM probe; BEGIN");
    if (sqlite3_exec(db, create.toUtf8().constData(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    bool ok = true;
    {
        QString insert = QStringLiteral("INSERT INTO probe(k");
        for (int c : columns)
            insert += QStringLiteral(", ") + QLatin1String(AlertColumnCache::columnName(c));
        insert += QStringLiteral(") VALUES(?");
        for (size_t i = 0; i < columns.size(); ++i)
            insert += QStringLiteral(", ?");
        insert += QLatin1Char(')');
        Query stmt(db, insert);
        ok = bool(stmt);
        for (size_t t = 0; ok && t < tupleProfile.size(); ++t) {
            sqlite3_stmt *s = stmt.get();
            sqlite3_bind_int64(s, 1, qint64(t));
            const AlertColumnCache::Profile &profile = profiles[tupleProfile[t]];
            for (size_t i = 0; i < columns.size(); ++i) {
                const int c = columns[i];
                if (c < AlertColumnCache::IntColumnCount) {
                    sqlite3_bind_int64(s, int(i) + 2, cache.intValue(c, profile.codes[c]));
                } else {
                    const QByteArray &value = cache.text(c, profile.codes[c]);
                    sqlite3_bind_text(s, int(i) + 2, value.constData(), int(value.size()), SQLITE_STATIC);
                }
            }
            ok = sqlite3_step(s) == SQLITE_DONE;
            sqlite3_reset(s);
        }
        if (!ok && error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
    }
    sqlite3_exec(db, ok ? "COMMIT" : "ROLLBACK", nullptr, nullptr, nullptr);
    if (!ok)
        return false;

    std::vector<quint8> tupleMatch(tupleProfile.size(), 0);
    Query select(db, QStringLiteral("SELECT k FROM probe AS a WHERE ") + where);
    if (!select || query.bind(select.get()) < 0) {
        if (error)
            *error = select.error();
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
        const qint64 k = sqlite3_column_int64(select.get(), 0);
        if (k >= 0 && k < qint64(tupleMatch.size()))
            tupleMatch[size_t(k)] = 1;
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    match->resize(profiles.size());
    for (size_t p = 0; p < profiles.size(); ++p)
        (*match)[p] = tupleMatch[tupleOf[p]];
    return true;
}

using RowBits = std::vector<quint64>;

// The query with its `?` placeholders numbered (?1, ?2, ...), so that any part of it binds with FilterSql::bind()
// (each statement also names the last one: withAllParams()).
QString numberPlaceholders(const QString &where, int *params)
{
    QString out;
    *params = 0;
    bool quoted = false;
    for (const QChar c : where) {
        if (c == QLatin1Char('\''))
            quoted = !quoted;
        if (!quoted && c == QLatin1Char('?'))
            out += QStringLiteral("?%1").arg(++*params);
        else
            out += c;
    }
    return out;
}

QString withAllParams(const QString &sql, int params)
{
    return params > 0 ? sql + QStringLiteral(" AND (?%1 IS NULL OR 1)").arg(params) : sql;
}

// The index of the ')' closing the '(' at open, or -1 (quoted literals skipped).
qsizetype closingParen(const QString &text, qsizetype open)
{
    int depth = 0;
    bool quoted = false;
    for (qsizetype j = open; j < text.size(); ++j) {
        const QChar d = text.at(j);
        if (d == QLatin1Char('\''))
            quoted = !quoted;
        else if (!quoted && d == QLatin1Char('('))
            ++depth;
        else if (!quoted && d == QLatin1Char(')') && --depth == 0)
            return j;
    }
    return -1;
}

// The top-level AND terms of a boolean expression ("(a AND (b OR c))" → "a", "(b OR c)").
QStringList conjuncts(QString text)
{
    for (text = text.trimmed(); text.startsWith(QLatin1Char('(')) && closingParen(text, 0) == text.size() - 1;)
        text = text.mid(1, text.size() - 2).trimmed();
    QStringList terms;
    int depth = 0;
    bool quoted = false;
    qsizetype start = 0;
    static const QString s_and = QStringLiteral(" AND ");
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\''))
            quoted = !quoted;
        else if (!quoted && c == QLatin1Char('('))
            ++depth;
        else if (!quoted && c == QLatin1Char(')'))
            --depth;
        else if (!quoted && depth == 0 && QStringView(text).mid(i).startsWith(s_and)) {
            terms << text.mid(start, i - start).trimmed();
            start = i + s_and.size();
            i = start - 1;
        }
    }
    terms << text.mid(start).trimmed();
    return terms;
}

// A term whose only references to the alert are `a.id IN (SELECT ...)` atoms joined by AND, OR, NOT and parentheses
// (full text, output substrings). SQLite would look every matching id up in the wide `alerts` table (1.7 s for 1.7M
// matches at 10M alerts) although only ids are needed: each atom's subquery runs alone into a bitmap of rows, and
// the boolean glue is applied to the bitmaps (NOT: the complement within the snapshot's rows).
struct IdAtoms
{
    QStringList subqueries; // the atoms' SELECTs, in order
    QStringList tokens;     // the glue: ( ) AND OR NOT, and X for each atom
};

bool idAtomsOf(const QString &term, IdAtoms *out)
{
    static const QString s_atom = QStringLiteral("a.id IN (");
    QString skeleton;
    bool quoted = false;
    for (qsizetype i = 0; i < term.size(); ++i) {
        const QChar c = term.at(i);
        if (c == QLatin1Char('\'')) {
            quoted = !quoted;
            skeleton += c;
            continue;
        }
        if (!quoted && QStringView(term).mid(i).startsWith(s_atom)
            && (i == 0 || !(term.at(i - 1).isLetterOrNumber() || term.at(i - 1) == QLatin1Char('_')))) {
            const qsizetype open = i + s_atom.size() - 1;
            const qsizetype close = closingParen(term, open);
            if (close < 0)
                return false;
            const QString sub = term.mid(open + 1, close - open - 1).trimmed();
            if (!sub.startsWith(QLatin1String("SELECT ")))
                return false;
            out->subqueries << sub;
            skeleton += QStringLiteral(" X ");
            i = close;
            continue;
        }
        skeleton += c;
    }
    out->tokens = skeleton.replace(QLatin1Char('('), QStringLiteral(" ( "))
                      .replace(QLatin1Char(')'), QStringLiteral(" ) "))
                      .split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (out->subqueries.isEmpty())
        return false;
    static const QStringList s_glue = {QStringLiteral("("), QStringLiteral(")"), QStringLiteral("AND"),
                                       QStringLiteral("OR"), QStringLiteral("NOT"), QStringLiteral("X")};
    for (const QString &token : std::as_const(out->tokens)) {
        if (!s_glue.contains(token))
            return false;
    }
    return true;
}

// SQL precedence: NOT, then AND, then OR. false when the glue does not parse (the caller asks SQLite instead).
class BitsExpression
{
public:
    BitsExpression(const QStringList &tokens, std::vector<RowBits> atoms, qint64 endRow)
        : m_tokens(tokens)
        , m_atoms(std::move(atoms))
        , m_endRow(endRow)
    {
    }

    bool evaluate(RowBits *out)
    {
        if (!orExpr(out) || m_pos != m_tokens.size())
            return false;
        return true;
    }

private:
    QString peek() const { return m_pos < m_tokens.size() ? m_tokens[m_pos] : QString(); }
    bool orExpr(RowBits *out)
    {
        if (!andExpr(out))
            return false;
        while (peek() == QLatin1String("OR")) {
            ++m_pos;
            RowBits right;
            if (!andExpr(&right))
                return false;
            for (size_t i = 0; i < out->size(); ++i)
                (*out)[i] |= right[i];
        }
        return true;
    }
    bool andExpr(RowBits *out)
    {
        if (!notExpr(out))
            return false;
        while (peek() == QLatin1String("AND")) {
            ++m_pos;
            RowBits right;
            if (!notExpr(&right))
                return false;
            for (size_t i = 0; i < out->size(); ++i)
                (*out)[i] &= right[i];
        }
        return true;
    }
    bool notExpr(RowBits *out)
    {
        if (peek() != QLatin1String("NOT"))
            return primary(out);
        ++m_pos;
        if (!notExpr(out))
            return false;
        for (quint64 &word : *out)
            word = ~word;
        if (m_endRow % 64 && !out->empty())
            out->back() &= (quint64(1) << (m_endRow % 64)) - 1;
        return true;
    }
    bool primary(RowBits *out)
    {
        const QString token = peek();
        ++m_pos;
        if (token == QLatin1String("X")) {
            if (m_atom >= m_atoms.size())
                return false;
            *out = m_atoms[m_atom++];
            return true;
        }
        if (token != QLatin1String("(") || !orExpr(out) || peek() != QLatin1String(")"))
            return false;
        ++m_pos;
        return true;
    }

    const QStringList &m_tokens;
    std::vector<RowBits> m_atoms;
    qint64 m_endRow;
    qsizetype m_pos = 0;
    size_t m_atom = 0;
};

// The rows below endRow whose ids a statement returns (its first column), as bits.
bool idsToBits(sqlite3 *db, const AlertColumnCache &cache, const FilterSql &query, const QString &sql, qint64 endRow,
               RowBits *bits, QString *error)
{
    bits->assign(size_t((endRow + 63) / 64), 0);
    Query stmt(db, sql);
    if (!stmt || query.bind(stmt.get()) < 0) {
        if (error)
            *error = stmt.error();
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        const qint64 row = cache.rowForId(sqlite3_column_int64(stmt.get(), 0));
        if (row >= 0 && row < endRow) // else not an alert of this snapshot
            (*bits)[size_t(row / 64)] |= quint64(1) << (row % 64);
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    return true;
}

// A cache this many alerts behind the store is caught up by the query itself; further behind (a cache still
// loading, a burst of ingest), the query reads the base table instead.
constexpr qint64 s_maxCatchUpRows = 100000;

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
    std::unique_lock<std::mutex> lock = cache.lock();
    qint64 snapshotMaxId = 0;
    {
        Query max(db, QStringLiteral("SELECT coalesce(max(id), 0) FROM alerts"));
        if (!max || sqlite3_step(max.get()) != SQLITE_ROW) {
            if (error)
                *error = max.error();
            return false;
        }
        snapshotMaxId = sqlite3_column_int64(max.get(), 0);
    }
    if (!cache.agreesWith(store, snapshotMaxId))
        cache.clear(); // another file at that path
    if (cache.lastId() < snapshotMaxId) {
        if (snapshotMaxId - cache.lastId() > s_maxCatchUpRows)
            return true;
        if (cache.catchUp(store, -1, error) < 0)
            return false;
        if (cache.lastId() < snapshotMaxId)
            return true; // cannot happen within one snapshot
    }
    const qint64 endRow = cache.rowsUpToId(snapshotMaxId);

    // The query's top-level AND terms, each answered the cheapest exact way: terms on cached columns by the profiles
    // (together), terms of full-text atoms by bitmaps of their subqueries, anything else by the ids SQLite returns.
    int params = 0;
    const QString where = numberPlaceholders(query.where(), &params);
    QStringList profileTerms;
    std::vector<int> columns;
    std::vector<quint8> profileMatch;
    RowBits rowBits;
    bool byBits = false;
    const auto andBits = [&](RowBits &&bits) {
        if (!byBits)
            rowBits = std::move(bits);
        else
            for (size_t i = 0; i < rowBits.size(); ++i)
                rowBits[i] &= bits[i];
        byBits = true;
    };
    for (const QString &term : conjuncts(where)) {
        std::vector<int> termColumns;
        IdAtoms atoms;
        if (cachedColumnsOf(term, &termColumns)) {
            profileTerms << QLatin1Char('(') + term + QLatin1Char(')');
            for (int c : termColumns) {
                if (std::find(columns.begin(), columns.end(), c) == columns.end())
                    columns.push_back(c);
            }
            continue;
        }
        RowBits bits;
        if (idAtomsOf(term, &atoms)) {
            std::vector<RowBits> atomBits(size_t(atoms.subqueries.size()));
            for (qsizetype i = 0; i < atoms.subqueries.size(); ++i) {
                if (!idsToBits(db, cache, query,
                               withAllParams(QStringLiteral("SELECT * FROM (") + atoms.subqueries[i]
                                                 + QStringLiteral(") WHERE 1"), params),
                               endRow, &atomBits[size_t(i)], error))
                    return false;
            }
            BitsExpression expression(atoms.tokens, std::move(atomBits), endRow);
            if (expression.evaluate(&bits)) {
                andBits(std::move(bits));
                continue;
            }
        }
        if (!idsToBits(db, cache, query,
                       withAllParams(QStringLiteral("SELECT a.id FROM ") + query.from() + QStringLiteral(" WHERE (")
                                         + term + QLatin1Char(')'), params),
                       endRow, &bits, error))
            return false;
        andBits(std::move(bits));
    }
    const bool byProfile = !profileTerms.isEmpty();
    if (byProfile
        && !matchProfiles(cache, query, withAllParams(profileTerms.join(QLatin1String(" AND ")), params), columns,
                          &profileMatch, error))
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
    const qint64 *ts = cache.timestamps().data();
    const quint32 *rowProfile = cache.rowProfiles().data();
    // The newest rows: a min-heap of (ts, row); rows are in id order, so this is the stream's (ts, id) order.
    std::vector<std::pair<qint64, qint64>> heap;
    heap.reserve(size_t(std::max(newestRows, 0)) + 1);
    const auto count = [&](qint64 row) {
        const qint64 t = ts[row];
        if (t < fromMs || t >= toMs)
            return;
        const quint32 p = rowProfile[row];
        if (byProfile && !profileMatch[p])
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
    if (!byBits) {
        for (qint64 row = 0; row < endRow; ++row)
            count(row);
    } else {
        for (size_t word = 0; word < rowBits.size(); ++word) {
            for (quint64 bits = rowBits[word]; bits; bits &= bits - 1)
                count(qint64(word) * 64 + std::countr_zero(bits));
        }
    }

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
        Query byId(db, QLatin1String(s_summaryColumns) + QStringLiteral(" FROM alerts a WHERE a.id = ?1"));
        Query output(db, QLatin1String(s_summaryOutput));
        if (!byId || !output) {
            if (error)
                *error = byId ? output.error() : byId.error();
            return false;
        }
        for (const auto &[t, row] : heap) {
            sqlite3_bind_int64(byId.get(), 1, cache.idOfRow(row));
            if (sqlite3_step(byId.get()) == SQLITE_ROW)
                newest->append(readSummary(byId.get(), output.get()));
            sqlite3_reset(byId.get());
        }
    }
    *used = true;
    return true;
}

bool dataRange(sqlite3 *db, qint64 *minTs, qint64 *maxTs, QString *error)
{
    // Two statements: SQLite answers a lone min() or max() from the index in O(log n), not both at once.
    for (const auto &[sql, target] : {std::pair{"SELECT min(ts) FROM alerts", minTs}, std::pair{"SELECT max(ts) FROM alerts", maxTs}}) {
        Query query(db, QString::fromLatin1(sql));
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
    if (toMs < fromMs)
        toMs = fromMs;

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
            if (!used && !addFromBase(db, filterSql.withRange(fromMs, toMs), &acc, origin, interval, error))
                return false;
        } else {
            out->fromRollups = true;
            // RollupSlices: the sub-hour edges [from, h0) and [h1, to) from the base table (since schema v3 only
            // the total and the priority have minute rollups); [h0, d0) and [d1, h1) from hours, [d0, d1) from days.
            // over_time needs rollup buckets that nest in its interval: with an interval below an hour (ranges
            // under 120 h) the time series of [h0, h1) comes from minutes, below a day from hours.
            const RollupSlices r = RollupSlices::plan(db, fromMs, toMs);
            const FilterSql plain = FilterSql::build(AlertFilter{});
            if (r.h0 > r.from && !addFromBase(db, plain.withRange(r.from, r.h0), &acc, origin, interval, error))
                return false;
            if (r.to > r.h1 && !addFromBase(db, plain.withRange(r.h1, r.to), &acc, origin, interval, error))
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
    Query query(db, QLatin1String(s_summaryColumns) + QStringLiteral(" FROM ") + filterSql.from() + QStringLiteral(" WHERE ") + filterSql.where()
                        + QStringLiteral(" ORDER BY a.ts DESC, a.id DESC LIMIT ?"));
    Query output(db, QLatin1String(s_summaryOutput));
    const int limitIndex = query ? filterSql.bind(query.get()) : -1;
    if (!query || !output || limitIndex < 0) {
        if (error)
            *error = query ? output.error() : query.error();
        return false;
    }
    sqlite3_stmt *s = query.get();
    sqlite3_bind_int(s, limitIndex, limit);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        out->append(readSummary(s, output.get()));
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    return true;
}

} // namespace fe
