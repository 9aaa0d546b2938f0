// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMetaType>
#include <QString>
#include <QVector>

namespace fe {

// A click-filter beside the query text (Kibana's filter pill): "field is value", "field exists", "field is empty",
// or a compound condition from one click (a MITRE matrix cell), each included or excluded. The explorer and the
// dashboard show them, saved queries keep them, and the store sees them ANDed to the query (combinedQuery()).
struct FilterPill
{
    QString field;
    QString value;        // null: the field exists (field:*); empty: the field is missing or empty
    QString clause;       // a condition of its own (query language) instead of field and value
    QString label;        // what the pill says when clause is set
    bool exclude = false;

    static FilterPill match(const QString &field, const QString &value, bool exclude = false);
    static FilterPill custom(const QString &clause, const QString &label, bool exclude = false);

    // The condition as a query, without (positiveQuery) and with the exclusion (query).
    QString positiveQuery() const;
    QString query() const;
    // What the pill shows: "host.name: web-1", "NOT host.name: web-1", "rule.name: exists", "pod: (empty)".
    QString text() const;
    // The same condition, included or excluded alike.
    bool sameCondition(const FilterPill &other) const;
    bool operator==(const FilterPill &other) const { return sameCondition(other) && exclude == other.exclude; }

    // "(query) and pill and …": the one query the store runs; just the query when there are no pills.
    static QString combinedQuery(const QString &query, const QVector<FilterPill> &pills);
};

} // namespace fe

Q_DECLARE_METATYPE(fe::FilterPill)
