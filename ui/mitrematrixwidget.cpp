// SPDX-License-Identifier: Apache-2.0
#include "ui/mitrematrixwidget.h"

#include "ui/prioritycolors.h"

#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>


namespace fe {

namespace {

constexpr int s_minColumnWidth = 52;      // "Persist.", "54k" at the default font
constexpr int s_minRowHeaderWidth = 150;
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

QFont MitreMatrixWidget::headerFont() const
{
    QFont f = font();
    f.setBold(true);
    return f;
}

int MitreMatrixWidget::rowHeaderWidth() const
{
    if (m_rowHeaderWidth < 0) {
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
        m_rowHeaderWidth = qBound(s_minRowHeaderWidth, w, s_maxRowHeaderWidth);
    }
    // The names give way to the columns: they are elided, the counts are not.
    const int room = width() - qMax(1, m_layout.columnCount()) * s_minColumnWidth;
    return qMax(s_minRowHeaderWidth, qMin(m_rowHeaderWidth, room));
}

int MitreMatrixWidget::headerHeight() const
{
    return 3 * QFontMetrics(headerFont()).lineSpacing() + 2 * s_padding;
}

int MitreMatrixWidget::rowHeight() const
{
    return fontMetrics().height() + 10;
}

int MitreMatrixWidget::legendHeight() const
{
    return m_layout.isEmpty() ? 0 : fontMetrics().height() + 2 * s_padding;
}

int MitreMatrixWidget::columnWidth() const
{
    if (m_layout.columnCount() == 0)
        return s_minColumnWidth;
    return qMax(s_minColumnWidth, (width() - rowHeaderWidth()) / m_layout.columnCount());
}

QSize MitreMatrixWidget::sizeHint() const
{
    return QSize(s_maxRowHeaderWidth + qMax(1, m_layout.columnCount()) * 84,
                 headerHeight() + qMax(3, m_layout.rowCount()) * rowHeight() + legendHeight());
}

QSize MitreMatrixWidget::minimumSizeHint() const
{
    return QSize(s_minRowHeaderWidth + qMax(1, m_layout.columnCount()) * s_minColumnWidth,
                 headerHeight() + qMax(3, m_layout.rowCount()) * rowHeight() + legendHeight());
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

QRect MitreMatrixWidget::legendRect() const
{
    if (m_layout.isEmpty())
        return {};
    return QRect(0, headerHeight() + m_layout.rowCount() * rowHeight(), width(), legendHeight());
}

QString MitreMatrixWidget::columnTitle(int column) const
{
    const QRect r = columnHeaderRect(column).adjusted(3, 0, -3, 0);
    return MitreMatrixLayout::fittedTacticTitle(m_layout.tactic(column), QFontMetricsF(headerFont()), r.width());
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

QColor MitreMatrixWidget::heatColor(qint64 count, qint64, bool dark)
{
    return MitreMatrixLayout::heatColor(MitreMatrixLayout::heatLevel(count), dark);
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
    const QFont bold = headerFont();

    // Column headers: tactic names wrapped on up to three lines (short forms when a word would not fit); the
    // hovered one underlined.
    for (int c = 0; c < m_layout.columnCount(); ++c) {
        const QRect r = columnHeaderRect(c).adjusted(3, s_padding, -3, -s_padding);
        QFont f = bold;
        f.setUnderline(m_hover.row < 0 && m_hover.column == c);
        p.setFont(f);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(r, Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap, columnTitle(c));
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
    const QFontMetricsF cellMetrics(font());
    for (int r = 0; r < m_layout.rowCount(); ++r) {
        for (int c = 0; c < m_layout.columnCount(); ++c) {
            const QRect cell = cellRect(r, c).adjusted(1, 1, -1, -1);
            const qint64 n = m_layout.count(r, c);
            const int level = MitreMatrixLayout::heatLevel(n);
            p.fillRect(cell, MitreMatrixLayout::heatColor(level, dark));
            if (m_hover.row == r && m_hover.column == c && n > 0) {
                p.setPen(QPen(pal.color(QPalette::Highlight), 2));
                p.drawRect(cell.adjusted(1, 1, -1, -1));
            }
            if (n > 0) {
                p.setPen(MitreMatrixLayout::heatTextColor(level, dark));
                p.drawText(cell, Qt::AlignCenter, MitreMatrixLayout::cellText(n, cellMetrics, cell.width() - 4));
            }
        }
    }

    // Legend: one swatch per decade up to the busiest cell's.
    const QRect legend = legendRect().adjusted(s_padding, s_padding, -s_padding, 0);
    p.setPen(pal.color(QPalette::PlaceholderText));
    const QString caption = tr("Alerts per cell:");
    p.drawText(legend, Qt::AlignLeft | Qt::AlignVCenter, caption);
    int x = legend.left() + fm.horizontalAdvance(caption) + 10;
    const int box = fm.height() - 2;
    for (int level = 1; level <= legendLevels(); ++level) {
        p.fillRect(QRect(x, legend.center().y() - box / 2, box, box), MitreMatrixLayout::heatColor(level, dark));
        x += box + 4;
        const QString label = MitreMatrixLayout::heatLabel(level);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRect(x, legend.top(), fm.horizontalAdvance(label) + 2, legend.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   label);
        x += fm.horizontalAdvance(label) + 14;
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
