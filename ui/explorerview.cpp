// SPDX-License-Identifier: Apache-2.0
#include "ui/explorerview.h"

#include "model/alerttablemodel.h"
#include "ui/detailpane.h"
#include "ui/elidemiddledelegate.h"
#include "ui/facetpanel.h"
#include "ui/filterbar.h"
#include "ui/filterstate.h"
#include "ui/prioritydelegate.h"
#include "ui/querylineedit.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDataStream>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPointer>
#include <QPushButton>
#include <QResizeEvent>
#include <QScrollBar>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QVBoxLayout>

#include <limits>

namespace fe {

namespace {

// Below this width the detail pane goes under the table.
constexpr int s_besideMinWidth = 1280;
constexpr quint32 s_stateVersion = 2;

QString filterKey(const AlertFilter &f, const FilterState *state)
{
    // A relative range moves with the clock: its preset, not its resolved bounds, tells one filter from another.
    return f.query + u'\x1f'
        + (state->isRelative() ? QString::number(state->relativeMs()) : QStringLiteral("%1-%2").arg(f.fromMs).arg(f.toMs));
}

} // namespace

ExplorerView::ExplorerView(FilterState *filterState, QWidget *parent)
    : QWidget(parent)
    , m_state(filterState)
    , m_author(qEnvironmentVariable("USER", QStringLiteral("analyst")))
{
    m_model = new AlertTableModel(this);

    // Filter bar, with the explorer's own controls at its end.
    m_bar = new FilterBar(filterState, this);
    m_newButton = new QPushButton(this);
    m_newButton->setObjectName(QStringLiteral("newAlertsButton"));
    m_newButton->setVisible(false);
    m_newButton->setToolTip(tr("Show the alerts that arrived since the view was loaded (F5)"));
    m_follow = new QCheckBox(tr("Follow live"), this);
    m_follow->setObjectName(QStringLiteral("followLive"));
    m_follow->setToolTip(tr("Take in new alerts as they arrive (Ctrl+Shift+F)"));
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("explorerCount"));
    m_count->setTextFormat(Qt::PlainText);
    m_bar->addTrailingWidget(m_newButton);
    m_bar->addTrailingWidget(m_follow);
    m_bar->addTrailingWidget(m_count);

    // Table
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("alertTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    // Rows scroll one by one (the scroll value is a row) and the snapshot-wide scroll bar stands in for the table's.
    m_table->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_rowBar = new QScrollBar(Qt::Vertical, this);
    m_rowBar->setObjectName(QStringLiteral("rowScrollBar"));
    m_rowBar->setVisible(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setItemDelegateForColumn(AlertTableModel::PriorityColumn, new PriorityDelegate(AlertTableModel::PriorityRole, m_table));
    auto *middle = new ElideMiddleDelegate(m_table);
    m_table->setItemDelegateForColumn(AlertTableModel::HostColumn, middle);
    m_table->setItemDelegateForColumn(AlertTableModel::ContainerColumn, middle);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionsMovable(true);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    header->setSortIndicatorShown(true);
    header->setSortIndicator(AlertTableModel::TimeColumn, Qt::DescendingOrder);
    m_table->setSortingEnabled(true);
    const QFontMetrics fm = m_table->fontMetrics();
    const int x = fm.horizontalAdvance(QLatin1Char('x'));
    header->resizeSection(AlertTableModel::TimeColumn, fm.horizontalAdvance(QStringLiteral("2024-05-07 18:54:19.341")) + 16);
    header->resizeSection(AlertTableModel::PriorityColumn, fm.horizontalAdvance(QStringLiteral("Informational")) + 20);
    header->resizeSection(AlertTableModel::TriageColumn, fm.horizontalAdvance(QStringLiteral("False positive")) + 16);
    header->resizeSection(AlertTableModel::RuleColumn, x * 28);
    header->resizeSection(AlertTableModel::HostColumn, x * 17);
    header->resizeSection(AlertTableModel::ContainerColumn, x * 16);
    header->resizeSection(AlertTableModel::ProcessColumn, x * 10);
    header->resizeSection(AlertTableModel::UserColumn, x * 8);
    header->resizeSection(AlertTableModel::OutputColumn, x * 60);
    // The triage status is what the analyst acts on: right after the priority, not past the output text.
    header->moveSection(header->visualIndex(AlertTableModel::TriageColumn), header->visualIndex(AlertTableModel::PriorityColumn) + 1);
    // The output, last, takes the room that is left.
    header->setStretchLastSection(true);
    m_table->setColumnHidden(AlertTableModel::UserColumn, true);

    // "No alerts match …", over the empty table.
    m_empty = new QLabel(m_table->viewport());
    m_empty->setObjectName(QStringLiteral("emptyMessage"));
    m_empty->setTextFormat(Qt::PlainText);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->setVisible(false);

    m_facets = new FacetPanel(this);
    m_facets->setObjectName(QStringLiteral("facetPanel"));
    m_facets->setMinimumWidth(m_facets->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 26);   // "Informational 13,461"
    m_detail = new DetailPane(this);
    m_detail->setObjectName(QStringLiteral("detailPane"));

    auto *tableBox = new QWidget(this);
    auto *tableLayout = new QHBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->setSpacing(0);
    tableLayout->addWidget(m_table, 1);
    tableLayout->addWidget(m_rowBar);
    m_mainSplit = new QSplitter(Qt::Horizontal, this);
    m_mainSplit->setObjectName(QStringLiteral("tableDetailSplitter"));
    m_mainSplit->addWidget(tableBox);
    m_mainSplit->addWidget(m_detail);
    m_mainSplit->setStretchFactor(0, 1);
    m_mainSplit->setStretchFactor(1, 0);
    m_mainSplit->setChildrenCollapsible(true);
    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("facetSplitter"));
    m_splitter->addWidget(m_facets);
    m_splitter->addWidget(m_mainSplit);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({260, 1200});
    m_mainSplit->setSizes({900, 420});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_bar);
    layout->addWidget(m_splitter, 1);

