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
// Labels are drawn only where they fit whole beside the pie (it shrinks a little first); otherwise the legend,
// which has every name and share, stands alone: never "No…" or "War…".
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
    // Whether the slice labels are drawn (they fit beside the pie).
    bool labelsShown() const { return m_labelsShown; }

    // The slices Kibana would draw: the largest s_maxSlices buckets ordered by count ascending, then
    // "Other" (key "") holding the rest. Pure, shared with the report.
    static QVector<Bucket> pieSlices(const QVector<Bucket> &byPriority);
    // "42.1%" with one decimal, "<0.1%" for tiny non-zero shares.
    static QString percentText(qint64 count, qint64 total);

Q_SIGNALS:
    void priorityActivated(const QString &priorityName, bool exclude);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void fitLabels();

    QChartView *m_view;
    bool m_labelsShown = false;
    qint64 m_total = 0;
    QPieSeries *m_series;
    DashboardPriorityLegend *m_legend;
};

} // namespace fe
