// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alertstore.h"

#include <QObject>
#include <QString>
#include <QVector>

namespace fe {

// What the analyst is looking at, shared by the explorer and the dashboard: the query text (KQL subset,
// model/querylanguage.h) and a time range, either relative to now ("last 24 hours", re-evaluated on every
// use) or absolute [from, to). Every change emits changed() once. Lives in the GUI thread.
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

    // The filter as the store takes it, relative ranges resolved against nowMs (0 = the current time).
    AlertFilter filter(qint64 nowMs = 0) const;

    // Adds "field:value" (exclude: "not field:value") to the query with AND. An identical clause is not added
    // twice; the opposite clause (in ↔ out) is replaced. Values are quoted so they read back literally; a null
    // value (QString()) means "field:*" (the field exists).
    void addClause(const QString &field, const QString &value, bool exclude = false);
    void filterIn(const QString &field, const QString &value) { addClause(field, value, false); }
    void filterOut(const QString &field, const QString &value) { addClause(field, value, true); }
    // Query and range back to "everything, all time".
    void clear();

    // The query text with the clause added (the pure part of addClause, exposed for tests and previews).
    static QString withClause(const QString &query, const QString &field, const QString &value, bool exclude);

Q_SIGNALS:
    void changed();

private:
    QString m_query;
    qint64 m_relativeMs = 0;
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
};

} // namespace fe
