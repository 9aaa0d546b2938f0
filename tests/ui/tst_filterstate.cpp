// SPDX-License-Identifier: Apache-2.0
// The shared filter: query text, click-filter pills and the time range with its zoom history.
#include "model/querylanguage.h"
#include "ui/filterstate.h"

#include <QSignalSpy>
#include <QTest>

using namespace fe;

Q_DECLARE_METATYPE(QVector<fe::FilterPill>)

class TestFilterState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void combinedQuery_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QVector<FilterPill>>("pills");
        QTest::addColumn<QString>("expected");
        const QString host = QStringLiteral("host.name");
        QTest::newRow("query alone is left as typed") << "priority:critical or a:b" << QVector<FilterPill>{}
                                                       << "priority:critical or a:b";
        QTest::newRow("one pill") << QString() << QVector<FilterPill>{FilterPill::match(host, QStringLiteral("web-1"))}
                                  << "host.name:web-1";
        QTest::newRow("query is grouped before the pills")
            << "a:b or c:d" << QVector<FilterPill>{FilterPill::match(host, QStringLiteral("x"))} << "(a:b or c:d) and host.name:x";
        QTest::newRow("excluded pill") << QString() << QVector<FilterPill>{FilterPill::match(host, QStringLiteral("web-1"), true)}
                                       << "not host.name:web-1";
        QTest::newRow("quoted value") << QString()
                                      << QVector<FilterPill>{FilterPill::match(QStringLiteral("rule.name"), QStringLiteral("Terminal shell"))}
                                      << "rule.name:\"Terminal shell\"";
        QTest::newRow("exists") << QString() << QVector<FilterPill>{FilterPill::match(QStringLiteral("fd.name"), QString())}
                                << "fd.name:*";
        QTest::newRow("is empty, excluded")
            << QString() << QVector<FilterPill>{FilterPill::match(QStringLiteral("orchestrator.namespace"), QStringLiteral(""), true)}
            << "orchestrator.namespace:*";
        QTest::newRow("compound pill, excluded")
            << QStringLiteral("priority >= warning")
            << QVector<FilterPill>{FilterPill::custom(QStringLiteral("threat.tactic.name:execution and threat.technique.id:T1059"),
                                                      QStringLiteral("Execution × T1059"), true)}
            << "(priority >= warning) and not (threat.tactic.name:execution and threat.technique.id:T1059)";
        QTest::newRow("an escaped trailing space stays escaped")
            << QStringLiteral("proc.name:a\\ ") << QVector<FilterPill>{FilterPill::match(host, QStringLiteral("x"))}
            << "(proc.name:a\\ ) and host.name:x";
        QTest::newRow("a blank query is no query")
            << QStringLiteral("  ") << QVector<FilterPill>{FilterPill::match(host, QStringLiteral("x"))}
            << "host.name:x";
        QTest::newRow("hostile value stays a value")
            << QString() << QVector<FilterPill>{FilterPill::match(QStringLiteral("rule.name"), QStringLiteral("x\" or \"1"))}
            << "rule.name:\"x\\\" or \\\"1\"";
    }

    // What the store runs is the query and the pills ANDed, and it always compiles.
    void combinedQuery()
    {
        QFETCH(QString, query);
        QFETCH(QVector<FilterPill>, pills);
        QFETCH(QString, expected);
        const QString result = FilterPill::combinedQuery(query, pills);
        QCOMPARE(result, expected);
        const CompiledQuery compiled = compileQuery(result, 0);
        QVERIFY2(compiled.ok, qPrintable(compiled.error));
    }

    void pillTexts()
    {
        QCOMPARE(FilterPill::match(QStringLiteral("host.name"), QStringLiteral("web-1")).text(), QStringLiteral("host.name: web-1"));
        QCOMPARE(FilterPill::match(QStringLiteral("host.name"), QStringLiteral("web-1"), true).text(),
                 QStringLiteral("NOT host.name: web-1"));
        QCOMPARE(FilterPill::match(QStringLiteral("fd.name"), QString()).text(), QStringLiteral("fd.name: exists"));
        QCOMPARE(FilterPill::match(QStringLiteral("pod"), QStringLiteral("")).text(), QStringLiteral("pod: (empty)"));
        QCOMPARE(FilterPill::custom(QStringLiteral("a:b and c:d"), QStringLiteral("A × C")).text(), QStringLiteral("A × C"));
    }

    // Clicking the same value twice adds one pill; clicking its opposite flips it; pills invert and go away.
    void pillsAddFlipInvertRemove()
    {
        FilterState state;
        QSignalSpy changed(&state, &FilterState::changed);
        state.filterIn(QStringLiteral("host.name"), QStringLiteral("web-1"));
        state.filterIn(QStringLiteral("host.name"), QStringLiteral("web-1"));
        QCOMPARE(state.pills().size(), 1);
        QCOMPARE(changed.count(), 1);
        state.filterOut(QStringLiteral("rule.name"), QStringLiteral("Terminal shell in container"));
        QCOMPARE(state.pills().size(), 2);
        QCOMPARE(state.effectiveQuery(), QStringLiteral("host.name:web-1 and not rule.name:\"Terminal shell in container\""));
        // The opposite of an existing pill flips it instead of contradicting it.
        state.filterIn(QStringLiteral("rule.name"), QStringLiteral("Terminal shell in container"));
        QCOMPARE(state.pills().size(), 2);
        QVERIFY(!state.pills().at(1).exclude);
        state.invertPill(0);
        QCOMPARE(state.effectiveQuery(), QStringLiteral("not host.name:web-1 and rule.name:\"Terminal shell in container\""));
        state.removePill(0);
        QCOMPARE(state.effectiveQuery(), QStringLiteral("rule.name:\"Terminal shell in container\""));
        // The query text is the analyst's alone: pills never edit it.
        state.setQuery(QStringLiteral("priority:critical"));
        QCOMPARE(state.query(), QStringLiteral("priority:critical"));
        QCOMPARE(state.filter().query, QStringLiteral("(priority:critical) and rule.name:\"Terminal shell in container\""));
        state.removePill(5);   // out of range: nothing
        QCOMPARE(state.pills().size(), 1);
    }

    // The time brush zooms in and Back returns, level by level, to the range that was there before.
    void zoomAndBack()
    {
        FilterState state;
        state.setRelativeRange(24 * 3600000LL);
        QVERIFY(!state.canGoBack());
        QSignalSpy changed(&state, &FilterState::changed);
        state.zoomToRange(1000, 5000);
        state.zoomToRange(2000, 3000);
        QCOMPARE(changed.count(), 2);
        QCOMPARE(state.filter().fromMs, qint64(2000));
        QVERIFY(state.canGoBack());
        state.back();
        QCOMPARE(state.filter().fromMs, qint64(1000));
        QCOMPARE(state.filter().toMs, qint64(5000));
        state.back();
        QVERIFY(state.isRelative());
        QCOMPARE(state.relativeMs(), 24 * 3600000LL);
        QVERIFY(!state.canGoBack());
        state.back();   // nothing left: nothing happens
        QCOMPARE(changed.count(), 4);
        state.zoomToRange(3000, 3000);   // an empty range is no zoom
        QVERIFY(!state.canGoBack());
    }

    void setAllAtOnce()
    {
        FilterState state;
        QSignalSpy changed(&state, &FilterState::changed);
        state.set(QStringLiteral("priority:critical"), -1, 1000, 2000, {FilterPill::match(QStringLiteral("host.name"), QStringLiteral("a"))});
        QCOMPARE(changed.count(), 1);
        QCOMPARE(state.filter().query, QStringLiteral("(priority:critical) and host.name:a"));
        QCOMPARE(state.filter().fromMs, qint64(1000));
        QCOMPARE(state.filter().toMs, qint64(2000));
        state.clear();
        QCOMPARE(changed.count(), 2);
        QVERIFY(state.filter().isEmpty());
        QVERIFY(state.pills().isEmpty());
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
