// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStyledItemDelegate>

namespace fe {

// Elides in the middle: "ip-10-0-24-212.eu-west-1.compute.internal" becomes "ip-10-0-2…compute.internal", keeping
// the part that tells hosts (and images: the tag) apart. For host, container and image columns.
class ElideMiddleDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

} // namespace fe
