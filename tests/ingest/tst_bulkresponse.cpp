// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/bulkresponse.h"

#include <QTest>

using namespace fe;

Q_DECLARE_METATYPE(fe::BulkResponse::Action)

class TestBulkResponse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wholeRequest_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<BulkResponse::Action>("action");
        QTest::addColumn<QString>("errorContains");
        QTest::newRow("connection refused") << 0 << QByteArray() << BulkResponse::Action::RetryAll << QStringLiteral("refused");
        QTest::newRow("whole-request 429")
            << 429 << QByteArray(R"({"error":{"type":"es_rejected_execution_exception","reason":"queue full"},"status":429})")
            << BulkResponse::Action::RetryAll << QStringLiteral("es_rejected_execution_exception: queue full");
        QTest::newRow("503") << 503 << QByteArray("{}") << BulkResponse::Action::RetryAll << QStringLiteral("HTTP 503");
        QTest::newRow("502 html from a proxy") << 502 << QByteArray("<html>bad gateway</html>") << BulkResponse::Action::RetryAll
                                               << QStringLiteral("bad gateway");
        QTest::newRow("413 splits") << 413 << QByteArray() << BulkResponse::Action::Split << QStringLiteral("413");
        QTest::newRow("400 malformed splits")
            << 400 << QByteArray(R"({"error":{"type":"illegal_argument_exception","reason":"Malformed action/metadata line [3]"},"status":400})")
            << BulkResponse::Action::Split << QStringLiteral("Malformed action");
        QTest::newRow("401") << 401 << QByteArray(R"({"error":{"type":"security_exception","reason":"missing authentication credentials"}})")
                             << BulkResponse::Action::AuthFailed << QStringLiteral("missing authentication credentials");
        QTest::newRow("403") << 403 << QByteArray() << BulkResponse::Action::AuthFailed << QStringLiteral("privilege");
        QTest::newRow("404 no handler") << 404 << QByteArray() << BulkResponse::Action::Fatal << QStringLiteral("HTTP 404");
        QTest::newRow("200 not json") << 200 << QByteArray("hello") << BulkResponse::Action::RetryAll << QStringLiteral("unexpected");
        QTest::newRow("200 wrong item count") << 200 << QByteArray(R"({"errors":false,"items":[{"create":{"status":201}}]})")
                                              << BulkResponse::Action::RetryAll << QStringLiteral("1 items for 2 documents");
    }
    void wholeRequest()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(BulkResponse::Action, action);
        QFETCH(QString, errorContains);
        const BulkResponse r = BulkResponse::decide(status, body, 2, QStringLiteral("Connection refused"));
        QCOMPARE(r.action, action);
        QVERIFY2(r.error.contains(errorContains, Qt::CaseInsensitive), qPrintable(r.error));
        QVERIFY(r.items.isEmpty());
    }

    void items()
    {
        const QByteArray body = R"({"took":3,"errors":true,"items":[
            {"create":{"_index":"i","_id":"a","status":201,"result":"created"}},
            {"create":{"_index":"i","_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[b]: version conflict"}}},
            {"create":{"_index":"i","_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}},
            {"create":{"_index":"i","_id":"d","status":400,"error":{"type":"document_parsing_exception","reason":"[1:2] failed to parse field [x]","caused_by":{"type":"number_format_exception","reason":"For input string"}}}},
            {"create":{"_index":"i","_id":"e","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}},
            {"create":{"_index":"i","_id":"f","status":404,"error":{"type":"index_not_found_exception","reason":"no such index"}}},
            {"index":{"_index":"i","_id":"g","status":200}}]})";
        const BulkResponse r = BulkResponse::decide(200, body, 7);
        QCOMPARE(r.action, BulkResponse::Action::Items);
        QCOMPARE(r.items.size(), 7);
        using O = BulkResponse::ItemOutcome;
        const QVector<O> expected{O::Created, O::AlreadyExists, O::Retry, O::Permanent, O::Retry, O::Permanent, O::Created};
        for (int i = 0; i < 7; ++i)
            QCOMPARE(r.items[i].outcome, expected[i]);
        QCOMPARE(r.items[3].status, 400);
        QCOMPARE(r.items[3].reason, QStringLiteral("HTTP 400: document_parsing_exception: [1:2] failed to parse field [x] "
                                                   "(caused by number_format_exception: For input string)"));
        QVERIFY(r.items[2].reason.contains(QLatin1String("es_rejected_execution_exception")));
        QVERIFY(r.items[0].reason.isEmpty());
    }

    void itemWithoutStatusIsRetried()
    {
        const BulkResponse r = BulkResponse::decide(200, R"({"errors":false,"items":[{"create":{"_id":"a"}}]})", 1);
        QCOMPARE(r.action, BulkResponse::Action::Items);
        QCOMPARE(r.items[0].outcome, BulkResponse::ItemOutcome::Retry);
    }

    // Whatever a server writes as an item's status, the answer is decided without an exception or an undefined
    // conversion, and nothing that is not a plain HTTP status counts as delivered (found by the _bulk fuzzer).
    void oddItemStatus_data()
    {
        QTest::addColumn<QByteArray>("status");
        QTest::addColumn<int>("expected");
        QTest::newRow("a string") << QByteArray(R"("201")") << 0;
        QTest::newRow("far beyond int") << QByteArray("44444444444444444444444444444444444444408") << 0;
        QTest::newRow("beyond int64") << QByteArray("18446744073709551615") << 0;
        QTest::newRow("negative") << QByteArray("-201") << 0;
        QTest::newRow("fraction") << QByteArray("201.5") << 0;
        QTest::newRow("null") << QByteArray("null") << 0;
        QTest::newRow("an object") << QByteArray(R"({"code":201})") << 0;
        QTest::newRow("not an HTTP status") << QByteArray("42") << 0;
        QTest::newRow("plain 409") << QByteArray("409") << 409;
    }
    void oddItemStatus()
    {
        QFETCH(QByteArray, status);
        QFETCH(int, expected);
        const QByteArray body = R"({"errors":true,"items":[{"create":{"_id":"a","status":)" + status + "}}]}";
        const BulkResponse r = BulkResponse::decide(200, body, 1);
        QCOMPARE(r.action, BulkResponse::Action::Items);
        QCOMPARE(r.items.size(), 1);
        QCOMPARE(r.items[0].status, expected);
        if (expected == 0)
            QCOMPARE(r.items[0].outcome, BulkResponse::ItemOutcome::Retry);
    }
};

QTEST_GUILESS_MAIN(TestBulkResponse)
#include "tst_bulkresponse.moc"
