// SPDX-License-Identifier: Apache-2.0
#include "ui/explorerview.h"

#include "model/alerttablemodel.h"
#include "model/querylanguage.h"
#include "ui/detailpane.h"
#include "ui/facetpanel.h"
#include "ui/filterstate.h"
#include "ui/prioritydelegate.h"
#include "ui/querylineedit.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDataStream>
#include <QDateTimeEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPointer>
#include <QPushButton>
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
constexpr int kCustomRange = -2;
}

ExplorerView::ExplorerView(FilterState *filterState, QWidget *parent)
    : QWidget(parent)
    , m_state(filterState)
    , m_author(qEnvironmentVariable("USER", QStringLiteral("analyst")))
{
    m_model = new AlertTableModel(this);

    // Filter bar
    m_query = new QueryLineEdit(this);
    m_query->setObjectName(QStringLiteral("queryEdit"));
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("timeRange"));
    for (const FilterState::Preset &p : FilterState::relativePresets())
        m_range->addItem(p.label, p.ms);
    m_range->addItem(tr("Custom range…"), kCustomRange);
    auto *apply = new QPushButton(tr("Apply"), this);
    apply->setToolTip(tr("Apply the filter (Enter)"));
    m_newButton = new QPushButton(this);
    m_newButton->setObjectName(QStringLiteral("newAlertsButton"));
    m_newButton->setVisible(false);
    m_newButton->setToolTip(tr("Show the alerts that arrived since the view was loaded (F5)"));
    m_follow = new QCheckBox(tr("Follow live"), this);
    m_follow->setToolTip(tr("Take in new alerts as they arrive (Ctrl+Shift+F)"));
    m_count = new QLabel(this);
    m_count->setTextFormat(Qt::PlainText);
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_query, 1);
    bar->addWidget(m_range);
    bar->addWidget(apply);
    bar->addWidget(m_newButton);
    bar->addWidget(m_follow);
    bar->addWidget(m_count);

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
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionsMovable(true);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    header->setStretchLastSection(false);
    header->setSortIndicatorShown(true);
    header->setSortIndicator(AlertTableModel::TimeColumn, Qt::DescendingOrder);
    m_table->setSortingEnabled(true);
    const QFontMetrics fm = m_table->fontMetrics();
    header->resizeSection(AlertTableModel::TimeColumn, fm.horizontalAdvance(QStringLiteral("2024-05-07 18:54:19.341")) + 16);
    header->resizeSection(AlertTableModel::PriorityColumn, fm.horizontalAdvance(QStringLiteral("Informational")) + 20);
    header->resizeSection(AlertTableModel::RuleColumn, fm.horizontalAdvance(QLatin1Char('x')) * 34);
    header->resizeSection(AlertTableModel::HostColumn, fm.horizontalAdvance(QLatin1Char('x')) * 14);
    header->resizeSection(AlertTableModel::ContainerColumn, fm.horizontalAdvance(QLatin1Char('x')) * 20);
    header->resizeSection(AlertTableModel::ProcessColumn, fm.horizontalAdvance(QLatin1Char('x')) * 12);
    header->resizeSection(AlertTableModel::UserColumn, fm.horizontalAdvance(QLatin1Char('x')) * 8);
    header->resizeSection(AlertTableModel::OutputColumn, fm.horizontalAdvance(QLatin1Char('x')) * 60);
    header->setSectionResizeMode(AlertTableModel::OutputColumn, QHeaderView::Interactive);
    m_table->setColumnHidden(AlertTableModel::UserColumn, true);

    m_facets = new FacetPanel(this);
    m_facets->setObjectName(QStringLiteral("facetPanel"));
    m_detail = new DetailPane(this);
    m_detail->setObjectName(QStringLiteral("detailPane"));

    m_splitter = new QSplitter(Qt::Horizontal, this);
    auto *tableBox = new QWidget(this);
    auto *tableLayout = new QHBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->setSpacing(0);
    tableLayout->addWidget(m_table, 1);
    tableLayout->addWidget(m_rowBar);
    m_splitter->addWidget(m_facets);
    m_splitter->addWidget(tableBox);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 0);
    m_splitter->setSizes({300, 900, 420});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_splitter, 1);

    // Wiring
    connect(m_query, &QLineEdit::returnPressed, this, &ExplorerView::applyQueryText);
    connect(apply, &QPushButton::clicked, this, &ExplorerView::applyQueryText);
    connect(m_query, &QLineEdit::textEdited, this, [this](const QString &text) {
        const CompiledQuery q = compileQuery(text, QDateTime::currentMSecsSinceEpoch());
        m_query->setError(q.error, q.ok ? -1 : q.errorColumn);
    });
    connect(m_range, &QComboBox::activated, this, &ExplorerView::onRangeActivated);
    connect(m_state, &FilterState::changed, this, &ExplorerView::syncFromState);
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
        m_query->setFieldValues(QStringLiteral("rule.name"), keys(d.byRule));
        m_query->setFieldValues(QStringLiteral("host.name"), keys(d.byHost));
        m_query->setFieldValues(QStringLiteral("tags"), keys(d.byTag));
        m_query->setFieldValues(QStringLiteral("event.provider"), keys(d.bySource));
        m_query->setFieldValues(QStringLiteral("container.image.name"), keys(d.byImage));
        m_query->setFieldValues(QStringLiteral("orchestrator.namespace"), keys(d.byNamespace));
        m_query->setFieldValues(QStringLiteral("orchestrator.resource.name"), keys(d.byPod));
        m_query->setFieldValues(QStringLiteral("threat.technique.id"), keys(d.byTechnique));
        m_query->setFieldValues(QStringLiteral("threat.tactic.name"), keys(d.byTactic));
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
        Q_EMIT countChanged(total);
    });
    connect(m_model, &AlertTableModel::loadingChanged, this, [this](bool loading) {
        if (loading)
            m_count->setText(tr("Searching…"));
    });
    connect(m_model, &AlertTableModel::queryFailed, this, [this](const QString &error) {
        m_count->setText(tr("Error"));
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

    // Keyboard
    auto shortcut = [this](const QKeySequence &keys, auto fn) {
        auto *s = new QShortcut(keys, this);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, fn);
    };
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_L), [this] { focusQuery(); });
    shortcut(QKeySequence(Qt::Key_F5), [this] { refresh(); });
    shortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F), [this] { m_follow->toggle(); });
    for (int s = 0; s <= int(TriageStatus::FalsePositive); ++s)
        shortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + s)), [this, s] { setStatusOfSelection(TriageStatus(s)); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_M), [this] { addNoteToSelection(); });
    shortcut(QKeySequence(Qt::Key_Escape), [this] { m_table->setFocus(); });
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

    syncFromState();
}

