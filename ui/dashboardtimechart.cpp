// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardtimechart.h"

#include "ui/prioritycolors.h"

#include <QAreaSeries>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QRubberBand>
#include <QValueAxis>

#include <cmath>

namespace fe {

namespace {

constexpr qint64 s_second = 1000;
constexpr qint64 s_minute = 60 * s_second;
constexpr qint64 s_hour = 60 * s_minute;
constexpr qint64 s_day = 24 * s_hour;

} // namespace

DashboardTimeChart::DashboardTimeChart(QWidget *parent)
    : QChartView(parent)
    , m_axisX(new QDateTimeAxis(this))
    , m_axisY(new QValueAxis(this))
    , m_band(new QRubberBand(QRubberBand::Rectangle, viewport()))
    , m_line(new QLineSeries(this))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    QChart *c = chart();
    c->setMargins(QMargins(4, 4, 4, 4));
    c->setBackgroundRoundness(0);
    c->legend()->setAlignment(Qt::AlignBottom);
    c->addAxis(m_axisX, Qt::AlignBottom);
    c->addAxis(m_axisY, Qt::AlignLeft);
    m_axisY->setLabelFormat(QStringLiteral("%d"));
    m_axisY->setTitleText(tr("Alert Count"));
    m_axisY->setMinorTickCount(0);
    m_line->setName(tr("Alert Count"));
    c->addSeries(m_line);
    m_line->attachAxis(m_axisX);
    m_line->attachAxis(m_axisY);
    for (int pr = int(Priority::Emergency); pr <= int(Priority::Unknown); ++pr) {
        Band &band = m_bands[size_t(pr)];
        band.lower = new QLineSeries(this);
        band.upper = new QLineSeries(this);
        band.area = new QAreaSeries(band.upper, band.lower);
        band.area->setName(priorityName(Priority(pr)));
        band.area->setVisible(false);
        c->addSeries(band.area); // the chart owns it
        band.area->attachAxis(m_axisX);
        band.area->attachAxis(m_axisY);
    }
    setToolTip(tr("Drag across the chart to zoom into that time range"));
    setCursor(Qt::CrossCursor);
}

void DashboardTimeChart::setData(const DashboardData &data, bool dark)
{
    m_data = data;
    m_dark = dark;
    rebuild();
}

void DashboardTimeChart::setMode(Mode mode)
{
    if (m_mode == mode)
        return;
    m_mode = mode;
    rebuild();
}

QString DashboardTimeChart::timeFormat(qint64 rangeMs, qint64 intervalMs)
{
    if (intervalMs < s_minute && rangeMs <= 2 * s_hour)
        return QStringLiteral("HH:mm:ss");
    if (rangeMs <= 2 * s_day)
        return QStringLiteral("HH:mm");
    if (intervalMs < s_day)
        return QStringLiteral("MM-dd HH:mm");
    return QStringLiteral("yyyy-MM-dd");
}

QString DashboardTimeChart::intervalText(qint64 intervalMs)
{
    const auto unit = [](qint64 n, const char *one, const char *many) {
        return n == 1 ? QString::fromLatin1(one) : QStringLiteral("%1 %2").arg(n).arg(QString::fromLatin1(many));
    };
    if (intervalMs <= 0)
        return QString();
    if (intervalMs % s_day == 0)
        return unit(intervalMs / s_day, "1 day", "days");
    if (intervalMs % s_hour == 0)
        return unit(intervalMs / s_hour, "1 hour", "hours");
    if (intervalMs % s_minute == 0)
        return unit(intervalMs / s_minute, "1 minute", "minutes");
    if (intervalMs % s_second == 0)
        return unit(intervalMs / s_second, "1 second", "seconds");
    return QStringLiteral("%1 ms").arg(intervalMs);
}

