// SPDX-License-Identifier: Apache-2.0
#include "ui/savedqueriescontroller.h"

#include "ui/filterstate.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileDialog>
#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QSaveFile>

namespace fe {

SavedQueriesController::SavedQueriesController(FilterState *state, QObject *parent)
    : QObject(parent)
    , m_state(state)
{
    m_writer.setMaxThreadCount(1);
}

SavedQueriesController::~SavedQueriesController()
{
    m_writer.waitForDone();
}

void SavedQueriesController::setDatabasePath(const QString &path)
{
    if (path == m_path)
        return;
    m_writer.waitForDone();   // the previous store gets its last change first
    m_path = path;
    m_lastRecalled.clear();
    QString error;
    if (!m_list.load(path, &error)) {
        m_list.clear();
        Q_EMIT message(tr("Saved queries not loaded: %1").arg(error));
    }
    Q_EMIT changed();
}

bool SavedQueriesController::saveCurrent(const QString &name)
{
    SavedQuery q;
    q.name = name.trimmed();
    q.query = m_state->query();
    q.relativeMs = m_state->relativeMs();
    q.fromMs = m_state->isRelative() ? 0 : m_state->absoluteFromMs();
    q.toMs = m_state->isRelative() ? 0 : m_state->absoluteToMs();
    q.pills = m_state->pills();
    if (!m_list.save(q))
        return false;
    m_lastRecalled = q.name;
    persist();
    Q_EMIT message(tr("Query saved as \"%1\"").arg(q.name));
    return true;
}

bool SavedQueriesController::recall(const QString &name)
{
    const SavedQuery *q = m_list.find(name);
    if (!q)
        return false;
    m_lastRecalled = q->name;
    m_state->set(q->query, q->relativeMs, q->fromMs, q->toMs, q->pills);
    Q_EMIT message(tr("Saved query \"%1\"").arg(q->name));
    return true;
}

bool SavedQueriesController::remove(const QString &name)
{
    if (!m_list.remove(name))
        return false;
    persist();
    return true;
}

bool SavedQueriesController::importFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    QVector<SavedQuery> imported;
    QString why;
    if (!SavedQueries::fromJson(file.readAll(), &imported, &why)) {
        *error = QStringLiteral("%1: %2").arg(path, why);
        return false;
    }
    const int n = m_list.merge(imported);
    persist();
    Q_EMIT message(tr("%n saved query(s) imported from %1", nullptr, n).arg(path));
    return true;
}

bool SavedQueriesController::exportFile(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_list.toJson()) < 0 || !file.commit()) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void SavedQueriesController::persist()
{
    Q_EMIT changed();
    if (m_path.isEmpty())
        return;
    const SavedQueries snapshot = m_list;
    const QString path = m_path;
    QPointer<SavedQueriesController> self(this);
    m_writer.start([snapshot, path, self] {
        QString error;
        if (snapshot.store(path, &error))
            return;
        QMetaObject::invokeMethod(qApp, [self, error] {
            if (self)
                Q_EMIT self->message(tr("Saved queries not written: %1").arg(error));
        }, Qt::QueuedConnection);
    });
}

void SavedQueriesController::waitForWrites()
{
    m_writer.waitForDone();
}

void SavedQueriesController::saveWithDialog(QWidget *dialogParent)
{
    bool ok = false;
    const QString name = QInputDialog::getText(dialogParent, tr("Save query"),
                                               tr("Name for the query, time range (%1) and %n filter pill(s):", nullptr,
                                                  int(m_state->pills().size()))
                                                   .arg(m_state->rangeLabel()),
                                               QLineEdit::Normal, m_lastRecalled, &ok);
    if (!ok || name.trimmed().isEmpty())
        return;
    if (m_list.find(name.trimmed()) && name.trimmed().compare(m_lastRecalled, Qt::CaseInsensitive) != 0
        && QMessageBox::question(dialogParent, tr("Save query"), tr("Replace the saved query \"%1\"?").arg(name.trimmed()))
               != QMessageBox::Yes) {
        return;
    }
    saveCurrent(name);
}

void SavedQueriesController::importWithDialog(QWidget *dialogParent)
{
    const QString path = QFileDialog::getOpenFileName(dialogParent, tr("Import saved queries"), QString(),
                                                      tr("Saved queries (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!importFile(path, &error))
        QMessageBox::warning(dialogParent, tr("Import saved queries"), error);
}

void SavedQueriesController::exportWithDialog(QWidget *dialogParent)
{
    const QString path = QFileDialog::getSaveFileName(dialogParent, tr("Export saved queries"),
                                                      QStringLiteral("falco-explorer-queries.json"),
                                                      tr("Saved queries (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportFile(path, &error))
        QMessageBox::warning(dialogParent, tr("Export saved queries"), error);
    else
        Q_EMIT message(tr("%n saved query(s) exported to %1", nullptr, int(m_list.queries().size())).arg(path));
}

void SavedQueriesController::fillMenu(QMenu *menu, QWidget *dialogParent)
{
    menu->clear();
    menu->addAction(tr("&Save current query…"), this, [this, dialogParent] { saveWithDialog(dialogParent); })
        ->setObjectName(QStringLiteral("saveQueryAction"));
    menu->addSeparator();
    const QVector<SavedQuery> &queries = m_list.queries();
    if (queries.isEmpty()) {
        menu->addAction(tr("No saved queries"))->setEnabled(false);
    } else {
        for (const SavedQuery &q : queries) {
            const QString name = q.name;
            QAction *a = menu->addAction(name, this, [this, name] { recall(name); });
            a->setObjectName(QStringLiteral("savedQuery"));
            a->setToolTip(q.query);
        }
        QMenu *remove = menu->addMenu(tr("&Delete"));
        for (const SavedQuery &q : queries) {
            const QString name = q.name;
            remove->addAction(name, this, [this, name] { this->remove(name); });
        }
    }
    menu->addSeparator();
    menu->addAction(tr("&Import…"), this, [this, dialogParent] { importWithDialog(dialogParent); });
    menu->addAction(tr("E&xport…"), this, [this, dialogParent] { exportWithDialog(dialogParent); })
        ->setEnabled(!queries.isEmpty());
}

} // namespace fe
