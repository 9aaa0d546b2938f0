// SPDX-License-Identifier: Apache-2.0
#include "ui/reportchartpainter.h"

#include "ui/dashboardprioritychart.h"
#include "ui/dashboardtimechart.h"
#include "ui/mitrematrixlayout.h"
#include "ui/mitrematrixwidget.h"
#include "ui/prioritycolors.h"

#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QtMath>

#include <cmath>

namespace fe {

namespace {

const QColor s_text(0x21, 0x25, 0x29);
const QColor s_muted(0x6c, 0x75, 0x7d);
const QColor s_grid(0xe3, 0xe6, 0xea);
// Fits the text width of an A4 page with 12 mm margins in QTextDocument's 96-dpi units (~700).
constexpr int s_reportWidth = 680;
// Technique rows shown in the report matrix; the rest are counted in a line under it.
constexpr int s_mitreReportRows = 15;

// A "nice" axis maximum (1, 2, 2.5, 5 × 10^n) at or above value.
double niceMax(double value)
{
    if (value <= 4)
        return 4;
    const double exp = std::pow(10.0, std::floor(std::log10(value)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (m * exp >= value)
            return m * exp;
    }
    return 10 * exp;
}

QFont sized(const QPainter &p, qreal pointSize, bool bold = false)
{
    QFont f = p.font();
    f.setPointSizeF(pointSize);
    f.setBold(bold);
    return f;
}

void paintEmpty(QPainter &p, const QRectF &rect, const QString &text)
{
    p.setPen(s_muted);
    p.drawText(rect, Qt::AlignCenter, text);
}

} // namespace

void ReportChartPainter::paintTimeline(QPainter &p, const QRectF &rect, const DashboardData &data)
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setFont(sized(p, 7));
    const QFontMetricsF fm(p.font());
    const QVector<TimePoint> &points = data.overTime;
    if (points.isEmpty() || data.total == 0) {
        paintEmpty(p, rect, QStringLiteral("No alerts in this range"));
        p.restore();
        return;
    }

    // Stacked totals per bucket, the axis maximum and the plot area (room for labels and the legend).
    double maxY = 0;
    for (const TimePoint &t : points)
        maxY = qMax(maxY, double(t.count));
    maxY = niceMax(maxY);
    const QString maxLabel = QLocale().toString(qint64(maxY));
    const QRectF plot = rect.adjusted(fm.horizontalAdvance(maxLabel) + 8, 4, -4, -(2 * fm.height() + 10));
    const qint64 interval = qMax<qint64>(1, data.intervalMs);
    const qint64 from = points.first().startMs;
    const qint64 to = points.last().startMs + interval;
    const auto xAt = [&](qint64 ms) { return plot.left() + plot.width() * double(ms - from) / double(to - from); };
    const auto yAt = [&](double v) { return plot.bottom() - plot.height() * v / maxY; };

    // Grid and count labels.
    p.setPen(QPen(s_grid, 0.5));
    for (int i = 0; i <= 4; ++i) {
        const double v = maxY * i / 4;
        const double y = yAt(v);
        p.setPen(QPen(s_grid, 0.5));
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        p.setPen(s_muted);
        p.drawText(QRectF(rect.left(), y - fm.height() / 2, plot.left() - rect.left() - 4, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QLocale().toString(qint64(v)));
    }

    // Stacked areas, most severe at the bottom.
    QVector<double> lower(points.size(), 0.0);
    QVector<int> present;
    for (int pr = int(Priority::Emergency); pr <= int(Priority::Unknown); ++pr) {
        qint64 sum = 0;
        for (const TimePoint &t : points)
            sum += t.byPriority[pr];
        if (sum == 0)
            continue;
        present.append(pr);
        QPainterPath path;
        QVector<QPointF> top;
        for (int i = 0; i < points.size(); ++i) {
            const double x = xAt(points.at(i).startMs + interval / 2);
            top.append(QPointF(x, yAt(lower.at(i) + double(points.at(i).byPriority[pr]))));
        }
        path.moveTo(top.first());
        for (const QPointF &pt : top)
            path.lineTo(pt);
        for (int i = int(points.size()) - 1; i >= 0; --i)
            path.lineTo(QPointF(xAt(points.at(i).startMs + interval / 2), yAt(lower.at(i))));
        path.closeSubpath();
        const QColor colour = priorityColor(Priority(pr), false);
        p.setPen(QPen(colour.darker(115), 0.6));
        p.setBrush(colour);
        p.drawPath(path);
        for (int i = 0; i < points.size(); ++i)
            lower[i] += double(points.at(i).byPriority[pr]);
    }
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(s_muted, 0.8));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());

