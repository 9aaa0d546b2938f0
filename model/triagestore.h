// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alertstore.h"

#include <QMetaType>
#include <QString>
#include <QVector>

namespace fe {

// The analyst's verdict on an alert, stored in alerts.triage (searchable as triage.status:<name>).
enum class TriageStatus : int { New = 0, Acknowledged = 1, InProgress = 2, Closed = 3, FalsePositive = 4 };

// A note on an alert: who wrote it, when, and what (plain text).
struct TriageNote
{
    qint64 id = 0;
    qint64 alertId = 0;
    QString author;
    qint64 timestampMs = 0;
    QString text;
};

// Triage states and notes on top of an open AlertStore (ReadWrite for the setters; reads work on any store).
// Changing a status never touches the rollups. Operations on a filter run in one transaction and are meant to
// run off the GUI thread for large results.
class TriageStore
{
public:
    explicit TriageStore(const AlertStore &store);

    static QString statusName(TriageStatus status);    // "in_progress" (query language spelling)
    static QString statusLabel(TriageStatus status);   // "In progress"

    // Sets the status of the given alerts; returns how many rows changed, -1 on error.
    qint64 setStatus(const QVector<qint64> &alertIds, TriageStatus status, QString *error = nullptr) const;
    // Sets the status of every alert matching filter; returns how many rows changed, -1 on error.
    qint64 setStatus(const AlertFilter &filter, TriageStatus status, QString *error = nullptr, qint64 nowMs = 0) const;
    TriageStatus status(qint64 alertId) const;

    // Adds a note to each alert; timestampMs 0 = now. Returns the number of notes added, -1 on error.
    qint64 addNote(const QVector<qint64> &alertIds, const QString &author, const QString &text, qint64 timestampMs = 0,
                   QString *error = nullptr) const;
    qint64 addNote(const AlertFilter &filter, const QString &author, const QString &text, qint64 timestampMs = 0,
                   QString *error = nullptr, qint64 nowMs = 0) const;
    // The notes of one alert, oldest first.
    QVector<TriageNote> notes(qint64 alertId) const;

private:
    const AlertStore &m_store;
};

} // namespace fe

Q_DECLARE_METATYPE(fe::TriageNote)
