// SPDX-License-Identifier: Apache-2.0
// A full disk, through the real binary, on a real small filesystem (a tmpfs of 4 MiB mounted for the test; skipped
// where the test may not mount one: not root, or a container without CAP_SYS_ADMIN):
// - `import` whose store fills up exits non-zero with a message, never "stored N" and 0;
// - `listen` on a full filesystem stops reading (the senders wait) and retries: when space returns, every alert
//   sent is stored, exactly once;
// - `listen` stopped (SIGTERM) while the disk is still full says how many received alerts could not be stored and
//   exits non-zero; the store holds the others and stays intact.
#include "model/alertstore.h"
#include "support/clirun.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>

#include <sys/mount.h>
#include <unistd.h>

using namespace fe;

namespace {

using fe::test::Run;
using fe::test::runCli;

// A tmpfs of a given size on a fresh directory, unmounted (lazily: a process may still hold it) when destroyed.
class SmallFilesystem
{
public:
    explicit SmallFilesystem(const QString &path) : m_path(path.toLocal8Bit()) {}
    ~SmallFilesystem()
    {
        if (m_mounted)
            ::umount2(m_path.constData(), MNT_DETACH);
    }
    bool mount(int sizeKiB, QString *error)
    {
        const QByteArray options = "size=" + QByteArray::number(sizeKiB) + "k,mode=0700";
        if (::mount("fe-diskfull", m_path.constData(), "tmpfs", 0, options.constData()) != 0) {
            *error = QString::fromLocal8Bit(strerror(errno));
            return false;
        }
        m_mounted = true;
        return true;
    }
    // Space returns: the same filesystem, larger (its files stay).
    bool grow(int sizeKiB)
    {
        const QByteArray options = "size=" + QByteArray::number(sizeKiB) + "k";
        return ::mount("fe-diskfull", m_path.constData(), "tmpfs", MS_REMOUNT, options.constData()) == 0;
    }

private:
    QByteArray m_path;
    bool m_mounted = false;
};

// Raw Falco JSON lines from the demo generator (fixed seed), one per line.
QByteArray demoLines(int count)
{
    const Run r = runCli({QStringLiteral("demo"), QStringLiteral("--stdout"), QStringLiteral("--count"),
                          QString::number(count), QStringLiteral("--seed"), QStringLiteral("18"), QStringLiteral("--end"),
                          QStringLiteral("2024-05-07T18:00:00Z")});
    return r.exitCode == 0 ? r.out : QByteArray();
}

qint64 statsTotal(const QString &db, QByteArray *err)
{
    const Run r = runCli({QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db});
    *err = r.err;
    if (r.exitCode != 0)
        return -1;
    return QJsonDocument::fromJson(r.out).object().value(QStringLiteral("total")).toInteger(-1);
}

// A running `listen` on port 0: its port, and its stderr as it comes.
class Listener
{
public:
    bool start(const QString &db, QString *error)
    {
        m_port = fe::test::startListener(m_process, db, {QStringLiteral("--stats-interval"), QStringLiteral("1")}, &m_out,
                                         &m_err, 60000);
        if (m_port != 0)
            return true;
        *error = QString::fromUtf8(m_out + m_err);
        return false;
    }
    quint16 port() const { return m_port; }
    // Waits until stderr matches pattern; false after timeoutMs.
    bool waitForStderr(const QRegularExpression &pattern, int timeoutMs)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs) {
            if (pattern.match(QString::fromUtf8(m_err)).hasMatch())
                return true;
            m_process.waitForReadyRead(200);
            m_err += m_process.readAllStandardError();
            m_out += m_process.readAllStandardOutput();
        }
        return pattern.match(QString::fromUtf8(m_err)).hasMatch();
    }
    // SIGTERM, then the exit code (-1: it did not exit in time, or crashed).
    int terminate(int timeoutMs)
    {
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(timeoutMs)) {
            m_process.kill();
            m_process.waitForFinished();
            m_err += m_process.readAllStandardError();
            return -1;
        }
        m_err += m_process.readAllStandardError();
        m_out += m_process.readAllStandardOutput();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    const QByteArray &err() const { return m_err; }
    ~Listener()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

private:
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
    quint16 m_port = 0;
};

// Sends data to 127.0.0.1:port on a socket that is written as the peer reads (the listener's backpressure makes the
// writes wait): call pump() until done().
class Sender
{
public:
    bool connect(quint16 port)
    {
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        return m_socket.waitForConnected(10000);
    }
    void send(const QByteArray &data) { m_socket.write(data); }
    void pump(int ms) { m_socket.waitForBytesWritten(ms); }
    bool done() const { return m_socket.bytesToWrite() == 0; }
    void close()
    {
        m_socket.disconnectFromHost();
        if (m_socket.state() != QAbstractSocket::UnconnectedState)
            m_socket.waitForDisconnected(5000);
    }

private:
    QTcpSocket m_socket;
};

} // namespace

