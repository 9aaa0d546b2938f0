// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/esforwarder.h"

#include "ingest/elasticsearch/backoffpolicy.h"
#include "ingest/elasticsearch/bulkencoder.h"
#include "ingest/elasticsearch/bulkoutcome.h"
#include "ingest/elasticsearch/bulkresponse.h"
#include "ingest/elasticsearch/esclient.h"

#include <QDateTime>
#include <QSet>
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
    return {severity, QStringLiteral("forwarder"), location, text, 1};
}

} // namespace

// The worker: everything here runs in the forwarder's thread. Up to maxInFlight requests are in flight (one
// after a failure until a request succeeds); batches are handed out in id order, and each answer is
// committed as it arrives, so an alert answered 201/409 is never sent again (see ForwardOutbox for the spans
// that keep the cursor exact when answers come back out of order).
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
        , m_maxInFlight(std::clamp(config.maxInFlight, 1, 6))
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
        qint64 prev = 0;   // new alerts: the id handed out just before this one (the chain a span covers)
    };
    // One _bulk request: the alerts it covers, in queue order, and its state.
    struct Batch
    {
        QVector<BulkSource> sources;
        QVector<Meta> meta;
        BulkRequest request;
        QVector<BulkEncodeFailure> failures;
        qint64 after = -1;   // the new alerts cover (after, hi]; -1 when the batch holds only retries
        qint64 hi = -1;
        int attempt = 0;     // whole-request attempts so far
        qint64 dueMs = 0;    // when waiting to be sent again
    };
    using BatchPtr = std::shared_ptr<Batch>;

    void pump();
    void pumpOnce();
    void fill();
    bool sendNewBatch();
    void send(const BatchPtr &batch);
    void onReply(const BatchPtr &batch, const EsClient::Reply &reply);
    static BulkOutcome::Batch outcomeBatch(const Batch &batch);
    bool commit(const ForwardOutbox::Outcome &outcome, const BatchPtr &batch);
    bool commitPending();
    void release(Batch &batch);
    QByteArray takeBody();
    void finishIfDrained();
    void scheduleAt(qint64 delayMs);
    void fail(const QString &error);
    void markDirty(bool deadLettersChanged = false);
    void publish();
    void updateState();
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
    QVector<BulkSource> m_queue;   // taken from the outbox, not in a request yet, in order
    QVector<Meta> m_meta;
    QSet<qint64> m_retriesOut;     // retry rows taken and not committed yet (queued, in flight, waiting)
    qint64 m_handedAfter = 0;      // the highest new alert id taken into the queue
    qint64 m_queuedSinceMs = 0;
    QList<BatchPtr> m_inFlight;
    QList<QByteArray> m_bodyPool;  // request bodies of answered batches: their capacity is reused (no page faults)
    QList<BatchPtr> m_resend;      // whole-request failures waiting for their backoff, oldest first
    // Answered, but the outbox write failed: written again, never re-sent.
    QList<QPair<ForwardOutbox::Outcome, BatchPtr>> m_uncommitted;
    int m_commitAttempt = 0;
    int m_maxInFlight;
    int m_window = 1;              // requests allowed in flight now: 1 at start and after a failure
    bool m_stopped = true;
    bool m_finished = false;
    bool m_pumping = false;
    bool m_giveUp = false;         // failed: waiting for the answers in flight before stopping
    QString m_failure;
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
        QStringList nodes;
        for (const QString &node : std::as_const(m_config.nodes))
            nodes.append(ForwardConfig::redactedNode(node));
        Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Warning, nodes.join(QLatin1Char(',')),
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
    // Requests in flight are abandoned with the client; their batches were not committed, so the next run
    // re-sends them and the 409s make that harmless. Answered batches were committed as they came.
    delete m_client;
    m_client = nullptr;
    m_inFlight.clear();
    setState(ForwardStatus::State::Stopped);
    publish();
}

