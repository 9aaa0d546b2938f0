// SPDX-License-Identifier: Apache-2.0
#include "ui/filterpillbar.h"

#include "ui/filterstate.h"
#include "ui/flowlayout.h"
#include "ui/prioritycolors.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QMenu>
#include <QToolButton>

#include <memory>

namespace fe {

namespace {
constexpr int s_maxPillChars = 60;

QString shortened(const QString &text)
{
    return text.size() <= s_maxPillChars ? text : text.left(s_maxPillChars - 1) + QChar(0x2026);
}
} // namespace

FilterPillBar::FilterPillBar(FilterState *state, QWidget *parent)
    : QWidget(parent)
    , m_state(state)
    , m_layout(new FlowLayout(this, 6))
    , m_clear(new QToolButton(this))
{
    setObjectName(QStringLiteral("pillBar"));
    m_clear->setObjectName(QStringLiteral("clearPillsButton"));
    m_clear->setText(tr("Clear pills"));
    m_clear->setAutoRaise(true);
    m_clear->setToolTip(tr("Remove every click-filter (the query stays)"));
    connect(m_clear, &QToolButton::clicked, this, [this] { m_state->setPills({}); });
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    connect(m_state, &FilterState::changed, this, &FilterPillBar::rebuild);
    rebuild();
}

int FilterPillBar::pillCount() const
{
    return int(m_pills.size());
}

QList<QWidget *> FilterPillBar::pillWidgets() const
{
    return m_pills;
}

QString FilterPillBar::pillText(int index) const
{
    return m_state->pills().value(index).text();
}

int FilterPillBar::heightForWidth(int width) const
{
    return m_layout->heightForWidth(width);
}

QMenu *FilterPillBar::createPillMenu(int index, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    const FilterPill pill = m_state->pills().value(index);
    menu->addAction(pill.exclude ? tr("Include results") : tr("Exclude results"), this,
                    [this, index] { m_state->invertPill(index); })
        ->setObjectName(QStringLiteral("invertPill"));
    menu->addAction(tr("Remove"), this, [this, index] { m_state->removePill(index); })
        ->setObjectName(QStringLiteral("removePill"));
    menu->addSeparator();
    const QString query = pill.query();
    menu->addAction(tr("Copy as query"), this, [query] { QApplication::clipboard()->setText(query); });
    return menu;
}

void FilterPillBar::rebuild()
{
    // The layout is rebuilt from the state: a handful of pills, rebuilt only when the filter changes.
    while (QLayoutItem *item = m_layout->takeAt(0))
        delete item;
    // Later: the click that changed the filter may come from one of these pills.
    for (QWidget *pill : std::as_const(m_pills)) {
        pill->hide();
        pill->deleteLater();
    }
    m_pills.clear();

    const QVector<FilterPill> &pills = m_state->pills();
    const bool dark = isDarkPalette(palette());
    for (int i = 0; i < pills.size(); ++i) {
        const FilterPill &pill = pills.at(i);
        auto *frame = new QWidget(this);
        frame->setObjectName(QStringLiteral("filterPill"));
        frame->setProperty("pillIndex", i);
        frame->setProperty("excluded", pill.exclude);
        const QColor accent = pill.exclude ? priorityColor(Priority::Critical, dark) : palette().color(QPalette::Highlight);
        frame->setStyleSheet(QStringLiteral("QWidget#filterPill { border: 1px solid %1; border-radius: 10px; background: %2; }"
                                            "QToolButton { border: none; padding: 1px 4px; }")
                                 .arg(accent.name(), palette().color(QPalette::Base).name()));
        auto *row = new QHBoxLayout(frame);
        row->setContentsMargins(6, 0, 2, 0);
        row->setSpacing(0);
        auto *label = new QToolButton(frame);
        label->setObjectName(QStringLiteral("pillButton"));
        label->setText(shortened(pill.text()));
        label->setToolTip(tr("%1\nClick to include or exclude it, or to remove it").arg(pill.query()));
        if (pill.exclude) {
            QPalette pal = label->palette();
            pal.setColor(QPalette::ButtonText, accent);
            label->setPalette(pal);
        }
        connect(label, &QToolButton::clicked, this, [this, i, label] {
            std::unique_ptr<QMenu> menu(createPillMenu(i, this));
            menu->exec(label->mapToGlobal(QPoint(0, label->height())));
        });
        auto *remove = new QToolButton(frame);
        remove->setObjectName(QStringLiteral("pillRemove"));
        remove->setText(QStringLiteral("✕"));
        remove->setToolTip(tr("Remove this filter"));
        connect(remove, &QToolButton::clicked, this, [this, i] { m_state->removePill(i); });
        row->addWidget(label);
        row->addWidget(remove);
        m_layout->addWidget(frame);
        m_pills.append(frame);
    }
    m_layout->addWidget(m_clear);
    m_clear->setVisible(!pills.isEmpty());
    setVisible(!pills.isEmpty());
    updateGeometry();
}

} // namespace fe
