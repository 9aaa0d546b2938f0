// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QFrame>

class QHBoxLayout;
class QLabel;

namespace fe {

// One dashboard tile: a bold title, optional controls on the right of the title, a subtitle line
// (what the panel counts) and the content widget.
class DashboardPanel : public QFrame
{
    Q_OBJECT

public:
    DashboardPanel(const QString &title, QWidget *content, QWidget *parent = nullptr);

    QString title() const;
    void setSubtitle(const QString &text);
    QString subtitle() const;
    void addHeaderWidget(QWidget *widget);
    QWidget *content() const { return m_content; }

private:
    QLabel *m_title;
    QLabel *m_subtitle;
    QHBoxLayout *m_header;
    QWidget *m_content;
};

} // namespace fe
