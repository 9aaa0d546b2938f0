// SPDX-License-Identifier: Apache-2.0
// Crash safety of the two commands that write the store while data flows: `import` and `listen` are killed with
// SIGKILL at random moments (the power cord, the OOM killer), again and again, and the input is then finished.
// After every kill the store passes SQLite's integrity check and reads back; at the end it holds exactly the
// distinct alerts of the input: none lost, none stored twice. Only the CLI and SQLite are used, so that the test
// holds whatever the store's layout.
//
// "Exactly" for a sender without acknowledgements (syslog over TCP): what the listener had received but not yet
// committed when it was killed is gone, and the sender cannot know which alerts those were. So, as a syslog
// forwarder with a disk queue would after a reconnect, the test sends everything again after each kill; the
// store's dedupe must then leave each distinct alert exactly once.
//
// FE_KILL_SEED=N replays the kill moments of an earlier run (every run prints its seed).
#include "testpaths.h"
#include "support/clirun.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

namespace {

constexpr int kKills = 10;            // per command
constexpr int kAlerts = 30000;

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

QProcessEnvironment cliEnvironment(const QString &home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    return env;
}

Run runCli(const QString &home, const QStringList &args)
{
    QProcess p;
    p.setProcessEnvironment(cliEnvironment(home));
    p.start(QStringLiteral(FE_EXPLORER_BIN), args);
    if (!p.waitForStarted())
        return {};
    p.closeWriteChannel();
    p.waitForFinished(300000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

// PRAGMA integrity_check through SQLite itself: "ok", or what it found. Opening read-write lets SQLite recover
// a WAL the killed process left behind, as the next writer or reader would.
QString integrity(const QString &path)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        const QString error = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_close(db);
        return QStringLiteral("cannot open: ") + error;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *stmt = nullptr;
    QStringList rows;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK) {
        rows << QStringLiteral("cannot check: ") + QString::fromUtf8(sqlite3_errmsg(db));
    } else {
        int rc = 0;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
            rows << QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)));
        if (rc != SQLITE_DONE)
            rows << QStringLiteral("check failed: ") + QString::fromUtf8(sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows.join(QLatin1Char('\n'));
}

// `stats --json` total, or -1 (with the reason in *error).
qint64 statsTotal(const QString &home, const QString &db, QString *error = nullptr)
{
    const Run r = runCli(home, {QStringLiteral("stats"), QStringLiteral("--db"), db, QStringLiteral("--json")});
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    if (r.exitCode != 0 || !o.contains(QLatin1String("total"))) {
        if (error)
            *error = QStringLiteral("stats exit %1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err));
        return -1;
    }
    return o.value(QLatin1String("total")).toInteger();
}

bool exists(const QString &path)
{
    return QFileInfo::exists(path);
}

} // namespace