ExplorerView::~ExplorerView() = default;

void ExplorerView::setDatabasePath(const QString &path)
{
    m_path = path;
    m_facets->setDatabasePath(path);
    m_detail->setDatabasePath(path);
    m_model->setDatabasePath(path);
    applyFilter();
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
    m_query->setFocus();
    m_query->selectAll();
}

void ExplorerView::refresh()
{
    applyFilter();
}

void ExplorerView::setFollowLive(bool on)
{
    if (m_follow->isChecked() != on)
        m_follow->setChecked(on);
    m_model->setFollowLive(on);
    m_liveTimer->setInterval(on ? 1000 : 2000);
}

void ExplorerView::applyQueryText()
{
    const CompiledQuery q = compileQuery(m_query->text(), QDateTime::currentMSecsSinceEpoch());
    m_query->setError(q.error, q.ok ? -1 : q.errorColumn);
    if (!q.ok) {
        Q_EMIT statusMessage(tr("Query error at column %1: %2").arg(q.errorColumn + 1).arg(q.error));
        return;
    }
    if (m_state->query() == m_query->text())
        applyFilter();   // Enter on an unchanged query re-runs it
    else
        m_state->setQuery(m_query->text());
}

void ExplorerView::onRangeActivated(int index)
{
    const qint64 value = m_range->itemData(index).toLongLong();
    if (value != kCustomRange) {
        m_state->setRelativeRange(value);
        return;
    }
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Time range"));
    auto *from = new QDateTimeEdit(&dialog);
    auto *to = new QDateTimeEdit(&dialog);
    for (QDateTimeEdit *e : {from, to}) {
        e->setCalendarPopup(true);
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    from->setDateTime(QDateTime::fromMSecsSinceEpoch(m_state->isRelative() ? now - 24 * 3600000LL : m_state->absoluteFromMs()));
    to->setDateTime(QDateTime::fromMSecsSinceEpoch(m_state->isRelative() ? now : m_state->absoluteToMs()));
    auto *form = new QFormLayout(&dialog);
    form->addRow(tr("From:"), from);
    form->addRow(tr("To:"), to);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() == QDialog::Accepted && from->dateTime() < to->dateTime())
        m_state->setAbsoluteRange(from->dateTime().toMSecsSinceEpoch(), to->dateTime().toMSecsSinceEpoch());
    syncFromState();
}