    // Time labels: about one per 90 points.
    const int ticks = qBound(2, int(plot.width() / 90), 8);
    const QString format = DashboardTimeChart::timeFormat(to - from, interval);
    p.setPen(s_muted);
    for (int i = 0; i <= ticks; ++i) {
        const qint64 ms = from + (to - from) * i / ticks;
        const double x = xAt(ms);
        const QString label = QDateTime::fromMSecsSinceEpoch(ms).toString(format);
        const double w = fm.horizontalAdvance(label);
        const double left = qBound(rect.left(), x - w / 2, rect.right() - w);
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3));
        p.drawText(QRectF(left, plot.bottom() + 4, w + 1, fm.height()), Qt::AlignCenter, label);
    }

    // Legend under the axis.
    double x = plot.left();
    const double y = rect.bottom() - fm.height();
    for (int pr : present) {
        const QString name = priorityName(Priority(pr));
        p.fillRect(QRectF(x, y + 2, fm.height() - 4, fm.height() - 4), priorityColor(Priority(pr), false));
        x += fm.height();
        p.setPen(s_text);
        p.drawText(QPointF(x, y + fm.ascent()), name);
        x += fm.horizontalAdvance(name) + 12;
    }
    const QString per = QStringLiteral("per %1").arg(DashboardTimeChart::intervalText(data.intervalMs));
    p.setPen(s_muted);
    p.drawText(QRectF(x, y, rect.right() - x, fm.height()), Qt::AlignRight | Qt::AlignVCenter, per);
    p.restore();
}

void ReportChartPainter::paintPriorityPie(QPainter &p, const QRectF &rect, const QVector<Bucket> &byPriority)
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setFont(sized(p, 7));
    const QFontMetricsF fm(p.font());
    qint64 total = 0;
    for (const Bucket &b : byPriority)
        total += b.count;
    if (total == 0) {
        paintEmpty(p, rect, QStringLiteral("No alerts in this range"));
        p.restore();
        return;
    }

    // Legend on the right in Falco's order; the pie takes the rest.
    double legendWidth = 0;
    for (const Bucket &b : byPriority) {
        legendWidth = qMax(legendWidth, fm.horizontalAdvance(QStringLiteral("%1  %2 (%3)").arg(
                                            b.key, QLocale().toString(b.count), DashboardPriorityChart::percentText(b.count, total))));
    }
    legendWidth += fm.height() + 6;
    const QRectF pieArea = rect.adjusted(0, 0, -legendWidth - 8, 0);
    const double d = qMin(pieArea.width(), pieArea.height()) - 2 * fm.height() - 8;
    const QRectF pie(pieArea.center().x() - d / 2, pieArea.center().y() - d / 2, d, d);

    double angle = 90.0 * 16; // start at 12 o'clock, clockwise like Kibana
    for (const Bucket &b : DashboardPriorityChart::pieSlices(byPriority)) {
        const double span = -360.0 * 16 * double(b.count) / double(total);
        const QColor colour = b.key.isEmpty() ? QColor(0xad, 0xb5, 0xbd) : priorityColor(priorityFromString(b.key), false);
        p.setPen(QPen(Qt::white, 1));
        p.setBrush(colour);
        p.drawPie(pie, int(angle), int(std::lround(span)));
        if (double(b.count) / double(total) >= 0.03) {
            // Percent label just outside the slice's middle.
            const double mid = qDegreesToRadians((angle + span / 2) / 16);
            const QPointF c = pie.center();
            const QString label = DashboardPriorityChart::percentText(b.count, total);
            const double w = fm.horizontalAdvance(label);
            // Far enough out that the label's box clears the rim whatever the angle.
            const double r = d / 2 + 3 + std::abs(std::cos(mid)) * w / 2 + std::abs(std::sin(mid)) * fm.height() / 2;
            const QPointF at(c.x() + r * std::cos(mid), c.y() - r * std::sin(mid));
            p.setPen(s_text);
            p.drawText(QRectF(at.x() - w / 2, at.y() - fm.height() / 2, w + 1, fm.height()), Qt::AlignCenter, label);
        }
        angle += span;
    }
    p.setBrush(Qt::NoBrush);

    const double rowH = fm.height() + 3;
    double y = rect.center().y() - rowH * double(byPriority.size()) / 2;
    const double lx = rect.right() - legendWidth;
    for (const Bucket &b : byPriority) {
        p.fillRect(QRectF(lx, y + 2, fm.height() - 3, fm.height() - 3), priorityColor(priorityFromString(b.key), false));
        p.setPen(s_text);
        p.drawText(QPointF(lx + fm.height() + 3, y + fm.ascent()),
                   QStringLiteral("%1  %2 (%3)").arg(b.key, QLocale().toString(b.count),
                                                     DashboardPriorityChart::percentText(b.count, total)));
        y += rowH;
    }
    p.restore();
}

