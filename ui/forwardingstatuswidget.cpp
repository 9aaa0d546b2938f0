// SPDX-License-Identifier: Apache-2.0
#include "ui/forwardingstatuswidget.h"

#include "ui/forwardingcontroller.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>

namespace fe {

ForwardingStatusWidget::ForwardingStatusWidget(QWidget *parent)
    : QWidget(parent)
    , m_dot(new QLabel(this))
    , m_label(new QLabel(this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(4);
    layout->addWidget(m_dot);
    layout->addWidget(m_label);
    m_dot->setFixedSize(10, 10);
    setCursor(Qt::PointingHandCursor);
    setStatus(ForwardStatus());
}

void ForwardingStatusWidget::setController(ForwardingController *controller)
{
    connect(controller, &ForwardingController::statusChanged, this, &ForwardingStatusWidget::setStatus);
}

void ForwardingStatusWidget::setStatus(const ForwardStatus &s)
{
    // Green: all answered; blue: working; amber: retrying or dead letters waiting; red: stopped on an error.
    QString colour = QStringLiteral("#9e9e9e");
    switch (s.state) {
    case ForwardStatus::State::Stopped: break;
    case ForwardStatus::State::Idle: colour = QStringLiteral("#2e7d32"); break;
    case ForwardStatus::State::Sending: colour = QStringLiteral("#1565c0"); break;
    case ForwardStatus::State::Backoff: colour = QStringLiteral("#f9a825"); break;
    case ForwardStatus::State::Failed: colour = QStringLiteral("#c62828"); break;
    }
    if (s.state == ForwardStatus::State::Idle && (s.deadLettered > 0 || s.retrying > 0))
        colour = QStringLiteral("#f9a825");
    m_dot->setStyleSheet(QStringLiteral("background:%1; border-radius:5px;").arg(colour));
    if (s.state == ForwardStatus::State::Stopped && s.delivered == 0) {
        m_label->setText(tr("Forwarding off"));
    } else {
        m_label->setText(tr("ES: %1 delivered · %2 pending · %3 retrying · %4 dead-lettered")
                             .arg(s.delivered)
                             .arg(s.pending)
                             .arg(s.retrying)
                             .arg(s.deadLettered));
    }
    QString tip = tr("Elasticsearch forwarding: %1").arg(ForwardStatus::stateName(s.state));
    if (!s.node.isEmpty())
        tip += QLatin1Char('\n') + tr("Node: %1").arg(s.node);
    if (!s.lastError.isEmpty())
        tip += QLatin1Char('\n') + tr("Last problem: %1").arg(s.lastError);
    setToolTip(tip);
}

QString ForwardingStatusWidget::text() const
{
    return m_label->text();
}

void ForwardingStatusWidget::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton)
        Q_EMIT activated();
    QWidget::mouseReleaseEvent(event);
}

} // namespace fe
