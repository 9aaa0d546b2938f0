// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QAbstractTableModel>
#include <QVector>

namespace fe {

// The "Alert Stream" panel: the newest alerts with Kibana's saved-search columns (event.original,
// process.name, event.severity, rule.name) after the time. The output column shows falco.output in place of
// event.original (its readable part, there even when the original event was not kept), or the rule name when the
// alert has no output.
class DashboardStreamModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, OutputColumn, ProcessColumn, SeverityColumn, RuleColumn, ColumnCount };
    enum Role {
        AlertIdRole = Qt::UserRole + 1, // qint64
        PriorityRole,                   // int(fe::Priority)
        FieldRole,                      // the ECS field a click on this cell filters on; empty = none
        FilterValueRole,                // the value to filter on (QString)
    };

    explicit DashboardStreamModel(QObject *parent = nullptr);

    void setAlerts(const QVector<AlertSummary> &alerts, bool darkPalette);
    const QVector<AlertSummary> &alerts() const { return m_alerts; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<AlertSummary> m_alerts;
    bool m_dark = false;
};

} // namespace fe
