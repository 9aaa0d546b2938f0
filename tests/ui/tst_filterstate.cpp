// SPDX-License-Identifier: Apache-2.0
#include "model/querylanguage.h"
#include "ui/filterstate.h"

#include <QSignalSpy>
#include <QTest>

using namespace fe;

class TestFilterState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void withClause_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("exclude");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QString() << "host.name" << "web-1" << false << "host.name:web-1";
        QTest::newRow("append") << "priority:critical" << "host.name" << "web-1" << false
                                << "priority:critical and host.name:web-1";
        QTest::newRow("exclude") << QString() << "host.name" << "web-1" << true << "not host.name:web-1";
        QTest::newRow("quoted value") << QString() << "rule.name" << "Terminal shell" << false
                                      << "rule.name:\"Terminal shell\"";
        QTest::newRow("no duplicate") << "host.name:web-1" << "host.name" << "web-1" << false << "host.name:web-1";
        QTest::newRow("flip out to in") << "a:b and not host.name:web-1" << "host.name" << "web-1" << false
                                        << "a:b and host.name:web-1";
        QTest::newRow("flip in to out") << "host.name:web-1 and a:b" << "host.name" << "web-1" << true
                                        << "a:b and not host.name:web-1";
        QTest::newRow("or is grouped") << "a:b or c:d" << "host.name" << "x" << false << "(a:b or c:d) and host.name:x";
        QTest::newRow("exists") << QString() << "fd.name" << QString() << false << "fd.name:*";
        QTest::newRow("hostile value") << QString() << "rule.name" << "x\" or \"1" << false << "rule.name:\"x\\\" or \\\"1\"";
    }

    // The clause added reads back as exactly the value asked for, and the result always compiles.
    void withClause()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(bool, exclude);
        QFETCH(QString, expected);
        const QString result = FilterState::withClause(query, field, value, exclude);
        QCOMPARE(result, expected);
        QVERIFY(compileQuery(result, 0).ok);
    }

    void rangesAndSignals()
    {
        FilterState state;
        QSignalSpy changed(&state, &FilterState::changed);
        QVERIFY(state.filter().isEmpty());
        state.setRelativeRange(3600000);
        QCOMPARE(changed.count(), 1);
        const AlertFilter f = state.filter(10000000);
        QCOMPARE(f.fromMs, qint64(10000000 - 3600000));
        QCOMPARE(f.toMs, std::numeric_limits<qint64>::max());
        QCOMPARE(state.rangeLabel(), QStringLiteral("Last hour"));
        state.setRelativeRange(3600000);
        QCOMPARE(changed.count(), 1);
        state.setAbsoluteRange(1000, 2000);
        QCOMPARE(changed.count(), 2);
        QVERIFY(!state.isRelative());
        QCOMPARE(state.filter().fromMs, qint64(1000));
        QCOMPARE(state.filter().toMs, qint64(2000));
        state.filterIn(QStringLiteral("host.name"), QStringLiteral("a"));
        QCOMPARE(changed.count(), 3);
        state.clear();
        QCOMPARE(changed.count(), 4);
        QVERIFY(state.filter().isEmpty());
        QCOMPARE(FilterState::relativePresets().last().ms, qint64(0));
    }
};

QTEST_GUILESS_MAIN(TestFilterState)
#include "tst_filterstate.moc"