    // Wiring
    connect(m_bar, &FilterBar::rerunRequested, this, &ExplorerView::applyFilter);
    connect(m_bar, &FilterBar::errorChanged, this, &ExplorerView::setStale);
    connect(m_state, &FilterState::changed, this, &ExplorerView::applyFilter);
    connect(m_facets, &FacetPanel::filterRequested, m_state, &FilterState::addClause);
    connect(m_detail, &DetailPane::filterRequested, m_state, &FilterState::addClause);
    connect(m_facets, &FacetPanel::updated, this, [this] {
        const DashboardData &d = m_facets->data();
        auto keys = [](const QVector<Bucket> &buckets) {
            QStringList out;
            for (const Bucket &b : buckets)
                out << b.key;
            return out;
        };
        QueryLineEdit *edit = m_bar->queryEdit();
        edit->setFieldValues(QStringLiteral("rule.name"), keys(d.byRule));
        edit->setFieldValues(QStringLiteral("host.name"), keys(d.byHost));
        edit->setFieldValues(QStringLiteral("tags"), keys(d.byTag));
        edit->setFieldValues(QStringLiteral("event.provider"), keys(d.bySource));
        edit->setFieldValues(QStringLiteral("container.image.name"), keys(d.byImage));
        edit->setFieldValues(QStringLiteral("orchestrator.namespace"), keys(d.byNamespace));
        edit->setFieldValues(QStringLiteral("orchestrator.resource.name"), keys(d.byPod));
        edit->setFieldValues(QStringLiteral("threat.technique.id"), keys(d.byTechnique));
        edit->setFieldValues(QStringLiteral("threat.tactic.name"), keys(d.byTactic));
    });
    connect(m_detail, &DetailPane::statusRequested, this, [this](qint64 id, TriageStatus status) {
        runTriage(tr("Status set"), [id, status](const TriageStore &t, QString *e) { return t.setStatus(QVector<qint64>{id}, status, e); });
    });
    connect(m_detail, &DetailPane::noteRequested, this, [this](qint64 id, const QString &text) {
        const QString author = m_author;
        runTriage(tr("Note added"), [id, text, author](const TriageStore &t, QString *e) {
            return t.addNote(QVector<qint64>{id}, author, text, 0, e);
        });
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        if (!m_stale)
            m_detail->setAlert(current.isValid() ? m_model->idAt(current.row()) : 0);
    });
    connect(m_table, &QTableView::customContextMenuRequested, this, &ExplorerView::tableContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, &ExplorerView::headerContextMenu);
    connect(header, &QHeaderView::sortIndicatorChanged, this, [this, header](int column, Qt::SortOrder) {
        if (!AlertTableModel::isSortable(column))   // only time, priority, rule and host have an index to sort on
            header->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
    });
    connect(m_model, &AlertTableModel::totalCountChanged, this, [this](qint64 total) {
        m_count->setText(tr("%1 alerts").arg(QLocale().toString(total)));
        updateEmptyMessage();
        Q_EMIT countChanged(total);
    });
    connect(m_model, &AlertTableModel::loadingChanged, this, [this](bool loading) {
        if (loading)
            m_count->setText(tr("Searching…"));
        updateEmptyMessage();
    });
    connect(m_model, &AlertTableModel::queryFailed, this, [this](const QString &error) {
        m_count->setText(tr("Error"));
        m_bar->showError(tr("The search failed: %1").arg(error));
        Q_EMIT statusMessage(error);
    });
    connect(m_model, &AlertTableModel::newAlertCountChanged, this, [this](qint64 n) {
        m_newButton->setVisible(n > 0);
        m_newButton->setText(tr("%1 new").arg(QLocale().toString(n)));
    });
    connect(m_newButton, &QPushButton::clicked, this, &ExplorerView::refresh);
    // The snapshot-wide scroll bar follows the table (wheel, keys, scrollTo), and moves it (drags, clicks).
    QScrollBar *inner = m_table->verticalScrollBar();
    connect(inner, &QScrollBar::rangeChanged, this, &ExplorerView::syncRowBar);
    connect(inner, &QScrollBar::valueChanged, this, [this] {
        syncRowBar();
        if (!m_recenterQueued) {   // after the event that scrolled (a key press, a wheel turn) is done
            m_recenterQueued = true;
            QMetaObject::invokeMethod(this, &ExplorerView::recenterWindow, Qt::QueuedConnection);
        }
    });
    connect(m_model, &QAbstractItemModel::layoutChanged, this, &ExplorerView::syncRowBar);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        // A new snapshot starts at its top: the table's own scroll value would survive the reset when the first page
        // arrives before the view's delayed layout has run (small stores), leaving the view part way down.
        m_table->verticalScrollBar()->setValue(0);
        syncRowBar();
    });
    connect(m_model, &AlertTableModel::totalCountChanged, this, &ExplorerView::syncRowBar);
    connect(m_rowBar, &QScrollBar::valueChanged, this, [this](int value) { scrollToSnapshotRow(value); });
    connect(m_follow, &QCheckBox::toggled, this, &ExplorerView::setFollowLive);
    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(2000);
    connect(m_liveTimer, &QTimer::timeout, m_model, &AlertTableModel::checkForNewAlerts);
    m_liveTimer->start();

    createActions();
    applyFilter();
}