class TestDiskFull : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QByteArray m_lines;   // demo alerts, far more than 4 MiB of store
    int m_lineCount = 0;

    // Sends every demo line to a listener whose store is full until it says it waits for space and retries; false
    // when it has not said so within two minutes.
    bool sendUntilWaiting(Listener &listener, Sender &sender)
    {
        sender.send(m_lines);
        static const QRegularExpression waiting(QStringLiteral("wait to be stored, retrying"));
        QElapsedTimer clock;
        clock.start();
        while (!listener.waitForStderr(waiting, 200) && clock.elapsed() < 120000)
            sender.pump(100);
        return listener.waitForStderr(waiting, 0);
    }

    // A fresh small filesystem under the test's directory, or a skip.
    std::unique_ptr<SmallFilesystem> mountSmall(const QString &name, int sizeKiB, QString *path)
    {
        *path = m_dir.filePath(name);
        if (!QDir().mkpath(*path))
            return nullptr;
        auto fs = std::make_unique<SmallFilesystem>(*path);
        QString error;
        if (!fs->mount(sizeKiB, &error)) {
            qWarning("cannot mount a tmpfs on %s: %s", qPrintable(*path), qPrintable(error));
            return nullptr;
        }
        return fs;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("mounting a small filesystem needs root");
        QVERIFY(m_dir.isValid());
        // Probe once: a container may refuse mount(2) even to root.
        QString path;
        if (!mountSmall(QStringLiteral("probe"), 64, &path))
            QSKIP("mount(2) of a tmpfs is not allowed here");
        m_lines = demoLines(20000);
        m_lineCount = int(m_lines.count('\n'));
        QCOMPARE(m_lineCount, 20000);
    }

    // `import` into a store on a filesystem that fills up: a non-zero exit and the store error, never "stored 20000".
    void importFailsLoudly()
    {
        QString mnt;
        const auto fs = mountSmall(QStringLiteral("import"), 4096, &mnt);
        QVERIFY(fs);
        const QString log = m_dir.filePath(QStringLiteral("alerts.log"));   // the input is on the large disk
        {
            QFile f(log);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(m_lines), m_lines.size());
        }
        const Run r = runCli({QStringLiteral("import"), QStringLiteral("--db"), mnt + QStringLiteral("/alerts.db"), log});
        QVERIFY2(r.exitCode != 0, (r.err + r.out).constData());
        QVERIFY2(r.exitCode != -1, "import crashed or hung");
        QVERIFY2(r.err.contains("store error") || r.err.contains("full"), r.err.constData());
        QVERIFY2(!QRegularExpression(QStringLiteral("stored\\s+20000\\b")).match(QString::fromUtf8(r.err + r.out)).hasMatch(),
                 r.err.constData());
        // What was committed is intact and readable.
        QByteArray err;
        const qint64 total = statsTotal(mnt + QStringLiteral("/alerts.db"), &err);
        QVERIFY2(total >= 0 && total < m_lineCount, err.constData());
    }

    // `listen` on a full filesystem keeps what it received: the senders wait, and when space returns all is stored.
    void listenStoresEverythingWhenSpaceReturns()
    {
        QString mnt;
        const auto fs = mountSmall(QStringLiteral("listen-grow"), 4096, &mnt);
        QVERIFY(fs);
        const QString db = mnt + QStringLiteral("/alerts.db");
        Listener listener;
        QString error;
        QVERIFY2(listener.start(db, &error), qPrintable(error));
        Sender sender;
        QVERIFY(sender.connect(listener.port()));
        // The store fills: the listener says it waits and retries.
        QVERIFY2(sendUntilWaiting(listener, sender), listener.err().right(2000).constData());
        // Space returns; everything sent is stored.
        QVERIFY(fs->grow(256 * 1024));
        QElapsedTimer clock;
        clock.start();
        while (!sender.done() && clock.elapsed() < 120000)
            sender.pump(200);
        QVERIFY(sender.done());
        sender.close();
        static const QRegularExpression allStored(QStringLiteral("stored %1\\b").arg(m_lineCount));
        QVERIFY2(listener.waitForStderr(allStored, 120000), listener.err().right(2000).constData());
        QCOMPARE(listener.terminate(60000), 0);
        QByteArray err;
        QCOMPARE(statsTotal(db, &err), qint64(m_lineCount));
    }

    // SIGTERM while the disk is still full: how many could not be stored, a non-zero exit, the rest intact.
    void listenStoppedWhileFullSaysWhatItLost()
    {
        QString mnt;
        const auto fs = mountSmall(QStringLiteral("listen-full"), 4096, &mnt);
        QVERIFY(fs);
        const QString db = mnt + QStringLiteral("/alerts.db");
        Listener listener;
        QString error;
        QVERIFY2(listener.start(db, &error), qPrintable(error));
        Sender sender;
        QVERIFY(sender.connect(listener.port()));
        QVERIFY2(sendUntilWaiting(listener, sender), listener.err().right(2000).constData());
        const int exitCode = listener.terminate(120000);
        sender.close();
        QVERIFY2(exitCode == 1, (QByteArray::number(exitCode) + "\n" + listener.err().right(2000)).constData());
        const auto lost = QRegularExpression(QStringLiteral("(\\d+) received alerts could not be stored"))
                              .match(QString::fromUtf8(listener.err()));
        QVERIFY2(lost.hasMatch(), listener.err().right(2000).constData());
        QVERIFY(lost.captured(1).toLongLong() > 0);
        // The last counters: every alert framed (each demo line is one, none a duplicate) is stored or among the lost.
        const auto stopped = QRegularExpression(QStringLiteral("stopped: received \\d+\\s+framed (\\d+)"))
                                 .match(QString::fromUtf8(listener.err()));
        QVERIFY2(stopped.hasMatch(), listener.err().right(2000).constData());
        QByteArray err;
        const qint64 stored = statsTotal(db, &err);
        QVERIFY2(stored >= 0, err.constData());
        QCOMPARE(stored + lost.captured(1).toLongLong(), stopped.captured(1).toLongLong());
    }
};

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
