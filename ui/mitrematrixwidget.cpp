// SPDX-License-Identifier: Apache-2.0
#include "ui/mitrematrixwidget.h"

#include "ui/prioritycolors.h"

#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace fe {

namespace {

constexpr int s_minColumnWidth = 84;
constexpr int s_maxRowHeaderWidth = 300;
constexpr int s_padding = 6;

} // namespace

MitreMatrixWidget::MitreMatrixWidget(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void MitreMatrixWidget::setCells(const QVector<MitreCell> &cells)
{
    m_layout = MitreMatrixLayout(cells);
    m_hover = {};
    m_rowHeaderWidth = -1;
    updateGeometry();
    update();
}

int MitreMatrixWidget::rowHeaderWidth() const
{
    if (m_rowHeaderWidth >= 0)
        return m_rowHeaderWidth;
    const QFontMetrics fm = fontMetrics();
    int w = fm.horizontalAdvance(tr("Technique")) + 2 * s_padding;
    for (int r = 0; r < m_layout.rowCount(); ++r) {
        const QString t = m_layout.technique(r);
        QString label = MitreMatrixLayout::techniqueTitle(t);
        const QString name = MitreMatrixLayout::techniqueName(t);
        if (!name.isEmpty())
            label += QStringLiteral("  ") + name;
        w = qMax(w, fm.horizontalAdvance(label) + 2 * s_padding);
    }
    m_rowHeaderWidth = qMin(w, s_maxRowHeaderWidth);
    return m_rowHeaderWidth;
}

int MitreMatrixWidget::headerHeight() const
{
    return 2 * fontMetrics().lineSpacing() + 2 * s_padding;
}

int MitreMatrixWidget::rowHeight() const
{
    return fontMetrics().height() + 10;
}

int MitreMatrixWidget::columnWidth() const
{
    if (m_layout.columnCount() == 0)
        return s_minColumnWidth;
    return qMax(s_minColumnWidth, (width() - rowHeaderWidth()) / m_layout.columnCount());
}

QSize MitreMatrixWidget::sizeHint() const
{
    return QSize(rowHeaderWidth() + qMax(1, m_layout.columnCount()) * s_minColumnWidth,
                 headerHeight() + qMax(3, m_layout.rowCount()) * rowHeight());
}

QSize MitreMatrixWidget::minimumSizeHint() const
{
    return QSize(rowHeaderWidth() + qMax(1, m_layout.columnCount()) * s_minColumnWidth, headerHeight() + 3 * rowHeight());
}

QRect MitreMatrixWidget::cellRect(int row, int column) const
{
    if (row < 0 || row >= m_layout.rowCount() || column < 0 || column >= m_layout.columnCount())
        return {};
    return QRect(rowHeaderWidth() + column * columnWidth(), headerHeight() + row * rowHeight(), columnWidth(), rowHeight());
}

QRect MitreMatrixWidget::columnHeaderRect(int column) const
{
    if (column < 0 || column >= m_layout.columnCount())
        return {};
    return QRect(rowHeaderWidth() + column * columnWidth(), 0, columnWidth(), headerHeight());
}

QRect MitreMatrixWidget::rowHeaderRect(int row) const
{
    if (row < 0 || row >= m_layout.rowCount())
        return {};
    return QRect(0, headerHeight() + row * rowHeight(), rowHeaderWidth(), rowHeight());
}

MitreMatrixWidget::Hit MitreMatrixWidget::hitTest(const QPoint &pos) const
{
    Hit hit;
    const int x = pos.x() - rowHeaderWidth();
    const int y = pos.y() - headerHeight();
    if (x >= 0) {
        const int c = x / columnWidth();
        if (c < m_layout.columnCount())
            hit.column = c;
        else
            return {};
    }
    if (y >= 0) {
        const int r = y / rowHeight();
        if (r < m_layout.rowCount())
            hit.row = r;
        else
            return {};
    }
    return hit;
}

QColor MitreMatrixWidget::heatColor(qint64 count, qint64 maxCount, bool dark)
{
    if (count <= 0 || maxCount <= 0)
        return dark ? QColor(0x2b, 0x2f, 0x36) : QColor(0xf3, 0xf4, 0xf6);
    // Log scale so a single alert still shows, and the busiest cell does not wash the others out.
    const double t = maxCount <= 1 ? 1.0 : std::log1p(double(count)) / std::log1p(double(maxCount));
    const QColor low = dark ? QColor(0x4a, 0x3b, 0x2a) : QColor(0xff, 0xe9, 0xc7);
    const QColor high = priorityColor(Priority::Critical, dark);
    const auto mix = [t](int a, int b) { return int(std::lround(a + (b - a) * (0.15 + 0.85 * t))); };
    return QColor(mix(low.red(), high.red()), mix(low.green(), high.green()), mix(low.blue(), high.blue()));
}

void MitreMatrixWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QPalette pal = palette();
    const bool dark = isDarkPalette(pal);
    p.fillRect(rect(), pal.color(QPalette::Base));

    if (m_layout.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No alerts with MITRE ATT&CK tags in this range"));
        return;
    }

    const QFontMetrics fm = fontMetrics();
    QFont bold = font();
    bold.setBold(true);

    // Column headers: tactic names, wrapped on two lines; the hovered one underlined.
    for (int c = 0; c < m_layout.columnCount(); ++c) {
        const QRect r = columnHeaderRect(c).adjusted(3, s_padding, -3, -s_padding);
        QFont f = bold;
        f.setUnderline(m_hover.row < 0 && m_hover.column == c);
        p.setFont(f);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(r, Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap,
                   MitreMatrixLayout::tacticTitle(m_layout.tactic(c)));
    }
    p.setFont(font());
    p.drawText(QRect(s_padding, 0, rowHeaderWidth() - s_padding, headerHeight() - s_padding),
               Qt::AlignLeft | Qt::AlignBottom, tr("Technique"));

    // Row headers: "T1059  Command and Scripting Interpreter", elided.
    for (int r = 0; r < m_layout.rowCount(); ++r) {
        const QRect rr = rowHeaderRect(r).adjusted(s_padding, 0, -s_padding, 0);
        const QString t = m_layout.technique(r);
        QFont f = bold;
        f.setUnderline(m_hover.column < 0 && m_hover.row == r);
        p.setFont(f);
        p.setPen(pal.color(QPalette::Text));
        const QString id = MitreMatrixLayout::techniqueTitle(t);
        p.drawText(rr, Qt::AlignLeft | Qt::AlignVCenter, id);
        const int idWidth = QFontMetrics(f).horizontalAdvance(id) + 8;
        const QString name = MitreMatrixLayout::techniqueName(t);
        if (!name.isEmpty() && idWidth < rr.width()) {
            p.setFont(font());
            p.setPen(pal.color(QPalette::PlaceholderText));
            p.drawText(rr.adjusted(idWidth, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
                       fm.elidedText(name, Qt::ElideRight, rr.width() - idWidth));
        }
    }

    // Cells.
    p.setFont(font());
    for (int r = 0; r < m_layout.rowCount(); ++r) {
        for (int c = 0; c < m_layout.columnCount(); ++c) {
            const QRect cell = cellRect(r, c).adjusted(1, 1, -1, -1);
            const qint64 n = m_layout.count(r, c);
            const QColor fill = heatColor(n, m_layout.maxCount(), dark);
            p.fillRect(cell, fill);
            if (m_hover.row == r && m_hover.column == c && n > 0) {
                p.setPen(QPen(pal.color(QPalette::Highlight), 2));
                p.drawRect(cell.adjusted(1, 1, -1, -1));
            }
            if (n > 0) {
                p.setPen(fill.lightness() < 140 ? Qt::white : Qt::black);
                p.drawText(cell, Qt::AlignCenter, QLocale().toString(n));
            }
        }
    }
}

void MitreMatrixWidget::mouseMoveEvent(QMouseEvent *event)
{
    const Hit hit = hitTest(event->position().toPoint());
    if (hit.row != m_hover.row || hit.column != m_hover.column) {
        m_hover = hit;
        const bool clickable = (hit.row >= 0 && hit.column >= 0 && m_layout.count(hit.row, hit.column) > 0)
            || (hit.row >= 0) != (hit.column >= 0);
        setCursor(clickable ? Qt::PointingHandCursor : Qt::ArrowCursor);
        update();
    }
    QWidget::mouseMoveEvent(event);
}

void MitreMatrixWidget::leaveEvent(QEvent *event)
{
    m_hover = {};
    unsetCursor();
    update();
    QWidget::leaveEvent(event);
}

void MitreMatrixWidget::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return QWidget::mouseReleaseEvent(event);
    const Hit hit = hitTest(event->position().toPoint());
    const bool exclude = event->modifiers() & Qt::AltModifier;
    if (hit.row >= 0 && hit.column >= 0) {
        if (m_layout.count(hit.row, hit.column) > 0)
            Q_EMIT cellActivated(m_layout.tactic(hit.column), m_layout.technique(hit.row), exclude);
    } else if (hit.column >= 0) {
        Q_EMIT cellActivated(m_layout.tactic(hit.column), QString(), exclude);
    } else if (hit.row >= 0) {
        Q_EMIT cellActivated(QString(), m_layout.technique(hit.row), exclude);
    }
    event->accept();
}