void ExplorerView::syncFromState()
{
    if (m_query->text() != m_state->query()) {
        m_query->setText(m_state->query());
        const CompiledQuery q = compileQuery(m_state->query(), QDateTime::currentMSecsSinceEpoch());
        m_query->setError(q.error, q.ok ? -1 : q.errorColumn);
    }
    int index = m_range->findData(m_state->isRelative() ? m_state->relativeMs() : kCustomRange);
    if (!m_state->isRelative())
        m_range->setItemText(m_range->count() - 1, m_state->rangeLabel());
    else
        m_range->setItemText(m_range->count() - 1, tr("Custom range…"));
    m_range->setCurrentIndex(std::max(0, index));
    applyFilter();
}

void ExplorerView::applyFilter()
{
    if (m_path.isEmpty())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const AlertFilter filter = m_state->filter(now);
    m_model->setFilter(filter, now);
    if (m_model->lastError().isEmpty())
        m_facets->refresh(filter);
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
    if (allMatching) {
        const AlertFilter filter = m_model->filter();
        runTriage(tr("Status set on all matching alerts"), [filter, status](const TriageStore &t, QString *e) {
            return t.setStatus(filter, status, e);
        });
        return;
    }
    const QVector<qint64> ids = selectedIds();
    if (ids.isEmpty())
        return;
    runTriage(tr("Status set"), [ids, status](const TriageStore &t, QString *e) { return t.setStatus(ids, status, e); });
}

void ExplorerView::addNoteToSelection()
{
    const QVector<qint64> ids = selectedIds();
    if (ids.isEmpty())
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

void ExplorerView::runTriage(const QString &what, std::function<qint64(const TriageStore &, QString *)> op)
{
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
        status->addAction(TriageStore::statusLabel(st), QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + s)), this,
                          [this, st] { setStatusOfSelection(st); });
        statusAll->addAction(TriageStore::statusLabel(st), this, [this, st] { setStatusOfSelection(st, true); });
    }
    menu.addAction(tr("Add note to selection…"), QKeySequence(Qt::CTRL | Qt::Key_M), this, &ExplorerView::addNoteToSelection);
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
    s << quint32(1) << m_table->horizontalHeader()->saveState() << m_splitter->saveState() << m_follow->isChecked();
    return out;
}

void ExplorerView::restoreState(const QByteArray &state)
{
    QDataStream s(state);
    quint32 version = 0;
    QByteArray header, splitter;
    bool follow = false;
    s >> version >> header >> splitter >> follow;
    if (version != 1 || s.status() != QDataStream::Ok)
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
