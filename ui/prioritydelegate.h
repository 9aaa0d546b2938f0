// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStyledItemDelegate>

namespace fe {

// Draws a priority as a coloured chip (fe::priorityColor), reading the priority from a role (default
// AlertTableModel::PriorityRole). The text is painted as plain text.
class PriorityDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit PriorityDelegate(int priorityRole, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_role;
};

} // namespace fe
