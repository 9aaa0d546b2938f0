// SPDX-License-Identifier: Apache-2.0
#include "ui/prioritydelegate.h"

#include "model/alert.h"
#include "ui/prioritycolors.h"

#include <QApplication>
#include <QPainter>

namespace fe {

PriorityDelegate::PriorityDelegate(int priorityRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_role(priorityRole)
{
}

void PriorityDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant value = index.data(m_role);
    if (!value.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const auto priority = Priority(std::clamp(value.toInt(), 0, int(Priority::Unknown)));
    const bool dark = isDarkPalette(opt.palette);
    const QRect chip = opt.rect.adjusted(3, 3, -3, -3);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(priorityColor(priority, dark));
    painter->drawRoundedRect(chip, 4, 4);
    painter->setPen(priorityTextColor(priority, dark));
    painter->drawText(chip, Qt::AlignCenter | Qt::TextSingleLine, opt.fontMetrics.elidedText(text, Qt::ElideRight, chip.width() - 4));
    painter->restore();
}

QSize PriorityDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setWidth(std::max(s.width(), option.fontMetrics.horizontalAdvance(QStringLiteral("Informational")) + 16));
    return s;
}

} // namespace fe
