// SPDX-License-Identifier: Apache-2.0
// Peak memory of the real binary on hostile input (issue 18): lines and frames of 15 MiB, the largest a file line or a
// default frame may be, go through `map`, `import` and `listen` (over a real socket on 127.0.0.1) in at most 400 MB
// of peak RSS, however many of them come. The huge strings are random base64, so that compressing a record does not
// make them small, alternately in the alert's output (indexed for full-text search) and its command line.
#include "support/clirun.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

extern char **environ;

namespace {

constexpr qint64 s_maxPeakRssKb = 400 * 1024;
constexpr qsizetype s_hugeBytes = 15 << 20;
// A syslog frame may be larger than a line (20 MiB by default, as Elastic Agent's TCP input).
constexpr qsizetype s_hugeFrameBytes = 19 << 20;

// Random base64 of `bytes`: JSON needs no escape in it, zstd cannot shrink it, and the full-text index sees ~600k
// distinct words in 19 MiB of it.
QByteArray hugeText(qsizetype bytes = s_hugeBytes)
{
    QByteArray random(bytes / 4 * 3, Qt::Uninitialized);
    QRandomGenerator generator(18);
    generator.fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
    return random.toBase64();
}

// Alert i, its huge text in the output (even i) or the command line (odd i).
QByteArray hugeAlert(int i, const QByteArray &huge)
{
    const bool inOutput = i % 2 == 0;
    QByteArray alert = "{\"time\":\"2026-12-07T10:00:" + QByteArray::number(10 + i) + ".000000000Z\",\"rule\":\"Huge\","
                       "\"priority\":\"Warning\",\"source\":\"syscall\",\"hostname\":\"h\",\"output\":\"";
    alert += inOutput ? huge : QByteArray("o");
    alert += "\",\"output_fields\":{\"evt.time\":" + QByteArray::number(1765101600000000000LL + i) + ",\"proc.cmdline\":\"";
    alert += inOutput ? QByteArray("c") : huge;
    alert += "\"}}";
    return alert;
}

struct Peak
{
    int exitCode = -1;
    qint64 maxRssKb = 0;
};

// Runs the binary with stdout to outPath and stderr to errPath, and returns its own peak RSS (wait4's rusage).
Peak runMeasured(const QStringList &args, const QString &outPath, const QString &errPath)
{
    std::vector<QByteArray> storage;
    storage.push_back(QByteArray(FE_EXPLORER_BIN));
    for (const QString &arg : args)
        storage.push_back(arg.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &arg : storage)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, QFile::encodeName(outPath).constData(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, QFile::encodeName(errPath).constData(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    Peak peak;
    if (spawned != 0)
        return peak;
    int status = 0;
    rusage usage {};
    if (wait4(pid, &status, 0, &usage) != pid)
        return peak;
    peak.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    peak.maxRssKb = usage.ru_maxrss;
    return peak;
}

// The peak RSS of a running process so far.
qint64 highWaterMarkKb(qint64 pid)
{
    static const QRegularExpression hwm(QStringLiteral("VmHWM:\\s+(\\d+) kB"));
    const QByteArray status = fe::test::readFile(QStringLiteral("/proc/%1/status").arg(pid));
    const auto m = hwm.match(QString::fromLatin1(status));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

} // namespace

class TestHugeInputMemory : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QByteArray m_huge;
    QString m_input;
    static constexpr int s_lines = 20;

private Q_SLOTS:
    void initTestCase()
    {
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("AddressSanitizer's shadow memory and quarantine count in the RSS: the bound is the real build's");
#endif
        QVERIFY(m_dir.isValid());
        qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("data"))));
        m_huge = hugeText();
        m_input = m_dir.filePath(QStringLiteral("huge.ndjson"));
        QFile file(m_input);
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < s_lines; ++i)
            QVERIFY(file.write(hugeAlert(i, m_huge) + '\n') > s_hugeBytes);
    }

    // Every document is printed (each holds its huge text), one at a time.
    void mapPeakRss()
    {
        const QString out = m_dir.filePath(QStringLiteral("map.out"));
        const QString err = m_dir.filePath(QStringLiteral("map.err"));
        const Peak peak = runMeasured({QStringLiteral("map"), m_input}, out, err);
        QVERIFY2(peak.exitCode == 0, fe::test::readFile(err).constData());
        QFile documents(out);
        QVERIFY(documents.open(QIODevice::ReadOnly));
        int count = 0;
        while (!documents.atEnd()) {
            const QByteArray line = documents.readLine();
            QVERIFY(line.startsWith('{') && line.endsWith("}\n"));
            QVERIFY(line.size() > s_hugeBytes);
            ++count;
        }
        QCOMPARE(count, s_lines);
        qInfo("map: %d lines of %lld bytes, peak RSS %lld KB", s_lines, qint64(m_huge.size()), peak.maxRssKb);
        QVERIFY2(peak.maxRssKb <= s_maxPeakRssKb, qPrintable(QStringLiteral("peak RSS %1 KB").arg(peak.maxRssKb)));
    }

    void importPeakRss()
    {
        const QString db = m_dir.filePath(QStringLiteral("import.db"));
        const QString out = m_dir.filePath(QStringLiteral("import.out"));
        const QString err = m_dir.filePath(QStringLiteral("import.err"));
        const Peak peak = runMeasured({QStringLiteral("import"), QStringLiteral("--db"), db, m_input}, out, err);
        QVERIFY2(peak.exitCode == 0, fe::test::readFile(err).constData());
        const QByteArray summary = fe::test::readFile(out) + fe::test::readFile(err);
        static const QRegularExpression stored(QStringLiteral("stored\\s+(\\d+)"));
        const auto m = stored.match(QString::fromUtf8(summary));
        QVERIFY2(m.hasMatch(), summary.constData());
        QCOMPARE(m.captured(1).toInt(), s_lines);
        qInfo("import: %d lines of %lld bytes, peak RSS %lld KB", s_lines, qint64(m_huge.size()), peak.maxRssKb);
        QVERIFY2(peak.maxRssKb <= s_maxPeakRssKb, qPrintable(QStringLiteral("peak RSS %1 KB").arg(peak.maxRssKb)));
    }

    void listenPeakRss_data()
    {
        QTest::addColumn<qsizetype>("bytes");
        QTest::addColumn<bool>("allInOutput");   // else every other frame has it in the command line
        QTest::addColumn<int>("frames");
        QTest::newRow("15 MiB, as the lines") << s_hugeBytes << false << 12;
        // Each output is indexed for full-text search; FTS5 holds all of one row's terms until the row ends.
        QTest::newRow("19 MiB, near the frame limit, in the output") << s_hugeFrameBytes << true << 20;
    }

    // Octet-counted and newline frames (under the default 20 MiB frame limit) from one sender: all stored, the
    // listener's peak RSS read before it stops.
    void listenPeakRss()
    {
        QFETCH(qsizetype, bytes);
        QFETCH(bool, allInOutput);
        QFETCH(int, frames);
        const QByteArray huge = bytes == s_hugeBytes ? m_huge : hugeText(bytes);
        QProcess listener;
        QByteArray out;
        const quint16 port = fe::test::startListener(listener, m_dir.filePath(QStringLiteral("listen-%1.db").arg(bytes)),
                                                     {QStringLiteral("--stats-interval"), QStringLiteral("1")}, &out);
        QVERIFY2(port != 0, out.constData());

        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        QVERIFY(socket.waitForConnected(10000));
        QByteArray err;
        for (int i = 0; i < frames; ++i) {
            const QByteArray frame = "<14>1 2026-12-07T10:00:00Z h falco - - - " + hugeAlert(allInOutput ? 2 * i : i, huge);
            socket.write(i % 2 ? QByteArray::number(frame.size()) + ' ' + frame : frame + '\n');
            // The listener reads as fast as it stores (backpressure): wait for the kernel to take each frame.
            while (socket.bytesToWrite() > 0) {
                QVERIFY(socket.waitForBytesWritten(60000));
                err += listener.readAllStandardError();
            }
        }
        socket.disconnectFromHost();

        static const QRegularExpression storedCount(QStringLiteral("stored (\\d+)"));
        int stored = 0;
        QElapsedTimer timer;
        timer.start();
        while (stored < frames && timer.elapsed() < 120000 && listener.state() == QProcess::Running) {
            listener.waitForReadyRead(500);
            err += listener.readAllStandardError();
            auto it = storedCount.globalMatch(QString::fromUtf8(err));
            while (it.hasNext())
                stored = it.next().captured(1).toInt();
        }
        const qint64 peakKb = highWaterMarkKb(listener.processId());
        listener.terminate();
        QVERIFY(listener.waitForFinished(60000));
        err += listener.readAllStandardError();
        QVERIFY2(stored == frames, err.right(2000).constData());
        QCOMPARE(listener.exitCode(), 0);
        qInfo("listen: %d frames of %lld bytes, peak RSS %lld KB", frames, qint64(huge.size()), peakKb);
        QVERIFY(peakKb > 0);
        QVERIFY2(peakKb <= s_maxPeakRssKb, qPrintable(QStringLiteral("peak RSS %1 KB").arg(peakKb)));
    }
};

QTEST_GUILESS_MAIN(TestHugeInputMemory)
#include "tst_hugeinputmemory.moc"
