// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QAbstractTableModel>
#include <QVector>

namespace fe {

// A "top N" panel's rows (Bucket: value, count, newest alert) as a small in-memory table:
// value, "Alert Count" and, optionally, "Most recent alert". An optional "Other" row holds the
// alerts outside the top N, like Kibana's "Other bucket". Rows keep the order they are given in.
class DashboardBucketModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { KeyColumn, CountColumn, LastSeenColumn };
    enum Role {
        KeyRole = Qt::UserRole + 1, // the raw value (QString), empty for "(empty)"; invalid for "Other"
        CountRole,                  // qint64
        ShareRole,                  // double 0..1: count / the largest count shown (for in-cell bars)
        IsOtherRole,                // bool
    };

    explicit DashboardBucketModel(const QString &keyTitle, bool showLastSeen, QObject *parent = nullptr);

    // Replaces the rows. otherCount > 0 appends an "Other" row with that count.
    void setBuckets(const QVector<Bucket> &buckets, qint64 otherCount = 0);
    const QVector<Bucket> &buckets() const { return m_buckets; }
    qint64 otherCount() const { return m_otherCount; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "2026-11-29 13:05:12" in local time, the format every dashboard panel and the report use.
    static QString formatTime(qint64 ms);

private:
    QString m_keyTitle;
    bool m_showLastSeen;
    QVector<Bucket> m_buckets;
    qint64 m_otherCount = 0;
    qint64 m_maxCount = 0;
};

} // namespace fe
