// SPDX-License-Identifier: Apache-2.0
#include "ui/filterbar.h"

#include "model/querylanguage.h"
#include "ui/filterpillbar.h"
#include "ui/filterstate.h"
#include "ui/querylineedit.h"
#include "ui/savedqueriescontroller.h"

#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace fe {

namespace {
constexpr int s_customRange = -2;
constexpr int s_caretContext = 50;   // characters of the query shown on each side of an error's column
}

FilterBar::FilterBar(FilterState *state, QWidget *parent)
    : QWidget(parent)
    , m_state(state)
    , m_query(new QueryLineEdit(this))
    , m_range(new QComboBox(this))
    , m_apply(new QPushButton(tr("Apply"), this))
    , m_back(new QToolButton(this))
    , m_saved(new QToolButton(this))
    , m_row(new QHBoxLayout)
    , m_pills(new FilterPillBar(state, this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("filterBar"));
    m_query->setObjectName(QStringLiteral("queryEdit"));
    m_query->setMinimumWidth(160);
    m_range->setObjectName(QStringLiteral("timeRange"));
    for (const FilterState::Preset &p : FilterState::relativePresets())
        m_range->addItem(p.label, p.ms);
    m_range->addItem(tr("Custom range…"), s_customRange);
    m_range->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_range->setMinimumContentsLength(12);
    m_apply->setToolTip(tr("Apply the filter (Enter)"));
    m_back->setObjectName(QStringLiteral("rangeBackButton"));
    m_back->setText(tr("◀ Back"));
    m_back->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_back->setVisible(false);
    m_saved->setObjectName(QStringLiteral("savedQueriesButton"));
    m_saved->setText(tr("Saved"));
    m_saved->setToolTip(tr("Save the query, time range and pills under a name, or recall one"));
    m_saved->setPopupMode(QToolButton::InstantPopup);
    m_saved->setVisible(false);
    m_error->setObjectName(QStringLiteral("queryError"));
    m_error->setTextFormat(Qt::PlainText);
    m_error->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setWordWrap(false);
    m_error->setVisible(false);
    QPalette pal = m_error->palette();
    pal.setColor(QPalette::WindowText, QColor(0xd3, 0x2f, 0x2f));
    m_error->setPalette(pal);

    m_row->setContentsMargins(0, 0, 0, 0);
    m_row->addWidget(m_query, 1);
    m_row->addWidget(m_range);
    m_row->addWidget(m_apply);
    m_row->addWidget(m_back);
    m_row->addWidget(m_saved);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(3);
    layout->addLayout(m_row);
    layout->addWidget(m_pills);
    layout->addWidget(m_error);

    connect(m_query, &QLineEdit::returnPressed, this, &FilterBar::applyQueryText);
    connect(m_apply, &QPushButton::clicked, this, &FilterBar::applyQueryText);
    connect(m_query, &QLineEdit::textEdited, this, [this](const QString &text) {
        const CompiledQuery q = compileQuery(text, QDateTime::currentMSecsSinceEpoch());
        m_query->setError(q.error, q.ok ? -1 : q.errorColumn);
        // The message under the bar goes once the text is valid again (or back to what is applied).
        if (hasError() && (q.ok || text == m_state->query()))
            clearError();
    });
    connect(m_range, &QComboBox::activated, this, &FilterBar::onRangeActivated);
    connect(m_back, &QToolButton::clicked, m_state, &FilterState::back);
    connect(m_state, &FilterState::changed, this, &FilterBar::syncFromState);
    syncFromState();
}

void FilterBar::addTrailingWidget(QWidget *widget)
{
    m_row->addWidget(widget);
}

void FilterBar::setSavedQueries(SavedQueriesController *controller)
{
    m_savedQueries = controller;
    auto *menu = new QMenu(m_saved);
    m_saved->setMenu(menu);
    m_saved->setVisible(controller != nullptr);
    if (!controller)
        return;
    connect(menu, &QMenu::aboutToShow, this, [this, menu] { m_savedQueries->fillMenu(menu, window()); });
    const auto names = [this] { m_query->setSavedQueryNames(m_savedQueries->names()); };
    connect(controller, &SavedQueriesController::changed, this, names);
    names();
    connect(m_query, &QueryLineEdit::savedQueryChosen, controller, [controller](const QString &name) { controller->recall(name); });
}

void FilterBar::focusQuery()
{
    m_query->setFocus(Qt::ShortcutFocusReason);
    m_query->selectAll();
}

QString FilterBar::caretText(const QString &query, int column)
{
    column = qBound(0, column, int(query.size()));
    int from = 0;
    QString shown = query;
    if (query.size() > 2 * s_caretContext) {
        from = qMax(0, column - s_caretContext);
        const int to = qMin(int(query.size()), column + s_caretContext);
        shown = (from > 0 ? QStringLiteral("…") : QString()) + query.mid(from, to - from)
            + (to < query.size() ? QStringLiteral("…") : QString());
        if (from > 0)
            --from;   // the ellipsis takes one column
    }
    shown.replace(u'\n', u' ').replace(u'\t', u' ');
    return shown + u'\n' + QString(column - from, u' ') + u'^';
}

void FilterBar::showError(const QString &message, int column, const QString &query)
{
    if (column >= 0)
        m_error->setText(caretText(query, column) + QStringLiteral(" ") + tr("column %1: %2").arg(column + 1).arg(message));
    else
        m_error->setText(message);
    m_error->setToolTip(message);
    const bool was = m_error->isVisibleTo(this);
    m_error->setVisible(true);
    if (!was)
        Q_EMIT errorChanged(true);
}

void FilterBar::clearError()
{
    if (!m_error->isVisibleTo(this))
        return;
    m_error->clear();
    m_error->setVisible(false);
    Q_EMIT errorChanged(false);
}

bool FilterBar::hasError() const
{
    return m_error->isVisibleTo(this);
}

QString FilterBar::errorText() const
{
    return m_error->text();
}

void FilterBar::applyQueryText()
{
    const QString text = m_query->text();
    const CompiledQuery q = compileQuery(text, QDateTime::currentMSecsSinceEpoch());
    m_query->setError(q.error, q.ok ? -1 : q.errorColumn);
    if (!q.ok) {
        showError(q.error, q.errorColumn, text);
        return;
    }
    clearError();
    if (m_state->query() == text)
        Q_EMIT rerunRequested();   // Enter on an unchanged query re-runs it
    else
        m_state->setQuery(text);
}

void FilterBar::onRangeActivated(int index)
{
    const qint64 value = m_range->itemData(index).toLongLong();
    if (value != s_customRange) {
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

void FilterBar::syncFromState()
{
    if (m_query->text() != m_state->query()) {
        m_query->setText(m_state->query());
        const CompiledQuery q = compileQuery(m_state->query(), QDateTime::currentMSecsSinceEpoch());
        m_query->setError(q.error, q.ok ? -1 : q.errorColumn);
        clearError();
    }
    const int index = m_range->findData(m_state->isRelative() ? m_state->relativeMs() : s_customRange);
    m_range->setItemText(m_range->count() - 1, m_state->isRelative() ? tr("Custom range…") : m_state->rangeLabel());
    m_range->setCurrentIndex(std::max(0, index));
    m_range->setToolTip(m_state->rangeLabel());
    m_back->setVisible(m_state->canGoBack());
    m_back->setToolTip(tr("Back to the time range before the zoom (Alt+Left)"));
}

} // namespace fe