void DashboardTimeChart::rebuild()
{
    QChart *c = chart();
    if (m_themeDark != int(m_dark)) {
        c->setTheme(m_dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
        m_themeDark = int(m_dark);
    }
    c->setBackgroundBrush(palette().color(QPalette::Base));
    setBackgroundBrush(palette().color(QPalette::Base));
    const QColor text = palette().color(QPalette::Text);
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(m_axisX), static_cast<QAbstractAxis *>(m_axisY)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        QColor grid = text;
        grid.setAlpha(40);
        axis->setGridLineColor(grid);
    }
    c->legend()->setLabelColor(text);

    const QVector<TimePoint> &points = m_data.overTime;
    const qint64 interval = qMax<qint64>(1, m_data.intervalMs);
    const qint64 from = points.isEmpty() ? m_data.fromMs : points.first().startMs;
    const qint64 to = points.isEmpty() ? m_data.toMs : points.last().startMs + interval;
    qint64 maxY = 0;

    const bool total = m_mode == Mode::Total;
    if (total) {
        QList<QPointF> xy;
        xy.reserve(points.size());
        for (const TimePoint &p : points) {
            xy.append(QPointF(double(p.startMs), double(p.count)));
            maxY = qMax(maxY, p.count);
        }
        m_line->replace(xy);
        m_line->setPen(QPen(priorityColor(Priority::Notice, m_dark), 2));
        m_line->setPointsVisible(points.size() <= 40);
    }
    m_line->setVisible(total);
    // Stacked areas, most severe at the bottom: each area lies between the running sums below and above it.
    QVector<double> lower(points.size(), 0.0);
    for (int pr = int(Priority::Emergency); pr <= int(Priority::Unknown); ++pr) {
        const Band &band = m_bands[size_t(pr)];
        qint64 sum = 0;
        if (!total) {
            for (const TimePoint &p : points)
                sum += p.byPriority[pr];
        }
        band.area->setVisible(sum > 0);
        if (sum == 0)
            continue;
        QList<QPointF> loXy, hiXy;
        loXy.reserve(points.size());
        hiXy.reserve(points.size());
        for (int i = 0; i < points.size(); ++i) {
            const double x = double(points.at(i).startMs);
            loXy.append(QPointF(x, lower.at(i)));
            lower[i] += double(points.at(i).byPriority[pr]);
            hiXy.append(QPointF(x, lower.at(i)));
        }
        band.lower->replace(loXy);
        band.upper->replace(hiXy);
        const QColor colour = priorityColor(Priority(pr), m_dark);
        band.area->setColor(colour);
        band.area->setBorderColor(colour.darker(115));
    }
    if (!total) {
        for (double v : lower)
            maxY = qMax(maxY, qint64(v));
    }
    // The legend lists the priorities shown, in the stacked mode only.
    for (QLegendMarker *marker : c->legend()->markers())
        marker->setVisible(marker->series()->isVisible());
    c->legend()->setVisible(!total);

    m_axisX->setFormat(timeFormat(to - from, interval));
    m_axisX->setTitleText(m_data.intervalMs > 0 ? tr("@timestamp per %1").arg(intervalText(m_data.intervalMs))
                                                : tr("@timestamp"));
    if (to > from)
        m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(to));
    // About one tick per 110 px, so labels never collide.
    m_axisX->setTickCount(qBound(2, int(c->plotArea().width() / 110) + 1, 10));
    m_axisY->setRange(0, double(qMax<qint64>(maxY, 4)));
    m_axisY->applyNiceNumbers();
    m_axisY->setLabelFormat(QStringLiteral("%d"));
}

void DashboardTimeChart::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    m_axisX->setTickCount(qBound(2, int(chart()->plotArea().width() / 110) + 1, 10));
}

qint64 DashboardTimeChart::timeAt(int x) const
{
    const QPointF scene = mapToScene(QPoint(x, 0));
    const QPointF chartPos = chart()->mapFromScene(scene);
    return qint64(std::llround(chart()->mapToValue(chartPos).x()));
}

void DashboardTimeChart::mousePressEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    const QRectF plot = chart()->plotArea();
    if (event->button() == Qt::LeftButton && plot.contains(chart()->mapFromScene(mapToScene(pos)))) {
        m_pressX = pos.x();
        m_band->setGeometry(QRect(pos.x(), int(plot.top()), 0, int(plot.height())));
        m_band->show();
        event->accept();
        return;
    }
    QChartView::mousePressEvent(event);
}

void DashboardTimeChart::mouseMoveEvent(QMouseEvent *event)
{
    if (m_pressX >= 0) {
        const QRectF plot = chart()->plotArea();
        const QPointF topLeft = mapFromScene(chart()->mapToScene(plot.topLeft()));
        const QPointF bottomRight = mapFromScene(chart()->mapToScene(plot.bottomRight()));
        const int x = qBound(int(topLeft.x()), event->position().toPoint().x(), int(bottomRight.x()));
        m_band->setGeometry(QRect(QPoint(qMin(m_pressX, x), int(topLeft.y())), QPoint(qMax(m_pressX, x), int(bottomRight.y()))));
        event->accept();
        return;
    }
    QChartView::mouseMoveEvent(event);
}

void DashboardTimeChart::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_pressX >= 0 && event->button() == Qt::LeftButton) {
        m_band->hide();
        const QRect band = m_band->geometry();
        m_pressX = -1;
        if (band.width() >= 4) {
            const qint64 a = timeAt(band.left());
            const qint64 b = timeAt(band.right());
            if (b > a)
                Q_EMIT rangeSelected(a, b);
        }
        event->accept();
        return;
    }
    QChartView::mouseReleaseEvent(event);
}

} // namespace fe
