// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ui/storeconversiondialog.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <atomic>
#include <memory>

class QThread;
class QWidget;

namespace fe {

// Opens a store for writing, the GUI's way: on a worker thread, because opening is what converts a store of an older
// Falco Explorer in place (AlertStore::open; a large one takes minutes), while the GUI shows the conversion in a
// modal dialog (ui/storeconversiondialog.h) with a Cancel button. Cancel stops the conversion between two chunks:
// the store stays as it is, is not opened, and the conversion goes on where it stopped the next time. A store that
// needs no conversion opens as quickly as before and shows nothing.
class StoreOpener : public QObject
{
    Q_OBJECT

public:
    // OpenedReadOnly: the store cannot be opened for writing (a damaged compression dictionary, read-only media) but
    // can be read; error() says why it cannot be written.
    enum class Result { Opened, OpenedReadOnly, Failed, Cancelled };

    explicit StoreOpener(QObject *parent = nullptr);
    ~StoreOpener() override;   // cancels a conversion in progress and waits for it

    // Opens (creating or converting) path on the worker; finished() follows, with progress() before it while a
    // conversion runs. The store is closed again once open: the callers open their own connections.
    void start(const QString &path);
    // Asks a conversion to stop after its current chunk. An open that needs no conversion is not stopped.
    void cancel();
    bool isRunning() const;

    // start(), then waits (a local event loop) for finished(), showing the conversion dialog, parented to
    // dialogParent, from its first progress on.
    Result exec(const QString &path, QWidget *dialogParent);

    Result result() const { return m_result; }
    // Failed, OpenedReadOnly: why (it cannot be opened, or written); Cancelled: where the conversion stopped and what
    // happens next, for the analyst.
    QString error() const { return m_error; }
    // Opened, OpenedReadOnly: how many alerts the store holds.
    qint64 alertCount() const { return m_count; }
    // The dialog while exec() shows it (tests, screenshots).
    StoreConversionDialog *dialog() const { return m_dialog; }

Q_SIGNALS:
    // done of total alerts converted, queued from the worker, at most about ten times a second (and the last one).
    void progress(qint64 done, qint64 total);
    void finished(fe::StoreOpener::Result result);

private:
    struct Outcome;
    void deliver(const Outcome &outcome);

    std::unique_ptr<QThread> m_thread;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QString m_path;
    Result m_result = Result::Failed;
    QString m_error;
    qint64 m_count = 0;
    qint64 m_done = 0;
    qint64 m_total = 0;
    QPointer<StoreConversionDialog> m_dialog;
};

} // namespace fe
