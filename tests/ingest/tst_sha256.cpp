// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/sha256.h"

#include <QCryptographicHash>
#include <QTest>

class TestSha256 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void knownVectors_data();
    void knownVectors();
    void matchesQtForEveryLength();
};

void TestSha256::knownVectors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("hex");
    QTest::newRow("empty") << QByteArray() << QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    QTest::newRow("abc") << QByteArray("abc") << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::newRow("two blocks (FIPS 180-2)")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

void TestSha256::knownVectors()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, hex);
    QCOMPARE(fe::sha256Hex(input), hex);
}

void TestSha256::matchesQtForEveryLength()
{
    // Every padding case (0..300 bytes covers rest < 56, rest in 56..63 needing a second block, and several
    // full blocks), plus a typical 1.5 KB alert; whichever implementation this CPU picks must agree with Qt.
    qInfo("SHA extensions in use: %s", fe::sha256Accelerated() ? "yes" : "no");
    QByteArray data;
    for (int i = 0; i < 1600; ++i)
        data.append(char((i * 131 + 7) & 0xFF));
    for (int len = 0; len <= 1600; len = len < 300 ? len + 1 : len + 97) {
        const QByteArrayView view(data.constData(), len);
        QCOMPARE(fe::sha256Hex(view), QCryptographicHash::hash(view, QCryptographicHash::Sha256).toHex());
    }
}

QTEST_GUILESS_MAIN(TestSha256)
#include "tst_sha256.moc"
