// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/forwardoutbox.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace fe {

class ForwardingController;

// The alerts Elasticsearch refused permanently (mapping errors, 400s) with the reason, and buttons to queue
// the selected ones or all of them again once the cause is fixed.
class DeadLetterView : public QWidget
{
    Q_OBJECT

public:
    explicit DeadLetterView(QWidget *parent = nullptr);

    void setController(ForwardingController *controller);
    void setDeadLetters(const DeadLetterList &deadLetters);
    int count() const;

Q_SIGNALS:
    // The user asked to retry these (all when empty).
    void retryRequested(const QVector<qint64> &ids);
    // Double-click: show the alert.
    void alertActivated(qint64 alertId);

private:
    QVector<qint64> selectedIds() const;

    QTreeWidget *m_tree;
    QLabel *m_summary;
    QPushButton *m_retrySelected;
    QPushButton *m_retryAll;
};

} // namespace fe
