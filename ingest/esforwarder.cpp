// SPDX-License-Identifier: Apache-2.0
#include "ingest/esforwarder.h"

#include "ingest/backoffpolicy.h"
#include "ingest/bulkencoder.h"
#include "ingest/bulkresponse.h"
#include "ingest/esclient.h"

#include <QDateTime>
#include <QTimer>

#include <algorithm>
#include <climits>
#include <memory>

namespace fe {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

Diagnostic forwarderDiagnostic(Diagnostic::Severity severity, const QString &location, const QString &text)
{
    Diagnostic d;
    d.severity = severity;
    d.source = QStringLiteral("forwarder");
    d.location = location;
    d.text = text;
    return d;
}

} // namespace

// The worker: everything here runs in the forwarder's thread. One request in flight at a time, so a batch's
// outcome is committed before the next batch is taken (the cursor then never runs ahead of the answers).
class ForwarderWorker : public QObject
{
    Q_OBJECT

public:
    ForwarderWorker(const ForwardConfig &config, const QString &dbPath, bool once, bool retryDeadLetters)
        : m_config(config)
        , m_dbPath(dbPath)
        , m_once(once)
        , m_retryDeadLettersFirst(retryDeadLetters)
        , m_encoder(config)
        , m_backoff(config.backoffBaseMs, config.backoffMaxMs)
        , m_splitLimit(config.maxBatchDocs)
    {
    }

public Q_SLOTS:
    void start();
    void stop();
    void wake();
    void retryDeadLetters(const QVector<qint64> &ids);
    void requestDeadLetters();

Q_SIGNALS:
    void statusChanged(const fe::ForwardStatus &status);
    void deadLettersChanged(const fe::DeadLetterList &deadLetters);
    void diagnostic(const fe::Diagnostic &diagnostic);
    void finished(bool allDelivered);

private:
    struct Meta
    {
        int attempts = 0;
        bool isRetry = false;
    };

    void pump();
    void fill();
    void sendBatch();
    void onReply(const EsClient::Reply &reply);
    void commit(const ForwardOutbox::Outcome &outcome);
    void scheduleAt(qint64 delayMs);
    void fail(const QString &error);
    void markDirty(bool deadLettersChanged = false);
    void publish();
    void setState(ForwardStatus::State state);
    void emitDeadLetters();

    ForwardConfig m_config;
    QString m_dbPath;
    bool m_once;
    bool m_retryDeadLettersFirst;
    BulkEncoder m_encoder;
    BackoffPolicy m_backoff;
    ForwardOutbox m_outbox;
    EsClient *m_client = nullptr;
    QTimer *m_timer = nullptr;     // the next pump (age, poll, backoff, due retry)
    QTimer *m_publish = nullptr;   // throttles statusChanged
    QVector<BulkSource> m_queue;   // handed out, not yet answered, in order (due retries first)
    QVector<Meta> m_meta;
    qint64 m_handedAfter = 0;      // the highest new alert id taken into the queue
    qint64 m_queuedSinceMs = 0;
    BulkRequest m_request;         // in flight
    qsizetype m_consumed = 0;      // queue items the request covers (some may have failed to encode)
    QVector<BulkEncodeFailure> m_encodeFailures;
    bool m_inFlight = false;
    bool m_stopped = true;
    bool m_finished = false;
    int m_attempt = 0;             // whole-request attempts of the current batch
    int m_splitLimit;
    bool m_deadLettersDirty = false;
    qint64 m_lastDeadCount = -1;
    ForwardStatus m_status;
};

void ForwarderWorker::start()
{
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &ForwarderWorker::pump);
    m_publish = new QTimer(this);
    m_publish->setSingleShot(true);
    m_publish->setInterval(200);
    connect(m_publish, &QTimer::timeout, this, &ForwarderWorker::publish);

    if (const QString problem = m_config.validate(); !problem.isEmpty()) {
        fail(problem);
        return;
    }
    QString error;
    if (!m_outbox.open(m_dbPath, m_config.targetKey(), &error)) {
        fail(error);
        return;
    }
    m_client = new EsClient(m_config, this);
    if (!m_client->setupError().isEmpty()) {
        fail(m_client->setupError());
        return;
    }
    if (m_client->insecure()) {
        Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Warning, m_config.nodes.join(QLatin1Char(',')),
                                              QStringLiteral("TLS certificate verification is OFF: anyone on the path "
                                                             "can read and change the alerts and steal the credentials")));
    }
    m_stopped = false;
    m_handedAfter = m_outbox.cursor();
    if (m_retryDeadLettersFirst) {
        if (const int n = m_outbox.retryDeadLetters(); n > 0) {
            Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Info, m_config.targetIndex(),
                                                  QStringLiteral("%1 dead-lettered alert(s) queued again").arg(n)));
        }
    }
    m_status.state = ForwardStatus::State::Idle;
    markDirty(true);
    publish();
    pump();
}

