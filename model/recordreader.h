// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/recordcodec.h"
#include "model/recordmapper.h"

#include <QHash>
#include <QString>

#include <memory>

struct sqlite3;
struct sqlite3_stmt;

namespace fe {

// Reads alerts' stored records back on one connection: decompresses them (loading the store's dictionaries as
// records name them), attaches their origin (the `origin` table), and derives their documents through the installed
// RecordMapper. Every reader of documents goes through it: AlertStore, the forwarding outbox, the query functions.
// One per connection and thread.
class RecordReader
{
public:
    // codec: the codec to decompress with (a writer shares its own with the ingest workers); null: one of its own.
    explicit RecordReader(sqlite3 *db, std::shared_ptr<RecordCodec> codec = {});
    RecordReader(const RecordReader &) = delete;
    RecordReader &operator=(const RecordReader &) = delete;

    // Loads every dictionary of the store; false + error when one is missing or damaged.
    bool loadDictionaries(QString *error = nullptr);
    RecordCodec &codec() { return *m_codec; }
    const std::shared_ptr<RecordCodec> &sharedCodec() const { return m_codec; }

    // The stored record of alert id from its columns record, origin, offset, received (a row of `alerts`).
    // false + error (naming the alert) when the record is damaged or its dictionary or origin is missing.
    bool load(qint64 id, QByteArrayView record, qint64 originId, qint64 offset, qint64 receivedMs, StoredRecord *out,
              QString *error = nullptr);
    // The same from four consecutive columns of a statement's current row, starting at first.
    bool load(qint64 id, sqlite3_stmt *stmt, int first, StoredRecord *out, QString *error = nullptr);

    // The record's document through RecordMapper::instance(); false + error when none is installed or it fails.
    bool derive(const StoredRecord &record, DerivedAlert *out, QString *error = nullptr) const;
    QByteArray outputUtf8(const StoredRecord &record) const;

    // The origin with this id (cached), or null + error.
    const AlertOrigin *origin(qint64 id, QString *error = nullptr);

private:
    bool ensureDictionary(int id, QString *error);

    sqlite3 *m_db;
    std::shared_ptr<RecordCodec> m_codec;
    QHash<qint64, AlertOrigin> m_origins;
};

} // namespace fe
