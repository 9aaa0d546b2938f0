// SPDX-License-Identifier: Apache-2.0
// The ATT&CK names shipped with the program cover every technique Falco's rules tag (tests/data/mitre).
#include "model/mitretechniques.h"

#include "testpaths.h"

#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace fe;

class TestMitreTechniques : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Every id that falcosecurity/rules' stable, incubating and sandbox rules tag has a name, and so has the parent of
    // every sub-technique (the dashboard's matrix rows are parents: threat.technique.id).
    void everyFalcoRuleTechniqueHasAName()
    {
        QFile list(QStringLiteral(FE_TEST_DATA_DIR "/mitre/falco-rules-techniques.tsv"));
        QVERIFY(list.open(QIODevice::ReadOnly | QIODevice::Text));
        const QRegularExpression idPattern(QStringLiteral("^T\\d{4}(\\.\\d{3})?$"));
        int ids = 0;
        QStringList missing;
        while (!list.atEnd()) {
            const QString line = QString::fromUtf8(list.readLine()).trimmed();
            if (line.isEmpty() || line.startsWith(u'#'))
                continue;
            const QString id = line.section(u'\t', 0, 0);
            QVERIFY2(idPattern.match(id).hasMatch(), qPrintable(line));
            ++ids;
            for (const QString &wanted : {id, id.section(u'.', 0, 0)}) {
                if (MitreTechniques::name(wanted).isEmpty())
                    missing << wanted;
            }
        }
        QVERIFY(ids >= 30);
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
    }

    void names_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("name");
        // The three the issue found nameless, a sub-technique in ATT&CK's "parent: sub" form, and lookups that must
        // not match anything.
        QTest::newRow("T1505") << "T1505" << "Server Software Component";
        QTest::newRow("T1557") << "T1557" << "Adversary-in-the-Middle";
        QTest::newRow("T1055") << "T1055" << "Process Injection";
        QTest::newRow("sub-technique") << "T1557.002" << "Adversary-in-the-Middle: ARP Cache Poisoning";
        QTest::newRow("lower case") << "t1059" << "Command and Scripting Interpreter";
        QTest::newRow("unknown") << "T9999" << "";
        QTest::newRow("empty") << "" << "";
        QTest::newRow("a tactic id is no technique") << "TA0003" << "";
    }

    void names()
    {
        QFETCH(QString, id);
        QFETCH(QString, name);
        QCOMPARE(MitreTechniques::name(id), name);
    }

    // One entry per id, every sub-technique under a named parent, sorted as ATT&CK lists them.
    void tableIsConsistent()
    {
        const QStringList ids = MitreTechniques::ids();
        QCOMPARE(QSet<QString>(ids.cbegin(), ids.cend()).size(), ids.size());
        QStringList sorted = ids;
        sorted.sort();
        QCOMPARE(ids, sorted);
        for (const QString &id : ids) {
            if (id.contains(u'.')) {
                const QString parent = MitreTechniques::name(id.section(u'.', 0, 0));
                QVERIFY2(!parent.isEmpty(), qPrintable(id));
                QVERIFY2(MitreTechniques::name(id).startsWith(parent + QStringLiteral(": ")), qPrintable(id));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestMitreTechniques)
#include "tst_mitretechniques.moc"
