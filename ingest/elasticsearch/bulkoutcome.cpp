// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/bulkoutcome.h"

#include "ingest/elasticsearch/backoffpolicy.h"

#include <algorithm>

namespace fe {

namespace {

QString encodeFailureReason(const QVector<BulkEncodeFailure> &failures, qint64 alertId)
{
    const auto it = std::find_if(failures.cbegin(), failures.cend(),
                                 [alertId](const BulkEncodeFailure &f) { return f.alertId == alertId; });
    return it != failures.cend() ? it->reason : QStringLiteral("could not be encoded");
}

ForwardOutbox::Outcome emptyOutcome(const BulkOutcome::Batch &batch)
{
    ForwardOutbox::Outcome outcome;
    outcome.cursor = batch.hi;
    outcome.spanAfter = batch.after;
    return outcome;
}

} // namespace

BulkOutcome BulkOutcome::fromItems(const Batch &batch, const BulkRequest &request, const BulkResponse &response,
                                   const QVector<BulkEncodeFailure> &failures, qint64 nowMs, const BackoffPolicy &backoff)
{
    BulkOutcome r;
    r.outcome = emptyOutcome(batch);
    ForwardOutbox::Outcome &outcome = r.outcome;
    // decide() gives Items only with one item per document sent; a document without an item is retried.
    const qsizetype answered = response.action == BulkResponse::Action::Items
        ? std::min<qsizetype>(request.alertIds.size(), response.items.size())
        : 0;
    qsizetype k = 0;   // index into the request's documents and the response's items
    for (const Entry &entry : batch.entries) {
        ForwardOutbox::Failure failure;
        failure.alertId = entry.alertId;
        failure.attempts = entry.attempts + 1;
        failure.isRetry = entry.isRetry;
        if (k < request.alertIds.size() && request.alertIds[k] == entry.alertId) {
            if (k >= answered) {
                // Sent but not answered: never lost, never counted as delivered.
                ++k;
                failure.reason = QStringLiteral("no answer for this document");
                failure.nextTryMs = nowMs + backoff.delayMs(failure.attempts);
                outcome.retry.append(failure);
                continue;
            }
            const BulkResponse::Item &item = response.items[k++];
            switch (item.outcome) {
            case BulkResponse::ItemOutcome::Created:
            case BulkResponse::ItemOutcome::AlreadyExists:
                ++outcome.delivered;
                if (item.outcome == BulkResponse::ItemOutcome::AlreadyExists)
                    ++outcome.duplicates;
                if (entry.isRetry)
                    outcome.deliveredRetries.append(entry.alertId);
                continue;
            case BulkResponse::ItemOutcome::Retry:
                failure.status = item.status;
                failure.reason = item.reason;
                failure.nextTryMs = nowMs + backoff.delayMs(failure.attempts);
                outcome.retry.append(failure);
                continue;
            case BulkResponse::ItemOutcome::Permanent:
                failure.status = item.status;
                failure.reason = item.reason;
                outcome.dead.append(failure);
                if (r.firstProblem.isEmpty())
                    r.firstProblem = QStringLiteral("alert %1 refused: %2").arg(entry.alertId).arg(item.reason);
                continue;
            }
        }
        failure.reason = encodeFailureReason(failures, entry.alertId);
        outcome.dead.append(failure);
        if (r.firstProblem.isEmpty())
            r.firstProblem = QStringLiteral("alert %1: %2").arg(entry.alertId).arg(failure.reason);
    }
    if (!outcome.dead.isEmpty())
        r.lastError = r.firstProblem;
    else if (!outcome.retry.isEmpty())
        r.lastError = outcome.retry.first().reason;
    return r;
}

BulkOutcome BulkOutcome::deadLetterAll(const Batch &batch, const BulkRequest &request, const BulkResponse &response,
                                       const QVector<BulkEncodeFailure> &failures)
{
    BulkOutcome r;
    r.outcome = emptyOutcome(batch);
    for (const Entry &entry : batch.entries) {
        ForwardOutbox::Failure failure;
        failure.alertId = entry.alertId;
        failure.status = response.httpStatus;
        failure.reason = response.error;
        failure.attempts = entry.attempts + 1;
        failure.isRetry = entry.isRetry;
        if (!request.alertIds.contains(entry.alertId)) {
            failure.status = 0;
            failure.reason = encodeFailureReason(failures, entry.alertId);
        }
        r.outcome.dead.append(failure);
        if (r.firstProblem.isEmpty())
            r.firstProblem = QStringLiteral("alert %1 dead-lettered: %2").arg(entry.alertId).arg(failure.reason);
    }
    r.lastError = r.firstProblem;
    return r;
}

} // namespace fe
