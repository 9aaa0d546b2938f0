// SPDX-License-Identifier: Apache-2.0
// The headless CLI, run as the real binary on real files in a temporary directory.
#include "testpaths.h"
#include "support/clirun.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

namespace {

using fe::test::readFile;
using fe::test::Run;
using fe::test::runCli;
using fe::test::writeFile;

// One gzip member per part: `cat a.gz b.gz` style multi-member files.
QByteArray gzip(const QList<QByteArray> &parts)
{
    QByteArray out;
    for (const QByteArray &part : parts) {
        z_stream z{};
        deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        QByteArray buf(int(deflateBound(&z, uLong(part.size()))) + 64, '\0');
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(part.constData()));
        z.avail_in = uInt(part.size());
        z.next_out = reinterpret_cast<Bytef *>(buf.data());
        z.avail_out = uInt(buf.size());
        deflate(&z, Z_FINISH);
        buf.resize(qsizetype(z.total_out));
        deflateEnd(&z);
        out += buf;
    }
    return out;
}

QJsonObject importJson(const Run &run)
{
    return QJsonDocument::fromJson(run.out).object();
}

QList<QByteArray> nonEmptyLines(const QByteArray &data)
{
    QList<QByteArray> lines;
    for (const QByteArray &l : data.split('\n')) {
        if (!l.trimmed().isEmpty())
            lines << l;
    }
    return lines;
}

// An ECS document without event.ingested (the time it was read, which differs between two runs).
QJsonObject withoutIngested(const QByteArray &json)
{
    QJsonObject doc = QJsonDocument::fromJson(json).object();
    QJsonObject event = doc.value(QStringLiteral("event")).toObject();
    event.remove(QStringLiteral("ingested"));
    doc.insert(QStringLiteral("event"), event);
    return doc;
}

