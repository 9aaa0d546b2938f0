// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArrayView>
#include <QString>
#include <QVector>

namespace fe {

// What the forwarder does with one _bulk answer. Pure: (HTTP status, body, how many items were sent) in,
// decision out, so every branch is unit-tested with canned responses.
class BulkResponse
{
public:
    enum class Action {
        Items,        // 200: look at each item (items has one entry per document sent)
        RetryAll,     // connection error, timeout, 429, 5xx, a garbled answer: send the same batch again later
        Split,        // 413 or a whole-request 400: halve the batch (a single document is dead-lettered)
        AuthFailed,   // 401/403: stop and tell the user; retrying would not help
        Fatal,        // other 4xx (404 no such endpoint, 405...): a configuration error; stop
    };
    enum class ItemOutcome {
        Created,        // 201 (or 200)
        AlreadyExists,  // 409 on create: delivered earlier (our _id is deterministic), counts as delivered
        Retry,          // 429, 5xx: send this document again later
        Permanent,      // mapping errors, 400, ...: dead letter with the reason
    };
    struct Item
    {
        ItemOutcome outcome = ItemOutcome::Retry;
        int status = 0;
        QString reason;   // "mapper_parsing_exception: failed to parse field [x]" for failures
    };

    Action action = Action::RetryAll;
    int httpStatus = 0;
    QString error;        // for whole-request outcomes: why, one line
    QVector<Item> items;  // Action::Items only

    // httpStatus 0 means no HTTP answer (transport error): networkError says what happened.
    static BulkResponse decide(int httpStatus, QByteArrayView body, int itemsSent, const QString &networkError = {});

    // One item's outcome from its status.
    static ItemOutcome classifyItem(int status);
    // The "type: reason" text of an Elasticsearch error object or string, from JSON text; empty if none.
    static QString errorText(QByteArrayView errorJson);
};

} // namespace fe