ExplorerView::~ExplorerView() = default;

void ExplorerView::createActions()
{
    // One QAction per key sequence, owned here; MainWindow shows the same objects in its menus.
    const auto make = [this](Action which, const QString &text, const QList<QKeySequence> &keys, QWidget *scope,
                             Qt::ShortcutContext context, auto slot) {
        auto *a = new QAction(text, this);
        a->setShortcuts(keys);
        a->setShortcutContext(context);
        scope->addAction(a);
        connect(a, &QAction::triggered, this, slot);
        m_actions[size_t(which)] = a;
        return a;
    };
    for (int s = 0; s <= int(TriageStatus::FalsePositive); ++s) {
        const auto st = TriageStatus(s);
        make(Action(int(Action::SetNew) + s), tr("Mark %1").arg(TriageStore::statusLabel(st)),
             {QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + s))}, this, Qt::WidgetWithChildrenShortcut,
             [this, st] { setStatusOfSelection(st); })
            ->setObjectName(QStringLiteral("markStatus%1").arg(s));
    }
    make(Action::AddNote, tr("Add &note…"), {QKeySequence(Qt::CTRL | Qt::Key_M)}, this, Qt::WidgetWithChildrenShortcut,
         [this] { addNoteToSelection(); });
    QAction *follow = make(Action::FollowLive, tr("&Follow live"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F)}, this,
                           Qt::WidgetWithChildrenShortcut, [this](bool on) { setFollowLive(on); });
    follow->setCheckable(true);
    connect(m_follow, &QCheckBox::toggled, follow, &QAction::setChecked);
    // The table's own keys: in the query field j, k and Enter are typed and applied.
    make(Action::NextAlert, tr("Next alert"), {QKeySequence(Qt::Key_J)}, m_table, Qt::WidgetShortcut, [this] { moveCurrent(1); });
    make(Action::PreviousAlert, tr("Previous alert"), {QKeySequence(Qt::Key_K)}, m_table, Qt::WidgetShortcut,
         [this] { moveCurrent(-1); });
    make(Action::OpenDetail, tr("Open the detail"), {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)}, m_table,
         Qt::WidgetShortcut, [this] { openDetail(); });
    make(Action::BackToTable, tr("Back to the alerts"), {QKeySequence(Qt::Key_Escape)}, this, Qt::WidgetWithChildrenShortcut,
         [this] { backToTable(); });

    // In the table, Home and End go to the first and last alert (QTableView's own go to the first/last column, which
    // is of no use in a row-per-alert table); the far jump is cheap (AlertTableModel's anchors).
    auto rowJump = [this](const QKeySequence &keys, bool last) {
        auto *s = new QShortcut(keys, m_table);
        s->setContext(Qt::WidgetShortcut);
        connect(s, &QShortcut::activated, this, [this, last] {
            if (m_model->rowCount() == 0)
                return;
            m_model->setWindowStart(last ? m_model->snapshotRows() : 0);   // clamped: the window ends with the last row
            const int column = m_table->currentIndex().isValid() ? m_table->currentIndex().column() : 0;
            const QModelIndex target = m_model->index(last ? m_model->rowCount() - 1 : 0, column);
            m_table->setCurrentIndex(target);
            m_table->scrollTo(target, last ? QAbstractItemView::PositionAtBottom : QAbstractItemView::PositionAtTop);
        });
    };
    rowJump(QKeySequence(Qt::Key_End), true);
    rowJump(QKeySequence(Qt::Key_Home), false);
}

