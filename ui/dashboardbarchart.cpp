// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardbarchart.h"

#include <QApplication>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QHorizontalBarSeries>
#include <QLocale>
#include <QToolTip>
#include <QValueAxis>

namespace fe {

DashboardBarChart::DashboardBarChart(QWidget *parent)
    : QChartView(parent)
    , m_series(new QHorizontalBarSeries(this))
    , m_set(new QBarSet(tr("Alert Count"), this))
    , m_axisY(new QBarCategoryAxis(this))
    , m_axisX(new QValueAxis(this))
{
    setRenderHint(QPainter::Antialiasing);
    QChart *c = chart();
    c->setMargins(QMargins(2, 2, 2, 2));
    c->setBackgroundRoundness(0);
    c->legend()->setVisible(false);
    m_series->append(m_set);
    m_series->setBarWidth(0.7);
    c->addSeries(m_series);
    c->addAxis(m_axisY, Qt::AlignLeft);
    c->addAxis(m_axisX, Qt::AlignBottom);
    m_series->attachAxis(m_axisY);
    m_series->attachAxis(m_axisX);
    m_axisX->setLabelFormat(QStringLiteral("%d"));

    connect(m_set, &QBarSet::clicked, this, [this](int index) {
        // Categories run bottom-up, so bar i is bucket (n - 1 - i).
        const qsizetype bucket = m_buckets.size() - 1 - index;
        if (bucket >= 0 && bucket < m_buckets.size())
            Q_EMIT valueActivated(m_buckets.at(bucket).key, QApplication::keyboardModifiers() & Qt::AltModifier);
    });
    connect(m_set, &QBarSet::hovered, this, [this](bool state, int index) {
        const qsizetype bucket = m_buckets.size() - 1 - index;
        if (state && bucket >= 0 && bucket < m_buckets.size()) {
            const Bucket &b = m_buckets.at(bucket);
            QToolTip::showText(QCursor::pos(), tr("%1: %2 alerts").arg(b.key, QLocale().toString(b.count)), this);
        } else {
            QToolTip::hideText();
        }
    });
}

QString DashboardBarChart::categoryLabel(const QString &key, int maxChars)
{
    if (key.isEmpty())
        return tr("(empty)");
    if (key.size() <= maxChars)
        return key;
    return key.left(qMax(1, maxChars - 1)) + QChar(0x2026);
}

void DashboardBarChart::setBuckets(const QVector<Bucket> &buckets, const QColor &colour, bool dark)
{
    m_buckets = buckets;
    QChart *c = chart();
    c->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    c->setBackgroundBrush(palette().color(QPalette::Base));
    setBackgroundBrush(palette().color(QPalette::Base));
    const QColor text = palette().color(QPalette::Text);
    m_axisX->setLabelsColor(text);
    m_axisY->setLabelsColor(text);
    QColor grid = text;
    grid.setAlpha(40);
    m_axisX->setGridLineColor(grid);
    m_axisY->setGridLineVisible(false);

    // Category labels must be unique: elided duplicates get a zero-width suffix.
    QStringList categories;
    QList<qreal> values;
    qint64 maxCount = 0;
    for (qsizetype i = buckets.size() - 1; i >= 0; --i) {
        QString label = categoryLabel(buckets.at(i).key, 38);
        while (categories.contains(label))
            label += QChar(0x200b);
        categories.append(label);
        values.append(qreal(buckets.at(i).count));
        maxCount = qMax(maxCount, buckets.at(i).count);
    }
    m_set->remove(0, m_set->count());
    m_set->append(values);
    m_set->setColor(colour);
    m_set->setBorderColor(colour);
    m_axisY->clear();
    m_axisY->append(categories);
    m_axisX->setRange(0, double(qMax<qint64>(maxCount, 4)));
    m_axisX->applyNiceNumbers();
    m_axisX->setLabelFormat(QStringLiteral("%d"));
    m_axisX->setTickCount(qBound(2, int(width() / 120), 6));
}

} // namespace fe
