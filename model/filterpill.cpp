// SPDX-License-Identifier: Apache-2.0
#include "model/filterpill.h"

#include "model/querylanguage.h"

#include <QStringList>

namespace fe {

FilterPill FilterPill::match(const QString &field, const QString &value, bool exclude)
{
    FilterPill p;
    p.field = field;
    p.value = value;
    p.exclude = exclude;
    return p;
}

FilterPill FilterPill::custom(const QString &clause, const QString &label, bool exclude)
{
    FilterPill p;
    p.clause = clause;
    p.label = label;
    p.exclude = exclude;
    return p;
}

QString FilterPill::positiveQuery() const
{
    if (!clause.isEmpty())
        return clause;
    if (value.isNull())
        return field + QStringLiteral(":*");
    if (value.isEmpty())
        return QStringLiteral("not ") + field + QStringLiteral(":*");
    return queryClause(field, value, false);
}

QString FilterPill::query() const
{
    if (!exclude)
        return clause.isEmpty() ? positiveQuery() : u'(' + clause + u')';
    if (!clause.isEmpty())
        return QStringLiteral("not (") + clause + u')';
    if (!value.isNull() && value.isEmpty())
        return field + QStringLiteral(":*");   // not "field is empty": the field has a value
    return QStringLiteral("not ") + positiveQuery();
}

QString FilterPill::text() const
{
    QString shown;
    if (!clause.isEmpty())
        shown = label.isEmpty() ? clause : label;
    else if (value.isNull())
        shown = field + QStringLiteral(": exists");
    else if (value.isEmpty())
        shown = field + QStringLiteral(": (empty)");
    else
        shown = field + QStringLiteral(": ") + value;
    return exclude ? QStringLiteral("NOT ") + shown : shown;
}

bool FilterPill::sameCondition(const FilterPill &other) const
{
    if (!clause.isEmpty() || !other.clause.isEmpty())
        return clause == other.clause;
    return field == other.field && value.isNull() == other.value.isNull() && value == other.value;
}

QString FilterPill::combinedQuery(const QString &query, const QVector<FilterPill> &pills)
{
    // Blank is no query; any other is kept as typed (trimmed, an escaped trailing space would lose its space).
    const QString q = query.trimmed().isEmpty() ? QString() : query;
    if (pills.isEmpty())
        return q;
    QStringList parts;
    if (!q.isEmpty())
        parts << u'(' + q + u')';
    for (const FilterPill &p : pills)
        parts << p.query();
    return parts.join(QStringLiteral(" and "));
}

} // namespace fe
