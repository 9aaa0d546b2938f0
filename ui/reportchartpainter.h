// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QColor>
#include <QImage>
#include <QRectF>

class QPainter;

namespace fe {

// Paints the dashboard's charts with plain QPainter calls, on any paint device and on any thread
// (no widgets, no Qt Charts): the report embeds them as images, so a headless `report` run needs
// nothing but a QGuiApplication on the offscreen platform. Always the light palette: reports are printed.
class ReportChartPainter
{
public:
    // Alerts over time stacked by priority (Falco's colours), with time and count axes.
    static void paintTimeline(QPainter &p, const QRectF &rect, const DashboardData &data);
    // The priority pie as the dashboard draws it (≤ 8 slices by count ascending, percent labels) with a legend.
    static void paintPriorityPie(QPainter &p, const QRectF &rect, const QVector<Bucket> &byPriority);
    // Horizontal bars, largest first, labels on the left.
    static void paintBars(QPainter &p, const QRectF &rect, const QVector<Bucket> &buckets, const QColor &colour);
    // The MITRE ATT&CK heat matrix (at most maxRows technique rows).
    static void paintMitre(QPainter &p, const QRectF &rect, const QVector<MitreCell> &cells, int maxRows = 15);

    enum class Chart { Timeline, PriorityPie, Rules, Mitre };
    // One chart as an image of logical size (points) × scale, white background.
    static QImage render(Chart chart, const DashboardData &data, const QSize &size, qreal scale = 2.0);
    // The logical size render() uses for chart in a report, chosen from the data (the matrix grows with its rows).
    static QSize reportSize(Chart chart, const DashboardData &data);
};

} // namespace fe