const QString s_cliData = QStringLiteral(FE_TEST_DATA_DIR "/cli");

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(QStringLiteral(FE_EXPLORER_BIN)), FE_EXPLORER_BIN);
        QVERIFY(QFile::exists(s_cliData + QStringLiteral("/mixed.log")));
    }

    void versionAndHelp()
    {
        const Run version = runCli({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith("falco-explorer "));
        const Run help = runCli({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        for (const char *command : {"map", "import", "stats", "export", "demo", "listen", "forward", "es-setup"})
            QVERIFY2(help.out.contains(command), command);
        QCOMPARE(runCli({QStringLiteral("no-such-command")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--no-such-flag")}).exitCode, 2);
    }

    // Import of one input kind, then the exact counters of the --json summary.
    void importCounts_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("files");
        QTest::addColumn<int>("read");
        QTest::addColumn<int>("stored");
        QTest::addColumn<int>("skipped");
        QTest::addColumn<int>("rejected");
        QTest::newRow("plain file") << "plain" << 1 << 4 << 4 << 0 << 0;
        QTest::newRow("gzip file with two members") << "gz" << 1 << 4 << 4 << 0 << 0;
        QTest::newRow("directory with rotated and compressed files") << "dir" << 3 << 8 << 8 << 0 << 0;
        QTest::newRow("stdin") << "stdin" << 1 << 4 << 4 << 0 << 0;
        // @timestamp is then the time of reading, different on the second import: still duplicates (model/dedupekey.h).
        QTest::newRow("alerts without a time of their own") << "notime" << 1 << 4 << 4 << 0 << 0;
        QTest::newRow("bad, blank, text log lines, last line without newline") << "mixed" << 1 << 8 << 4 << 3 << 1;
    }

    void importCounts()
    {
        QFETCH(QString, kind);
        QFETCH(int, files);
        QFETCH(int, read);
        QFETCH(int, stored);
        QFETCH(int, skipped);
        QFETCH(int, rejected);

        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString db = tmp.filePath(QStringLiteral("alerts.db"));
        const QByteArray alerts = readFile(s_cliData + QStringLiteral("/alerts.jsonl"));
        const QList<QByteArray> lines = nonEmptyLines(alerts);
        QCOMPARE(lines.size(), 4);

        QStringList args{QStringLiteral("import"), QStringLiteral("--json"), QStringLiteral("--db"), db};
        QByteArray input;
        if (kind == QStringLiteral("plain")) {
            args << s_cliData + QStringLiteral("/alerts.jsonl");
        } else if (kind == QStringLiteral("gz")) {
            const QString gz = tmp.filePath(QStringLiteral("alerts.json.gz"));
            QVERIFY(writeFile(gz, gzip({lines[0] + '\n' + lines[1] + '\n', lines[2] + '\n' + lines[3] + '\n'})));
            args << gz;
        } else if (kind == QStringLiteral("dir")) {
            // Taken: falco.log, falco.log.1, nested/x.json.gz. Ignored: notes.txt.
            const QString dir = tmp.filePath(QStringLiteral("logs"));
            QVERIFY(writeFile(dir + QStringLiteral("/falco.log"), lines[0] + '\n' + lines[1] + '\n'));
            QVERIFY(writeFile(dir + QStringLiteral("/falco.log.1"), lines[2] + '\n' + lines[3] + '\n'));
            QVERIFY(writeFile(dir + QStringLiteral("/nested/x.json.gz"), gzip({QByteArray(alerts).replace("97ade2b595f0", "otherhost0001")})));
            QVERIFY(writeFile(dir + QStringLiteral("/notes.txt"), "not a log\n"));
            args << dir;
        } else if (kind == QStringLiteral("notime")) {
            QByteArray text;
            for (const QByteArray &line : lines) {
                QJsonObject alert = QJsonDocument::fromJson(line).object();
                alert.remove(QStringLiteral("time"));
                QJsonObject fields = alert.value(QStringLiteral("output_fields")).toObject();
                fields.remove(QStringLiteral("evt.time"));
                fields.remove(QStringLiteral("evt.time.iso8601"));
                alert.insert(QStringLiteral("output_fields"), fields);
                text += QJsonDocument(alert).toJson(QJsonDocument::Compact) + '\n';
            }
            const QString file = tmp.filePath(QStringLiteral("notime.jsonl"));
            QVERIFY(writeFile(file, text));
            args << file;
        } else if (kind == QStringLiteral("stdin")) {
            input = alerts;
            args << QStringLiteral("-");
        } else {
            args << s_cliData + QStringLiteral("/mixed.log");
        }
        const Run run = runCli(args, input);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonObject summary = importJson(run);
        for (const char *key : {"files", "read", "stored", "duplicates", "skipped", "rejected", "elapsed_ms"})
            QVERIFY2(summary.contains(QLatin1String(key)), key);
        QCOMPARE(summary.value(QStringLiteral("files")).toInt(), files);
        QCOMPARE(summary.value(QStringLiteral("read")).toInt(), read);
        QCOMPARE(summary.value(QStringLiteral("stored")).toInt(), stored);
        QCOMPARE(summary.value(QStringLiteral("duplicates")).toInt(), 0);
        QCOMPARE(summary.value(QStringLiteral("skipped")).toInt(), skipped);
        QCOMPARE(summary.value(QStringLiteral("rejected")).toInt(), rejected);

        if (kind == QStringLiteral("mixed")) {
            // One diagnostic, for line 5, in FILE:LINE: reason form.
            const QList<QByteArray> diagnostics = nonEmptyLines(run.err);
            QCOMPARE(diagnostics.size(), 1);
            const QByteArray prefix = (s_cliData + QStringLiteral("/mixed.log:5: ")).toUtf8();
            QVERIFY2(diagnostics[0].startsWith(prefix), diagnostics[0].constData());
            QVERIFY(diagnostics[0].size() > prefix.size());
        }

        // The same input again: everything is a duplicate, nothing new is stored.
        if (kind != QStringLiteral("stdin")) {
            const Run again = runCli(args, input);
            QCOMPARE(again.exitCode, 0);
            const QJsonObject second = importJson(again);
            QCOMPARE(second.value(QStringLiteral("stored")).toInt(), 0);
            QCOMPARE(second.value(QStringLiteral("duplicates")).toInt(), stored);
        }
        const Run stats = runCli({QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db});
        QCOMPARE(stats.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(stats.out).object().value(QStringLiteral("total")).toInt(), stored);
    }

    void importOverlongLineGoesOn()
    {
        QTemporaryDir tmp;
        const QList<QByteArray> lines = nonEmptyLines(readFile(s_cliData + QStringLiteral("/alerts.jsonl")));
        const QString file = tmp.filePath(QStringLiteral("long.log"));
        QByteArray data = lines[0] + '\n';
        data += "{\"output\":\"" + QByteArray(17 << 20, 'x') + "\"}\n";
        data += lines[1] + '\n';
        QVERIFY(writeFile(file, data));
        const Run run = runCli({QStringLiteral("import"), QStringLiteral("--json"), QStringLiteral("--db"),
                                tmp.filePath(QStringLiteral("a.db")), file});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject s = importJson(run);
        QCOMPARE(s.value(QStringLiteral("read")).toInt(), 3);
        QCOMPARE(s.value(QStringLiteral("stored")).toInt(), 2);
        QCOMPARE(s.value(QStringLiteral("rejected")).toInt(), 1);
        QVERIFY2(run.err.contains((file + QStringLiteral(":2: line longer than")).toUtf8()), run.err.constData());
    }

    void importMissingPathFails()
    {
        QTemporaryDir tmp;
        const QString missing = tmp.filePath(QStringLiteral("missing.log"));
        const Run run = runCli({QStringLiteral("import"), QStringLiteral("--db"), tmp.filePath(QStringLiteral("a.db")),
                                s_cliData + QStringLiteral("/alerts.jsonl"), missing});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(missing.toUtf8()));
        // The readable file was still imported.
        const Run stats = runCli({QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"),
                                  tmp.filePath(QStringLiteral("a.db"))});
        QCOMPARE(QJsonDocument::fromJson(stats.out).object().value(QStringLiteral("total")).toInt(), 4);
    }

    void mapPrintsOneDocumentPerAlert()
    {
        const Run run = runCli({QStringLiteral("map"), s_cliData + QStringLiteral("/mixed.log")});
        QCOMPARE(run.exitCode, 0);
        const QList<QByteArray> docs = nonEmptyLines(run.out);
        QCOMPARE(docs.size(), 4);
        for (const QByteArray &doc : docs) {
            QJsonParseError error;
            const QJsonObject o = QJsonDocument::fromJson(doc, &error).object();
            QCOMPARE(error.error, QJsonParseError::NoError);
            QVERIFY(o.contains(QStringLiteral("@timestamp")));
            QCOMPARE(o.value(QStringLiteral("log")).toObject().value(QStringLiteral("file")).toObject()
                         .value(QStringLiteral("path")).toString(),
                     s_cliData + QStringLiteral("/mixed.log"));
        }
        QVERIFY(run.err.startsWith((s_cliData + QStringLiteral("/mixed.log:5: ")).toUtf8()));

        // --set adds a field to every document; stdin works as input.
        const Run set = runCli({QStringLiteral("map"), QStringLiteral("--set"), QStringLiteral("labels.site=lab-7")},
                               readFile(s_cliData + QStringLiteral("/alerts.jsonl")));
        QCOMPARE(set.exitCode, 0);
        const QList<QByteArray> setDocs = nonEmptyLines(set.out);
        QCOMPARE(setDocs.size(), 4);
        for (const QByteArray &doc : setDocs)
            QVERIFY2(doc.contains("lab-7"), doc.constData());
    }

    void exportNdjsonRoundTrip()
    {
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("a.db"));
        const QString source = s_cliData + QStringLiteral("/alerts.jsonl");
        QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--db"), db, source}).exitCode, 0);
        const Run mapped = runCli({QStringLiteral("map"), source});
        QCOMPARE(mapped.exitCode, 0);
        const QString outFile = tmp.filePath(QStringLiteral("export.ndjson"));
        const Run exported = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                     QStringLiteral("ndjson"), QStringLiteral("-o"), outFile});
        QCOMPARE(exported.exitCode, 0);
        const QList<QByteArray> a = nonEmptyLines(mapped.out);
        const QList<QByteArray> b = nonEmptyLines(readFile(outFile));
        QCOMPARE(b.size(), a.size());
        // Export is in @timestamp order, map in input order: compare as sets of documents.
        QList<QByteArray> left, right;
        for (const QByteArray &doc : a)
            left << QJsonDocument(withoutIngested(doc)).toJson(QJsonDocument::Compact);
        for (const QByteArray &doc : b)
            right << QJsonDocument(withoutIngested(doc)).toJson(QJsonDocument::Compact);
        std::sort(left.begin(), left.end());
        std::sort(right.begin(), right.end());
        QCOMPARE(right, left);

        // A query narrows the export.
        const Run one = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                QStringLiteral("ndjson"), QStringLiteral("--query"),
                                QStringLiteral("rule.name:\"System user interactive\"")});
        QCOMPARE(one.exitCode, 0);
        QCOMPARE(nonEmptyLines(one.out).size(), 1);
    }

    void exportCsvQuotesAndNeutralisesFormulas()
    {
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("a.db"));
        // An alert whose output carries a comma, a quote and a newline, and whose rule name starts with '='.
        QJsonObject alert{{QStringLiteral("hostname"), QStringLiteral("web-1")},
                          {QStringLiteral("output"), QStringLiteral("a, \"quoted\"\nsecond line")},
                          {QStringLiteral("priority"), QStringLiteral("Warning")},
                          {QStringLiteral("rule"), QStringLiteral("=HYPERLINK(\"http://x\")")},
                          {QStringLiteral("source"), QStringLiteral("syscall")},
                          {QStringLiteral("tags"), QJsonArray{QStringLiteral("T1059"), QStringLiteral("mitre_execution")}},
                          {QStringLiteral("time"), QStringLiteral("2024-05-07T18:54:19.341081180Z")},
                          {QStringLiteral("output_fields"), QJsonObject{{QStringLiteral("proc.name"), QStringLiteral("-bash")}}}};
        const QByteArray line = QJsonDocument(alert).toJson(QJsonDocument::Compact) + '\n';
        QCOMPARE(runCli({QStringLiteral("import"), QStringLiteral("--db"), db, QStringLiteral("-")}, line).exitCode, 0);
        const Run run = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"), QStringLiteral("csv")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.startsWith("@timestamp,priority,severity,rule,host,source,container,pod,namespace,process,user,"
                                   "technique,tags,triage_status,output\r\n"));
        QVERIFY2(run.out.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","), run.out.constData());   // rule, quoted, neutralised
        QVERIFY2(run.out.contains(",'-bash,"), run.out.constData());                             // process
        QVERIFY2(run.out.contains(",\"a, \"\"quoted\"\"\nsecond line\"\r\n"), run.out.constData()); // output
        QVERIFY2(run.out.contains(",2024-05-07T18:54:19.341Z,") || run.out.contains("2024-05-07T18:54:19.341Z,Warning,"),
                 run.out.constData());
        QVERIFY(run.out.contains(",new,"));
    }

    void statsJsonKeys()
    {
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("a.db"));
        const Run demo = runCli({QStringLiteral("demo"), QStringLiteral("--db"), db, QStringLiteral("--count"), QStringLiteral("3000"),
                                 QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--end"),
                                 QStringLiteral("2026-01-10T00:00:00Z")});
        QVERIFY2(demo.exitCode == 0, demo.err.constData());
        const Run stats = runCli({QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db});
        QCOMPARE(stats.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(stats.out).object();
        for (const char *key : {"total", "by_priority", "by_rule", "by_host", "by_pod", "by_source", "by_technique", "over_time"})
            QVERIFY2(o.contains(QLatin1String(key)), key);
        QCOMPARE(o.value(QStringLiteral("total")).toInt(), 3000);
        qint64 byPriority = 0;
        const QJsonObject priorities = o.value(QStringLiteral("by_priority")).toObject();
        for (auto it = priorities.begin(); it != priorities.end(); ++it)
            byPriority += it.value().toInteger();
        QCOMPARE(byPriority, 3000);
        QVERIFY(o.value(QStringLiteral("by_rule")).toObject().size() <= 10);
        qint64 overTime = 0;
        for (const QJsonValue &p : o.value(QStringLiteral("over_time")).toArray()) {
            QVERIFY(p.toObject().value(QStringLiteral("start")).toString().endsWith(QLatin1Char('Z')));
            overTime += p.toObject().value(QStringLiteral("count")).toInteger();
        }
        QCOMPARE(overTime, 3000);

        // A range narrows it; the text table is readable.
        const Run narrow = runCli({QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db,
                                   QStringLiteral("--from"), QStringLiteral("2026-01-09T00:00:00Z"), QStringLiteral("--to"),
                                   QStringLiteral("1768003200000")});
        QCOMPARE(narrow.exitCode, 0);
        const int narrowTotal = QJsonDocument::fromJson(narrow.out).object().value(QStringLiteral("total")).toInt();
        QVERIFY(narrowTotal > 0 && narrowTotal < 3000);
        const Run table = runCli({QStringLiteral("stats"), QStringLiteral("--db"), db});
        QCOMPARE(table.exitCode, 0);
        QVERIFY(table.out.contains("Alerts: 3000"));
        QCOMPARE(runCli({QStringLiteral("stats"), QStringLiteral("--db"), db, QStringLiteral("--from"), QStringLiteral("yesterday")})
                     .exitCode,
                 2);
    }

    void demoIsDeterministicForASeed()
    {
        const QStringList args{QStringLiteral("demo"), QStringLiteral("--stdout"), QStringLiteral("--count"), QStringLiteral("500"),
                               QStringLiteral("--seed"), QStringLiteral("42"), QStringLiteral("--end"),
                               QStringLiteral("2026-03-01T12:00:00Z")};
        const Run a = runCli(args);
        const Run b = runCli(args);
        QCOMPARE(a.exitCode, 0);
        QCOMPARE(nonEmptyLines(a.out).size(), 500);
        QCOMPARE(a.out, b.out);
        QStringList other = args;
        other[5] = QStringLiteral("43");
        QVERIFY(runCli(other).out != a.out);

        QTemporaryDir tmp;
        const QString file = tmp.filePath(QStringLiteral("demo.jsonl"));
        QStringList toFile = args;
        toFile.removeAt(1);
        toFile << QStringLiteral("--format") << QStringLiteral("jsonl") << QStringLiteral("-o") << file;
        QCOMPARE(runCli(toFile).exitCode, 0);
        QCOMPARE(readFile(file), a.out);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
