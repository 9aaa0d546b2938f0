// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/diagnostic.h"
#include "model/forwardconfig.h"
#include "model/forwardoutbox.h"
#include "model/forwardstatus.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <QVector>

namespace fe {

class ForwarderWorker;

// Forwards the alerts of one store to one Elasticsearch target, durably and exactly once (see ForwardOutbox).
// The controller lives in the caller's thread; the work (SQLite outbox, encoding, HTTP) runs in a worker in its
// own QThread. The destructor stops the worker and waits for it.
//
// Loop: take due retries and new alerts → batch by count, bytes and age → POST /_bulk → per-item decision →
// commit the outcome to the outbox. Connection errors, timeouts, 429 and 5xx retry the whole batch with
// exponential backoff and jitter (round robin moves to the next node); per-item 429/5xx become retry rows,
// per-item 4xx become dead letters; 413 (and a whole-request 400) halve the batch; 401/403 stop with an error.
class EsForwarder : public QObject
{
    Q_OBJECT

public:
    EsForwarder(const ForwardConfig &config, const QString &dbPath, QObject *parent = nullptr);
    ~EsForwarder() override;

    // once: drain what is stored now (waiting for due retries), then emit finished(); otherwise keep following
    // new alerts until stop(). retryDeadLetters: queue every dead letter again before the first batch.
    void start(bool once = false, bool retryDeadLetters = false);
    void stop();
    bool isRunning() const;

    // New alerts were stored: look now rather than at the next poll.
    void wake();
    // Dead letters (all when empty) go back to the queue.
    void retryDeadLetters(const QVector<qint64> &ids = {});
    // Ask for the dead letter list (answered by deadLettersChanged).
    void requestDeadLetters();

    ForwardStatus status() const { return m_status; }

Q_SIGNALS:
    void statusChanged(const fe::ForwardStatus &status);
    void deadLettersChanged(const fe::DeadLetterList &deadLetters);
    void diagnostic(const fe::Diagnostic &diagnostic);
    // once mode: the store is drained (allDelivered: nothing pending, retrying or dead-lettered). Also emitted,
    // with false, when forwarding stops on an error (authentication, configuration, maxAttempts reached).
    void finished(bool allDelivered);

private:
    ForwardConfig m_config;
    QString m_dbPath;
    QThread m_thread;
    QPointer<ForwarderWorker> m_worker;
    ForwardStatus m_status;
};

} // namespace fe
