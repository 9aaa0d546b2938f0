// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

class QToolButton;

namespace fe {

class FilterState;
class FlowLayout;

// The click-filters of a FilterState as pills, Kibana's way: "host.name: web-1", "NOT rule.name: …". Clicking a pill
// opens its menu (include ↔ exclude, remove, copy as query); its × removes it; "Clear pills" removes them all. The
// pills wrap onto more lines in a narrow window. Hidden while there are none.
class FilterPillBar : public QWidget
{
    Q_OBJECT

public:
    explicit FilterPillBar(FilterState *state, QWidget *parent = nullptr);

    int pillCount() const;
    // The pill widgets, in the state's order (tests and the GUI probe).
    QList<QWidget *> pillWidgets() const;
    QString pillText(int index) const;
    // The menu a click on pill index opens (tests; the caller owns it).
    QMenu *createPillMenu(int index, QWidget *parent);

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

private:
    void rebuild();

    FilterState *m_state;
    FlowLayout *m_layout;
    QToolButton *m_clear;
    QList<QWidget *> m_pills;
};

} // namespace fe
