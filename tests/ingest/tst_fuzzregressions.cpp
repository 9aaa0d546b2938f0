// SPDX-License-Identifier: Apache-2.0
// Replays, in the default suite, every input the fuzzers ever broke something with, through the same bodies the
// fuzzers run (tests/fuzz/fuzzbodies.h), and the hand-written seeds (tests/data/fuzz/seeds/*.txt, one input per
// line). tests/data/fuzz/<target>/ holds fixed findings, one input per file named after what it broke: each must
// pass. tests/data/fuzz/known/<target>/ holds findings reported to the owner of the code and not fixed yet: each
// is an expected failure, so the fix shows as an unexpected pass that tells to move the file up (known sanitizer
// findings, known-sanitizer/, are not replayed: see tests/data/fuzz/README.md). Run the sanitizer build
// (-DFE_SANITIZE=ON) to have bad accesses and undefined behaviour caught as well.
#include "fuzzbodies.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>

using namespace fe;

namespace {

const fuzz::Target *targetNamed(const QString &name)
{
    for (const fuzz::Target &t : fuzz::targets()) {
        if (name == QLatin1String(t.name))
            return &t;
    }
    return nullptr;
}

} // namespace

class TestFuzzRegressions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replay_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("known");
        const QDir root(QStringLiteral(FE_FUZZ_DATA_DIR));
        QVERIFY(root.exists());
        int kept = 0;
        for (const bool known : {false, true}) {
            for (const fuzz::Target &t : fuzz::targets()) {
                const QString dir = (known ? QStringLiteral("known/") : QString()) + QLatin1String(t.name);
                for (const QFileInfo &file : QDir(root.filePath(dir)).entryInfoList(QDir::Files, QDir::Name)) {
                    QFile f(file.filePath());
                    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(file.filePath()));
                    QTest::addRow("%s/%s", qPrintable(dir), qPrintable(file.fileName()))
                        << QString::fromLatin1(t.name) << f.readAll() << known;
                    ++kept;
                }
            }
        }
        // Seeds: which target reads which file.
        const QList<QPair<QString, QStringList>> seeds{
            {QStringLiteral("cef.txt"), {QStringLiteral("cef"), QStringLiteral("mapper")}},
            {QStringLiteral("syslog.txt"), {QStringLiteral("syslogheader"), QStringLiteral("mapper")}},
            {QStringLiteral("querylanguage.txt"), {QStringLiteral("querylanguage")}},
            {QStringLiteral("bulkresponse.txt"), {QStringLiteral("bulkresponse")}},
        };
        int seedLines = 0;
        for (const auto &[file, names] : seeds) {
            QFile f(root.filePath(QStringLiteral("seeds/") + file));
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
            int line = 0;
            for (const QByteArray &input : f.readAll().split('\n')) {
                ++line;
                if (input.isEmpty())
                    continue;
                for (const QString &name : names) {
                    QTest::addRow("seed %s:%d via %s", qPrintable(file), line, qPrintable(name)) << name << input << false;
                    ++seedLines;
                }
            }
        }
        QVERIFY(seedLines > 50);
        qInfo("%d kept fuzz inputs, %d seed runs", kept, seedLines);
    }

    void replay()
    {
        QFETCH(QString, target);
        QFETCH(QByteArray, input);
        QFETCH(bool, known);
        const fuzz::Target *t = targetNamed(target);
        QVERIFY2(t, qPrintable(QStringLiteral("no fuzz target named %1").arg(target)));
        QElapsedTimer timer;
        timer.start();
        const QString problem = t->run(input);
        // A kept input that once hung must stay fast (generous: the sanitizer build is several times slower).
        QVERIFY2(timer.elapsed() < 20000, qPrintable(QStringLiteral("%1 ms").arg(timer.elapsed())));
        if (known)
            QEXPECT_FAIL("", "a known finding (tests/data/fuzz/known/): when it passes, move the file up to its target", Continue);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void framerSeesEveryStreamTheSame()
    {
        // The framer body is not fed by a seed file: give it the shapes it must agree on however they are read.
        const QByteArray stream = QByteArrayLiteral("<14>a\n12 <14>octet msg\r\n\n99999999999 x\n5 ab\ncd") + QByteArray(300, 'z');
        for (const char control : {'\x00', '\x13', '\x55', '\xff'}) {
            const QString problem = fuzz::syslogFramer(control + stream);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
    }
};

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzzregressions.moc"