void ExplorerView::setDatabasePath(const QString &path)
{
    m_path = path;
    m_facets->setDatabasePath(path);
    m_detail->setDatabasePath(path);
    m_model->setDatabasePath(path);
    m_appliedKey.clear();
    applyFilter();
}

QueryLineEdit *ExplorerView::queryEdit() const
{
    return m_bar->queryEdit();
}

void ExplorerView::syncRowBar()
{
    const QScrollBar *inner = m_table->verticalScrollBar();
    const qint64 outside = std::max<qint64>(0, m_model->snapshotRows() - m_model->rowCount());
    const QSignalBlocker block(m_rowBar);
    m_rowBar->setRange(0, int(std::min<qint64>(inner->maximum() + outside, std::numeric_limits<int>::max())));
    m_rowBar->setPageStep(inner->pageStep());
    m_rowBar->setSingleStep(inner->singleStep());
    m_rowBar->setValue(int(m_model->windowStart() + inner->value()));
    m_rowBar->setVisible(m_rowBar->maximum() > 0);
}

void ExplorerView::scrollToSnapshotRow(qint64 row)
{
    QScrollBar *inner = m_table->verticalScrollBar();
    const int rows = m_model->rowCount();
    const qint64 total = m_model->snapshotRows();
    // Scrolling stays inside the window while it is more than a quarter of the window away from an edge that is not
    // the snapshot's; else the window is centred on the row (AlertTableModel::setWindowStart()).
    const int margin = rows / 4;
    const qint64 start = m_model->windowStart();
    const qint64 value = row - start;
    const bool roomAbove = value >= margin || start == 0;
    const bool roomBelow = value <= inner->maximum() - margin || start + rows >= total;
    if (value < 0 || value > inner->maximum() || !roomAbove || !roomBelow)
        m_model->setWindowStart(row - (rows - inner->pageStep()) / 2);
    inner->setValue(int(std::clamp<qint64>(row - m_model->windowStart(), 0, inner->maximum())));
    syncRowBar();
}

