// SPDX-License-Identifier: Apache-2.0
#include "ui/filterstate.h"

#include "model/querylanguage.h"

#include <QDateTime>
#include <QRegularExpression>

namespace fe {

namespace {

// Removes one whole-clause occurrence of clause (with the "and" that joined it) from query.
bool removeClause(QString *query, const QString &clause)
{
    const QString escaped = QRegularExpression::escape(clause);
    // "(^|\s)clause(\s|$)" where clause is not itself preceded by "not " (for the positive form).
    const QRegularExpression rx(QStringLiteral("(^|\\s+and\\s+|\\s+)(?<!not )") + escaped + QStringLiteral("(?=\\s|\\)|$)"),
                                QRegularExpression::CaseInsensitiveOption);
    const auto m = rx.match(*query);
    if (!m.hasMatch())
        return false;
    query->remove(m.capturedStart(), m.capturedLength());
    *query = query->trimmed();
    static const QRegularExpression leadingAnd(QStringLiteral("^and\\s+"), QRegularExpression::CaseInsensitiveOption);
    query->remove(leadingAnd);
    return true;
}

bool containsClause(const QString &query, const QString &clause)
{
    const QRegularExpression rx(QStringLiteral("(^|\\s|\\()(?<!not )") + QRegularExpression::escape(clause)
                                    + QStringLiteral("(?=\\s|\\)|$)"),
                                QRegularExpression::CaseInsensitiveOption);
    return rx.match(query).hasMatch();
}

bool hasTopLevelOr(const QString &query)
{
    static const QRegularExpression rx(QStringLiteral("(^|\\s|\\))or(\\s|\\(|$)"), QRegularExpression::CaseInsensitiveOption);
    return rx.match(query).hasMatch();
}

} // namespace

QVector<FilterState::Preset> FilterState::relativePresets()
{
    constexpr qint64 minute = 60000, hour = 60 * minute, day = 24 * hour;
    return {
        {tr("Last 15 minutes"), 15 * minute}, {tr("Last hour"), hour},      {tr("Last 4 hours"), 4 * hour},
        {tr("Last 24 hours"), day},           {tr("Last 7 days"), 7 * day}, {tr("Last 30 days"), 30 * day},
        {tr("Last 90 days"), 90 * day},       {tr("Last year"), 365 * day}, {tr("All time"), 0},
    };
}

FilterState::FilterState(QObject *parent)
    : QObject(parent)
{
}

void FilterState::setQuery(const QString &query)
{
    if (query == m_query)
        return;
    m_query = query;
    Q_EMIT changed();
}

void FilterState::setRelativeRange(qint64 ms)
{
    ms = std::max<qint64>(0, ms);
    if (m_relativeMs == ms)
        return;
    m_relativeMs = ms;
    Q_EMIT changed();
}

void FilterState::setAbsoluteRange(qint64 fromMs, qint64 toMs)
{
    if (m_relativeMs < 0 && m_fromMs == fromMs && m_toMs == toMs)
        return;
    m_relativeMs = -1;
    m_fromMs = fromMs;
    m_toMs = toMs;
    Q_EMIT changed();
}

QString FilterState::rangeLabel() const
{
    if (m_relativeMs >= 0) {
        for (const Preset &p : relativePresets()) {
            if (p.ms == m_relativeMs)
                return p.label;
        }
        return tr("Last %1 minutes").arg(m_relativeMs / 60000);
    }
    const QString format = QStringLiteral("yyyy-MM-dd HH:mm");
    return QDateTime::fromMSecsSinceEpoch(m_fromMs).toString(format) + QStringLiteral(" → ")
        + QDateTime::fromMSecsSinceEpoch(m_toMs).toString(format);
}

AlertFilter FilterState::filter(qint64 nowMs) const
{
    AlertFilter f;
    f.query = m_query;
    if (m_relativeMs > 0) {
        const qint64 now = nowMs > 0 ? nowMs : QDateTime::currentMSecsSinceEpoch();
        f.fromMs = now - m_relativeMs;
    } else if (m_relativeMs < 0) {
        f.fromMs = m_fromMs;
        f.toMs = m_toMs;
    }
    return f;
}

QString FilterState::withClause(const QString &query, const QString &field, const QString &value, bool exclude)
{
    // A null value means "the field exists" (field:*).
    const QString positive = value.isNull() ? field + QStringLiteral(":*") : queryClause(field, value, false);
    const QString clause = exclude ? QStringLiteral("not ") + positive : positive;
    QString q = query.trimmed();
    if (containsClause(q, clause))
        return q;
    // The opposite clause goes away: filtering out what was filtered in (or back) flips it.
    if (exclude)
        removeClause(&q, positive);
    else
        removeClause(&q, QStringLiteral("not ") + positive);
    if (q.isEmpty())
        return clause;
    if (hasTopLevelOr(q))
        q = u'(' + q + u')';
    return q + QStringLiteral(" and ") + clause;
}

void FilterState::addClause(const QString &field, const QString &value, bool exclude)
{
    setQuery(withClause(m_query, field, value, exclude));
}

void FilterState::clear()
{
    const bool wasEmpty = m_query.isEmpty() && m_relativeMs == 0;
    m_query.clear();
    m_relativeMs = 0;
    if (!wasEmpty)
        Q_EMIT changed();
}

} // namespace fe
