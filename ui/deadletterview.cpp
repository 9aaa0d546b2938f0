// SPDX-License-Identifier: Apache-2.0
#include "ui/deadletterview.h"

#include "ui/forwardingcontroller.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fe {

namespace {
enum Column { IdColumn, TimeColumn, RuleColumn, StatusColumn, AttemptsColumn, ReasonColumn, ColumnCount };
}

DeadLetterView::DeadLetterView(QWidget *parent)
    : QWidget(parent)
    , m_tree(new QTreeWidget(this))
    , m_summary(new QLabel(this))
    , m_retrySelected(new QPushButton(tr("Retry selected"), this))
    , m_retryAll(new QPushButton(tr("Retry all"), this))
{
    m_tree->setColumnCount(ColumnCount);
    m_tree->setHeaderLabels({tr("Alert"), tr("Time"), tr("Rule"), tr("Status"), tr("Attempts"), tr("Reason")});
    m_tree->setRootIsDecorated(false);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setStretchLastSection(true);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_summary, 1);
    buttons->addWidget(m_retrySelected);
    buttons->addWidget(m_retryAll);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tree);
    layout->addLayout(buttons);
    connect(m_retrySelected, &QPushButton::clicked, this, [this] {
        const QVector<qint64> ids = selectedIds();
        if (!ids.isEmpty())
            Q_EMIT retryRequested(ids);
    });
    connect(m_retryAll, &QPushButton::clicked, this, [this] { Q_EMIT retryRequested({}); });
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this,
            [this] { m_retrySelected->setEnabled(!m_tree->selectedItems().isEmpty()); });
    connect(m_tree, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem *item) { Q_EMIT alertActivated(item->data(IdColumn, Qt::UserRole).toLongLong()); });
    setDeadLetters({});
}

void DeadLetterView::setController(ForwardingController *controller)
{
    connect(controller, &ForwardingController::deadLettersChanged, this, &DeadLetterView::setDeadLetters);
    connect(this, &DeadLetterView::retryRequested, controller, &ForwardingController::retryDeadLetters);
    controller->refreshDeadLetters();
}

void DeadLetterView::setDeadLetters(const DeadLetterList &deadLetters)
{
    m_tree->clear();
    QList<QTreeWidgetItem *> items;
    items.reserve(deadLetters.size());
    for (const ForwardOutbox::DeadLetter &d : deadLetters) {
        auto *item = new QTreeWidgetItem;
        item->setText(IdColumn, QString::number(d.alertId));
        item->setData(IdColumn, Qt::UserRole, d.alertId);
        item->setText(TimeColumn, d.timestampMs ? QDateTime::fromMSecsSinceEpoch(d.timestampMs).toString(Qt::ISODate) : QString());
        item->setText(RuleColumn, d.rule);
        item->setText(StatusColumn, QString::number(d.status));
        item->setText(AttemptsColumn, QString::number(d.attempts));
        item->setText(ReasonColumn, d.reason);
        item->setToolTip(ReasonColumn, d.reason);
        items.append(item);
    }
    m_tree->addTopLevelItems(items);
    m_summary->setText(deadLetters.isEmpty()
                           ? tr("No dead-lettered alerts.")
                           : tr("%n alert(s) refused by Elasticsearch. Fix the cause (mapping, pipeline), then retry.",
                                nullptr, int(deadLetters.size())));
    m_retryAll->setEnabled(!deadLetters.isEmpty());
    m_retrySelected->setEnabled(false);
}

int DeadLetterView::count() const
{
    return m_tree->topLevelItemCount();
}

QVector<qint64> DeadLetterView::selectedIds() const
{
    QVector<qint64> ids;
    const auto selected = m_tree->selectedItems();
    for (const QTreeWidgetItem *item : selected)
        ids.append(item->data(IdColumn, Qt::UserRole).toLongLong());
    return ids;
}

} // namespace fe
