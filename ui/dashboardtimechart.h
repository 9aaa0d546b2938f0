// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QChartView>

#include <array>

class QAreaSeries;
class QDateTimeAxis;
class QLineSeries;
class QRubberBand;
class QValueAxis;

namespace fe {

// "Alerts Over Time": a line of the alert count per bucket (empty buckets drawn as zero), or the same
// counts stacked by priority in Falco's colours. Dragging across the plot selects a time range.
// The series are made once and updated in place, and the theme is applied only when it changes: QtCharts re-lays
// out the whole chart for every series added or removed and for every theme change (docs/performance.md).
class DashboardTimeChart : public QChartView
{
    Q_OBJECT

public:
    enum class Mode { Total, ByPriority };
    Q_ENUM(Mode)

    explicit DashboardTimeChart(QWidget *parent = nullptr);

    void setData(const DashboardData &data, bool dark);
    Mode mode() const { return m_mode; }
    void setMode(Mode mode);

    // The axis label format chosen for a range and bucket width ("HH:mm", "MM-dd HH:mm", ...).
    static QString timeFormat(qint64 rangeMs, qint64 intervalMs);
    // "1 minute", "30 seconds", "3 hours": a bucket width for titles.
    static QString intervalText(qint64 intervalMs);

Q_SIGNALS:
    void rangeSelected(qint64 fromMs, qint64 toMs);

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void rebuild();
    qint64 timeAt(int x) const;

    struct Band
    {
        QAreaSeries *area = nullptr;
        QLineSeries *lower = nullptr;
        QLineSeries *upper = nullptr;
    };

    DashboardData m_data;
    bool m_dark = false;
    int m_themeDark = -1;           // the dark flag of the theme last applied, -1 before the first
    Mode m_mode = Mode::Total;
    QDateTimeAxis *m_axisX;
    QValueAxis *m_axisY;
    QRubberBand *m_band;
    QLineSeries *m_line;            // Mode::Total
    std::array<Band, 9> m_bands;    // Mode::ByPriority, by int(Priority)
    int m_pressX = -1;
};

} // namespace fe
