// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardstreammodel.h"

#include "ui/dashboardbucketmodel.h"
#include "ui/prioritycolors.h"

namespace fe {

namespace {

// The output text up to the first line break: the table shows one line per alert.
QString firstLine(const QString &text)
{
    const qsizetype nl = text.indexOf(QLatin1Char('\n'));
    return nl < 0 ? text : text.left(nl);
}

} // namespace

DashboardStreamModel::DashboardStreamModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void DashboardStreamModel::setAlerts(const QVector<AlertSummary> &alerts, bool darkPalette)
{
    beginResetModel();
    m_alerts = alerts;
    m_dark = darkPalette;
    endResetModel();
}

int DashboardStreamModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_alerts.size());
}

int DashboardStreamModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DashboardStreamModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AlertSummary &a = m_alerts.at(index.row());
    const QString output = a.output.isEmpty() ? a.rule : a.output;

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn: return DashboardBucketModel::formatTime(a.timestampMs);
        case OutputColumn: return firstLine(output);
        case ProcessColumn: return a.process;
        case SeverityColumn: return a.severity;
        case RuleColumn: return a.rule;
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case OutputColumn: return output;
        case SeverityColumn: return priorityName(a.priority);
        case TimeColumn: return tr("%1 (%2)").arg(DashboardBucketModel::formatTime(a.timestampMs), priorityName(a.priority));
        default: return data(index, Qt::DisplayRole);
        }
    case Qt::BackgroundRole:
        if (index.column() == SeverityColumn)
            return priorityColor(a.priority, m_dark);
        break;
    case Qt::ForegroundRole:
        if (index.column() == SeverityColumn)
            return priorityTextColor(a.priority, m_dark);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == SeverityColumn)
            return QVariant::fromValue(Qt::AlignCenter);
        break;
    case AlertIdRole: return a.id;
    case PriorityRole: return int(a.priority);
    case FieldRole:
        switch (index.column()) {
        case ProcessColumn: return QStringLiteral("process.name");
        case SeverityColumn: return QStringLiteral("falco.priority");
        case RuleColumn: return QStringLiteral("rule.name");
        default: return QString();
        }
    case FilterValueRole:
        switch (index.column()) {
        case ProcessColumn: return a.process;
        case SeverityColumn: return priorityName(a.priority);
        case RuleColumn: return a.rule;
        default: return QString();
        }
    }
    return {};
}

QVariant DashboardStreamModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn: return tr("@timestamp");
    case OutputColumn: return tr("event.original");
    case ProcessColumn: return tr("process.name");
    case SeverityColumn: return tr("event.severity");
    case RuleColumn: return tr("rule.name");
    }
    return {};
}

} // namespace fe