void ForwarderWorker::wake()
{
    if (!m_stopped && m_inFlight.isEmpty() && m_status.state == ForwardStatus::State::Idle)
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
    // Answers already on their way are recorded first, so that what Elasticsearch accepted is never sent again.
    if (!m_inFlight.isEmpty() && !m_stopped) {
        if (!m_giveUp) {
            m_giveUp = true;
            m_failure = error;
        }
        if (m_timer)
            m_timer->stop();
        return;
    }
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

void ForwarderWorker::updateState()
{
    if (!m_inFlight.isEmpty())
        setState(ForwardStatus::State::Sending);
    else if (!m_resend.isEmpty() || !m_uncommitted.isEmpty())
        setState(ForwardStatus::State::Backoff);
}

void ForwarderWorker::fill()
{
    const int room = m_config.maxBatchDocs - int(m_queue.size());
    if (room <= 0)
        return;
    // Due retries not already taken (rows taken are not committed yet and would come back).
    QVector<ForwardOutbox::Item> items;
    for (ForwardOutbox::Item &item : m_outbox.takeDue(room + int(m_retriesOut.size()), nowMs())) {
        if (!m_retriesOut.contains(item.alertId) && items.size() < room)
            items.append(std::move(item));
    }
    items += m_outbox.takeNew(m_handedAfter, room - int(items.size()));
    if (items.isEmpty())
        return;
    if (m_queue.isEmpty())
        m_queuedSinceMs = nowMs();
    for (ForwardOutbox::Item &item : items) {
        Meta meta{item.attempts, item.isRetry, 0};
        if (item.isRetry) {
            m_retriesOut.insert(item.alertId);
        } else {
            meta.prev = m_handedAfter;
            m_handedAfter = std::max(m_handedAfter, item.alertId);
        }
        m_queue.append({item.alertId, std::move(item.dedupeKey), std::move(item.document)});
        m_meta.append(meta);
    }
}

void ForwarderWorker::pump()
{
    // A batch that needed no request is answered inside the loop below, and its answer pumps again: the loop
    // goes on instead.
    if (m_stopped || m_pumping || m_giveUp)
        return;
    m_pumping = true;
    pumpOnce();
    m_pumping = false;
}

void ForwarderWorker::pumpOnce()
{
    // 1. Answers whose outbox write failed are written first; nothing new goes out before.
    if (!m_uncommitted.isEmpty() && !commitPending())
        return;
    // 2. Whole-request failures are sent again when due, before anything new, one at a time.
    const qint64 now = nowMs();
    while (!m_resend.isEmpty() && int(m_inFlight.size()) < m_window && m_resend.first()->dueMs <= now) {
        const BatchPtr batch = m_resend.takeFirst();
        send(batch);
    }
    if (!m_resend.isEmpty()) {
        if (int(m_inFlight.size()) < m_window)
            scheduleAt(m_resend.first()->dueMs - now);
        updateState();
        return;
    }
    // 3. New batches while there is room in the window.
    while (!m_stopped && m_uncommitted.isEmpty() && int(m_inFlight.size()) < m_window) {
        fill();
        if (m_queue.isEmpty())
            break;
        // Batching by age: a short queue waits for more alerts, but never longer than maxBatchAgeMs.
        if (!m_once && m_queue.size() < m_config.maxBatchDocs) {
            const qint64 age = nowMs() - m_queuedSinceMs;
            if (age < m_config.maxBatchAgeMs) {
                if (m_inFlight.isEmpty())
                    scheduleAt(std::min<qint64>(m_config.maxBatchAgeMs - age, m_config.pollIntervalMs));
                updateState();
                return;
            }
        }
        if (!sendNewBatch())
            return;
    }
    if (!m_inFlight.isEmpty() || m_stopped || !m_uncommitted.isEmpty()) {
        updateState();
        return;
    }
    finishIfDrained();
}

void ForwarderWorker::finishIfDrained()
{
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
}

bool ForwarderWorker::sendNewBatch()
{
    // A batch's new alerts must be one unbroken stretch of the hand-out chain (items put back by a split may
    // precede later ones), so that its outcome can say "everything in (after, hi] is answered".
    qsizetype end = 0;
    qint64 lastNew = -1;
    for (; end < m_queue.size(); ++end) {
        if (m_meta[end].isRetry)
            continue;
        if (lastNew >= 0 && m_meta[end].prev != lastNew)
            break;
        lastNew = m_queue[end].alertId;
    }
    auto batch = std::make_shared<Batch>();
    batch->request.body = takeBody();
    const qsizetype consumed = m_encoder.encode(m_queue, 0, end, std::min(m_splitLimit, m_config.maxBatchDocs),
                                                m_config.maxBatchBytes, &batch->request, &batch->failures);
    batch->sources = m_queue.mid(0, consumed);
    batch->meta = m_meta.mid(0, consumed);
    m_queue.remove(0, consumed);
    m_meta.remove(0, consumed);
    for (qsizetype j = 0; j < consumed; ++j) {
        if (batch->meta[j].isRetry)
            continue;
        if (batch->after < 0)
            batch->after = batch->meta[j].prev;
        batch->hi = batch->sources[j].alertId;
    }
    if (!m_queue.isEmpty())
        m_queuedSinceMs = nowMs();
    if (batch->request.size() == 0) {
        // Everything taken was unencodable: record those as dead letters and go on.
        onReply(batch, EsClient::Reply{200, QByteArrayLiteral("{\"errors\":false,\"items\":[]}"), {}, {}, {}});
        return !m_stopped;
    }
    send(batch);
    return true;
}

void ForwarderWorker::send(const BatchPtr &batch)
{
    m_inFlight.append(batch);
    setState(ForwardStatus::State::Sending);
    ++m_status.requests;
    m_client->send("POST", m_encoder.bulkPath(), batch->request.body, [this, batch](const EsClient::Reply &reply) {
        if (m_stopped)
            return;
        m_inFlight.removeOne(batch);
        m_status.node = reply.node;
        onReply(batch, reply);
        if (m_giveUp && m_inFlight.isEmpty() && !m_stopped) {
            m_giveUp = false;
            fail(m_failure);
        }
    });
}

// The batch's alerts are answered for good: their retry rows may be taken again, the body is reused.
void ForwarderWorker::release(Batch &batch)
{
    for (qsizetype j = 0; j < batch.sources.size(); ++j) {
        if (batch.meta[j].isRetry)
            m_retriesOut.remove(batch.sources[j].alertId);
    }
    if (m_bodyPool.size() < m_maxInFlight + 2 && batch.request.body.capacity() > 0)
        m_bodyPool.append(std::move(batch.request.body));
    batch.request.body = QByteArray();
}

// A body buffer nobody else holds any more (the network stack releases a sent body a little after the answer).
QByteArray ForwarderWorker::takeBody()
{
    for (qsizetype i = 0; i < m_bodyPool.size(); ++i) {
        if (m_bodyPool[i].isDetached()) {
            QByteArray body = m_bodyPool.takeAt(i);
            body.resize(0);
            return body;
        }
    }
    return {};
}

bool ForwarderWorker::commit(const ForwardOutbox::Outcome &outcome, const BatchPtr &batch)
{
    QString error;
    if (m_outbox.commit(outcome, &error)) {
        release(*batch);
        return true;
    }
    // Delivered but not recorded: keep the outcome and write it again (re-sending would duplicate documents
    // that a data-stream rollover moved out of reach of the 409).
    m_status.lastError = error;
    Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Error, m_dbPath, error));
    m_uncommitted.append({outcome, batch});
    setState(ForwardStatus::State::Backoff);
    scheduleAt(m_backoff.delayMs(++m_commitAttempt));
    return false;
}