void ExplorerView::recenterWindow()
{
    m_recenterQueued = false;
    if (m_model->rowCount() < m_model->snapshotRows())
        scrollToSnapshotRow(m_model->windowStart() + m_table->verticalScrollBar()->value());
}

void ExplorerView::focusQuery()
{
    m_bar->focusQuery();
}

void ExplorerView::refresh()
{
    m_appliedKey.clear();
    applyFilter();
}

void ExplorerView::setFollowLive(bool on)
{
    if (m_follow->isChecked() != on)
        m_follow->setChecked(on);
    m_model->setFollowLive(on);
    m_liveTimer->setInterval(on ? 1000 : 2000);
}

void ExplorerView::applyFilter()
{
    if (m_path.isEmpty())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const AlertFilter filter = m_state->filter(now);
    const QString key = filterKey(filter, m_state);
    // Another filter: the alert in the detail pane may not be among the results any more.
    if (key != m_appliedKey) {
        m_table->selectionModel()->clearCurrentIndex();
        m_detail->setAlert(0);
    }
    m_appliedKey = key;
    m_bar->clearError();   // what is on screen from now on is the applied filter's
    setStale(false);
    m_model->setFilter(filter, now);
    if (m_model->lastError().isEmpty())
        m_facets->refresh(filter);
    updateEmptyMessage();
}

void ExplorerView::setStale(bool stale)
{
    // The results of the previous query stay, greyed and out of reach, until a query is applied again.
    if (m_stale == stale)
        return;
    m_stale = stale;
    m_table->setEnabled(!stale);
    m_detail->setEnabled(!stale);
    m_facets->setEnabled(!stale);
    if (stale)
        m_count->setText(tr("Query error"));
    else if (m_model->totalCount() >= 0)
        m_count->setText(tr("%1 alerts").arg(QLocale().toString(m_model->totalCount())));
    updateEmptyMessage();
}

QString ExplorerView::emptyMessage() const
{
    return m_empty->isVisibleTo(m_table->viewport()) ? m_empty->text() : QString();
}

void ExplorerView::updateEmptyMessage()
{
    const bool empty = !m_stale && !m_model->isLoading() && m_model->totalCount() == 0 && m_model->lastError().isEmpty()
        && !m_path.isEmpty();
    if (empty) {
        const QString query = m_state->effectiveQuery();
        const bool allTime = m_state->isRelative() && m_state->relativeMs() == 0;
        const QString when = allTime ? tr("at any time") : tr("in %1").arg(m_state->isRelative() ? m_state->rangeLabel().toLower()
                                                                                                  : m_state->rangeLabel());
        m_empty->setText(query.isEmpty() ? tr("No alerts %1.\nChoose a wider time range.").arg(when)
                                         : tr("No alerts match\n%1\n%2.\n\nWiden the time range, or change the query or remove "
                                              "a pill.")
                                               .arg(query, when));
        m_empty->setGeometry(m_table->viewport()->rect().adjusted(24, 24, -24, -24));
        m_detail->setAlert(0);
    }
    m_empty->setVisible(empty);
}

bool ExplorerView::detailBelow() const
{
    return m_mainSplit->orientation() == Qt::Vertical;
}

void ExplorerView::updateSplitOrientation()
{
    const Qt::Orientation wanted = width() < s_besideMinWidth ? Qt::Vertical : Qt::Horizontal;
    if (m_mainSplit->orientation() == wanted)
        return;
    m_mainSplit->setOrientation(wanted);
    if (wanted == Qt::Vertical) {
        m_mainSplit->setSizes({qMax(200, m_mainSplit->height() * 3 / 5), qMax(120, m_mainSplit->height() * 2 / 5)});
        m_splitter->setSizes({qMin(220, width() / 5), width()});
    } else {
        m_mainSplit->setSizes({m_mainSplit->width() * 2 / 3, m_mainSplit->width() / 3});
        m_splitter->setSizes({260, width()});
    }
}

void ExplorerView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    updateSplitOrientation();
    if (m_empty->isVisible())
        m_empty->setGeometry(m_table->viewport()->rect().adjusted(24, 24, -24, -24));
}

