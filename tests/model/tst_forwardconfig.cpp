// SPDX-License-Identifier: Apache-2.0
#include "model/forwardconfig.h"

#include <QTest>

using namespace fe;

class TestForwardConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void credentials_data()
    {
        QTest::addColumn<QString>("node");
        QTest::addColumn<bool>("hasCredentials");
        QTest::addColumn<QString>("redacted");
        QTest::newRow("plain") << QStringLiteral("https://es.example:9200") << false << QStringLiteral("https://es.example:9200");
        QTest::newRow("user and password") << QStringLiteral("http://elastic:changeme@es:9200") << true
                                           << QStringLiteral("http://***@es:9200");
        QTest::newRow("user only") << QStringLiteral("https://elastic@es:9200/prefix") << true
                                   << QStringLiteral("https://***@es:9200/prefix");
        QTest::newRow("password with @") << QStringLiteral("http://u:p@ss@es:9200") << true << QStringLiteral("http://***@es:9200");
        // Not user information for a URL parser (the authority ends at '/'), and no URL either: masked all the same.
        QTest::newRow("password with a slash") << QStringLiteral("http://u:p/w@es:9200") << false
                                               << QStringLiteral("http://***@es:9200");
        QTest::newRow("@ in the path only") << QStringLiteral("http://es:9200/a@b") << false << QStringLiteral("http://es:9200/a@b");
        QTest::newRow("@ in the query only") << QStringLiteral("http://es:9200?x=a@b") << false << QStringLiteral("http://es:9200?x=a@b");
        QTest::newRow("no scheme") << QStringLiteral("elastic:pw@es:9200") << true << QStringLiteral("***@es:9200");
        QTest::newRow("empty user info") << QStringLiteral("http://@es:9200") << true << QStringLiteral("http://***@es:9200");
        QTest::newRow("IPv6") << QStringLiteral("http://[::1]:9200") << false << QStringLiteral("http://[::1]:9200");
        QTest::newRow("IPv6 with credentials") << QStringLiteral("http://a:b@[::1]:9200") << true
                                               << QStringLiteral("http://***@[::1]:9200");
    }
    void credentials()
    {
        QFETCH(QString, node);
        QFETCH(bool, hasCredentials);
        QFETCH(QString, redacted);
        QCOMPARE(ForwardConfig::hasCredentials(node), hasCredentials);
        QCOMPARE(ForwardConfig::redactedNode(node), redacted);
        const QString problem = ForwardConfig::nodeProblem(node);
        if (hasCredentials) {
            QVERIFY2(problem.contains(QLatin1String("credentials in a node URL are refused")), qPrintable(problem));
            QVERIFY2(problem.contains(redacted), qPrintable(problem));
        }
    }

    // validate() refuses credentials in any node and names the node without them.
    void validateNeverShowsThePassword()
    {
        ForwardConfig c;
        c.nodes = {QStringLiteral("https://ok:9200"), QStringLiteral("https://elastic:Sup3rS3cret@es2:9200")};
        const QString problem = c.validate();
        QVERIFY2(problem.contains(QLatin1String("https://***@es2:9200")), qPrintable(problem));
        QVERIFY2(!problem.contains(QLatin1String("Sup3rS3cret")) && !problem.contains(QLatin1String("elastic")), qPrintable(problem));
        // A node that does not parse at all is not shown with its password either.
        c.nodes = {QStringLiteral("elastic:Sup3rS3cret@")};
        QVERIFY(!c.validate().isEmpty());
        QVERIFY2(!c.validate().contains(QLatin1String("Sup3rS3cret")), qPrintable(c.validate()));
        c.nodes = {QStringLiteral("https://es:9200")};
        QCOMPARE(c.validate(), QString());
    }
};

QTEST_APPLESS_MAIN(TestForwardConfig)
#include "tst_forwardconfig.moc"
