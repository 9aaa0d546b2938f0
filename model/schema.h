// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>

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

// The store's schema: pragmas and the ordered, append-only list of migrations kept in PRAGMA user_version.
// A new table or index is a new migration appended to the list in schema.cpp; an existing one is never edited.
class Schema
{
public:
    struct Migration
    {
        int version;           // user_version after this migration (1, 2, ... without gaps)
        const char *summary;   // one line, for logs and tests
        const char *sql;       // one or more statements, run in the migration's transaction
    };

    // The migrations in order; migrations()[i].version == i + 1.
    static const std::vector<Migration> &migrations();
    static int latestVersion();

    // PRAGMA user_version of db, -1 if it cannot be read (not a database).
    static int version(sqlite3 *db, QString *error = nullptr);

    // Per-connection pragmas: busy timeout, cache size, temp store; for a writer also page_size (effective only on
    // a new file, hence before anything else), WAL and synchronous=NORMAL.
    static bool configure(sqlite3 *db, bool readOnly, QString *error = nullptr);

    // Brings a writable db from its version up to targetVersion, one transaction per migration. Refuses a database
    // whose version is newer than latestVersion() (written by a newer program) with a clear error.
    static bool migrate(sqlite3 *db, QString *error = nullptr, int targetVersion = -1);

    // For a read-only connection: true when the version is one this program can read (1..latestVersion()).
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
inline constexpr char alertDoc[] = "alert_doc";
inline constexpr char alertFts[] = "alert_fts";
inline constexpr char rollupMinute[] = "rollup_minute";
inline constexpr char rollupHour[] = "rollup_hour";
} // namespace sqlnames

} // namespace fe
