// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/savedqueries.h"

#include <QObject>
#include <QThreadPool>

class QMenu;
class QWidget;

namespace fe {

class FilterState;

// The saved queries of the window's store: save the current query, time range and pills under a name, recall one
// (from a menu or the filter bar's completion), delete, import and export them as JSON. The list is read when the
// store is opened and written back to it on every change, off the GUI thread and in order (SavedQueries::store).
class SavedQueriesController : public QObject
{
    Q_OBJECT

public:
    explicit SavedQueriesController(FilterState *state, QObject *parent = nullptr);
    ~SavedQueriesController() override;   // waits for the last write

    void setDatabasePath(const QString &path);
    QString databasePath() const { return m_path; }
    const SavedQueries &list() const { return m_list; }
    QStringList names() const { return m_list.names(); }

    // The FilterState's query, range and pills under name (replacing a query of that name).
    bool saveCurrent(const QString &name);
    // Puts a saved query back into the FilterState. False when there is none of that name.
    bool recall(const QString &name);
    bool remove(const QString &name);
    // Adds the queries of a JSON file (same names replaced); false with an error saying where the file is wrong.
    bool importFile(const QString &path, QString *error);
    bool exportFile(const QString &path, QString *error) const;

    // Fills menu (cleared first) with: Save current query…, the saved queries (choose to recall), Delete ▸, Import…,
    // Export…. Dialogs open over dialogParent.
    void fillMenu(QMenu *menu, QWidget *dialogParent);
    // Asks for a name (the current saved query's, if any, is proposed) and saves.
    void saveWithDialog(QWidget *dialogParent);
    void importWithDialog(QWidget *dialogParent);
    void exportWithDialog(QWidget *dialogParent);

    // Blocks until written (tests).
    void waitForWrites();

Q_SIGNALS:
    void changed();
    void message(const QString &text);

private:
    void persist();

    FilterState *m_state;
    QString m_path;
    SavedQueries m_list;
    QString m_lastRecalled;
    QThreadPool m_writer;   // one thread: writes reach the store in the order they were made
};

} // namespace fe
