// SPDX-License-Identifier: Apache-2.0
// The listener dialog and its options: loopback by default, a warning for exposed addresses, OK only for usable
// options (with the reason otherwise), and options that survive the settings round trip unchanged.
#include "ui/listenerdialog.h"
#include "ui/listeneroptions.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace fe;

class TestListenerDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsAreTheCliDefaultsOnLoopback()
    {
        ListenerDialog dialog;
        const ListenerOptions o = dialog.options();
        QCOMPARE(o.bindAddress, QStringLiteral("127.0.0.1"));
        QCOMPARE(o.tcpPort, 9030);
        QCOMPARE(o.udpPort, -1);
        QCOMPARE(o.maxMessageSize, qint64(20) << 20);
        QCOMPARE(o.maxConnections, 10000);
        QVERIFY(!o.isTls());
        QVERIFY(dialog.isAcceptable());
        QVERIFY(!dialog.isExposedWarningVisible());
    }

    void exposedAddressWarns_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("exposed");
        QTest::addColumn<bool>("acceptable");
        QTest::newRow("ipv4 loopback") << "127.0.0.1" << false << true;
        QTest::newRow("ipv6 loopback") << "::1" << false << true;
        QTest::newRow("all ipv4") << "0.0.0.0" << true << true;
        QTest::newRow("all ipv6") << "::" << true << true;
        QTest::newRow("lan address") << "192.168.1.20" << true << true;
        QTest::newRow("host name") << "localhost" << false << false;
        QTest::newRow("garbage") << "300.1.1.1" << false << false;
    }

    void exposedAddressWarns()
    {
        QFETCH(QString, address);
        QFETCH(bool, exposed);
        QFETCH(bool, acceptable);
        ListenerDialog dialog;
        dialog.findChild<QComboBox *>(QStringLiteral("bindAddress"))->setCurrentText(address);
        QCOMPARE(dialog.isExposedWarningVisible(), exposed);
        QCOMPARE(dialog.isAcceptable(), acceptable);
        QCOMPARE(dialog.problemText().isEmpty(), acceptable);
        if (!acceptable)
            QVERIFY2(dialog.problemText().contains(address), qPrintable(dialog.problemText()));
    }

    void tlsNeedsReadableCertificateAndKey()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString cert = dir.filePath(QStringLiteral("server.pem"));
        const QString key = dir.filePath(QStringLiteral("server.key"));
        for (const QString &file : {cert, key}) {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("-----BEGIN-----\n");
        }
        ListenerDialog dialog;
        auto *certEdit = dialog.findChild<QLineEdit *>(QStringLiteral("tlsCertificate"));
        auto *keyEdit = dialog.findChild<QLineEdit *>(QStringLiteral("tlsKey"));
        certEdit->setText(cert);
        QVERIFY(!dialog.isAcceptable());
        QVERIFY2(dialog.problemText().contains(QStringLiteral("key")), qPrintable(dialog.problemText()));
        keyEdit->setText(dir.filePath(QStringLiteral("missing.key")));
        QVERIFY(!dialog.isAcceptable());
        QVERIFY2(dialog.problemText().contains(QStringLiteral("missing.key")), qPrintable(dialog.problemText()));
        keyEdit->setText(key);
        QVERIFY(dialog.isAcceptable());
        QVERIFY(dialog.options().isTls());
        keyEdit->clear();
        certEdit->clear();
        QVERIFY(dialog.isAcceptable());
        QVERIFY(!dialog.options().isTls());
    }

    void optionsRoundTrip()
    {
        ListenerOptions o;
        o.bindAddress = QStringLiteral("::");
        o.tcpPort = 6514;
        o.udpPort = 5514;
        o.maxMessageSize = qint64(3) << 20;
        o.maxConnections = 250;
        o.idleTimeoutSeconds = 0;
        o.preserveOriginal = false;
        o.preserveFalcoFields = true;
        ListenerDialog dialog;
        dialog.setOptions(o);
        QCOMPARE(dialog.options(), o);
        QCOMPARE(ListenerOptions::fromMap(o.toMap()), o);
        QCOMPARE(ListenerOptions::fromMap({}), ListenerOptions());   // nothing saved yet: the defaults
        QVERIFY(dialog.isExposedWarningVisible());
        QCOMPARE(dialog.findChild<QSpinBox *>(QStringLiteral("tcpPort"))->value(), 6514);
    }
};

QTEST_MAIN(TestListenerDialog)
#include "tst_listenerdialog.moc"
