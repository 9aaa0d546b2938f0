// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alertstore.h"

#include <QString>
#include <QVariantList>

#include <limits>

struct sqlite3_stmt;

namespace fe {

// The one place where an AlertFilter becomes SQL: the compiled query (model/querylanguage.h) and the time range. Every reader of the store (count, export, aggregates,
// newest alerts) goes through it, so they all agree on what a filter matches.
//
//   FilterSql f = FilterSql::build(filter, nowMs);
//   const QString sql = QStringLiteral("SELECT count(*) FROM ") + f.from() + QStringLiteral(" WHERE ") + f.where();
//   ... prepare ... f.bind(stmt);
class FilterSql
{
public:
    static constexpr qint64 Unbounded = std::numeric_limits<qint64>::min();

    // nowMs anchors relative times in the query (now-1h); 0 = the current time.
    static FilterSql build(const AlertFilter &filter, qint64 nowMs = 0);

    bool ok() const { return m_ok; }
    QString error() const { return m_error; }      // "query: expected value after ':' (column 9)"
    int errorColumn() const { return m_errorColumn; }
    bool hasQuery() const { return m_hasQuery; }   // a non-empty query (rollups cannot answer it)
    bool needsDoc() const { return m_needsDoc; }

    qint64 fromMs() const { return m_fromMs; }
    qint64 toMs() const { return m_toMs; }
    // The same query over another time range [fromMs, toMs) (aggregates split a range into slices).
    FilterSql withRange(qint64 fromMs, qint64 toMs) const;

    // "alerts a".
    QString from() const;
    // A boolean expression over a; "1" for an empty filter.
    QString where() const;
    // Binds the parameters of where() starting at index first (1-based); returns the next free index, or -1 on error.
    int bind(sqlite3_stmt *stmt, int first = 1) const;

private:
    void coverUnindexedOutputs();

    bool m_ok = true;
    QString m_error;
    int m_errorColumn = -1;
    bool m_hasQuery = false;
    bool m_needsDoc = false;
    QString m_queryWhere;
    QVariantList m_queryParams;
    qint64 m_fromMs = std::numeric_limits<qint64>::min();
    qint64 m_toMs = std::numeric_limits<qint64>::max();
};

} // namespace fe