void ReportChartPainter::paintBars(QPainter &p, const QRectF &rect, const QVector<Bucket> &buckets, const QColor &colour)
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setFont(sized(p, 7));
    const QFontMetricsF fm(p.font());
    if (buckets.isEmpty()) {
        paintEmpty(p, rect, QStringLiteral("No alerts in this range"));
        p.restore();
        return;
    }
    qint64 maxCount = 1;
    for (const Bucket &b : buckets)
        maxCount = qMax(maxCount, b.count);
    const double labelWidth = rect.width() * 0.45;
    const double countWidth = fm.horizontalAdvance(QLocale().toString(maxCount)) + 6;
    const double rowH = qMin(rect.height() / double(buckets.size()), fm.height() * 1.8);
    for (int i = 0; i < buckets.size(); ++i) {
        const Bucket &b = buckets.at(i);
        const double y = rect.top() + i * rowH;
        p.setPen(s_text);
        const QString key = b.key.isEmpty() ? QStringLiteral("(empty)") : b.key;
        p.drawText(QRectF(rect.left(), y, labelWidth - 6, rowH), Qt::AlignRight | Qt::AlignVCenter,
                   fm.elidedText(key, Qt::ElideRight, labelWidth - 6));
        const double barMax = rect.width() - labelWidth - countWidth;
        const double w = qMax(1.0, barMax * double(b.count) / double(maxCount));
        p.fillRect(QRectF(rect.left() + labelWidth, y + rowH * 0.15, w, rowH * 0.7), colour);
        p.setPen(s_muted);
        p.drawText(QRectF(rect.left() + labelWidth + w + 4, y, countWidth, rowH), Qt::AlignLeft | Qt::AlignVCenter,
                   QLocale().toString(b.count));
    }
    p.restore();
}

namespace {

// The matrix's geometry in the report, shared by paintMitre() and reportSize() so the image is always tall enough
// for what is painted.
struct MitreGeometry
{
    double headerH;
    double rowH;
    double footerH;   // "… and N more techniques" and the legend
};

MitreGeometry mitreGeometry(const QFont &base)
{
    QFont f = base;
    f.setPointSizeF(6.5);
    const QFontMetricsF fm(f);
    return {3 * fm.lineSpacing() + 6, fm.height() * 1.7, 2 * (fm.height() + 6)};
}

} // namespace