void ForwarderWorker::stop()
{
    m_stopped = true;
    if (m_timer)
        m_timer->stop();
    // A request in flight is abandoned with the client; its batch was not committed, so the next run re-sends
    // it and the 409s make that harmless.
    delete m_client;
    m_client = nullptr;
    m_inFlight = false;
    setState(ForwardStatus::State::Stopped);
    publish();
}

void ForwarderWorker::wake()
{
    if (!m_stopped && !m_inFlight && m_status.state == ForwardStatus::State::Idle)
        scheduleAt(0);
}

void ForwarderWorker::retryDeadLetters(const QVector<qint64> &ids)
{
    if (!m_outbox.isOpen())
        return;
    const int n = m_outbox.retryDeadLetters(ids);
    if (n > 0) {
        Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Info, m_config.targetIndex(),
                                              QStringLiteral("%1 dead-lettered alert(s) queued again").arg(n)));
        markDirty(true);
        wake();
    }
}

void ForwarderWorker::requestDeadLetters()
{
    emitDeadLetters();
}

void ForwarderWorker::emitDeadLetters()
{
    if (m_outbox.isOpen())
        Q_EMIT deadLettersChanged(m_outbox.deadLetters());
}

void ForwarderWorker::scheduleAt(qint64 delayMs)
{
    m_timer->start(int(std::clamp<qint64>(delayMs, 0, INT_MAX)));
}

void ForwarderWorker::setState(ForwardStatus::State state)
{
    if (m_status.state != state) {
        m_status.state = state;
        markDirty();
    }
}

void ForwarderWorker::markDirty(bool deadLettersChanged)
{
    m_deadLettersDirty = m_deadLettersDirty || deadLettersChanged;
    if (m_publish && !m_publish->isActive())
        m_publish->start();
}

void ForwarderWorker::publish()
{
    if (m_outbox.isOpen()) {
        const ForwardOutbox::Counts c = m_outbox.counts();
        m_status.delivered = c.delivered;
        m_status.duplicates = c.duplicates;
        m_status.retrying = c.retrying;
        m_status.deadLettered = c.deadLettered;
        m_status.pending = c.pending;
        if (c.deadLettered != m_lastDeadCount) {
            m_lastDeadCount = c.deadLettered;
            m_deadLettersDirty = true;
        }
    }
    Q_EMIT statusChanged(m_status);
    if (m_deadLettersDirty) {
        m_deadLettersDirty = false;
        emitDeadLetters();
    }
}

void ForwarderWorker::fail(const QString &error)
{
    m_stopped = true;
    if (m_timer)
        m_timer->stop();
    m_status.lastError = error;
    m_status.state = ForwardStatus::State::Failed;
    Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Error, m_config.targetIndex(), error));
    publish();
    if (!m_finished) {
        m_finished = true;
        Q_EMIT finished(false);
    }
}

void ForwarderWorker::fill()
{
    const int room = m_config.maxBatchDocs - int(m_queue.size());
    if (room <= 0)
        return;
    QVector<ForwardOutbox::Item> items;
    // Due retries only into an empty queue: rows already queued are not committed yet and would come back.
    if (m_queue.isEmpty())
        items = m_outbox.takeDue(room, nowMs());
    items += m_outbox.takeNew(m_handedAfter, room - int(items.size()));
    if (items.isEmpty())
        return;
    if (m_queue.isEmpty())
        m_queuedSinceMs = nowMs();
    for (ForwardOutbox::Item &item : items) {
        if (!item.isRetry)
            m_handedAfter = std::max(m_handedAfter, item.alertId);
        m_queue.append({item.alertId, std::move(item.dedupeKey), std::move(item.document)});
        m_meta.append({item.attempts, item.isRetry});
    }
}

void ForwarderWorker::pump()
{
    if (m_stopped || m_inFlight)
        return;
    fill();
    if (m_queue.isEmpty()) {
        const ForwardOutbox::Counts c = m_outbox.counts();
        const qint64 nextRetry = m_outbox.nextRetryMs();
        setState(ForwardStatus::State::Idle);
        markDirty();
        if (m_once) {
            if (nextRetry >= 0) {
                scheduleAt(nextRetry - nowMs());
                return;
            }
            publish();
            m_finished = true;
            m_stopped = true;
            Q_EMIT finished(c.pending == 0 && c.retrying == 0 && c.deadLettered == 0);
            return;
        }
        qint64 delay = m_config.pollIntervalMs;
        if (nextRetry >= 0)
            delay = std::min(delay, std::max<qint64>(0, nextRetry - nowMs()));
        scheduleAt(delay);
        return;
    }
    // Batching by age: a short queue waits for more alerts, but never longer than maxBatchAgeMs.
    if (!m_once && m_queue.size() < m_config.maxBatchDocs) {
        const qint64 age = nowMs() - m_queuedSinceMs;
        if (age < m_config.maxBatchAgeMs) {
            scheduleAt(std::min<qint64>(m_config.maxBatchAgeMs - age, m_config.pollIntervalMs));
            return;
        }
    }
    sendBatch();
}

