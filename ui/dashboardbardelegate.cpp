// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardbardelegate.h"

#include "ui/dashboardbucketmodel.h"

#include <QPainter>

namespace fe {

void DashboardBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const double share = index.data(DashboardBucketModel::ShareRole).toDouble();
    if (share > 0) {
        QColor bar = option.palette.color(QPalette::Highlight);
        bar.setAlpha(70);
        const QRect r = option.rect.adjusted(2, 3, -2, -3);
        painter->fillRect(QRect(r.left(), r.top(), qMax(2, int(r.width() * share)), r.height()), bar);
    }
    QStyledItemDelegate::paint(painter, option, index);
}

} // namespace fe
