// SPDX-License-Identifier: Apache-2.0
#include "app/storeopener.h"

#include "model/alertstore.h"
#include "ui/storeconversiondialog.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QLocale>
#include <QThread>

namespace fe {

namespace {
constexpr int s_progressIntervalMs = 100;
}

// What the worker found, handed to the GUI thread in one queued call.
struct StoreOpener::Outcome
{
    bool opened = false;
    bool readOnly = false;  // opened for reading only, error says why not for writing
    bool stopped = false;   // the conversion stopped because cancel() asked it to
    QString error;
    qint64 count = 0;
    qint64 done = 0;        // the conversion's last progress
    qint64 total = 0;
};

StoreOpener::StoreOpener(QObject *parent)
    : QObject(parent)
{
}

StoreOpener::~StoreOpener()
{
    cancel();
    if (m_thread)
        m_thread->wait();
}

bool StoreOpener::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

void StoreOpener::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void StoreOpener::start(const QString &path)
{
    Q_ASSERT(!isRunning());
    if (m_thread)
        m_thread->wait();
    m_path = path;
    m_result = Result::Failed;
    m_error.clear();
    m_count = 0;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    m_cancel = cancelled;
    // The worker reports through queued calls on this object, which outlives it (the destructor waits).
    m_thread.reset(QThread::create([this, path, cancelled] {
        Outcome outcome;
        QElapsedTimer sinceReport;
        const MigrationProgress onChunk = [&](qint64 done, qint64 total) {
            outcome.done = done;
            outcome.total = total;
            if (!sinceReport.isValid() || sinceReport.elapsed() >= s_progressIntervalMs || done >= total) {
                sinceReport.start();
                QMetaObject::invokeMethod(this, [this, done, total] { Q_EMIT progress(done, total); },
                                          Qt::QueuedConnection);
            }
            outcome.stopped = cancelled->load();
            return !outcome.stopped;
        };
        AlertStore store;
        outcome.opened = store.open(path, AlertStore::OpenMode::ReadWrite, &outcome.error, onChunk);
        if (outcome.opened)
            outcome.count = store.count();
        store.close();
        if (!outcome.opened && !outcome.stopped && QFileInfo::exists(path)) {
            // What cannot be written may still be read: an evidence copy on read-only media, a store whose
            // compression dictionary is damaged (new records would need it; the stored ones decode on their own).
            AlertStore reader;
            if (reader.open(path, AlertStore::OpenMode::ReadOnly)) {
                outcome.readOnly = true;
                outcome.count = reader.count();
            }
        }
        QMetaObject::invokeMethod(this, [this, outcome] { deliver(outcome); }, Qt::QueuedConnection);
    }));
    m_thread->start();
}

void StoreOpener::deliver(const Outcome &outcome)
{
    if (m_thread)
        m_thread->wait();   // it has only to return
    m_count = outcome.count;
    if (outcome.opened) {
        m_result = Result::Opened;
    } else if (outcome.readOnly) {
        m_result = Result::OpenedReadOnly;
        m_error = outcome.error;
    } else if (outcome.stopped) {
        const QLocale locale;
        m_result = Result::Cancelled;
        m_error = tr("The conversion of %1 to the new format was stopped at %2 of %3 alerts. The store keeps its "
                     "older format and was not opened; its conversion goes on where it stopped the next time it is "
                     "opened.")
                      .arg(QDir::toNativeSeparators(m_path), locale.toString(outcome.done), locale.toString(outcome.total));
    } else {
        m_result = Result::Failed;
        m_error = outcome.error;
    }
    Q_EMIT finished(m_result);
}

StoreOpener::Result StoreOpener::exec(const QString &path, QWidget *dialogParent)
{
    QEventLoop loop;
    const QMetaObject::Connection quit = connect(this, &StoreOpener::finished, &loop, &QEventLoop::quit);
    const QMetaObject::Connection show = connect(this, &StoreOpener::progress, this, [this, path, dialogParent](qint64 done, qint64 total) {
        if (!m_dialog) {
            m_dialog = new StoreConversionDialog(path, dialogParent);
            connect(m_dialog, &StoreConversionDialog::cancelRequested, this, &StoreOpener::cancel);
            m_dialog->show();
        }
        m_dialog->setProgress(done, total);
    });
    start(path);
    loop.exec();
    if (isRunning()) {
        // The application is quitting (which ends every event loop): stop the conversion and take its outcome.
        cancel();
        m_thread->wait();
        QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
    }
    disconnect(quit);
    disconnect(show);
    delete m_dialog;
    return m_result;
}

} // namespace fe
