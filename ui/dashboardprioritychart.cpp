// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardprioritychart.h"

#include "ui/prioritycolors.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QPieSeries>
#include <QPieSlice>

#include <QtMath>

#include <algorithm>
#include <cmath>

namespace fe {

// The legend beside the pie: one row per priority in Falco's order (colour, name, count, percent).
class DashboardPriorityLegend : public QWidget
{
    Q_OBJECT

public:
    explicit DashboardPriorityLegend(QWidget *parent)
        : QWidget(parent)
    {
        setObjectName(QStringLiteral("priorityLegend"));
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
        setCursor(Qt::PointingHandCursor);
    }

    void setBuckets(const QVector<Bucket> &buckets, bool dark)
    {
        m_buckets = buckets;
        m_dark = dark;
        m_total = 0;
        for (const Bucket &b : buckets)
            m_total += b.count;
        updateGeometry();
        update();
    }

    QSize sizeHint() const override
    {
        const QFontMetrics fm = fontMetrics();
        int w = 0;
        for (const Bucket &b : m_buckets)
            w = qMax(w, fm.horizontalAdvance(label(b)));
        return QSize(w + rowHeight() + 12, int(qMax<qsizetype>(1, m_buckets.size())) * rowHeight());
    }
    QSize minimumSizeHint() const override { return sizeHint(); }

Q_SIGNALS:
    void activated(const QString &priorityName, bool exclude);

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        const int h = rowHeight();
        const int top = qMax(0, (height() - int(m_buckets.size()) * h) / 2);
        for (int i = 0; i < m_buckets.size(); ++i) {
            const Bucket &b = m_buckets.at(i);
            const QRect row(0, top + i * h, width(), h);
            const int box = fontMetrics().height() - 2;
            p.fillRect(QRect(row.left() + 2, row.center().y() - box / 2, box, box),
                       priorityColor(priorityFromString(b.key), m_dark));
            p.setPen(palette().color(QPalette::Text));
            p.drawText(row.adjusted(box + 10, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, label(b));
        }
    }

    void mouseReleaseEvent(QMouseEvent *event) override
    {
        const int h = rowHeight();
        const int top = qMax(0, (height() - int(m_buckets.size()) * h) / 2);
        const int i = (event->position().toPoint().y() - top) / h;
        if (event->button() == Qt::LeftButton && event->position().y() >= top && i >= 0 && i < m_buckets.size())
            Q_EMIT activated(m_buckets.at(i).key, event->modifiers() & Qt::AltModifier);
    }

private:
    int rowHeight() const { return fontMetrics().height() + 6; }
    QString label(const Bucket &b) const
    {
        return tr("%1  %2 (%3)").arg(b.key, QLocale().toString(b.count), DashboardPriorityChart::percentText(b.count, m_total));
    }

