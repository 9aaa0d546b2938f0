// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardbucketmodel.h"

#include <QDateTime>
#include <QFont>
#include <QLocale>

namespace fe {

DashboardBucketModel::DashboardBucketModel(const QString &keyTitle, bool showLastSeen, QObject *parent)
    : QAbstractTableModel(parent)
    , m_keyTitle(keyTitle)
    , m_showLastSeen(showLastSeen)
{
}

void DashboardBucketModel::setBuckets(const QVector<Bucket> &buckets, qint64 otherCount)
{
    beginResetModel();
    m_buckets = buckets;
    m_otherCount = qMax<qint64>(0, otherCount);
    m_maxCount = m_otherCount;
    for (const Bucket &b : m_buckets)
        m_maxCount = qMax(m_maxCount, b.count);
    endResetModel();
}

int DashboardBucketModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return int(m_buckets.size()) + (m_otherCount > 0 ? 1 : 0);
}

int DashboardBucketModel::columnCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return m_showLastSeen ? 3 : 2;
}

QVariant DashboardBucketModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const bool isOther = index.row() >= m_buckets.size();
    const Bucket other{QString(), m_otherCount, 0};
    const Bucket &b = isOther ? other : m_buckets.at(index.row());

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case KeyColumn:
            if (isOther)
                return tr("Other");
            return b.key.isEmpty() ? tr("(empty)") : b.key;
        case CountColumn: return QLocale().toString(b.count);
        case LastSeenColumn: return b.lastSeenMs > 0 ? formatTime(b.lastSeenMs) : QString();
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == KeyColumn && !isOther)
            return b.key.isEmpty() ? tr("No value") : b.key;
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == CountColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::FontRole:
        if (index.column() == KeyColumn && (isOther || b.key.isEmpty())) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        break;
    case KeyRole:
        if (isOther)
            return {};
        return b.key;
    case CountRole: return b.count;
    case ShareRole: return m_maxCount > 0 ? double(b.count) / double(m_maxCount) : 0.0;
    case IsOtherRole: return isOther;
    }
    return {};
}

QVariant DashboardBucketModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case KeyColumn: return m_keyTitle;
    case CountColumn: return tr("Alert Count");
    case LastSeenColumn: return tr("Most recent alert");
    }
    return {};
}

QString DashboardBucketModel::formatTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

} // namespace fe