void ReportChartPainter::paintMitre(QPainter &p, const QRectF &rect, const QVector<MitreCell> &cells, int maxRows)
{
    p.save();
    const MitreGeometry g = mitreGeometry(p.font());
    p.setFont(sized(p, 6.5));
    const QFontMetricsF fm(p.font());
    const MitreMatrixLayout layout(cells);
    if (layout.isEmpty()) {
        paintEmpty(p, rect, QStringLiteral("No alerts with MITRE ATT&CK tags in this range"));
        p.restore();
        return;
    }
    const int rows = qMin(layout.rowCount(), maxRows);
    // The technique names give way to the tactic columns when there are many of them.
    const double rowHeaderW = qMin(rect.width() * (layout.columnCount() > 10 ? 0.22 : 0.3), 190.0);
    const double colW = (rect.width() - rowHeaderW) / layout.columnCount();
    const double rowH = g.rowH;

    // Tactic names wrapped inside their column; a word too wide for it takes the short form, and the font steps down
    // until every title fits whole (never clipped, never elided).
    QFont bold = sized(p, 6.5, true);
    for (const qreal points : {6.5, 6.0, 5.5, 5.0}) {
        bold.setPointSizeF(points);
        const QFontMetricsF metrics(bold);
        bool fits = true;
        for (int c = 0; c < layout.columnCount() && fits; ++c)
            fits = !MitreMatrixLayout::fittedTacticTitle(layout.tactic(c), metrics, colW - 2).endsWith(QChar(0x2026));
        if (fits)
            break;
    }
    const QFontMetricsF boldMetrics(bold);
    p.setFont(bold);
    p.setPen(s_text);
    for (int c = 0; c < layout.columnCount(); ++c) {
        const QRectF header(rect.left() + rowHeaderW + c * colW + 1, rect.top(), colW - 2, g.headerH - 2);
        p.drawText(header, Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap,
                   MitreMatrixLayout::fittedTacticTitle(layout.tactic(c), boldMetrics, header.width()));
    }
    for (int r = 0; r < rows; ++r) {
        const double y = rect.top() + g.headerH + r * rowH;
        const QString t = layout.technique(r);
        const QString name = MitreMatrixLayout::techniqueName(t);
        const QString label = name.isEmpty() ? MitreMatrixLayout::techniqueTitle(t)
                                             : MitreMatrixLayout::techniqueTitle(t) + QStringLiteral(" ") + name;
        p.setFont(sized(p, 6.5));
        p.setPen(s_text);
        p.drawText(QRectF(rect.left() + 2, y, rowHeaderW - 6, rowH), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(label, Qt::ElideRight, rowHeaderW - 6));
        for (int c = 0; c < layout.columnCount(); ++c) {
            const QRectF cell(rect.left() + rowHeaderW + c * colW + 0.5, y + 0.5, colW - 1, rowH - 1);
            const qint64 n = layout.count(r, c);
            const int level = MitreMatrixLayout::heatLevel(n);
            p.fillRect(cell, MitreMatrixLayout::heatColor(level, false));
            if (n > 0) {
                p.setPen(MitreMatrixLayout::heatTextColor(level, false));
                p.drawText(cell, Qt::AlignCenter, MitreMatrixLayout::cellText(n, fm, cell.width() - 2));
            }
        }
    }
    double y = rect.top() + g.headerH + rows * rowH + 2;
    const double line = fm.height() + 6;
    if (layout.rowCount() > rows) {
        p.setPen(s_muted);
        p.drawText(QRectF(rect.left() + 2, y, rect.width() - 2, line), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("… and %1 more techniques").arg(layout.rowCount() - rows));
    }
    y += line;
    // The heat legend, one swatch per decade up to the busiest cell's.
    p.setPen(s_muted);
    const QString caption = QStringLiteral("Alerts per cell:");
    p.drawText(QRectF(rect.left() + 2, y, rect.width() - 2, line), Qt::AlignLeft | Qt::AlignVCenter, caption);
    double x = rect.left() + 2 + fm.horizontalAdvance(caption) + 8;
    const double box = fm.height() - 1;
    for (int level = 1; level <= MitreMatrixLayout::heatLevel(layout.maxCount()); ++level) {
        p.fillRect(QRectF(x, y + (line - box) / 2, box, box), MitreMatrixLayout::heatColor(level, false));
        x += box + 3;
        const QString label = MitreMatrixLayout::heatLabel(level);
        p.setPen(s_text);
        p.drawText(QRectF(x, y, fm.horizontalAdvance(label) + 2, line), Qt::AlignLeft | Qt::AlignVCenter, label);
        x += fm.horizontalAdvance(label) + 10;
    }
    p.restore();
}

QSize ReportChartPainter::reportSize(Chart chart, const DashboardData &data)
{
    switch (chart) {
    case Chart::Timeline: return QSize(s_reportWidth, 220);
    case Chart::PriorityPie: return QSize(s_reportWidth, 200);
    case Chart::Rules: return QSize(s_reportWidth, qMax(60, int(data.byRule.size()) * 20 + 8));
    case Chart::Mitre: {
        const MitreMatrixLayout layout(data.mitre);
        if (layout.isEmpty())
            return QSize(s_reportWidth, 60);
        // The font render() paints with: a fresh QImage painter's.
        QImage probe(1, 1, QImage::Format_ARGB32_Premultiplied);
        QPainter p(&probe);
        const MitreGeometry g = mitreGeometry(p.font());
        const int rows = qMin(s_mitreReportRows, layout.rowCount());
        return QSize(s_reportWidth, int(std::ceil(g.headerH + rows * g.rowH + 2 + g.footerH)) + 2);
    }
    }
    return QSize(s_reportWidth, 220);
}

QImage ReportChartPainter::render(Chart chart, const DashboardData &data, const QSize &size, qreal scale)
{
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    QPainter p(&image);
    const QRectF r(QPointF(0, 0), QSizeF(size));
    switch (chart) {
    case Chart::Timeline: paintTimeline(p, r, data); break;
    case Chart::PriorityPie: paintPriorityPie(p, r, data.byPriority); break;
    case Chart::Rules: paintBars(p, r.adjusted(0, 4, 0, -4), data.byRule, priorityColor(Priority::Notice, false)); break;
    case Chart::Mitre: paintMitre(p, r, data.mitre, s_mitreReportRows); break;
    }
    return image;
}

} // namespace fe
