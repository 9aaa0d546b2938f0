// SPDX-License-Identifier: Apache-2.0
#include "ui/sourcespane.h"

#include "ui/listenerdialog.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QFileDialog>
#include <QMenu>
#include <QSettings>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fe {

namespace {
enum Col { NameCol, StateCol, StoredCol, RejectedCol, ConnCol, ColCount };
constexpr int IdRole = Qt::UserRole + 1;
constexpr int RunningRole = Qt::UserRole + 2;
const QString s_lastListenerKey = QStringLiteral("sources/lastListener");
constexpr int s_countersMinWidth = 320;   // narrower: the counters move to the source's tooltip
}

SourcesPane::SourcesPane(QWidget *parent)
    : QWidget(parent)
{
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("sourcesTree"));
    m_tree->setColumnCount(ColCount);
    m_tree->setHeaderLabels({tr("Source"), tr("State"), tr("Stored"), tr("Rejected"), tr("Conn.")});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(NameCol, QHeaderView::Stretch);
    for (int c = StateCol; c < ColCount; ++c)
        m_tree->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);

    m_start = new QToolButton(this);
    m_start->setText(tr("Start"));
    m_start->setToolTip(tr("Start the selected source"));
    m_stop = new QToolButton(this);
    m_stop->setText(tr("Stop"));
    m_stop->setToolTip(tr("Stop the selected source"));
    auto *add = new QToolButton(this);
    add->setText(tr("Add"));
    add->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(add);
    menu->addAction(tr("Watch a file…"), this, [this] {
        Q_EMIT addSourceRequested(QStringLiteral("file"));
        const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Watch Falco log files"), QString(),
                                                                tr("Falco logs (*.log *.json *.jsonl);;All files (*)"));
        if (!paths.isEmpty())
            Q_EMIT watchFilesRequested(paths);
    });
    menu->addAction(tr("Listen for syslog (TCP)…"), this, [this] {
        Q_EMIT addSourceRequested(QStringLiteral("tcp"));
        askForListener();
    });
    add->setMenu(menu);
    m_remove = new QToolButton(this);
    m_remove->setText(tr("Remove"));
    m_remove->setToolTip(tr("Stop the selected source and remove it from the list"));

    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(add);
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addWidget(m_remove);
    buttons->addStretch();
    m_hint = new QLabel(tr("No live sources yet.\n\nAdd ▸ Listen for syslog to receive Falco's alerts over the network, "
                           "or Add ▸ Watch a file to follow a Falco log."),
                        this);
    m_hint->setObjectName(QStringLiteral("sourcesHint"));
    m_hint->setWordWrap(true);
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    m_hint->setContentsMargins(8, 8, 8, 8);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);
    layout->addWidget(m_hint, 1);
    layout->addLayout(buttons);

    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, &SourcesPane::updateButtons);
    connect(m_start, &QToolButton::clicked, this, [this] {
        if (auto *it = m_tree->currentItem())
            Q_EMIT startRequested(it->data(NameCol, IdRole).toString());
    });
    connect(m_stop, &QToolButton::clicked, this, [this] {
        if (auto *it = m_tree->currentItem())
            Q_EMIT stopRequested(it->data(NameCol, IdRole).toString());
    });
    connect(m_remove, &QToolButton::clicked, this, [this] {
        if (auto *it = m_tree->currentItem())
            Q_EMIT removeRequested(it->data(NameCol, IdRole).toString());
    });
    updateButtons();
    updateHint();
}

void SourcesPane::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const bool narrow = width() < s_countersMinWidth;
    for (int c = StoredCol; c < ColCount; ++c)
        m_tree->setColumnHidden(c, narrow);
}

void SourcesPane::updateHint()
{
    const bool empty = m_tree->topLevelItemCount() == 0;
    m_hint->setVisible(empty);
    m_tree->setVisible(!empty);
}

void SourcesPane::askForListener()
{
    QSettings settings;
    ListenerDialog dialog(this);
    dialog.setOptions(ListenerOptions::fromMap(settings.value(s_lastListenerKey).toMap()));
    if (dialog.exec() != QDialog::Accepted)
        return;
    const ListenerOptions options = dialog.options();
    settings.setValue(s_lastListenerKey, options.toMap());
    Q_EMIT listenerRequested(options);
}

QTreeWidgetItem *SourcesPane::item(const QString &id) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        if (m_tree->topLevelItem(i)->data(NameCol, IdRole).toString() == id)
            return m_tree->topLevelItem(i);
    }
    return nullptr;
}

void SourcesPane::setSource(const QString &id, const QString &kind, const QString &detail, bool running)
{
    QTreeWidgetItem *it = item(id);
    if (!it) {
        it = new QTreeWidgetItem(m_tree);
        it->setData(NameCol, IdRole, id);
        for (int c = StoredCol; c < ColCount; ++c)
            it->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
    }
    it->setText(NameCol, kind + QStringLiteral(": ") + detail);
    it->setToolTip(NameCol, detail);
    setRunning(id, running);
    updateHint();
}

void SourcesPane::removeSource(const QString &id)
{
    delete item(id);
    updateButtons();
    updateHint();
}

void SourcesPane::setRunning(const QString &id, bool running)
{
    if (QTreeWidgetItem *it = item(id)) {
        it->setData(NameCol, RunningRole, running);
        it->setText(StateCol, running ? tr("running") : tr("stopped"));
    }
    updateButtons();
}

void SourcesPane::setStats(const QString &id, const PipelineStats &stats)
{
    QTreeWidgetItem *it = item(id);
    if (!it)
        return;
    const QLocale locale;
    it->setText(StoredCol, locale.toString(stats.stored));
    it->setText(RejectedCol, locale.toString(stats.rejected));
    it->setText(ConnCol, locale.toString(stats.connections));
    QStringList tip;
    tip << tr("received %1, decoded %2, stored %3, duplicates %4, skipped %5, queued %6")
               .arg(stats.received).arg(stats.decoded).arg(stats.stored).arg(stats.duplicates).arg(stats.skipped).arg(stats.queued);
    for (auto r = stats.rejectedByReason.cbegin(); r != stats.rejectedByReason.cend(); ++r)
        tip << tr("rejected (%1): %2").arg(r.key()).arg(r.value());
    it->setToolTip(StoredCol, tip.join(u'\n'));
    it->setToolTip(RejectedCol, tip.join(u'\n'));
    it->setToolTip(NameCol, it->data(NameCol, IdRole).toString() + u'\n' + tr("stored %1 · rejected %2 · connections %3")
                                .arg(locale.toString(stats.stored), locale.toString(stats.rejected),
                                     locale.toString(stats.connections)) + u'\n' + tip.join(u'\n'));
}

QStringList SourcesPane::sourceIds() const
{
    QStringList ids;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        ids << m_tree->topLevelItem(i)->data(NameCol, IdRole).toString();
    return ids;
}

bool SourcesPane::isRunning(const QString &id) const
{
    const QTreeWidgetItem *it = item(id);
    return it && it->data(NameCol, RunningRole).toBool();
}

void SourcesPane::updateButtons()
{
    const QTreeWidgetItem *it = m_tree->currentItem();
    const bool running = it && it->data(NameCol, RunningRole).toBool();
    m_start->setEnabled(it && !running);
    m_stop->setEnabled(it && running);
    m_remove->setEnabled(it != nullptr);
}

} // namespace fe