    QVector<Bucket> m_buckets;
    qint64 m_total = 0;
    bool m_dark = false;
};

DashboardPriorityChart::DashboardPriorityChart(QWidget *parent)
    : QWidget(parent)
    , m_view(new QChartView(this))
    , m_series(new QPieSeries(this))
    , m_legend(new DashboardPriorityLegend(this))
{
    m_view->setObjectName(QStringLiteral("priorityChart"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumSize(200, 180);
    QChart *c = m_view->chart();
    c->addSeries(m_series);
    c->legend()->setVisible(false);
    c->setMargins(QMargins(0, 0, 0, 0));
    c->setBackgroundRoundness(0);
    m_series->setPieSize(0.62);
    m_series->setHoleSize(0.0);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_legend, 0, Qt::AlignVCenter);

    connect(m_legend, &DashboardPriorityLegend::activated, this, &DashboardPriorityChart::priorityActivated);
    m_view->installEventFilter(this);
}

QVector<Bucket> DashboardPriorityChart::pieSlices(const QVector<Bucket> &byPriority)
{
    QVector<Bucket> sorted = byPriority;
    // Largest first to pick the top 8 (ties: Falco order, i.e. the input order), then ascending for drawing.
    std::stable_sort(sorted.begin(), sorted.end(), [](const Bucket &a, const Bucket &b) { return a.count > b.count; });
    QVector<Bucket> slices = sorted.mid(0, s_maxSlices);
    qint64 other = 0;
    for (qsizetype i = s_maxSlices; i < sorted.size(); ++i)
        other += sorted.at(i).count;
    std::stable_sort(slices.begin(), slices.end(), [](const Bucket &a, const Bucket &b) { return a.count < b.count; });
    if (other > 0)
        slices.append(Bucket{QString(), other, 0});
    return slices;
}

QString DashboardPriorityChart::percentText(qint64 count, qint64 total)
{
    if (total <= 0 || count <= 0)
        return QStringLiteral("0%");
    const double pct = 100.0 * double(count) / double(total);
    if (pct < 0.1)
        return QStringLiteral("<0.1%");
    return QLocale().toString(pct, 'f', 1) + QLatin1Char('%');
}

void DashboardPriorityChart::setBuckets(const QVector<Bucket> &byPriority, bool dark)
{
    QChart *c = m_view->chart();
    c->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    c->setBackgroundBrush(palette().color(QPalette::Base));
    m_view->setBackgroundBrush(palette().color(QPalette::Base));
    m_series->clear();

    qint64 total = 0;
    for (const Bucket &b : byPriority)
        total += b.count;
    const QColor text = palette().color(QPalette::Text);
    for (const Bucket &b : pieSlices(byPriority)) {
        const bool other = b.key.isEmpty();
        const QString name = other ? tr("Other") : b.key;
        auto *slice = new QPieSlice(QStringLiteral("%1 %2").arg(name, percentText(b.count, total)), double(b.count));
        const QColor colour = other ? palette().color(QPalette::Mid) : priorityColor(priorityFromString(b.key), dark);
        slice->setColor(colour);
        slice->setBorderColor(palette().color(QPalette::Base));
        slice->setLabelColor(text);
        // Labels outside the pie; tiny slices go unlabelled (the legend carries them) so labels never pile up.
        slice->setLabelPosition(QPieSlice::LabelOutside);
        slice->setLabelVisible(false);   // fitLabels() decides
        slice->setProperty("priorityName", other ? QString() : b.key);
        connect(slice, &QPieSlice::clicked, this, [this, slice] {
            const QString key = slice->property("priorityName").toString();
            if (!key.isEmpty())
                Q_EMIT priorityActivated(key, QApplication::keyboardModifiers() & Qt::AltModifier);
        });
        connect(slice, &QPieSlice::hovered, slice, [slice](bool state) { slice->setExploded(state); });
        m_series->append(slice);
    }
    m_legend->setBuckets(byPriority, dark);
    m_total = total;
    fitLabels();
}

bool DashboardPriorityChart::eventFilter(QObject *watched, QEvent *event)
{
    // The chart view's own size decides (the layout resizes it after this widget).
    if (watched == m_view && event->type() == QEvent::Resize)
        fitLabels();
    return QWidget::eventFilter(watched, event);
}

void DashboardPriorityChart::fitLabels()
{
    // Where QtCharts puts an outside label: at the end of an arm of 15 % of the radius in the middle of its slice,
    // the text to the right of it on the right half and to the left on the left half. A label that would leave the
    // chart's area is elided by QtCharts ("No…"): labels are shown only if all of them fit whole.
    const QFontMetricsF fm(m_view->chart()->font());
    const QRectF area = QRectF(m_view->rect()).adjusted(2, 2, -2, -2);
    const auto labelled = [this](const QPieSlice *slice) { return m_total > 0 && slice->value() / double(m_total) >= 0.03; };
    const auto fits = [&](double pieSize) {
        const double radius = pieSize * qMin(area.width(), area.height()) / 2;
        bool any = false;
        for (const QPieSlice *slice : m_series->slices()) {
            if (!labelled(slice))
                continue;
            any = true;
            const double angle = qDegreesToRadians(slice->startAngle() + slice->angleSpan() / 2);
            const QPointF anchor = area.center() + QPointF(std::sin(angle), -std::cos(angle)) * radius * 1.15;
            const double width = fm.horizontalAdvance(slice->label()) + 6;
            const QRectF text = std::sin(angle) >= 0 ? QRectF(anchor.x(), anchor.y() - fm.height() / 2, width, fm.height())
                                                     : QRectF(anchor.x() - width, anchor.y() - fm.height() / 2, width, fm.height());
            if (!area.contains(text))
                return false;
        }
        return any;
    };
    double size = 0.62;
    m_labelsShown = fits(size);
    if (!m_labelsShown && fits(0.5)) {
        size = 0.5;
        m_labelsShown = true;
    }
    if (!m_labelsShown)
        size = 0.8;   // no labels to make room for: the pie takes it
    m_series->setPieSize(size);
    for (QPieSlice *slice : m_series->slices())
        slice->setLabelVisible(m_labelsShown && labelled(slice));
}

} // namespace fe

#include "dashboardprioritychart.moc"