class TestKillRecovery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_home = m_dir.filePath(QStringLiteral("home"));
        QVERIFY(QDir().mkpath(m_home));
        bool fromEnv = false;
        const quint32 seed = quint32(qEnvironmentVariableIntValue("FE_KILL_SEED", &fromEnv));
        m_seed = fromEnv ? seed : QRandomGenerator::global()->generate();
        m_random.seed(m_seed);
        qInfo("kill moments from seed %u (FE_KILL_SEED=%u replays them)", m_seed, m_seed);

        m_input = m_dir.filePath(QStringLiteral("alerts.jsonl"));
        const Run demo = runCli(m_home, {QStringLiteral("demo"), QStringLiteral("--format"), QStringLiteral("jsonl"),
                                         QStringLiteral("-o"), m_input, QStringLiteral("--count"), QString::number(kAlerts),
                                         QStringLiteral("--seed"), QStringLiteral("18"), QStringLiteral("--end"),
                                         QStringLiteral("2024-05-07T18:00:00Z")});
        QVERIFY2(demo.exitCode == 0, demo.err.constData());
        QFile f(m_input);
        QVERIFY(f.open(QIODevice::ReadOnly));
        m_bytes = f.readAll();
        QCOMPARE(m_bytes.count('\n'), kAlerts);

        // The reference: one undisturbed import. Its total is what every finished store must say.
        const QString reference = m_dir.filePath(QStringLiteral("reference.db"));
        QElapsedTimer timer;
        timer.start();
        const Run import = runCli(m_home, {QStringLiteral("import"), QStringLiteral("--db"), reference, m_input});
        m_importMs = timer.elapsed();
        QVERIFY2(import.exitCode == 0, import.err.constData());
        QString error;
        m_expected = statsTotal(m_home, reference, &error);
        QVERIFY2(m_expected > kAlerts / 2, qPrintable(error));
        QCOMPARE(integrity(reference), QStringLiteral("ok"));
        qInfo("reference: %lld distinct alerts, imported in %lld ms", m_expected, m_importMs);
    }

    void killImport()
    {
        const QString db = m_dir.filePath(QStringLiteral("import.db"));
        // A re-import of stored alerts is quicker than the first: some runs end before their kill moment, so
        // the runs go on until kKills of them were killed.
        int kills = 0;
        for (int run = 0; kills < kKills && run < 4 * kKills; ++run) {
            QProcess p;
            p.setProcessEnvironment(cliEnvironment(m_home));
            p.start(QStringLiteral(FE_EXPLORER_BIN), {QStringLiteral("import"), QStringLiteral("--db"), db, m_input});
            QVERIFY(p.waitForStarted());
            // Anywhere from start-up to the final index and checkpoint (a run that ends first is fine too).
            const int afterMs = int(m_random.bounded(qint64(m_importMs * 11 / 10 + 1)));
            const bool ended = p.waitForFinished(afterMs) || p.state() == QProcess::NotRunning;
            if (!ended) {
                p.kill();   // SIGKILL
                QVERIFY(p.waitForFinished(30000) || p.state() == QProcess::NotRunning);
            }
            qInfo("import %d: %s after %d ms", run, ended ? "ended by itself" : "killed", afterMs);
            if (ended)
                QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
            else
                ++kills;
            checkAfterKill(db, QStringLiteral("import %1").arg(run));
        }
        QCOMPARE(kills, kKills);
        // Finish the input: importing the file again stores exactly what is missing.
        const Run finish = runCli(m_home, {QStringLiteral("import"), QStringLiteral("--db"), db, m_input});
        QVERIFY2(finish.exitCode == 0, finish.err.constData());
        QCOMPARE(integrity(db), QStringLiteral("ok"));
        QCOMPARE(statsTotal(m_home, db), m_expected);
    }

    void killListen()
    {
        const QString db = m_dir.filePath(QStringLiteral("listen.db"));
        for (int kill = 0; kill < kKills; ++kill) {
            QProcess listener;
            quint16 port = 0;
            QVERIFY(startListener(&listener, db, &port));
            // Kill while the alerts flow: after a random share of the stream (every time from its start, as a
            // sender that re-sends after a reconnect), plus a moment for the listener to be mid-batch.
            const qint64 killAt = m_random.bounded(qint64(m_bytes.size()));
            QTcpSocket socket;
            socket.connectToHost(QStringLiteral("127.0.0.1"), port);
            QVERIFY(socket.waitForConnected(10000));
            QVERIFY(send(&socket, m_bytes.first(killAt)));
            QTest::qWait(int(m_random.bounded(40)));
            listener.kill();
            QVERIFY(listener.waitForFinished(30000) || listener.state() == QProcess::NotRunning);
            socket.abort();
            qInfo("listen %d: killed after %lld of %lld bytes", kill, killAt, qint64(m_bytes.size()));
            checkAfterKill(db, QStringLiteral("listen %1").arg(kill));
        }
        // Finish: everything once more, to a listener that is allowed to stop cleanly.
        QProcess listener;
        quint16 port = 0;
        QVERIFY(startListener(&listener, db, &port));
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        QVERIFY(socket.waitForConnected(10000));
        QVERIFY(send(&socket, m_bytes));
        socket.disconnectFromHost();
        if (socket.state() != QAbstractSocket::UnconnectedState)
            QVERIFY(socket.waitForDisconnected(30000));
        // Without acknowledgements only the store can say when everything sent is in: wait for the total.
        QElapsedTimer timer;
        timer.start();
        qint64 total = -1;
        while (timer.elapsed() < 120000) {
            total = statsTotal(m_home, db);
            if (total >= m_expected)
                break;
            QTest::qWait(200);
        }
        listener.terminate();   // SIGTERM: stores what it holds, then exits
        QVERIFY(listener.waitForFinished(60000));
        QCOMPARE(listener.exitStatus(), QProcess::NormalExit);
        QCOMPARE(listener.exitCode(), 0);
        QCOMPARE(integrity(db), QStringLiteral("ok"));
        QCOMPARE(statsTotal(m_home, db), m_expected);
    }

private:
    // The store survived the kill: SQLite finds nothing wrong, it reads back, and it holds no more than the input.
    void checkAfterKill(const QString &db, const QString &when)
    {
        if (!exists(db))
            return;   // killed before the store was created
        const QString check = integrity(db);
        QVERIFY2(check == QLatin1String("ok"), qPrintable(when + QStringLiteral(": ") + check));
        QString error;
        const qint64 total = statsTotal(m_home, db, &error);
        // Killed while the store was being created: its first transaction rolled back, the file is still empty (the
        // next writer creates the store in it), and a reader says so.
        if (total < 0 && error.contains(QStringLiteral("not an alert store yet (schema version 0)")))
            return;
        QVERIFY2(total >= 0, qPrintable(when + QStringLiteral(": ") + error));
        QVERIFY2(total <= m_expected, qPrintable(when + QStringLiteral(": %1 alerts of %2").arg(total).arg(m_expected)));
    }

    bool startListener(QProcess *listener, const QString &db, quint16 *port)
    {
        listener->setProcessEnvironment(cliEnvironment(m_home));
        QByteArray out;
        *port = fe::test::startListener(*listener, db, {QStringLiteral("--quiet")}, &out);
        if (*port != 0)
            return true;
        qWarning("listener did not start: %s %s", out.constData(), listener->readAllStandardError().constData());
        return false;
    }

    static bool send(QTcpSocket *socket, QByteArrayView bytes)
    {
        constexpr qsizetype chunk = 64 * 1024;
        for (qsizetype at = 0; at < bytes.size(); at += chunk) {
            socket->write(bytes.sliced(at, std::min(chunk, bytes.size() - at)).toByteArray());
            while (socket->bytesToWrite() > 0) {
                if (!socket->waitForBytesWritten(30000))
                    return false;
            }
        }
        return true;
    }

    QTemporaryDir m_dir;
    QString m_home;
    QString m_input;
    QByteArray m_bytes;
    qint64 m_expected = 0;
    qint64 m_importMs = 0;
    quint32 m_seed = 0;
    QRandomGenerator m_random;
};

QTEST_GUILESS_MAIN(TestKillRecovery)
#include "tst_killrecovery.moc"