void ForwarderWorker::sendBatch()
{
    m_request = BulkRequest();
    m_encodeFailures.clear();
    m_consumed = m_encoder.encode(m_queue, 0, std::min(m_splitLimit, m_config.maxBatchDocs), m_config.maxBatchBytes,
                                  &m_request, &m_encodeFailures);
    if (m_request.size() == 0) {
        // Everything taken was unencodable: record those as dead letters and go on.
        onReply(EsClient::Reply{200, QByteArrayLiteral("{\"errors\":false,\"items\":[]}"), {}, {}, {}});
        return;
    }
    m_inFlight = true;
    setState(ForwardStatus::State::Sending);
    ++m_status.requests;
    m_client->send("POST", m_encoder.bulkPath(), m_request.body, [this](const EsClient::Reply &reply) {
        m_inFlight = false;
        m_status.node = reply.node;
        onReply(reply);
    });
}

void ForwarderWorker::onReply(const EsClient::Reply &reply)
{
    if (m_stopped)
        return;
    const BulkResponse decision = BulkResponse::decide(reply.status, reply.body, m_request.size(), reply.networkError);
    switch (decision.action) {
    case BulkResponse::Action::Items: {
        ForwardOutbox::Outcome outcome;
        const qint64 now = nowMs();
        qsizetype k = 0;   // index into the request's items
        QString firstProblem;
        for (qsizetype j = 0; j < m_consumed; ++j) {
            const BulkSource &source = m_queue[j];
            const Meta &meta = m_meta[j];
            if (!meta.isRetry)
                outcome.cursor = std::max(outcome.cursor, source.alertId);
            ForwardOutbox::Failure failure;
            failure.alertId = source.alertId;
            failure.attempts = meta.attempts + 1;
            failure.isRetry = meta.isRetry;
            if (k < m_request.size() && m_request.alertIds[k] == source.alertId) {
                const BulkResponse::Item &item = decision.items[k++];
                switch (item.outcome) {
                case BulkResponse::ItemOutcome::Created:
                case BulkResponse::ItemOutcome::AlreadyExists:
                    ++outcome.delivered;
                    if (item.outcome == BulkResponse::ItemOutcome::AlreadyExists)
                        ++outcome.duplicates;
                    if (meta.isRetry)
                        outcome.deliveredRetries.append(source.alertId);
                    continue;
                case BulkResponse::ItemOutcome::Retry:
                    failure.status = item.status;
                    failure.reason = item.reason;
                    failure.nextTryMs = now + m_backoff.delayMs(failure.attempts);
                    outcome.retry.append(failure);
                    continue;
                case BulkResponse::ItemOutcome::Permanent:
                    failure.status = item.status;
                    failure.reason = item.reason;
                    outcome.dead.append(failure);
                    if (firstProblem.isEmpty())
                        firstProblem = QStringLiteral("alert %1 refused: %2").arg(source.alertId).arg(item.reason);
                    continue;
                }
            }
            // Not in the request: it failed to encode.
            const auto it = std::find_if(m_encodeFailures.cbegin(), m_encodeFailures.cend(),
                                         [&](const BulkEncodeFailure &f) { return f.alertId == source.alertId; });
            failure.reason = it != m_encodeFailures.cend() ? it->reason : QStringLiteral("could not be encoded");
            outcome.dead.append(failure);
            if (firstProblem.isEmpty())
                firstProblem = QStringLiteral("alert %1: %2").arg(source.alertId).arg(failure.reason);
        }
        QString error;
        if (!m_outbox.commit(outcome, &error)) {
            // Delivered but not recorded: re-sending later is harmless (409s), losing the record is not.
            m_status.lastError = error;
            Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Error, m_dbPath, error));
            setState(ForwardStatus::State::Backoff);
            scheduleAt(m_backoff.delayMs(++m_attempt));
            return;
        }
        if (!outcome.dead.isEmpty()) {
            Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Error, m_config.targetIndex(),
                                                  QStringLiteral("%1 alert(s) dead-lettered; first: %2")
                                                      .arg(outcome.dead.size())
                                                      .arg(firstProblem)));
        }
        m_status.lastError = outcome.dead.isEmpty() && outcome.retry.isEmpty()
            ? QString()
            : (outcome.dead.isEmpty() ? outcome.retry.first().reason : firstProblem);
        m_queue.remove(0, m_consumed);
        m_meta.remove(0, m_consumed);
        m_queuedSinceMs = nowMs();
        m_consumed = 0;
        m_attempt = 0;
        m_splitLimit = std::min(m_config.maxBatchDocs, m_splitLimit * 2);
        markDirty(!outcome.dead.isEmpty());
        pump();
        return;
    }
    case BulkResponse::Action::Split:
        if (m_request.size() <= 1) {
            ForwardOutbox::Outcome outcome;
            for (qsizetype j = 0; j < m_consumed; ++j) {
                if (!m_meta[j].isRetry)
                    outcome.cursor = std::max(outcome.cursor, m_queue[j].alertId);
                ForwardOutbox::Failure failure{m_queue[j].alertId, decision.httpStatus, decision.error,
                                               m_meta[j].attempts + 1, 0, m_meta[j].isRetry};
                if (!m_request.alertIds.contains(m_queue[j].alertId))
                    failure.reason = m_encodeFailures.isEmpty() ? failure.reason : m_encodeFailures.first().reason;
                outcome.dead.append(failure);
            }
            QString error;
            if (!m_outbox.commit(outcome, &error)) {
                fail(error);
                return;
            }
            Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Error, reply.node,
                                                  QStringLiteral("alert %1 dead-lettered: %2")
                                                      .arg(m_request.alertIds.value(0))
                                                      .arg(decision.error)));
            m_queue.remove(0, m_consumed);
            m_meta.remove(0, m_consumed);
            m_consumed = 0;
            markDirty(true);
        } else {
            m_splitLimit = std::max(1, m_request.size() / 2);
        }
        pump();
        return;
    case BulkResponse::Action::RetryAll: {
        ++m_attempt;
        ++m_status.retriedRequests;
        m_status.lastError = decision.error;
        if (m_config.maxAttempts > 0 && m_attempt >= m_config.maxAttempts) {
            fail(QStringLiteral("giving up after %1 attempts: %2").arg(m_attempt).arg(decision.error));
            return;
        }
        const qint64 delay = m_backoff.delayMs(m_attempt);
        Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Warning, reply.node,
                                              QStringLiteral("%1; retrying in %2 ms").arg(decision.error).arg(delay)));
        setState(ForwardStatus::State::Backoff);
        scheduleAt(delay);
        return;
    }
    case BulkResponse::Action::AuthFailed:
    case BulkResponse::Action::Fatal:
        fail(reply.node.isEmpty() ? decision.error : reply.node + QStringLiteral(": ") + decision.error);
        return;
    }
}