void ExplorerView::moveCurrent(int delta)
{
    const int rows = m_model->rowCount();
    if (rows == 0)
        return;
    const QModelIndex current = m_table->currentIndex();
    const int row = current.isValid() ? qBound(0, current.row() + delta, rows - 1) : 0;
    const QModelIndex target = m_model->index(row, current.isValid() ? current.column() : 0);
    m_table->selectionModel()->setCurrentIndex(target, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(target);
}

void ExplorerView::openDetail()
{
    if (!m_table->currentIndex().isValid())
        moveCurrent(0);
    // A collapsed detail pane (dragged shut, or no room) opens; Esc closes it again.
    const QList<int> sizes = m_mainSplit->sizes();
    m_detailOpenedByEnter = sizes.value(1) == 0;
    if (m_detailOpenedByEnter) {
        const int total = sizes.value(0) + sizes.value(1);
        m_mainSplit->setSizes({total * 3 / 5, total * 2 / 5});
    }
    m_detail->focusFields();
}

void ExplorerView::backToTable()
{
    if (m_detailOpenedByEnter) {
        m_detailOpenedByEnter = false;
        const QList<int> sizes = m_mainSplit->sizes();
        m_mainSplit->setSizes({sizes.value(0) + sizes.value(1), 0});
    }
    m_table->setFocus(Qt::ShortcutFocusReason);
    if (!m_table->currentIndex().isValid())
        moveCurrent(0);
}

QVector<qint64> ExplorerView::selectedIds() const
{
    QVector<qint64> ids;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &i : rows) {
        if (const qint64 id = m_model->idAt(i.row()))
            ids.append(id);
    }
    if (ids.isEmpty() && m_table->currentIndex().isValid()) {
        if (const qint64 id = m_model->idAt(m_table->currentIndex().row()))
            ids.append(id);
    }
    return ids;
}

void ExplorerView::setStatusOfSelection(TriageStatus status, bool allMatching)
{
    if (m_stale)
        return;   // the rows on screen do not match the query any more
    if (allMatching) {
        const AlertFilter filter = m_model->filter();
        runTriage(tr("Status set on all matching alerts"), [filter, status](const TriageStore &t, QString *e) {
            return t.setStatus(filter, status, e);
        });
        return;
    }
    const QVector<qint64> ids = selectedIds();
    if (ids.isEmpty()) {
        Q_EMIT statusMessage(tr("Select an alert first"));
        return;
    }
    runTriage(tr("Marked %1").arg(TriageStore::statusLabel(status)),
              [ids, status](const TriageStore &t, QString *e) { return t.setStatus(ids, status, e); });
}

void ExplorerView::addNoteToSelection()
{
    const QVector<qint64> ids = selectedIds();
    if (ids.isEmpty() || m_stale)
        return;
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(this, tr("Add note"),
                                                        tr("Note for %n alert(s), by %1:", nullptr, int(ids.size())).arg(m_author),
                                                        QString(), &ok);
    if (!ok || text.trimmed().isEmpty())
        return;
    const QString author = m_author;
    runTriage(tr("Note added"), [ids, author, text](const TriageStore &t, QString *e) { return t.addNote(ids, author, text.trimmed(), 0, e); });
}

void ExplorerView::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    for (int a = int(Action::SetNew); a <= int(Action::AddNote); ++a)
        action(Action(a))->setEnabled(!readOnly);
    m_detail->setReadOnly(readOnly);
}

void ExplorerView::runTriage(const QString &what, std::function<qint64(const TriageStore &, QString *)> op)
{
    if (m_readOnly) {   // the actions are off; a request still queued from before says why nothing happens
        Q_EMIT statusMessage(tr("Triage is off: the store is read-only"));
        return;
    }
    const QString path = m_path;
    QPointer<ExplorerView> self(this);
    QThreadPool::globalInstance()->start([self, path, what, op]() {
        AlertStore store;
        QString error;
        qint64 n = -1;
        if (store.open(path, AlertStore::OpenMode::ReadWrite, &error))
            n = op(TriageStore(store), &error);
        if (ExplorerView *v = self.data()) {
            QMetaObject::invokeMethod(v, [self, what, n, error]() {
                if (!self)
                    return;
                if (n < 0) {
                    Q_EMIT self->statusMessage(tr("Triage failed: %1").arg(error));
                    return;
                }
                Q_EMIT self->statusMessage(tr("%1 (%n alert(s))", nullptr, int(n)).arg(what));
                self->m_model->invalidateRows();
                self->m_detail->reloadTriage();
            }, Qt::QueuedConnection);
        }
    });
}