void MitreMatrixWidget::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        m_rowHeaderWidth = -1;
    QWidget::changeEvent(event);
}

bool MitreMatrixWidget::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const Hit hit = hitTest(help->pos());
        QString text;
        const auto techniqueLabel = [](const QString &t) {
            const QString name = MitreMatrixLayout::techniqueName(t);
            return name.isEmpty() ? MitreMatrixLayout::techniqueTitle(t)
                                  : MitreMatrixLayout::techniqueTitle(t) + QStringLiteral(" ") + name;
        };
        if (hit.row >= 0 && hit.column >= 0) {
            text = tr("%1 × %2: %3 alerts\nClick to filter, Alt+click to exclude")
                       .arg(MitreMatrixLayout::tacticTitle(m_layout.tactic(hit.column)),
                            techniqueLabel(m_layout.technique(hit.row)),
                            QLocale().toString(m_layout.count(hit.row, hit.column)));
        } else if (hit.column >= 0) {
            text = tr("%1: %2 alerts").arg(MitreMatrixLayout::tacticTitle(m_layout.tactic(hit.column)),
                                           QLocale().toString(m_layout.columnTotal(hit.column)));
        } else if (hit.row >= 0) {
            text = tr("%1: %2 alerts").arg(techniqueLabel(m_layout.technique(hit.row)),
                                           QLocale().toString(m_layout.rowTotal(hit.row)));
        }
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace fe
