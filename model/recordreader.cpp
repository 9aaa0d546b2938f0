// SPDX-License-Identifier: Apache-2.0
#include "model/recordreader.h"

#include "model/sqlstatement.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <sqlite3.h>

namespace fe {

RecordReader::RecordReader(sqlite3 *db, std::shared_ptr<RecordCodec> codec)
    : m_db(db)
    , m_codec(codec ? std::move(codec) : std::make_shared<RecordCodec>())
{
}

bool RecordReader::loadDictionaries(QString *error)
{
    SqlStatement stmt(m_db, QStringLiteral("SELECT id, data FROM zdict ORDER BY id"));
    if (!stmt) {
        if (error)
            *error = stmt.error();
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        const int id = sqlite3_column_int(stmt.get(), 0);
        if (m_codec->hasDictionary(id))
            continue;
        const auto *data = static_cast<const char *>(sqlite3_column_blob(stmt.get(), 1));
        const QByteArray bytes(data, data ? sqlite3_column_bytes(stmt.get(), 1) : 0);
        QString why;
        if (!m_codec->addDictionary(id, bytes, &why)) {
            if (error)
                *error = QStringLiteral("the store's compression dictionary %1 is damaged: %2").arg(id).arg(why);
            return false;
        }
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(m_db));
        return false;
    }
    return true;
}

bool RecordReader::ensureDictionary(int id, QString *error)
{
    if (id <= 0 || m_codec->hasDictionary(id))
        return true;
    SqlStatement stmt(m_db, QStringLiteral("SELECT data FROM zdict WHERE id = ?1"));
    if (!stmt) {
        if (error)
            *error = stmt.error();
        return false;
    }
    sqlite3_bind_int(stmt.get(), 1, id);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        if (error)
            *error = QStringLiteral("compression dictionary %1 is missing from the store").arg(id);
        return false;
    }
    const auto *data = static_cast<const char *>(sqlite3_column_blob(stmt.get(), 0));
    const QByteArray bytes(data, data ? sqlite3_column_bytes(stmt.get(), 0) : 0);
    QString why;
    if (!m_codec->addDictionary(id, bytes, &why)) {
        if (error)
            *error = QStringLiteral("the store's compression dictionary %1 is damaged: %2").arg(id).arg(why);
        return false;
    }
    return true;
}

const AlertOrigin *RecordReader::origin(qint64 id, QString *error)
{
    const auto it = m_origins.constFind(id);
    if (it != m_origins.cend())
        return &*it;
    SqlStatement stmt(m_db, QStringLiteral("SELECT kind, name, options FROM origin WHERE id = ?1"));
    if (!stmt) {
        if (error)
            *error = stmt.error();
        return nullptr;
    }
    sqlite3_bind_int64(stmt.get(), 1, id);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        if (error)
            *error = QStringLiteral("origin %1 is missing from the store").arg(id);
        return nullptr;
    }
    AlertOrigin origin;
    origin.kind = AlertOrigin::Kind(sqlite3_column_int(stmt.get(), 0));
    const auto text = [&](int column) {
        const auto *s = reinterpret_cast<const char *>(sqlite3_column_text(stmt.get(), column));
        return QString::fromUtf8(s, s ? sqlite3_column_bytes(stmt.get(), column) : 0);
    };
    origin.name = text(1);
    origin.options = text(2);
    return &*m_origins.insert(id, origin);
}

bool RecordReader::load(qint64 id, QByteArrayView record, qint64 originId, qint64 offset, qint64 receivedMs,
                        StoredRecord *out, QString *error)
{
    QString why;
    const int dictionary = RecordCodec::dictionaryOf(record);
    const AlertOrigin *from = origin(originId, &why);
    if (dictionary < 0)
        why = QStringLiteral("the record is damaged (unknown format)");
    if (from && dictionary >= 0 && ensureDictionary(dictionary, &why) && m_codec->decompress(record, &out->original, &why)) {
        out->id = id;
        out->origin = *from;
        out->offset = offset;
        out->receivedMs = receivedMs;
        return true;
    }
    if (error)
        *error = QStringLiteral("alert %1: %2").arg(id).arg(why);
    return false;
}

bool RecordReader::load(qint64 id, sqlite3_stmt *stmt, int first, StoredRecord *out, QString *error)
{
    const auto *data = static_cast<const char *>(sqlite3_column_blob(stmt, first));
    const QByteArrayView record(data, data ? sqlite3_column_bytes(stmt, first) : 0);
    const qint64 offset = sqlite3_column_type(stmt, first + 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(stmt, first + 2);
    return load(id, record, sqlite3_column_int64(stmt, first + 1), offset, sqlite3_column_int64(stmt, first + 3), out,
                error);
}

bool RecordReader::derive(const StoredRecord &record, DerivedAlert *out, QString *error) const
{
    const std::shared_ptr<const RecordMapper> mapper = RecordMapper::instance();
    if (!mapper && record.origin.kind == AlertOrigin::Kind::Document) {
        // A stored document needs no mapping (a store converted from schema v4, or alerts stored without an
        // original): readers of the model alone still read it.
        const QJsonObject doc = QJsonDocument::fromJson(record.original).object();
        out->ecsJson = record.original;
        out->output = doc.value(QStringLiteral("falco")).toObject().value(QStringLiteral("output")).toString();
        out->commandLine =
            doc.value(QStringLiteral("process")).toObject().value(QStringLiteral("command_line")).toString();
        return true;
    }
    if (!mapper) {
        if (error)
            *error = QStringLiteral("alert %1: no mapper is installed to derive its document").arg(record.id);
        return false;
    }
    QString why;
    if (mapper->derive(record, out, &why))
        return true;
    if (error)
        *error = QStringLiteral("alert %1: %2").arg(record.id).arg(why);
    return false;
}

QByteArray RecordReader::outputUtf8(const StoredRecord &record) const
{
    if (const std::shared_ptr<const RecordMapper> mapper = RecordMapper::instance())
        return mapper->outputUtf8(record);
    DerivedAlert derived;
    return derive(record, &derived) ? derived.output.toUtf8() : QByteArray();
}

} // namespace fe