void ExplorerView::showAlert(qint64 id)
{
    const int row = m_model->rowOfId(id);
    if (row >= 0) {
        m_table->selectRow(row);
        m_table->scrollTo(m_model->index(row, 0));
    }
    m_detail->setAlert(id);
}

void ExplorerView::tableContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_table->indexAt(pos);
    QMenu menu(this);
    if (index.isValid()) {
        const QString field = index.data(AlertTableModel::FilterFieldRole).toString();
        const QString value = index.data(AlertTableModel::FilterValueRole).toString();
        if (!field.isEmpty() && index.data(AlertTableModel::FilterValueRole).isValid()) {
            const QString shown = value.size() > 40 ? value.left(40) + QStringLiteral("…") : value;
            menu.addAction(tr("Filter in %1:%2").arg(field, shown), this, [this, field, value] { m_state->filterIn(field, value); });
            menu.addAction(tr("Filter out %1:%2").arg(field, shown), this, [this, field, value] { m_state->filterOut(field, value); });
        }
        const QString cell = index.data(Qt::DisplayRole).toString();
        menu.addAction(tr("Copy value"), QKeySequence(QKeySequence::Copy), this, [cell] { QApplication::clipboard()->setText(cell); });
        menu.addAction(tr("Copy document as JSON"), this, [this] {
            QApplication::clipboard()->setText(QString::fromUtf8(m_detail->document()));
        });
        menu.addSeparator();
    }
    QMenu *status = menu.addMenu(tr("Set status of selection"));
    QMenu *statusAll = menu.addMenu(tr("Set status of all %1 matching alerts").arg(QLocale().toString(m_model->totalCount())));
    for (int s = 0; s <= int(TriageStatus::FalsePositive); ++s) {
        const auto st = TriageStatus(s);
        status->addAction(statusAction(this, st));   // the view's own action: one owner for Alt+1…5
        statusAll->addAction(TriageStore::statusLabel(st), this, [this, st] { setStatusOfSelection(st, true); });
    }
    status->setEnabled(!m_readOnly);
    statusAll->setEnabled(!m_readOnly);
    menu.addAction(action(Action::AddNote));
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void ExplorerView::headerContextMenu(const QPoint &pos)
{
    QMenu menu(this);
    menu.addSection(tr("Columns"));
    for (int c = 0; c < AlertTableModel::ColumnCount; ++c) {
        QAction *a = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
        a->setCheckable(true);
        a->setChecked(!m_table->isColumnHidden(c));
        connect(a, &QAction::toggled, this, [this, c](bool on) { m_table->setColumnHidden(c, !on); });
    }
    menu.exec(m_table->horizontalHeader()->mapToGlobal(pos));
}

QByteArray ExplorerView::saveState() const
{
    QByteArray out;
    QDataStream s(&out, QIODevice::WriteOnly);
    s << s_stateVersion << m_table->horizontalHeader()->saveState() << m_splitter->saveState() << m_follow->isChecked();
    return out;
}

void ExplorerView::restoreState(const QByteArray &state)
{
    QDataStream s(state);
    quint32 version = 0;
    QByteArray header, splitter;
    bool follow = false;
    s >> version >> header >> splitter >> follow;
    // Version 1 layouts put the triage column last, out of sight, and the detail pane in the facet splitter: the
    // defaults of version 2 replace them.
    if (version != s_stateVersion || s.status() != QDataStream::Ok)
        return;
    m_table->horizontalHeader()->restoreState(header);
    m_splitter->restoreState(splitter);
    setFollowLive(follow);
    const int column = m_table->horizontalHeader()->sortIndicatorSection();
    m_model->sort(column, m_table->horizontalHeader()->sortIndicatorOrder());
}

bool ExplorerView::isSettled() const
{
    return !m_model->isLoading() && !m_facets->isBusy();
}

void ExplorerView::waitUntilSettled()
{
    m_model->waitForIdle();
    m_facets->waitForIdle();
}

} // namespace fe
