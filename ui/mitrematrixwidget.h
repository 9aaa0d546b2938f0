// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ui/mitrematrixlayout.h"

#include <QWidget>

namespace fe {

// The MITRE ATT&CK heat matrix: tactics as columns, techniques as rows, the alert count in each cell
// coloured by its decade (MitreMatrixLayout::heatLevel) with a legend below. Columns share the width left by the
// technique names and never get narrower than a short tactic title (MitreMatrixLayout::fittedTacticTitle), so all
// fourteen tactics fit a 1024-pixel window. Clicking a cell asks to filter on tactic and technique, clicking a
// column or row header on that tactic or technique alone; Alt+click asks to exclude instead.
class MitreMatrixWidget : public QWidget
{
    Q_OBJECT

public:
    explicit MitreMatrixWidget(QWidget *parent = nullptr);

    void setCells(const QVector<MitreCell> &cells);
    const MitreMatrixLayout &layout() const { return m_layout; }

    // Geometry, for hit tests and tests: a cell, a column header, a row header. Empty when out of range.
    QRect cellRect(int row, int column) const;
    QRect columnHeaderRect(int column) const;
    QRect rowHeaderRect(int row) const;
    // The legend under the matrix (empty when nothing is shown) and the heat levels it lists.
    QRect legendRect() const;
    int legendLevels() const { return MitreMatrixLayout::heatLevel(m_layout.maxCount()); }
    // The column header text as painted (full, short or elided tactic title).
    QString columnTitle(int column) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // The cell fill for count: its decade's colour (the scale is absolute, so maxCount does not change it).
    static QColor heatColor(qint64 count, qint64 maxCount, bool dark);

Q_SIGNALS:
    // tactic or technique is null (QString()) when the click was on the other header.
    void cellActivated(const QString &tactic, const QString &technique, bool exclude);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Hit
    {
        int row = -1;
        int column = -1;
    };
    Hit hitTest(const QPoint &pos) const;
    int rowHeaderWidth() const;
    int headerHeight() const;
    int columnWidth() const;
    int rowHeight() const;
    int legendHeight() const;
    QFont headerFont() const;

    MitreMatrixLayout m_layout;
    Hit m_hover;
    // rowHeaderWidth() measures every technique label: kept until the cells or the font change (every cell's
    // geometry depends on it, so the paint would otherwise measure rows x cells labels).
    mutable int m_rowHeaderWidth = -1;
};

} // namespace fe
