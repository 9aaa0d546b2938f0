// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QVector>

#include <memory>

namespace fe {

// The delivery state of forwarding, kept in the alert store file (schema migration 2). Per target
// (ForwardConfig::targetKey()): a cursor — every alert with id <= cursor has had its fate recorded — plus
// one row per alert that is *not* delivered: retrying (with the next try time) or dead-lettered (with the
// reason). Delivered alerts cost no row: the common path writes one cursor update per batch.
//
// Exactly once: a batch's outcome is committed in one transaction after Elasticsearch answered. A crash
// before that re-sends the batch on restart; the deterministic _id turns the repeats into 409s, which
// count as delivered. Nothing is skipped because the cursor only moves past alerts whose fate is written.
//
// Several requests in flight: batches are handed out in id order but may be answered out of order. Each
// answer is committed at once (so an alert whose answer said 201/409 is never sent again, which matters with
// data-stream rollover, where a repeated `create` lands in the new write index instead of answering 409): a
// batch covering (after, hi] whose predecessors are not all answered yet is written as a span row
// (forwardSpanSql); the cursor absorbs spans as soon as it reaches them, and takeNew() skips alerts inside a
// span. The span table belongs to the outbox and is created by open() (no schema migration needed).
inline constexpr char forwardOutboxSql[] = R"SQL(
CREATE TABLE IF NOT EXISTS forward_target(
  target     TEXT PRIMARY KEY,            -- ForwardConfig::targetKey(): "es:<mode>:<index>"
  cursor     INTEGER NOT NULL DEFAULT 0,  -- alerts with id <= cursor are delivered or have a forward_item row
  delivered  INTEGER NOT NULL DEFAULT 0,  -- alerts delivered (created or already there)
  duplicates INTEGER NOT NULL DEFAULT 0,  -- of which already there (409 on create)
  updated    INTEGER NOT NULL DEFAULT 0   -- ms since epoch
);
CREATE TABLE IF NOT EXISTS forward_item(
  target   TEXT NOT NULL,
  alert_id INTEGER NOT NULL,
  state    INTEGER NOT NULL,              -- 1 retrying, 2 dead-lettered
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try INTEGER NOT NULL DEFAULT 0,    -- ms since epoch (retrying)
  status   INTEGER NOT NULL DEFAULT 0,    -- last HTTP status of the item
  reason   TEXT NOT NULL DEFAULT '',
  updated  INTEGER NOT NULL,
  PRIMARY KEY(target, alert_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS forward_item_state ON forward_item(target, state, next_try);
)SQL";

// Answered batches ahead of the cursor: every alert with after < id <= hi has had its fate recorded.
inline constexpr char forwardSpanSql[] = R"SQL(
CREATE TABLE IF NOT EXISTS forward_span(
  target TEXT NOT NULL,
  after  INTEGER NOT NULL,   -- the id handed out just before the batch (its predecessor)
  hi     INTEGER NOT NULL,   -- the batch's highest new alert id
  PRIMARY KEY(target, after)
) WITHOUT ROWID;
)SQL";

// One connection of its own (open it in the thread that uses it).
class ForwardOutbox
{
public:
    enum class ItemState { Retrying = 1, DeadLettered = 2 };

    // An alert to send.
    struct Item
    {
        qint64 alertId = 0;
        QByteArray dedupeKey;
        QByteArray document;   // the ECS JSON, derived from the stored record
        QString problem;       // why there is no document (a damaged record): the item cannot be sent
        int attempts = 0;      // earlier per-item failures (retry rows)
        bool isRetry = false;  // comes from a forward_item row (not from after the cursor)
    };
    struct Failure
    {
        qint64 alertId = 0;
        int status = 0;
        QString reason;
        int attempts = 0;      // including this one
        qint64 nextTryMs = 0;  // retrying only
        bool isRetry = false;  // it already has a forward_item row
    };
    // The fate of one batch, committed in one transaction.
    struct Outcome
    {
        qint64 cursor = -1;                 // new cursor (the batch's highest new id); -1 keeps it
        // -1: cursor moves to `cursor` unconditionally (one request in flight). Otherwise the batch covers
        // (spanAfter, cursor]: the cursor moves only when it has reached spanAfter, else a span is recorded.
        qint64 spanAfter = -1;
        qint64 delivered = 0;               // alerts delivered (created + duplicates)
        qint64 duplicates = 0;              // of which 409
        QVector<qint64> deliveredRetries;   // retry rows now delivered (deleted)
        QVector<Failure> retry;
        QVector<Failure> dead;
    };
    struct Counts
    {
        qint64 cursor = 0;
        qint64 delivered = 0;
        qint64 duplicates = 0;
        qint64 pending = 0;        // stored alerts after the cursor, not yet handed out
        qint64 retrying = 0;
        qint64 deadLettered = 0;
    };
    struct DeadLetter
    {
        qint64 alertId = 0;
        int status = 0;
        QString reason;
        int attempts = 0;
        qint64 updatedMs = 0;
        qint64 timestampMs = 0;    // the alert's @timestamp
        QString rule;
    };

    ForwardOutbox();
    ~ForwardOutbox();
    ForwardOutbox(const ForwardOutbox &) = delete;
    ForwardOutbox &operator=(const ForwardOutbox &) = delete;

    // Opens the existing store at path (migrating it if needed) for target. false + error on failure.
    bool open(const QString &path, const QString &target, QString *error = nullptr);
    void close();
    bool isOpen() const;
    QString target() const;

    qint64 cursor() const;
    // Retrying alerts whose next try is due (nowMs), oldest first. Rows whose alert no longer exists are removed.
    QVector<Item> takeDue(int limit, qint64 nowMs);
    // Stored alerts after afterId (use cursor(), or the last id already handed out), in id order, skipping
    // alerts inside a recorded span (already answered).
    QVector<Item> takeNew(qint64 afterId, int limit);
    // Spans recorded ahead of the cursor (after, hi), in order (for tests and diagnostics).
    QVector<QPair<qint64, qint64>> spans() const;
    // Earliest next try of a retrying alert, -1 when none.
    qint64 nextRetryMs() const;

    bool commit(const Outcome &outcome, QString *error = nullptr);

    Counts counts() const;
    QVector<DeadLetter> deadLetters(int limit = 1000) const;
    // Dead letters (all when ids is empty) go back to retrying, due now. Returns how many.
    int retryDeadLetters(const QVector<qint64> &ids = {});

    // Every target with state in this store (for the CLI's listing).
    QStringList targets() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

using DeadLetterList = QVector<ForwardOutbox::DeadLetter>;

} // namespace fe

Q_DECLARE_METATYPE(fe::ForwardOutbox::DeadLetter)
Q_DECLARE_METATYPE(fe::DeadLetterList)
