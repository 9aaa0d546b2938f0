// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/forwardstatus.h"

#include <QWidget>

class QLabel;

namespace fe {

class ForwardingController;

// A compact status-bar indicator: a coloured dot for the state and "delivered · pending · retrying ·
// dead-lettered" counts; the last error in the tooltip. Clicking it emits activated() (open the settings or
// the dead letters).
class ForwardingStatusWidget : public QWidget
{
    Q_OBJECT

public:
    explicit ForwardingStatusWidget(QWidget *parent = nullptr);

    void setController(ForwardingController *controller);
    void setStatus(const ForwardStatus &status);
    QString text() const;

Q_SIGNALS:
    void activated();

protected:
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QLabel *m_dot;
    QLabel *m_label;
};

} // namespace fe
