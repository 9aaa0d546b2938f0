// SPDX-License-Identifier: Apache-2.0
// The lean store's CLI, through the real binary on real files, a real listener and real signals: `export --format
// original`, `index`, and the conversion of a v4 store with its progress, stopped by SIGTERM and resumed.
#include "model/schema.h"
#include "support/clirun.h"
#include "support/rawdb.h"
#include "support/v4store.h"

#include "testpaths.h"

#include <QDateTime>
#include <QDir>
#include <QHostAddress>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>
#include <zlib.h>

#include <csignal>

namespace {

using fe::test::readFile;
using fe::test::Run;
using fe::test::runCli;
using fe::test::writeFile;

QByteArray gzip(const QByteArray &data)
{
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    QByteArray buf(int(deflateBound(&z, uLong(data.size()))) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef *>(buf.data());
    z.avail_out = uInt(buf.size());
    deflate(&z, Z_FINISH);
    buf.resize(qsizetype(z.total_out));
    deflateEnd(&z);
    return buf;
}

// A Falco alert line; n makes it unique.
QByteArray alertJson(int n, const QByteArray &rule, const QByteArray &output)
{
    return "{\"hostname\":\"node-" + QByteArray::number(n % 3) + "\",\"output\":\"" + output + " n=" + QByteArray::number(n)
        + "\",\"priority\":\"Warning\",\"rule\":\"" + rule + "\",\"source\":\"syscall\",\"time\":\"2024-05-07T18:"
        + QByteArray::number(10 + n % 40) + ":19.341081180Z\",\"output_fields\":{\"proc.name\":\"bash\",\"evt.num\":"
        + QByteArray::number(n) + "}}";
}

qint64 statsTotal(const QString &db)
{
    const Run stats = runCli({QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db});
    return stats.exitCode == 0 ? QJsonDocument::fromJson(stats.out).object().value(QStringLiteral("total")).toInteger(-1) : -1;
}

bool stopListener(QProcess &listener)
{
    ::kill(pid_t(listener.processId()), SIGTERM);
    return listener.waitForFinished(60000) && listener.exitStatus() == QProcess::NormalExit && listener.exitCode() == 0;
}

using fe::test::RawDb;

// What must survive a conversion, read from a converted store.
struct StoreFacts
{
    QByteArray stats;        // stats --json (totals, by priority, rule, host, ...)
    QByteArray closed;       // export of the triaged alerts
    QByteArray documents;    // export of every alert's document
    qint64 notes = -1;
    QByteArray noteText;
    qint64 cursor = -1;
    QByteArray tailState;
};

StoreFacts factsOf(const QString &db)
{
    StoreFacts f;
    f.stats = runCli({QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db, QStringLiteral("--from"),
                      QStringLiteral("2024-01-01"), QStringLiteral("--to"), QStringLiteral("2025-01-01")}).out;
    f.closed = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"), QStringLiteral("csv"),
                       QStringLiteral("--query"), QStringLiteral("triage.status:closed")}).out;
    f.documents = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                          QStringLiteral("ndjson")}).out;
    RawDb raw(db);
    f.notes = raw.scalar("SELECT count(*) FROM alert_notes");
    f.noteText = raw.text("SELECT group_concat(alert_id || ':' || text, '|') FROM alert_notes");
    f.cursor = raw.scalar("SELECT cursor FROM forward_target");
    f.tailState = raw.text("SELECT value FROM state WHERE key = 'tail:/var/log/falco.log'");
    return f;
}

// Starts falco-explorer with args and waits until its stderr holds pattern; the stderr read so far.
QByteArray startAndWaitForErr(QProcess &p, const QStringList &args, const QRegularExpression &pattern, int timeoutMs = 120000)
{
    p.start(QStringLiteral(FE_EXPLORER_BIN), args);
    if (!p.waitForStarted())
        return {};
    QByteArray err;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs && p.state() != QProcess::NotRunning) {
        p.waitForReadyRead(50);
        err += p.readAllStandardError();
        if (pattern.match(QString::fromUtf8(err)).hasMatch())
            break;
    }
    return err;
}

} // namespace

class TestLeanStoreCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(QFile::exists(QStringLiteral(FE_EXPLORER_BIN)), FE_EXPLORER_BIN); }

    // Files with odd lines (CRLF, trailing spaces, tabs, unicode, a BOM, a gzip file) come back byte for byte, in the
    // order they were read, the duplicate and the non-alert lines aside; every filter narrows the export.
    void exportOriginalReproducesFiles()
    {
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("a.db"));
        QByteArray plain;
        QByteArray expected;
        // A BOM before the first alert of a file is part of the line as read.
        const QByteArray first = "\xEF\xBB\xBF" + alertJson(0, "Terminal shell in container", "first");
        plain += first + "\n";
        expected += first + "\n";
        const QList<QByteArray> odd = {
            alertJson(1, "Terminal shell in container", "crlf line") + "\r\n",
            alertJson(2, "Read sensitive file", "trailing spaces") + "   \n",
            alertJson(3, "Read sensitive file", "tab\\tand unicode \xc3\xa9\xe2\x82\xac \xf0\x9f\x94\xa5 \\u00e9") + "\t\n",
            "   " + alertJson(4, "Terminal shell in container", "leading spaces") + "\n",
            alertJson(5, "Write below etc", "plain") + "\n",
        };
        for (const QByteArray &line : odd) {
            plain += line;
            QByteArray kept = line;
            kept.chop(kept.endsWith("\r\n") ? 2 : 1);   // the line ending is not the line's
            expected += kept + "\n";
        }
        // A duplicate of an alert already read, and lines that are no alerts: not stored, not exported.
        plain += odd.at(4);
        plain += "Thu May  7 18:54:19 2024: Falco initialized with configuration file /etc/falco/falco.yaml\n\n";
        const QByteArray last = alertJson(6, "Write below etc", "no final newline");
        plain += last;
        expected += last + "\n";
        QByteArray zipped;
        QByteArray zippedExpected;
        for (int i = 7; i < 57; ++i) {
            const QByteArray line = alertJson(i, i % 2 ? "Read sensitive file" : "Terminal shell in container", "gz");
            zipped += line + "\n";
            zippedExpected += line + "\n";
        }
        QVERIFY(writeFile(tmp.filePath(QStringLiteral("odd.log")), plain));
        QVERIFY(writeFile(tmp.filePath(QStringLiteral("more.log.gz")), gzip(zipped)));
        const Run imported = runCli({QStringLiteral("import"), QStringLiteral("--json"), QStringLiteral("--db"), db,
                                     tmp.filePath(QStringLiteral("odd.log")), tmp.filePath(QStringLiteral("more.log.gz"))});
        QCOMPARE(imported.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(imported.out).object().value(QStringLiteral("stored")).toInt(), 57);
        QCOMPARE(QJsonDocument::fromJson(imported.out).object().value(QStringLiteral("duplicates")).toInt(), 1);

        const Run exported = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                     QStringLiteral("original")});
        QCOMPARE(exported.exitCode, 0);
        QVERIFY2(exported.err.isEmpty(), exported.err.constData());
        QCOMPARE(exported.out, expected + zippedExpected);

        // To a file, the same bytes.
        const QString outFile = tmp.filePath(QStringLiteral("originals.log"));
        const Run toFile = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                   QStringLiteral("original"), QStringLiteral("-o"), outFile});
        QCOMPARE(toFile.exitCode, 0);
        QCOMPARE(readFile(outFile), expected + zippedExpected);
        QVERIFY(toFile.err.contains("Exported 57 original(s)"));

        // A query: the matching lines, in the order read.
        const Run query = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                  QStringLiteral("original"), QStringLiteral("--query"),
                                  QStringLiteral("rule.name:\"Write below etc\"")});
        QCOMPARE(query.exitCode, 0);
        QCOMPARE(query.out, odd.at(4) + last + "\n");
        // Free text.
        const Run text = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                 QStringLiteral("original"), QStringLiteral("--query"), QStringLiteral("\"trailing spaces\"")});
        QCOMPARE(text.out, odd.at(1).chopped(1) + "\n");
        // A time range: the alerts' times are 18:10 + n % 40 minutes.
        const Run range = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                  QStringLiteral("original"), QStringLiteral("--from"), QStringLiteral("2024-05-07T18:15:00Z"),
                                  QStringLiteral("--to"), QStringLiteral("2024-05-07T18:17:00Z")});
        QCOMPARE(range.exitCode, 0);
        QByteArray inRange;
        for (int i : {5, 6, 45, 46}) {
            QByteArray line = i == 5 ? odd.at(4) : i == 6 ? last + "\n" : alertJson(i, i % 2 ? "Read sensitive file" : "Terminal shell in container", "gz") + "\n";
            inRange += line;
        }
        QCOMPARE(range.out, inRange);
        // A query that does not compile is a usage error, as for the other formats.
        const Run bad = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                QStringLiteral("original"), QStringLiteral("--query"), QStringLiteral("rule.name:(")});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(!bad.err.isEmpty());
        // A format that does not exist names the three that do.
        const Run unknown = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                    QStringLiteral("raw")});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains("ndjson, csv or original"));
    }

    // Syslog frames received by the real listener with octet counting (RFC 6587) come back as received, header
    // included: one with a line feed inside (pretty-printed JSON) spans two output lines, written as it is.
    void exportOriginalReproducesSyslogFrames()
    {
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("tcp.db"));
        QProcess listener;
        const quint16 port = fe::test::startListener(listener, db, {QStringLiteral("--quiet")});
        QVERIFY(port != 0);
        QList<QByteArray> frames;
        for (int i = 0; i < 20; ++i) {
            frames << "<14>1 2024-05-07T18:54:19.341Z node-1 falco 42 - - " + alertJson(100 + i, "Terminal shell in container", "frame");
        }
        frames << "<14>May  7 18:54:19 node-2 Falco[1]: " + alertJson(200, "Read sensitive file", "rfc3164 \xc3\xa9") + "  ";
        frames << "<14>1 2024-05-07T18:54:19.341Z node-1 falco 42 - - {\"hostname\":\"node-1\",\n \"output\":\"pretty n=201\","
                  "\"priority\":\"Error\",\"rule\":\"Pretty\",\"source\":\"syscall\",\"time\":\"2024-05-07T18:55:00Z\","
                  "\"output_fields\":{}}";
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(client.waitForConnected(10000));
        QByteArray wire;
        for (const QByteArray &frame : frames)
            wire += QByteArray::number(frame.size()) + ' ' + frame;
        client.write(wire);
        QVERIFY(client.waitForBytesWritten(10000));
        client.disconnectFromHost();
        QElapsedTimer timer;
        timer.start();
        while (statsTotal(db) < frames.size() && timer.elapsed() < 60000)
            QTest::qWait(100);
        QVERIFY(stopListener(listener));
        QCOMPARE(statsTotal(db), frames.size());

        const Run exported = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                     QStringLiteral("original")});
        QCOMPARE(exported.exitCode, 0);
        QByteArray expected;
        for (const QByteArray &frame : frames)
            expected += frame + "\n";
        QCOMPARE(exported.out, expected);
    }

    // `index` builds what an import left out of the full-text index: progress lines on a pipe, nothing with --quiet,
    // a JSON summary; a second run finds nothing to do; searches give the same answers before and after.
    void indexBuildsThePendingIndex()
    {
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("demo.db"));
        const QString demoFile = tmp.filePath(QStringLiteral("demo.log"));
        const Run demo = runCli({QStringLiteral("demo"), QStringLiteral("--stdout"), QStringLiteral("--count"),
                                 QStringLiteral("30000"), QStringLiteral("--seed"), QStringLiteral("7")});
        QCOMPARE(demo.exitCode, 0);
        QVERIFY(writeFile(demoFile, demo.out));
        const Run imported = runCli({QStringLiteral("import"), QStringLiteral("--json"), QStringLiteral("--db"), db, demoFile});
        QCOMPARE(imported.exitCode, 0);
        const qint64 stored = QJsonDocument::fromJson(imported.out).object().value(QStringLiteral("stored")).toInteger();
        QVERIFY(stored > 20000);
        const QStringList search = {QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db,
                                    QStringLiteral("--query"), QStringLiteral("shadow or \"shell spawned\"")};
        const Run before = runCli(search);
        QCOMPARE(before.exitCode, 0);

        const Run index = runCli({QStringLiteral("index"), QStringLiteral("--db"), db});
        QCOMPARE(index.exitCode, 0);
        // Not a terminal: plain lines, the first at once and the last at 100%; no carriage returns.
        QVERIFY2(!index.err.contains('\r'), index.err.constData());
        const QList<QByteArray> lines = index.err.trimmed().split('\n');
        QVERIFY2(lines.size() >= 3, index.err.constData());
        QVERIFY2(lines.first().startsWith("Indexing text: 0% (0/" + QByteArray::number(stored) + " alerts"), index.err.constData());
        QVERIFY2(lines.at(lines.size() - 2).startsWith("Indexing text: 100% (" + QByteArray::number(stored) + "/"
                                                       + QByteArray::number(stored) + " alerts"),
                 index.err.constData());
        QVERIFY2(lines.last().startsWith("Indexed " + QByteArray::number(stored) + " alert(s)"), index.err.constData());

        const Run again = runCli({QStringLiteral("index"), QStringLiteral("--store"), db, QStringLiteral("--json")});
        QCOMPARE(again.exitCode, 0);
        const QJsonObject summary = QJsonDocument::fromJson(again.out).object();
        QCOMPARE(summary.value(QStringLiteral("indexed")).toInt(-1), 0);
        QCOMPARE(summary.value(QStringLiteral("pending")).toInt(-1), 0);
        QVERIFY(summary.contains(QStringLiteral("elapsed_ms")));
        const Run quiet = runCli({QStringLiteral("index"), QStringLiteral("--db"), db, QStringLiteral("--quiet")});
        QCOMPARE(quiet.exitCode, 0);
        QCOMPARE(quiet.err, QByteArray());

        const Run after = runCli(search);
        QCOMPARE(after.out, before.out);
        QVERIFY(QJsonDocument::fromJson(after.out).object().value(QStringLiteral("total")).toInt() > 0);

        // No store: an error, not a new empty store.
        const Run missing = runCli({QStringLiteral("index"), QStringLiteral("--db"), tmp.filePath(QStringLiteral("none.db"))});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("no store at"));
        QVERIFY(!QFile::exists(tmp.filePath(QStringLiteral("none.db"))));
    }

    // map takes the context a store keeps with an alert: the read time and, for the tcp input, the peer.
    void mapContextOptions()
    {
        const QByteArray line = alertJson(1, "R", "x") + "\n";
        const QByteArray timeless = "{\"output\":\"x\",\"priority\":\"Notice\",\"rule\":\"R\",\"output_fields\":{}}\n";
        const Run at = runCli({QStringLiteral("map"), QStringLiteral("--read-time"), QStringLiteral("1700000000123")}, timeless);
        QCOMPARE(at.exitCode, 0);
        const QJsonObject doc = QJsonDocument::fromJson(at.out).object();
        QCOMPARE(doc.value(QStringLiteral("@timestamp")).toString(), QStringLiteral("2023-11-14T22:13:20.123Z"));
        QCOMPARE(doc.value(QStringLiteral("event")).toObject().value(QStringLiteral("ingested")).toString(),
                 QStringLiteral("2023-11-14T22:13:20.123Z"));
        const Run iso = runCli({QStringLiteral("map"), QStringLiteral("--read-time"), QStringLiteral("2023-11-14T22:13:20.123Z")}, timeless);
        QCOMPARE(iso.out, at.out);
        const Run peer = runCli({QStringLiteral("map"), QStringLiteral("--input"), QStringLiteral("tcp"),
                                 QStringLiteral("--source-address"), QStringLiteral("10.1.2.3:514")},
                                "<14>1 2024-05-07T18:54:19.341Z node-1 falco 42 - - " + line);
        QCOMPARE(peer.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(peer.out).object().value(QStringLiteral("log")).toObject()
                     .value(QStringLiteral("source")).toObject().value(QStringLiteral("address")).toString(),
                 QStringLiteral("10.1.2.3:514"));
        const Run badTime = runCli({QStringLiteral("map"), QStringLiteral("--read-time"), QStringLiteral("yesterday")}, line);
        QCOMPARE(badTime.exitCode, 2);
        QVERIFY2(badTime.err.contains("--read-time: invalid time 'yesterday'"), badTime.err.constData());
        const Run noTcp = runCli({QStringLiteral("map"), QStringLiteral("--source-address"), QStringLiteral("10.1.2.3:514")}, line);
        QCOMPARE(noTcp.exitCode, 2);
        QVERIFY2(noTcp.err.contains("--source-address needs --input tcp"), noTcp.err.constData());
    }

    // On a terminal, one line redrawn in place: carriage returns, a bar, the percentage and the rate.
    void indexProgressOnATerminal()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("script")).isEmpty())
            QSKIP("script(1) (util-linux) is not installed");
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("demo.db"));
        QCOMPARE(runCli({QStringLiteral("demo"), QStringLiteral("--db"), db, QStringLiteral("--count"), QStringLiteral("30000")}).exitCode, 0);
        // script gives the command a pseudo-terminal: stdout and stderr both reach it, and script's output.
        QProcess p;
        p.start(QStringLiteral("script"), {QStringLiteral("-qfec"),
                                           QStringLiteral("'%1' index --db '%2'").arg(QStringLiteral(FE_EXPLORER_BIN), db),
                                           QStringLiteral("/dev/null")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(out.contains("\rIndexing text: 0% (0/"), out.constData());
        QVERIFY2(out.contains("\rIndexing text: 100% ("), out.constData());
        QVERIFY2(out.contains("alerts/s"), out.constData());
        QVERIFY2(out.contains("[##############################]"), out.constData());
    }

    // A v4 store opened for writing by the CLI is converted with progress lines; SIGTERM stops the conversion
    // between two chunks (non-zero exit, the message, the store still v4 and valid); the next run goes on and ends
    // with the same totals, triage, notes, cursors and tail positions as a conversion in one go. `index` then
    // builds the full-text index, SIGTERM stopping it too. The converted alerts have no original to export.
    void conversionProgressStopAndResume()
    {
        QTemporaryDir tmp;
        constexpr int n = 200000;   // ten conversion chunks
        const QString once = tmp.filePath(QStringLiteral("once.db"));
        const QString stopped = tmp.filePath(QStringLiteral("stopped.db"));
        QString error;
        QVERIFY2(fe::test::writeV4Store(once, n, &error), qPrintable(error));
        QVERIFY(QFile::copy(once, stopped));

        // In one go, through import (which converts before it imports: nothing to import here but an empty file).
        QVERIFY(writeFile(tmp.filePath(QStringLiteral("empty.log")), QByteArray()));
        const Run converted = runCli({QStringLiteral("import"), QStringLiteral("--db"), once, tmp.filePath(QStringLiteral("empty.log"))});
        QCOMPARE(converted.exitCode, 0);
        QVERIFY2(converted.err.contains("Converting store to format 5: 100% (200000/200000 alerts"), converted.err.constData());
        QVERIFY2(QRegularExpression(QStringLiteral("Converting store to format 5: \\d+% \\(20000/200000 alerts"))
                     .match(QString::fromUtf8(converted.err)).hasMatch(),
                 converted.err.constData());
        QCOMPARE(statsTotal(once), n);

        // Stopped by SIGTERM after its first chunk.
        QProcess p;
        const QByteArray err = startAndWaitForErr(p, {QStringLiteral("index"), QStringLiteral("--db"), stopped},
                                                  QRegularExpression(QStringLiteral("Converting store to format 5: ")));
        QVERIFY2(p.state() == QProcess::Running, err.constData());
        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(120000));
        const QByteArray stopErr = err + p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 128 + SIGTERM);
        QVERIFY2(stopErr.contains("falco-explorer index: conversion interrupted; it resumes next time the store is opened"),
                 stopErr.constData());
        QVERIFY2(!stopErr.contains("Indexing text"), stopErr.constData());
        {
            RawDb raw(stopped);
            QCOMPARE(raw.scalar("PRAGMA user_version"), 4);
            const qint64 done = raw.scalar("SELECT count(*) FROM alerts_v5");
            QVERIFY2(done > 0 && done < n, qPrintable(QString::number(done)));
            QCOMPARE(raw.text("PRAGMA integrity_check"), QByteArray("ok"));
        }
        // A reader is told what to do rather than shown half a store.
        const Run readOnly = runCli({QStringLiteral("stats"), QStringLiteral("--db"), stopped});
        QCOMPARE(readOnly.exitCode, 1);
        QVERIFY2(readOnly.err.contains("older schema version 4"), readOnly.err.constData());

        // Resumed: the conversion goes on from its last chunk (its first line is past 0%), then the index is built;
        // SIGTERM stops the index between two chunks.
        QProcess resumed;
        const QByteArray resumedErr = startAndWaitForErr(resumed, {QStringLiteral("index"), QStringLiteral("--db"), stopped},
                                                         QRegularExpression(QStringLiteral("Indexing text: ")));
        QVERIFY2(resumed.state() == QProcess::Running, resumedErr.constData());
        ::kill(pid_t(resumed.processId()), SIGTERM);
        QVERIFY(resumed.waitForFinished(120000));
        const QByteArray indexErr = resumedErr + resumed.readAllStandardError();
        QCOMPARE(resumed.exitCode(), 128 + SIGTERM);
        QVERIFY2(indexErr.contains("Converting store to format 5: 100% (200000/200000 alerts"), indexErr.constData());
        QVERIFY2(!indexErr.contains("(20000/200000 alerts"), indexErr.constData());
        QVERIFY2(indexErr.contains("falco-explorer index: interrupted after "), indexErr.constData());
        {
            RawDb raw(stopped);
            QCOMPARE(raw.scalar("PRAGMA user_version"), 5);
        }
        // The rest of the index; the totals, triage and notes are those of the conversion in one go.
        const Run rest = runCli({QStringLiteral("index"), QStringLiteral("--db"), stopped, QStringLiteral("--json")});
        QCOMPARE(rest.exitCode, 0);
        const QJsonObject summary = QJsonDocument::fromJson(rest.out).object();
        QVERIFY(summary.value(QStringLiteral("indexed")).toInt() > 0);
        QCOMPARE(summary.value(QStringLiteral("pending")).toInt(-1), 0);
        const StoreFacts a = factsOf(once);
        const StoreFacts b = factsOf(stopped);
        QVERIFY(!a.stats.isEmpty());
        QCOMPARE(QJsonDocument::fromJson(a.stats).object().value(QStringLiteral("total")).toInt(), n);
        QCOMPARE(b.stats, a.stats);
        QCOMPARE(a.closed.count('\n'), n / 5 + 1);   // the header and every fifth alert
        QCOMPARE(b.closed, a.closed);
        QCOMPARE(a.documents.count('\n'), n);
        QVERIFY(b.documents == a.documents);   // not QCOMPARE: 60 MB would be printed
        QCOMPARE(a.notes, 2);
        QCOMPARE(b.notes, 2);
        QCOMPARE(b.noteText, a.noteText);
        QCOMPARE(a.cursor, 20);
        QCOMPARE(b.cursor, 20);
        QCOMPARE(a.tailState, QByteArray("pos 42"));
        QCOMPARE(b.tailState, QByteArray("pos 42"));
        const QStringList search = {QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--query"),
                                    QStringLiteral("\"etc shadow\"")};
        QCOMPARE(QJsonDocument::fromJson(runCli(search + QStringList{QStringLiteral("--db"), stopped}).out)
                     .object().value(QStringLiteral("total")).toInt(),
                 n / 100);

        // The converted alerts kept their document, not their original: none is exported, and stderr says so.
        const Run originals = runCli({QStringLiteral("export"), QStringLiteral("--db"), stopped, QStringLiteral("--format"),
                                      QStringLiteral("original")});
        QCOMPARE(originals.exitCode, 0);
        QCOMPARE(originals.out, QByteArray());
        QVERIFY2(originals.err.contains("200000 alert(s) left out"), originals.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestLeanStoreCli)
#include "tst_leanstorecli.moc"
