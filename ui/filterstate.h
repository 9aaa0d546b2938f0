// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alertstore.h"
#include "model/filterpill.h"

#include <QObject>
#include <QString>
#include <QVector>

namespace fe {

// What the analyst is looking at, shared by the explorer and the dashboard: the query text (KQL subset,
// model/querylanguage.h), the click-filters beside it (pills: facet, panel and context-menu clicks add one) and a
// time range, either relative to now ("last 24 hours", re-evaluated on every use) or absolute [from, to). Zooming
// into a range (the dashboard's time brush) remembers the range it left, so back() returns to it. Every change
// emits changed() once. Lives in the GUI thread.
class FilterState : public QObject
{
    Q_OBJECT

public:
    struct Preset
    {
        QString label;   // "Last 15 minutes"
        qint64 ms;       // 0 = all time
    };
    // 15 minutes … 1 year, then all time.
    static QVector<Preset> relativePresets();

    explicit FilterState(QObject *parent = nullptr);

    QString query() const { return m_query; }
    void setQuery(const QString &query);

    bool isRelative() const { return m_relativeMs >= 0; }
    qint64 relativeMs() const { return m_relativeMs; }   // 0 = all time, -1 when absolute
    qint64 absoluteFromMs() const { return m_fromMs; }
    qint64 absoluteToMs() const { return m_toMs; }
    void setRelativeRange(qint64 ms);                      // 0 = all time
    void setAbsoluteRange(qint64 fromMs, qint64 toMs);     // [from, to), ms since the epoch
    // "All time", "Last 24 hours", "2024-05-07 18:00 → 2024-05-07 19:00" (local time).
    QString rangeLabel() const;
    static QString rangeLabel(qint64 relativeMs, qint64 fromMs, qint64 toMs);

    // The time brush: an absolute range entered from the current one, which back() restores (several levels).
    void zoomToRange(qint64 fromMs, qint64 toMs);
    bool canGoBack() const { return !m_rangeHistory.isEmpty(); }
    void back();

    // The click-filters, in the order they were added.
    const QVector<FilterPill> &pills() const { return m_pills; }
    // Adds a pill; an identical one is not added twice, and the opposite one (included ↔ excluded) is flipped.
    void addPill(const FilterPill &pill);
    void setPills(const QVector<FilterPill> &pills);
    void removePill(int index);
    void invertPill(int index);
    // A field:value pill (exclude: "NOT field:value"); a null value means "field exists", an empty one "is empty".
    void addClause(const QString &field, const QString &value, bool exclude = false);
    void filterIn(const QString &field, const QString &value) { addClause(field, value, false); }
    void filterOut(const QString &field, const QString &value) { addClause(field, value, true); }

    // Query, range and pills at once (a saved query recalled): one changed().
    void set(const QString &query, qint64 relativeMs, qint64 fromMs, qint64 toMs, const QVector<FilterPill> &pills);
    // Query, pills and range back to "everything, all time".
    void clear();

    // The query the store runs: the text and the pills together (FilterPill::combinedQuery).
    QString effectiveQuery() const { return FilterPill::combinedQuery(m_query, m_pills); }
    // The filter as the store takes it, relative ranges resolved against nowMs (0 = the current time).
    AlertFilter filter(qint64 nowMs = 0) const;

Q_SIGNALS:
    void changed();

private:
    struct Range
    {
        qint64 relativeMs;
        qint64 fromMs;
        qint64 toMs;
    };

    QString m_query;
    QVector<FilterPill> m_pills;
    qint64 m_relativeMs = 0;
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
    QVector<Range> m_rangeHistory;
};

} // namespace fe
