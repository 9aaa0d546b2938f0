// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStyledItemDelegate>

namespace fe {

// Draws a horizontal bar behind a count cell, as long as the row's share (DashboardBucketModel::ShareRole)
// of the largest count, so a top-N table reads like a bar chart.
class DashboardBarDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace fe
