// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QWidget>

class QChartView;
class QPieSeries;

namespace fe {

class DashboardPriorityLegend;

// "Alerts by Priority": Kibana's pie (at most 8 slices ordered by count ascending, the rest as "Other",
// percentage labels) in Falco's priority colours, with a legend beside it ordered Emergency → Debug
// that also gives each count. Clicking a slice or a legend row asks to filter on that priority.
class DashboardPriorityChart : public QWidget
{
    Q_OBJECT

public:
    static constexpr int s_maxSlices = 8;

    explicit DashboardPriorityChart(QWidget *parent = nullptr);

    // byPriority as in DashboardData (Emergency → Debug, non-zero only).
    void setBuckets(const QVector<Bucket> &byPriority, bool dark);
    QPieSeries *series() const { return m_series; }
    QChartView *chartView() const { return m_view; }

    // The slices Kibana would draw: the largest s_maxSlices buckets ordered by count ascending, then
    // "Other" (key "") holding the rest. Pure, shared with the report.
    static QVector<Bucket> pieSlices(const QVector<Bucket> &byPriority);
    // "42.1%" with one decimal, "<0.1%" for tiny non-zero shares.
    static QString percentText(qint64 count, qint64 total);

Q_SIGNALS:
    void priorityActivated(const QString &priorityName, bool exclude);

private:
    QChartView *m_view;
    QPieSeries *m_series;
    DashboardPriorityLegend *m_legend;
};

} // namespace fe
