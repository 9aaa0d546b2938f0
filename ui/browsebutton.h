// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

class QLineEdit;
class QWidget;

namespace fe {

// A row for a form: the line edit and a "…" button that picks an existing file into it.
QWidget *withBrowseButton(QLineEdit *edit, QWidget *parent, const QString &title);

} // namespace fe
