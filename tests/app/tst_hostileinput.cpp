// SPDX-License-Identifier: Apache-2.0
// What hostile input can do to the analyst's terminal and secrets, through the real binary: control bytes sent to
// `listen`, written into a log (and its file name) for `import` and `map`, or answered by an Elasticsearch server,
// reach stderr/stdout escaped (\x1b, \x07), never raw; credentials in an Elasticsearch URL are refused and never
// printed or sent. The listener and the fake Elasticsearch run on 127.0.0.1.
#include "model/alertstore.h"
#include "support/clirun.h"
#include "support/fakeelasticsearch.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace fe;
using fe::test::FakeElasticsearch;

namespace {

using fe::test::Run;

// Runs the CLI with the event loop turning (the fake Elasticsearch lives in this thread).
Run runCli(const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    QSignalSpy finished(&p, &QProcess::finished);
    p.start(QStringLiteral(FE_EXPLORER_BIN), args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    if (!finished.wait(120000)) {
        p.kill();
        p.waitForFinished();
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// No byte a terminal would act on: C0 controls other than the newline that ends each line, DEL, and the UTF-8
// forms of C1 controls (U+0080-U+009F: C2 80 - C2 9F).
bool terminalSafe(const QByteArray &text, QByteArray *offender = nullptr)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80
            && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
        if ((c < 0x20 && c != '\n') || c == 0x7f || c1) {
            if (offender)
                *offender = text.mid(std::max<qsizetype>(0, i - 40), 80);
            return false;
        }
    }
    return true;
}

#define VERIFY_TERMINAL_SAFE(text)                                                                                    \
    do {                                                                                                               \
        QByteArray offender;                                                                                           \
        QVERIFY2(terminalSafe(text, &offender), offender.toHex(' ').constData());                                      \
    } while (false)

using fe::test::writeFile;

} // namespace

class TestHostileInput : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("data"))));
    }

    // The listener's diagnostics quote what a peer sent: ESC and BEL arrive as \x1b and \x07.
    void listenerEscapesWhatPeersSend()
    {
        QProcess listener;
        QByteArray out;
        const quint16 port = fe::test::startListener(listener, m_dir.filePath(QStringLiteral("listen.db")),
                                                     {QStringLiteral("--quiet")}, &out);
        QVERIFY2(port != 0, out.constData());

        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        QVERIFY(socket.waitForConnected(10000));
        // Text that is not syslog: a window title change (OSC ... BEL) and a screen clear (CSI 2J), then a syslog
        // line whose JSON is broken and carries its own escape, then an octet-counted frame the peer never finishes.
        socket.write("\x1b]0;pwned\x07 hello \x1b[2J\n");
        socket.write("<14>2024-05-07T18:00:00Z host falco[1]: {\"rule\":\"\x1b[31mred\n");
        socket.write("100 <14>\x1b[5mblink");
        QVERIFY(socket.waitForBytesWritten(10000));
        socket.disconnectFromHost();

        QByteArray err;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 30000 && !(err.contains("not syslog") && err.contains("truncated frame"))) {
            listener.waitForReadyRead(200);
            err += listener.readAllStandardError();
        }
        listener.terminate();
        QVERIFY(listener.waitForFinished(30000));
        err += listener.readAllStandardError();
        QVERIFY2(err.contains("not syslog"), err.constData());
        QVERIFY2(err.contains("\\x1b]0;pwned\\x07 hello \\x1b[2J"), err.constData());
        QVERIFY2(err.contains("truncated frame"), err.constData());
        QVERIFY2(err.contains("\\x1b[5mblink"), err.constData());
        VERIFY_TERMINAL_SAFE(err);
    }

    // A log copied off a compromised host: escapes in its lines and in its file name.
    void importAndMapEscapeTheirInput()
    {
        const QString dir = m_dir.filePath(QStringLiteral("evidence"));
        QVERIFY(QDir().mkpath(dir));
        const QString path = dir + QStringLiteral("/falco\x1b[2J.log");
        QVERIFY(writeFile(path, "{\"rule\": \"\x1b]0;owned\x07\n"
                                "{\"output\":\"x\",\"priority\":\"Warning\",\"rule\":\"r\",\"time\":\"\x1b[6n\"}\n"));
        const Run import = runCli({QStringLiteral("import"), QStringLiteral("--db"), m_dir.filePath(QStringLiteral("import.db")), dir});
        QVERIFY2(import.err.contains("falco\\x1b[2J.log:1"), import.err.constData());
        VERIFY_TERMINAL_SAFE(import.err);
        VERIFY_TERMINAL_SAFE(import.out);

        const Run map = runCli({QStringLiteral("map"), path});
        QVERIFY2(map.err.contains("falco\\x1b[2J.log:1"), map.err.constData());
        VERIFY_TERMINAL_SAFE(map.err);
    }

    // Credentials in the URL: refused before anything is sent, and never echoed.
    void credentialsInTheUrlAreRefused_data()
    {
        QTest::addColumn<QString>("command");
        QTest::newRow("forward") << QStringLiteral("forward");
        QTest::newRow("es-setup") << QStringLiteral("es-setup");
    }
    void credentialsInTheUrlAreRefused()
    {
        QFETCH(QString, command);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.requireBasicAuth(QStringLiteral("elastic"), QStringLiteral("T0p-S3cret"));
        const QString db = m_dir.filePath(QStringLiteral("cred.db"));
        AlertStore store;
        QVERIFY(store.open(db));
        store.close();
        const QString url = es.url().replace(QLatin1String("http://"), QLatin1String("http://elastic:T0p-S3cret@"));
        QStringList args{command, QStringLiteral("--es"), url};
        if (command == QLatin1String("forward"))
            args << QStringLiteral("--db") << db << QStringLiteral("--once");
        const Run r = runCli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("credentials in the URL are refused"), r.err.constData());
        QVERIFY2(r.err.contains("--password-env"), r.err.constData());
        QVERIFY2(r.err.contains("http://***@127.0.0.1"), r.err.constData());
        QVERIFY2(!r.err.contains("T0p-S3cret") && !r.out.contains("T0p-S3cret"), r.err.constData());
        QCOMPARE(es.requests().size(), 0);
    }

    // The server's answers are not trusted either: a refusal reason with escapes reaches the terminal escaped,
    // in the forward run's messages and in the dead-letter list.
    void elasticsearchAnswersAreEscaped()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.rejectDocumentsContaining("\"@timestamp\"", QStringLiteral("bad field \x1b]0;owned\x07\x1b[2J"));
        const QString db = m_dir.filePath(QStringLiteral("dead.db"));
        const Run demo = runCli({QStringLiteral("demo"), QStringLiteral("--db"), db, QStringLiteral("--count"),
                                 QStringLiteral("300"), QStringLiteral("--seed"), QStringLiteral("4")});
        QCOMPARE(demo.exitCode, 0);
        const Run forward = runCli({QStringLiteral("forward"), QStringLiteral("--db"), db, QStringLiteral("--es"), es.url(),
                                    QStringLiteral("--once"), QStringLiteral("--max-attempts"), QStringLiteral("1")});
        QVERIFY2(forward.err.contains("dead-lettered"), forward.err.constData());
        QVERIFY2(forward.err.contains("bad field \\x1b]0;owned\\x07\\x1b[2J"), forward.err.constData());
        VERIFY_TERMINAL_SAFE(forward.err);
        const Run list = runCli({QStringLiteral("forward"), QStringLiteral("--db"), db, QStringLiteral("--dead-letters")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(list.out.contains("bad field \\x1b]0;owned\\x07\\x1b[2J"), list.out.constData());
        // Tabs separate the columns of the list; nothing else is a control character.
        QByteArray columns = list.out;
        columns.replace('\t', ' ');
        VERIFY_TERMINAL_SAFE(columns);
    }
};

QTEST_GUILESS_MAIN(TestHostileInput)
#include "tst_hostileinput.moc"
