// SPDX-License-Identifier: Apache-2.0
#include "ui/browsebutton.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

namespace fe {

QWidget *withBrowseButton(QLineEdit *edit, QWidget *parent, const QString &title)
{
    auto *box = new QWidget(parent);
    auto *layout = new QHBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *browse = new QToolButton(box);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(title);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    QObject::connect(browse, &QToolButton::clicked, edit, [edit, title] {
        const QString file = QFileDialog::getOpenFileName(edit, title, edit->text());
        if (!file.isEmpty())
            edit->setText(file);
    });
    return box;
}

} // namespace fe
