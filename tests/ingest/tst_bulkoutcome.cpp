// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/backoffpolicy.h"
#include "ingest/elasticsearch/bulkoutcome.h"

#include <QTest>

using namespace fe;

namespace {

constexpr qint64 kNow = 1715104800000;

BulkOutcome::Batch batchOf(const QVector<BulkOutcome::Entry> &entries, qint64 after, qint64 hi)
{
    BulkOutcome::Batch b;
    b.entries = entries;
    b.after = after;
    b.hi = hi;
    return b;
}

BulkRequest requestOf(const QVector<qint64> &ids)
{
    BulkRequest r;
    r.alertIds = ids;
    for (qint64 id : ids)
        r.documentIds.append(QByteArray::number(id));
    return r;
}

// A _bulk answer with one item per status, as Elasticsearch writes it.
BulkResponse answer(const QVector<int> &statuses)
{
    QByteArray body = R"({"errors":true,"items":[)";
    for (qsizetype i = 0; i < statuses.size(); ++i) {
        if (i > 0)
            body += ',';
        body += R"({"create":{"_index":"i","status":)" + QByteArray::number(statuses[i]);
        if (statuses[i] >= 300)
            body += R"(,"error":{"type":"t)" + QByteArray::number(statuses[i]) + R"(","reason":"r"})";
        body += "}}";
    }
    body += "]}";
    return BulkResponse::decide(200, body, int(statuses.size()));
}

BackoffPolicy fixedBackoff()
{
    BackoffPolicy backoff(100, 1000);
    backoff.setRandomSource([] { return 0.0; });   // delay = ceiling / 2
    return backoff;
}

QVector<qint64> idsOf(const QVector<ForwardOutbox::Failure> &failures)
{
    QVector<qint64> ids;
    for (const ForwardOutbox::Failure &f : failures)
        ids.append(f.alertId);
    return ids;
}

} // namespace

