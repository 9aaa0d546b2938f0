// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardpanel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace fe {

DashboardPanel::DashboardPanel(const QString &title, QWidget *content, QWidget *parent)
    : QFrame(parent)
    , m_title(new QLabel(title, this))
    , m_subtitle(new QLabel(this))
    , m_header(new QHBoxLayout)
    , m_content(content)
{
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    QFont f = m_title->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.1);
    m_title->setFont(f);
    m_title->setTextInteractionFlags(Qt::NoTextInteraction);
    m_subtitle->setForegroundRole(QPalette::PlaceholderText);
    m_subtitle->setVisible(false);

    m_header->setContentsMargins(0, 0, 0, 0);
    m_header->setSpacing(4);
    m_header->addWidget(m_title, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 8);
    layout->setSpacing(4);
    layout->addLayout(m_header);
    layout->addWidget(m_subtitle);
    content->setParent(this);
    layout->addWidget(content, 1);
}

QString DashboardPanel::title() const
{
    return m_title->text();
}

void DashboardPanel::setSubtitle(const QString &text)
{
    m_subtitle->setText(text);
    m_subtitle->setVisible(!text.isEmpty());
}

QString DashboardPanel::subtitle() const
{
    return m_subtitle->text();
}

void DashboardPanel::addHeaderWidget(QWidget *widget)
{
    m_header->addWidget(widget);
}

} // namespace fe
