// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

#include <sqlite3.h>

namespace fe::test {

// A raw SQLite connection, for setting files up the way an older or another program would have left them and for
// reading what the store wrote behind its API.
struct RawDb
{
    sqlite3 *db = nullptr;
    explicit RawDb(const QString &path) { sqlite3_open(QFile::encodeName(path).constData(), &db); }
    ~RawDb() { sqlite3_close(db); }
    RawDb(const RawDb &) = delete;
    RawDb &operator=(const RawDb &) = delete;
    bool exec(const char *sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
    // The first column of the first row as an integer; -1 when there is none.
    qint64 scalar(const char *sql)
    {
        sqlite3_stmt *stmt = nullptr;
        qint64 value = -1;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return value;
    }
    // The first column of the first row as bytes; empty when there is none.
    QByteArray text(const char *sql)
    {
        sqlite3_stmt *stmt = nullptr;
        QByteArray value;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
            value = QByteArray(static_cast<const char *>(sqlite3_column_blob(stmt, 0)), sqlite3_column_bytes(stmt, 0));
        sqlite3_finalize(stmt);
        return value;
    }
};

} // namespace fe::test
