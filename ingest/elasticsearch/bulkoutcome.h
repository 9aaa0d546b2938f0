// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/elasticsearch/bulkencoder.h"
#include "ingest/elasticsearch/bulkresponse.h"
#include "model/forwardoutbox.h"

#include <QString>
#include <QVector>

namespace fe {

class BackoffPolicy;

// What an answered _bulk request means for the outbox: which alerts are delivered, which wait for another try
// (and until when), which are dead letters, and where the cursor goes. Pure: (the batch, the request, the
// decoded answer, the time) in, one ForwardOutbox::Outcome out, so every per-item case is unit-tested with
// canned answers; the forwarder only commits it and talks to the network.
class BulkOutcome
{
public:
    // One alert of the batch, in the order it was taken from the outbox (the encoder keeps that order and
    // leaves out alerts it could not encode).
    struct Entry
    {
        qint64 alertId = 0;
        int attempts = 0;      // earlier per-item failures
        bool isRetry = false;  // it has a retry row already
    };
    // The batch: its entries and the span of new alerts it covers, (after, hi]; after = -1 when it holds retries only.
    struct Batch
    {
        QVector<Entry> entries;
        qint64 after = -1;
        qint64 hi = -1;
    };

    ForwardOutbox::Outcome outcome;
    QString firstProblem;   // the first dead letter, "alert 42 refused: why"; empty when none
    QString lastError;      // for the status: empty when every alert was delivered, else the first problem

    // A 2xx answer (BulkResponse::Action::Items): each document sent gets its item's outcome; an alert of the batch
    // that is not in the request failed to encode and becomes a dead letter with the encoder's reason. A retried
    // item's next try is nowMs plus the backoff for its attempt count.
    static BulkOutcome fromItems(const Batch &batch, const BulkRequest &request, const BulkResponse &response,
                                 const QVector<BulkEncodeFailure> &failures, qint64 nowMs, const BackoffPolicy &backoff);
    // A request that cannot be split further (one document answered 413, or a whole-request 400): every alert of
    // the batch is a dead letter, with the answer's error (or the encoder's reason for one that was not sent).
    static BulkOutcome deadLetterAll(const Batch &batch, const BulkRequest &request, const BulkResponse &response,
                                     const QVector<BulkEncodeFailure> &failures);
};

} // namespace fe