EsForwarder::EsForwarder(const ForwardConfig &config, const QString &dbPath, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_dbPath(dbPath)
{
    m_thread.setObjectName(QStringLiteral("es-forwarder"));
}

EsForwarder::~EsForwarder()
{
    stop();
}

void EsForwarder::start(bool once, bool retryDeadLetters)
{
    if (m_worker)
        return;
    auto *worker = new ForwarderWorker(m_config, m_dbPath, once, retryDeadLetters);   // deleted on the thread's finished
    worker->moveToThread(&m_thread);
    m_worker = worker;
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &ForwarderWorker::statusChanged, this, [this](const ForwardStatus &s) {
        m_status = s;
        Q_EMIT statusChanged(s);
    });
    connect(worker, &ForwarderWorker::deadLettersChanged, this, &EsForwarder::deadLettersChanged);
    connect(worker, &ForwarderWorker::diagnostic, this, &EsForwarder::diagnostic);
    connect(worker, &ForwarderWorker::finished, this, &EsForwarder::finished);
    m_thread.start();
    QMetaObject::invokeMethod(worker, &ForwarderWorker::start, Qt::QueuedConnection);
}

void EsForwarder::stop()
{
    if (!m_thread.isRunning())
        return;
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, &ForwarderWorker::stop, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool EsForwarder::isRunning() const
{
    return m_thread.isRunning();
}

void EsForwarder::wake()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, &ForwarderWorker::wake, Qt::QueuedConnection);
}

void EsForwarder::retryDeadLetters(const QVector<qint64> &ids)
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, [w = m_worker, ids] { if (w) w->retryDeadLetters(ids); }, Qt::QueuedConnection);
}

void EsForwarder::requestDeadLetters()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, &ForwarderWorker::requestDeadLetters, Qt::QueuedConnection);
}

} // namespace fe

#include "esforwarder.moc"