bool ForwarderWorker::commitPending()
{
    while (!m_uncommitted.isEmpty()) {
        QString error;
        if (!m_outbox.commit(m_uncommitted.first().first, &error)) {
            m_status.lastError = error;
            setState(ForwardStatus::State::Backoff);
            scheduleAt(m_backoff.delayMs(++m_commitAttempt));
            return false;
        }
        release(*m_uncommitted.takeFirst().second);
    }
    m_commitAttempt = 0;
    return true;
}

BulkOutcome::Batch ForwarderWorker::outcomeBatch(const Batch &batch)
{
    BulkOutcome::Batch b;
    b.after = batch.after;
    b.hi = batch.hi;
    b.entries.reserve(batch.sources.size());
    for (qsizetype j = 0; j < batch.sources.size(); ++j)
        b.entries.append({batch.sources[j].alertId, batch.meta[j].attempts, batch.meta[j].isRetry});
    return b;
}

void ForwarderWorker::onReply(const BatchPtr &batch, const EsClient::Reply &reply)
{
    if (m_stopped)
        return;
    const BulkRequest &request = batch->request;
    const BulkResponse decision = BulkResponse::decide(reply.status, reply.body, request.size(), reply.networkError);
    switch (decision.action) {
    case BulkResponse::Action::Items: {
        const BulkOutcome result = BulkOutcome::fromItems(outcomeBatch(*batch), request, decision, batch->failures,
                                                          nowMs(), m_backoff);
        const bool committed = commit(result.outcome, batch);
        if (!result.outcome.dead.isEmpty()) {
            Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Error, m_config.targetIndex(),
                                                  QStringLiteral("%1 alert(s) dead-lettered; first: %2")
                                                      .arg(result.outcome.dead.size())
                                                      .arg(result.firstProblem)));
        }
        if (committed)
            m_status.lastError = result.lastError;
        if (request.size() > 0) {
            m_window = m_maxInFlight;
            m_splitLimit = std::min(m_config.maxBatchDocs, m_splitLimit * 2);
        }
        markDirty(!result.outcome.dead.isEmpty());
        if (committed)
            pump();
        return;
    }
    case BulkResponse::Action::Split:
        if (request.size() <= 1) {
            const BulkOutcome result = BulkOutcome::deadLetterAll(outcomeBatch(*batch), request, decision, batch->failures);
            const bool committed = commit(result.outcome, batch);
            Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Error, reply.node, result.firstProblem));
            if (committed)
                m_status.lastError = result.lastError;
            markDirty(true);
            if (committed)
                pump();
        } else {
            // Nothing was applied: the alerts go back to the front of the queue, to be sent in halves.
            m_splitLimit = std::max(1, request.size() / 2);
            m_queue = batch->sources + m_queue;
            m_meta = batch->meta + m_meta;
            pump();
        }
        return;
    case BulkResponse::Action::RetryAll: {
        if (m_giveUp)
            return;   // stopping anyway: the batch is sent again by the next run
        ++batch->attempt;
        ++m_status.retriedRequests;
        m_status.lastError = decision.error;
        m_window = 1;
        if (m_config.maxAttempts > 0 && batch->attempt >= m_config.maxAttempts) {
            fail(QStringLiteral("giving up after %1 attempts: %2").arg(batch->attempt).arg(decision.error));
            return;
        }
        const qint64 delay = m_backoff.delayMs(batch->attempt);
        Q_EMIT diagnostic(forwarderDiagnostic(Diagnostic::Severity::Warning, reply.node,
                                              QStringLiteral("%1; retrying in %2 ms").arg(decision.error).arg(delay)));
        batch->dueMs = nowMs() + delay;
        // In due order (equal delays keep the hand-out order, so the cursor keeps up).
        const auto pos = std::find_if(m_resend.begin(), m_resend.end(), [&](const BatchPtr &b) {
            return b->dueMs > batch->dueMs;
        });
        m_resend.insert(pos, batch);
        setState(ForwardStatus::State::Backoff);
        if (m_inFlight.isEmpty())
            scheduleAt(m_resend.first()->dueMs - nowMs());
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
