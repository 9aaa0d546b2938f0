// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QChartView>

class QBarCategoryAxis;
class QBarSet;
class QHorizontalBarSeries;
class QValueAxis;

namespace fe {

// A horizontal bar chart of a top-N list (largest at the top), for the "Rules Triggered" bar view.
// Clicking a bar asks to filter on its value (Alt+click: exclude).
class DashboardBarChart : public QChartView
{
    Q_OBJECT

public:
    explicit DashboardBarChart(QWidget *parent = nullptr);

    void setBuckets(const QVector<Bucket> &buckets, const QColor &colour, bool dark);
    const QVector<Bucket> &buckets() const { return m_buckets; }
    QBarSet *barSet() const { return m_set; }

    // The category label for a value: elided to maxChars with the full text in tooltips.
    static QString categoryLabel(const QString &key, int maxChars);

Q_SIGNALS:
    void valueActivated(const QString &value, bool exclude);

private:
    QVector<Bucket> m_buckets;   // largest first
    QHorizontalBarSeries *m_series;
    QBarSet *m_set;
    QBarCategoryAxis *m_axisY;
    QValueAxis *m_axisX;
};

} // namespace fe