class TestBulkOutcome : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void allCreated()
    {
        const auto batch = batchOf({{11, 0, false}, {12, 0, false}, {13, 0, false}}, 10, 13);
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({11, 12, 13}), answer({201, 201, 201}), {}, kNow,
                                                     fixedBackoff());
        QCOMPARE(r.outcome.cursor, 13);
        QCOMPARE(r.outcome.spanAfter, 10);
        QCOMPARE(r.outcome.delivered, 3);
        QCOMPARE(r.outcome.duplicates, 0);
        QVERIFY(r.outcome.retry.isEmpty());
        QVERIFY(r.outcome.dead.isEmpty());
        QVERIFY(r.outcome.deliveredRetries.isEmpty());
        QVERIFY(r.firstProblem.isEmpty());
        QVERIFY(r.lastError.isEmpty());
    }

    void perItem_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<qint64>("delivered");
        QTest::addColumn<qint64>("duplicates");
        QTest::addColumn<int>("retries");
        QTest::addColumn<int>("dead");
        QTest::newRow("201 created") << 201 << qint64(1) << qint64(0) << 0 << 0;
        QTest::newRow("200 (index action)") << 200 << qint64(1) << qint64(0) << 0 << 0;
        QTest::newRow("409 already there counts as delivered") << 409 << qint64(1) << qint64(1) << 0 << 0;
        QTest::newRow("429 retried") << 429 << qint64(0) << qint64(0) << 1 << 0;
        QTest::newRow("503 retried") << 503 << qint64(0) << qint64(0) << 1 << 0;
        QTest::newRow("400 mapping error is a dead letter") << 400 << qint64(0) << qint64(0) << 0 << 1;
        QTest::newRow("404 is a dead letter") << 404 << qint64(0) << qint64(0) << 0 << 1;
    }
    void perItem()
    {
        QFETCH(int, status);
        QFETCH(qint64, delivered);
        QFETCH(qint64, duplicates);
        QFETCH(int, retries);
        QFETCH(int, dead);
        const auto batch = batchOf({{5, 2, false}}, 4, 5);
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({5}), answer({status}), {}, kNow, fixedBackoff());
        QCOMPARE(r.outcome.delivered, delivered);
        QCOMPARE(r.outcome.duplicates, duplicates);
        QCOMPARE(r.outcome.retry.size(), retries);
        QCOMPARE(r.outcome.dead.size(), dead);
        for (const auto &f : r.outcome.retry + r.outcome.dead) {
            QCOMPARE(f.alertId, 5);
            QCOMPARE(f.status, status);
            QCOMPARE(f.attempts, 3);   // two earlier failures and this one
            QVERIFY2(f.reason.startsWith(QStringLiteral("HTTP %1").arg(status)), qPrintable(f.reason));
        }
        QCOMPARE(r.lastError.isEmpty(), retries == 0 && dead == 0);
        QCOMPARE(r.firstProblem.isEmpty(), dead == 0);
    }

    void retryIsDueAfterTheBackoffOfItsAttempt()
    {
        // Third attempt of a 100..1000 ms backoff: ceiling 400, and the fixed jitter takes half of it.
        const auto batch = batchOf({{7, 2, true}}, -1, -1);
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({7}), answer({429}), {}, kNow, fixedBackoff());
        QCOMPARE(r.outcome.retry.size(), 1);
        QCOMPARE(r.outcome.retry[0].nextTryMs, kNow + 200);
        QVERIFY(r.outcome.retry[0].isRetry);
        QCOMPARE(r.outcome.cursor, -1);   // retries only: the cursor does not move
        QCOMPARE(r.outcome.spanAfter, -1);
    }

    void deliveredRetryRowsAreReleased()
    {
        const auto batch = batchOf({{3, 1, true}, {8, 0, false}, {9, 4, true}}, 7, 8);
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({3, 8, 9}), answer({201, 201, 409}), {}, kNow,
                                                     fixedBackoff());
        QCOMPARE(r.outcome.delivered, 3);
        QCOMPARE(r.outcome.duplicates, 1);
        QCOMPARE(r.outcome.deliveredRetries, (QVector<qint64>{3, 9}));
        QCOMPARE(r.outcome.cursor, 8);
        QCOMPARE(r.outcome.spanAfter, 7);
    }

    void mixedAnswerKeepsEachAlertsOwnFate()
    {
        const auto batch = batchOf({{1, 0, false}, {2, 0, false}, {3, 0, false}, {4, 0, false}, {5, 0, false}}, 0, 5);
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({1, 2, 3, 4, 5}), answer({201, 400, 429, 409, 500}),
                                                     {}, kNow, fixedBackoff());
        QCOMPARE(r.outcome.delivered, 2);
        QCOMPARE(r.outcome.duplicates, 1);
        QCOMPARE(idsOf(r.outcome.retry), (QVector<qint64>{3, 5}));
        QCOMPARE(idsOf(r.outcome.dead), (QVector<qint64>{2}));
        QCOMPARE(r.firstProblem, QStringLiteral("alert 2 refused: HTTP 400: t400: r"));
        QCOMPARE(r.lastError, r.firstProblem);
    }

    void unencodedAlertsAreDeadLetters()
    {
        // 21 and 23 could not be encoded: the request holds 20, 22 and 24, and their items answer those.
        const auto batch = batchOf({{20, 0, false}, {21, 0, false}, {22, 0, false}, {23, 1, true}, {24, 0, false}}, 19, 24);
        const QVector<BulkEncodeFailure> failures{{21, QStringLiteral("the stored document is not a JSON object")},
                                                  {23, QStringLiteral("raw mode: no original event")}};
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({20, 22, 24}), answer({201, 201, 429}), failures,
                                                     kNow, fixedBackoff());
        QCOMPARE(r.outcome.delivered, 2);
        QCOMPARE(idsOf(r.outcome.retry), (QVector<qint64>{24}));
        QCOMPARE(idsOf(r.outcome.dead), (QVector<qint64>{21, 23}));
        QCOMPARE(r.outcome.dead[0].reason, failures[0].reason);
        QCOMPARE(r.outcome.dead[1].reason, failures[1].reason);
        QCOMPARE(r.outcome.dead[1].attempts, 2);
        QVERIFY(r.outcome.dead[1].isRetry);
        QCOMPARE(r.firstProblem, QStringLiteral("alert 21: the stored document is not a JSON object"));
    }

    void nothingEncodable()
    {
        // The forwarder answers an empty request itself with an empty item list.
        const auto batch = batchOf({{30, 0, false}, {31, 0, false}}, 29, 31);
        const BulkResponse empty = BulkResponse::decide(200, R"({"errors":false,"items":[]})", 0);
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({}), empty, {{31, QStringLiteral("bad")}}, kNow,
                                                     fixedBackoff());
        QCOMPARE(r.outcome.delivered, 0);
        QCOMPARE(idsOf(r.outcome.dead), (QVector<qint64>{30, 31}));
        QCOMPARE(r.outcome.dead[0].reason, QStringLiteral("could not be encoded"));
        QCOMPARE(r.outcome.dead[1].reason, QStringLiteral("bad"));
        QCOMPARE(r.outcome.cursor, 31);   // their fate is written: the cursor moves past them
    }

    void documentWithoutAnItemIsRetried()
    {
        // Only an Items answer says anything about single documents: without one, a sent document is neither
        // delivered nor dead, it is tried again.
        const auto batch = batchOf({{40, 0, false}, {41, 0, false}}, 39, 41);
        const BulkResponse garbled = BulkResponse::decide(200, "not json", 2);
        QCOMPARE(garbled.action, BulkResponse::Action::RetryAll);
        const BulkOutcome r = BulkOutcome::fromItems(batch, requestOf({40, 41}), garbled, {}, kNow, fixedBackoff());
        QCOMPARE(r.outcome.delivered, 0);
        QVERIFY(r.outcome.dead.isEmpty());
        QCOMPARE(idsOf(r.outcome.retry), (QVector<qint64>{40, 41}));
        QCOMPARE(r.outcome.retry[0].nextTryMs, kNow + 50);
    }

    void deadLetterAll_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("reason");
        QTest::newRow("one document too large") << 413 << QByteArray() << QStringLiteral("request too large (HTTP 413)");
        QTest::newRow("whole-request 400")
            << 400 << QByteArray(R"({"error":{"type":"illegal_argument_exception","reason":"Malformed action/metadata line [1]"}})")
            << QStringLiteral("HTTP 400: illegal_argument_exception: Malformed action/metadata line [1]");
    }
    void deadLetterAll()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, reason);
        const BulkResponse response = BulkResponse::decide(status, body, 1);
        QCOMPARE(response.action, BulkResponse::Action::Split);
        const auto batch = batchOf({{50, 0, false}, {51, 3, true}}, 49, 50);
        const BulkOutcome r = BulkOutcome::deadLetterAll(batch, requestOf({51}), response,
                                                         {{50, QStringLiteral("not encodable")}});
        QCOMPARE(r.outcome.cursor, 50);
        QCOMPARE(r.outcome.spanAfter, 49);
        QCOMPARE(r.outcome.delivered, 0);
        QVERIFY(r.outcome.retry.isEmpty());
        QCOMPARE(idsOf(r.outcome.dead), (QVector<qint64>{50, 51}));
        QCOMPARE(r.outcome.dead[0].reason, QStringLiteral("not encodable"));
        QCOMPARE(r.outcome.dead[0].status, 0);
        QCOMPARE(r.outcome.dead[1].reason, reason);
        QCOMPARE(r.outcome.dead[1].status, status);
        QCOMPARE(r.outcome.dead[1].attempts, 4);
        QVERIFY(r.outcome.dead[1].isRetry);
        QCOMPARE(r.firstProblem, QStringLiteral("alert 50 dead-lettered: not encodable"));
    }
};

QTEST_APPLESS_MAIN(TestBulkOutcome)
#include "tst_bulkoutcome.moc"
