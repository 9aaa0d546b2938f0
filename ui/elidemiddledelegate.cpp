// SPDX-License-Identifier: Apache-2.0
#include "ui/elidemiddledelegate.h"

namespace fe {

void ElideMiddleDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    option->textElideMode = Qt::ElideMiddle;
}

} // namespace fe
