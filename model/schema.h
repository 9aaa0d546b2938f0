// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

struct sqlite3;

namespace fe {

// Rollup dimensions (rollup_minute.dim / rollup_hour.dim), as in the schema contract (ARCHITECTURE.md).
enum class RollupDim : int {
    Total = 0,      // key ''
    Priority = 1,   // key = priority number as text
    Rule = 2,
    Host = 3,
    Pod = 4,
    Source = 5,
    Technique = 6,
    Tactic = 7,     // one row per tactic of the alert
    Image = 8,
    Namespace = 9,
    Mitre = 10,     // key = tactic + '\t' + technique, one per tactic ('' tactic when none)
    Tag = 11,       // one row per tag
};
inline constexpr int RollupDimCount = 12;
inline constexpr qint64 MinuteMs = 60 * 1000;
inline constexpr qint64 HourMs = 60 * MinuteMs;
inline constexpr qint64 DayMs = 24 * HourMs;
// The minute level keeps only these dimensions (the over_time series and exact range counts), which keeps the rollup
// writes per alert few; the others are kept per hour and per day, and the sub-hour edges of a range come from the
// base table.
inline constexpr bool hasMinuteRollup(int dim)
{
    return dim == int(RollupDim::Total) || dim == int(RollupDim::Priority);
}

// How a time range [fromMs, toMs) is answered from the rollup levels, exactly:
//   [from, h0) and [h1, to)   sub-hour edges: the base table (through alerts_ts), or minutes for total/priority
//                             ([from, m0) and [m1, to) are the sub-minute parts);
//   [h0, d0) and [d1, h1)     hour rollups;      [d0, d1)   day rollups.
// plan() first widens an edge to the enclosing day (or else hour) boundary when no alert lies in between, so that
// an open-ended range (all time, "since ...") or one that reaches past the data needs no base-table edge at all.
struct RollupSlices
{
    qint64 from = 0, m0 = 0, h0 = 0, d0 = 0, d1 = 0, h1 = 0, m1 = 0, to = 0;

    static RollupSlices split(qint64 fromMs, qint64 toMs);
    // As split(), after widening the edges over empty time on db (two or four index probes). Needs toMs > fromMs.
    static RollupSlices plan(sqlite3 *db, qint64 fromMs, qint64 toMs);
};

// Progress of a long migration step (the v4 → v5 conversion): done of total alerts. Return false to stop (the step
// is resumed where it stopped the next time the store is opened for writing).
using MigrationProgress = std::function<bool(qint64 done, qint64 total)>;

// The store's schema: pragmas and the ordered, append-only list of migrations kept in PRAGMA user_version.
// A new table or index is a new migration appended to the list in schema.cpp; an existing one is never edited.
// A new, empty file gets the latest schema at once; an older store runs the migrations after its version.
class Schema
{
public:
    struct Migration
    {
        int version;           // user_version after this migration (1, 2, ... without gaps)
        const char *summary;   // one line, for logs and tests
        const char *sql;       // one or more statements, run in the migration's transaction
    };

    // PRAGMA application_id of a Falco Explorer store ("FEXP"): other SQLite files are refused, not written into.
    static constexpr qint32 ApplicationId = 0x46455850;

    // The migrations in order; migrations()[i].version == i + 1. Version 5 (the lean store) converts the alerts in
    // C++ after its SQL (model/storemigration.h): its sql only prepares the new tables.
    static const std::vector<Migration> &migrations();
    static int latestVersion();

    // PRAGMA user_version of db, -1 if it cannot be read (not a database).
    static int version(sqlite3 *db, QString *error = nullptr);

    // Per-connection pragmas: busy timeout, cache size, temp store; for a writer also page_size (effective only on
    // a new file, hence before anything else), WAL and synchronous=NORMAL. Waits for a busy store as for any lock.
    static bool configure(sqlite3 *db, bool readOnly, QString *error = nullptr);

    // Brings a writable db from its version up to targetVersion: a new file gets the latest schema in one transaction;
    // an older store runs the migrations after its version, one transaction each, and the v4 → v5 conversion in
    // resumable chunks (progress, when given, is called between them). Refuses a database whose version is newer than
    // latestVersion() (written by a newer program), and any non-empty SQLite file that is not a Falco Explorer store.
    static bool migrate(sqlite3 *db, QString *error = nullptr, int targetVersion = -1,
                        const MigrationProgress &progress = {});

    // Whether db may be written by a store: empty, or a Falco Explorer store (its application id, or an older store's
    // user_version). false + error for any other program's database, which is never written to.
    static bool checkOwned(sqlite3 *db, QString *error = nullptr);

    // For a read-only connection: true when the version is one this program can read (latestVersion()).
    static bool checkReadable(sqlite3 *db, QString *error = nullptr);

    // The storage convention of the list columns (tactics, tags): '|a|b|', '' for none. Values are kept in order,
    // empty values and repeats dropped, and a '|' inside a value becomes '/', so encode and decode round-trip and
    // the rollups (one row per value) agree with a split of the column.
    static QStringList normalizedList(const QStringList &values);
    static QString encodeList(const QStringList &normalizedValues);
    static QStringList decodeList(QStringView encoded);
};

// Table and column names used by more than one file in model/ (the SQL text is in schema.cpp).
namespace sqlnames {
inline constexpr char alerts[] = "alerts";
inline constexpr char alertFts[] = "alert_fts";
inline constexpr char rollupMinute[] = "rollup_minute";
inline constexpr char rollupHour[] = "rollup_hour";
inline constexpr char rollupDay[] = "rollup_day";          // bucket = ts div 86400000
// state key: the highest alert id whose output is in alert_fts. Outputs above it are matched without the index.
inline constexpr char ftsIndexedKey[] = "fe.fts_indexed";
// state keys ftsPartialPrefix + id (value 1): alerts whose output is longer than the index takes of one alert
// (AlertStore, s_maxIndexedOutputBytes); alert_fts holds its beginning, and searches match the whole output of these
// few alerts without the index, as they do the unindexed tail. The keys sort between the prefix and ftsPartialEnd.
inline constexpr char ftsPartialPrefix[] = "fe.fts_partial:";
inline constexpr char ftsPartialEnd[] = "fe.fts_partial;";
} // namespace sqlnames

} // namespace fe
