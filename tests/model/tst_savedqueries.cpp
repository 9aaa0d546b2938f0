// SPDX-License-Identifier: Apache-2.0
// Saved queries: kept in a real store (AlertStore::state), exchanged as JSON, bad files refused with their location.
#include "model/alertstore.h"
#include "model/savedqueries.h"

#include <QTemporaryDir>
#include <QTest>

using namespace fe;

namespace {

SavedQuery shellsInProd()
{
    SavedQuery q;
    q.name = QStringLiteral("Shells in prod");
    q.query = QStringLiteral("rule.name:\"Terminal shell in container\"");
    q.relativeMs = 24 * 3600000LL;
    q.pills = {FilterPill::match(QStringLiteral("orchestrator.namespace"), QStringLiteral("prod")),
               FilterPill::match(QStringLiteral("host.name"), QStringLiteral("ci-1"), true),
               FilterPill::match(QStringLiteral("container.id"), QString()),
               FilterPill::match(QStringLiteral("orchestrator.resource.name"), QStringLiteral("")),
               FilterPill::custom(QStringLiteral("threat.tactic.name:execution and threat.technique.id:T1059"),
                                  QStringLiteral("Execution × T1059"), true)};
    return q;
}

SavedQuery brushed()
{
    SavedQuery q;
    q.name = QStringLiteral("Incident 42");
    q.query = QStringLiteral("priority >= critical");
    q.relativeMs = -1;
    q.fromMs = 1715083200123;
    q.toMs = 1715086800456;
    return q;
}

// JSON written with single quotes, for readable test rows.
QByteArray json(const char *text)
{
    return QByteArray(text).replace('\'', '"');
}

} // namespace

class TestSavedQueries : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // What is saved comes back exactly: text, relative or absolute range (to the millisecond), and every kind of pill.
    void jsonRoundTrip()
    {
        SavedQueries list;
        QVERIFY(list.save(shellsInProd()));
        QVERIFY(list.save(brushed()));
        QVector<SavedQuery> back;
        QString error;
        QVERIFY2(SavedQueries::fromJson(list.toJson(), &back, &error), qPrintable(error));
        QCOMPARE(back.size(), 2);
        QVERIFY(back.at(0) == shellsInProd());
        QVERIFY(back.at(1) == brushed());
        QVERIFY(back.at(0).pills.at(2).value.isNull());    // "exists" stays "exists"
        QVERIFY(!back.at(0).pills.at(3).value.isNull());   // "is empty" stays "is empty"
        QVERIFY(list.toJson().contains("\"format\": \"falco-explorer-saved-queries\""));
    }

    // One entry per name, whatever the case; saving under a known name replaces; merge adds and replaces.
    void namesAreUnique()
    {
        SavedQueries list;
        QVERIFY(list.save(shellsInProd()));
        SavedQuery other = brushed();
        other.name = QStringLiteral("shells IN PROD");
        QVERIFY(list.save(other));
        QCOMPARE(list.queries().size(), 1);
        QCOMPARE(list.find(QStringLiteral("Shells in prod"))->query, other.query);
        QVERIFY(!list.save(SavedQuery{}));   // no name
        QCOMPARE(list.merge({shellsInProd(), brushed()}), 2);
        QCOMPARE(list.names(), (QStringList{QStringLiteral("Shells in prod"), QStringLiteral("Incident 42")}));
        QVERIFY(list.remove(QStringLiteral("incident 42")));
        QVERIFY(!list.remove(QStringLiteral("Incident 42")));
    }

    // Kept per store, in the store: another database has its own list.
    void keptInTheStore()
    {
        QTemporaryDir dir;
        const QString a = dir.filePath(QStringLiteral("a.db")), b = dir.filePath(QStringLiteral("b.db"));
        for (const QString &path : {a, b}) {
            AlertStore store;
            QVERIFY(store.open(path));
        }
        SavedQueries list;
        QString error;
        QVERIFY2(list.load(a, &error), qPrintable(error));
        QVERIFY(list.queries().isEmpty());
        list.save(shellsInProd());
        QVERIFY2(list.store(a, &error), qPrintable(error));
        SavedQueries again;
        QVERIFY(again.load(a, &error));
        QCOMPARE(again.queries().size(), 1);
        QVERIFY(again.queries().at(0) == shellsInProd());
        SavedQueries other;
        QVERIFY(other.load(b, &error));
        QVERIFY(other.queries().isEmpty());
        AlertStore store;
        QVERIFY(store.open(a, AlertStore::OpenMode::ReadOnly));
        QVERIFY(!store.state(SavedQueries::s_stateKey).isEmpty());
    }

    void badFiles_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("not JSON, with the place") << QByteArray("{\n  \"format\": \"falco-explorer-saved-queries\",\n  oops\n}")
                                                  << "line 3, column";
        QTest::newRow("an array") << QByteArray("[]") << "expected a JSON object";
        QTest::newRow("another format") << json("{'format':'kibana','version':1,'queries':[]}") << "\"format\"";
        QTest::newRow("a newer version") << json("{'format':'falco-explorer-saved-queries','version':2,'queries':[]}")
                                         << "\"version\": 2";
        QTest::newRow("no name") << json("{'format':'falco-explorer-saved-queries','version':1,'queries':[{'query':'a:b'}]}")
                                 << "queries[0]: \"name\"";
        QTest::newRow("query does not compile")
            << json("{'format':'falco-explorer-saved-queries','version':1,'queries':[{'name':'x','query':'host.name:('}]}")
            << "queries[0] (\"x\"): \"query\" column 12";
        QTest::newRow("bad range")
            << json("{'format':'falco-explorer-saved-queries','version':1,'queries':[{'name':'x','range':{'from':'yesterday','to':'now'}}]}")
            << "ISO-8601";
        QTest::newRow("pill without field")
            << json("{'format':'falco-explorer-saved-queries','version':1,'queries':[{'name':'x','pills':[{'value':'a'}]}]}")
            << "pills[0]: a pill needs a \"field\" or a \"clause\"";
    }

    void badFiles()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, errorPart);
        QVector<SavedQuery> out{shellsInProd()};
        QString error;
        QVERIFY(!SavedQueries::fromJson(json, &out, &error));
        QVERIFY2(error.contains(errorPart), qPrintable(error));
        QCOMPARE(out.size(), 1);   // untouched
    }
};

QTEST_GUILESS_MAIN(TestSavedQueries)
#include "tst_savedqueries.moc"
