// SPDX-License-Identifier: Apache-2.0
#include "model/filtersql.h"

#include "model/querylanguage.h"
#include "model/schema.h"

#include <QDateTime>
#include <QStringList>

#include <sqlite3.h>

namespace fe {

FilterSql FilterSql::build(const AlertFilter &filter, qint64 nowMs)
{
    FilterSql result;
    result.m_fromMs = filter.fromMs;
    result.m_toMs = filter.toMs;
    // Blank is no query; anything else compiles as typed: trimming would turn an escaped trailing space ("\ ")
    // into a dangling backslash, and shift the error columns off the text the user sees.
    if (filter.query.trimmed().isEmpty())
        return result;
    const QString &query = filter.query;
    result.m_hasQuery = true;
    if (nowMs == 0)
        nowMs = QDateTime::currentMSecsSinceEpoch();
    const CompiledQuery compiled = compileQuery(query, nowMs);
    if (!compiled.ok) {
        result.m_ok = false;
        result.m_errorColumn = compiled.errorColumn;
        result.m_error = compiled.errorColumn >= 0
            ? QStringLiteral("query: %1 (column %2)").arg(compiled.error).arg(compiled.errorColumn + 1)
            : QStringLiteral("query: %1").arg(compiled.error);
        return result;
    }
    result.m_queryWhere = compiled.where;
    result.m_queryParams = compiled.params;
    result.m_needsDoc = compiled.needsDoc;
    result.coverUnindexedOutputs();
    return result;
}

// The full-text index lags behind imports and bursts (it is built after them, AlertStore::indexPending): alerts with
// an id above the watermark are not in alert_fts yet. A MATCH atom of the compiled query is widened with the same
// phrase matched on those alerts' outputs (derived from their records) by fe_fts_phrase() (the FTS5 tokenizer itself,
// model/storefunctions.h), so a search is exact whatever the state of the index.
void FilterSql::coverUnindexedOutputs()
{
    static const QString s_match = QStringLiteral("a.id IN (SELECT rowid FROM alert_fts WHERE alert_fts MATCH ?)");
    // The few alerts whose output the index holds only the beginning of (sqlnames::ftsPartialPrefix) are matched
    // on their whole output the same way.
    static const QString s_matchCovered = QStringLiteral(
        "(a.id IN (SELECT rowid FROM alert_fts WHERE alert_fts MATCH ?) OR a.id IN (SELECT x.id FROM alerts x "
        "WHERE x.id > coalesce((SELECT value FROM state WHERE key = '%1'), 0) AND "
        "fe_fts_phrase(fe_output(x.id, x.record, x.origin, x.byte_offset, x.received), ?)) OR a.id IN (SELECT x.id "
        "FROM alerts x WHERE x.id IN (SELECT CAST(substr(key, %4) AS INTEGER) FROM state WHERE key > '%2' AND "
        "key < '%3') AND fe_fts_phrase(fe_output(x.id, x.record, x.origin, x.byte_offset, x.received), ?)))")
                                              .arg(QLatin1String(sqlnames::ftsIndexedKey),
                                                   QLatin1String(sqlnames::ftsPartialPrefix),
                                                   QLatin1String(sqlnames::ftsPartialEnd))
                                              .arg(qsizetype(sizeof(sqlnames::ftsPartialPrefix)));
    if (!m_queryWhere.contains(QLatin1String("alert_fts")))
        return;
    QString where;
    QVariantList params;
    where.reserve(m_queryWhere.size() * 2);
    int param = 0;          // index into m_queryParams of the next '?'
    bool quoted = false;    // inside a '...' literal of the generated SQL
    for (qsizetype i = 0; i < m_queryWhere.size();) {
        const QChar c = m_queryWhere.at(i);
        if (!quoted && c == QLatin1Char('a') && QStringView(m_queryWhere).mid(i).startsWith(s_match)
            && param < m_queryParams.size()) {
            where += s_matchCovered;
            params << m_queryParams.at(param) << m_queryParams.at(param) << m_queryParams.at(param);
            ++param;
            i += s_match.size();
            continue;
        }
        if (c == QLatin1Char('\''))
            quoted = !quoted;   // '' inside a literal toggles twice
        else if (!quoted && c == QLatin1Char('?') && param < m_queryParams.size())
            params << m_queryParams.at(param++);
        where += c;
        ++i;
    }
    while (param < m_queryParams.size())
        params << m_queryParams.at(param++);
    m_queryWhere = where;
    m_queryParams = params;
}

FilterSql FilterSql::withRange(qint64 fromMs, qint64 toMs) const
{
    FilterSql copy = *this;
    copy.m_fromMs = fromMs;
    copy.m_toMs = toMs;
    return copy;
}

QString FilterSql::from() const
{
    return QStringLiteral("alerts a");
}

QString FilterSql::where() const
{
    QStringList terms;
    if (m_fromMs != std::numeric_limits<qint64>::min())
        terms << QStringLiteral("a.ts >= ?");
    if (m_toMs != std::numeric_limits<qint64>::max())
        terms << QStringLiteral("a.ts < ?");
    if (m_hasQuery && !m_queryWhere.isEmpty())
        terms << QLatin1Char('(') + m_queryWhere + QLatin1Char(')');
    return terms.isEmpty() ? QStringLiteral("1") : terms.join(QLatin1String(" AND "));
}

int FilterSql::bind(sqlite3_stmt *stmt, int first) const
{
    int index = first;
    if (m_fromMs != std::numeric_limits<qint64>::min() && sqlite3_bind_int64(stmt, index++, m_fromMs) != SQLITE_OK)
        return -1;
    if (m_toMs != std::numeric_limits<qint64>::max() && sqlite3_bind_int64(stmt, index++, m_toMs) != SQLITE_OK)
        return -1;
    if (!m_hasQuery)
        return index;
    for (const QVariant &value : m_queryParams) {
        int rc = SQLITE_OK;
        switch (value.typeId()) {
        case QMetaType::UnknownType:
            rc = sqlite3_bind_null(stmt, index);
            break;
        case QMetaType::Bool:
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::Long:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
            rc = sqlite3_bind_int64(stmt, index, value.toLongLong());
            break;
        case QMetaType::Double:
        case QMetaType::Float:
            rc = sqlite3_bind_double(stmt, index, value.toDouble());
            break;
        case QMetaType::QByteArray: {
            const QByteArray bytes = value.toByteArray();
            rc = sqlite3_bind_blob64(stmt, index, bytes.constData(), sqlite3_uint64(bytes.size()), SQLITE_TRANSIENT);
            break;
        }
        default: {
            const QByteArray text = value.toString().toUtf8();
            rc = sqlite3_bind_text64(stmt, index, text.constData(), sqlite3_uint64(text.size()), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
            break;
        }
        }
        if (rc != SQLITE_OK)
            return -1;
        ++index;
    }
    return index;
}

} // namespace fe
