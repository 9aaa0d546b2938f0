// SPDX-License-Identifier: Apache-2.0
// The store derives each alert's ECS document from its stored original when it is read (schema v5). Those documents
// must be the ones `falco-explorer map` prints for the same input with the same options and context: this test
// imports inputs through the real binary (files, and syslog frames through the real listener), exports them with
// `export --format ndjson`, maps the same inputs with `map`, and compares the two field by field (both flattened to
// dotted keys, every value compared as JSON, nulls and empty containers included). event.ingested is the only field
// set aside. Inputs: every conformance fixture input (FE_CONFORMANCE_DIR), the inputs of the mapper cases
// (tests/data/mapper/cases.jsonl) grouped by their options, the CLI fixtures, and a demo corpus.
#include "testpaths.h"
#include "support/clirun.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QHostAddress>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <map>
#include <string>

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

using fe::test::readFile;
using fe::test::Run;
using fe::test::runCli;
using fe::test::writeFile;

using Flat = std::map<std::string, std::string>;

// Objects become dotted keys; every other value (arrays too) is a leaf, kept as its JSON text.
void flatten(const json &v, const std::string &prefix, Flat &out)
{
    if (v.is_object() && !v.empty()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + '.' + it.key(), out);
        return;
    }
    out[prefix] = v.dump();
}

struct Doc
{
    Flat fields;
    QByteArray text;
};

// The documents of NDJSON text; false + why when a line is no JSON object.
bool parseDocs(const QByteArray &ndjson, QList<Doc> *docs, QString *why)
{
    for (const QByteArray &line : ndjson.split('\n')) {
        if (line.isEmpty())
            continue;
        const json doc = json::parse(line.constData(), line.constData() + line.size(), nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            *why = QStringLiteral("not a JSON object: %1").arg(QString::fromUtf8(line.left(200)));
            return false;
        }
        Doc d;
        flatten(doc, std::string(), d.fields);
        d.text = line;
        docs->append(std::move(d));
    }
    return true;
}

QString field(const Doc &doc, const char *key)
{
    const auto it = doc.fields.find(key);
    if (it == doc.fields.end())
        return QString();
    const json v = json::parse(it->second);
    return v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString::fromStdString(it->second);
}

// The first difference between an exported document and map's, event.ingested aside; empty when none.
QString firstDifference(const Doc &exported, const Doc &mapped)
{
    for (const auto &[key, value] : mapped.fields) {
        if (key == "event.ingested")
            continue;
        const auto it = exported.fields.find(key);
        if (it == exported.fields.end())
            return QStringLiteral("field %1: map has %2, the export has no such field")
                .arg(QString::fromStdString(key), QString::fromStdString(value));
        if (it->second != value)
            return QStringLiteral("field %1: map has %2, the export has %3")
                .arg(QString::fromStdString(key), QString::fromStdString(value), QString::fromStdString(it->second));
    }
    for (const auto &[key, value] : exported.fields) {
        if (key != "event.ingested" && !mapped.fields.count(key))
            return QStringLiteral("field %1: the export has %2, map has no such field")
                .arg(QString::fromStdString(key), QString::fromStdString(value));
    }
    return QString();
}

// event.ingested of a document as epoch ms (the read time the store kept with it), -1 when missing.
qint64 ingestedMs(const Doc &doc)
{
    const QDateTime t = QDateTime::fromString(field(doc, "event.ingested"), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : -1;
}

// The line of data at byte offset, for messages.
QByteArray lineAt(const QByteArray &data, qint64 offset)
{
    const qsizetype end = data.indexOf('\n', offset);
    return data.mid(offset, (end < 0 ? data.size() : end) - offset).left(200);
}

QStringList optionArgs(bool preserveOriginal, bool preserveFalcoFields, const QStringList &sets)
{
    QStringList args;
    if (preserveOriginal)
        args << QStringLiteral("--preserve-original");
    if (preserveFalcoFields)
        args << QStringLiteral("--preserve-falco-fields");
    for (const QString &set : sets)
        args << QStringLiteral("--set") << set;
    return args;
}

const QString s_conformance = QStringLiteral(FE_CONFORMANCE_DIR);
const QString s_data = QStringLiteral(FE_TEST_DATA_DIR);

// The mapper cases' inputs, one group per mapping options (the options a store keeps per source: preserve flags
// and --set fields; path, offset and read time come from the import's own context). Network cases go apart.
struct CaseGroup
{
    bool tcp = false;
    bool preserveOriginal = false;
    bool preserveFalcoFields = false;
    QStringList sets;
    QList<QByteArray> lines;
};

QList<CaseGroup> mapperCaseGroups()
{
    QList<CaseGroup> groups;
    for (const QByteArray &raw : readFile(s_data + QStringLiteral("/mapper/cases.jsonl")).split('\n')) {
        if (raw.trimmed().isEmpty())
            continue;
        // ordered_json keeps the alert's key order when an "input" object is turned back into a line.
        const ordered_json c = ordered_json::parse(raw.toStdString());
        const QByteArray line = c.contains("input") ? QByteArray::fromStdString(c["input"].dump())
                                                    : QByteArray::fromStdString(c["line"].get<std::string>());
        const ordered_json o = c.value("options", ordered_json::object());
        CaseGroup key;
        key.tcp = o.value("input", std::string()) == "tcp";
        key.preserveOriginal = o.value("preserveOriginal", false);
        key.preserveFalcoFields = o.value("preserveFalcoFields", false);
        if (o.contains("extraFields")) {
            for (const auto &pair : o["extraFields"])
                key.sets << QString::fromStdString(pair[0].get<std::string>() + '=' + pair[1].get<std::string>());
        }
        auto it = std::find_if(groups.begin(), groups.end(), [&](const CaseGroup &g) {
            return g.tcp == key.tcp && g.preserveOriginal == key.preserveOriginal
                && g.preserveFalcoFields == key.preserveFalcoFields && g.sets == key.sets;
        });
        if (it == groups.end()) {
            groups << key;
            it = groups.end() - 1;
        }
        it->lines << line;
    }
    return groups;
}

QString groupName(const CaseGroup &g)
{
    QStringList parts{g.tcp ? QStringLiteral("tcp") : QStringLiteral("logfile")};
    if (g.preserveOriginal)
        parts << QStringLiteral("preserve-original");
    if (g.preserveFalcoFields)
        parts << QStringLiteral("preserve-falco-fields");
    if (!g.sets.isEmpty())
        parts << QStringLiteral("set");
    return parts.join(QLatin1Char('+'));
}

// The fixture's lines that are syslog frames (the sample_syslog fixture: one frame a line).
QList<QByteArray> frames(const QByteArray &data)
{
    QList<QByteArray> out;
    for (const QByteArray &line : data.split('\n')) {
        if (!line.isEmpty())
            out << line;
    }
    return out;
}

} // namespace

class TestDerivedConformance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(QStringLiteral(FE_EXPLORER_BIN)), FE_EXPLORER_BIN);
        for (const char *name : {"test-falco.log", "test-nopreserve.log", "sample_logs/sample.log", "sample_syslog/sample.log"})
            QVERIFY2(QFile::exists(s_conformance + QLatin1Char('/') + QLatin1String(name)), name);
        const Run demo = runCli({QStringLiteral("demo"), QStringLiteral("--stdout"), QStringLiteral("--count"),
                                 QStringLiteral("2000"), QStringLiteral("--seed"), QStringLiteral("42")});
        QCOMPARE(demo.exitCode, 0);
        m_demo = demo.out;
        QCOMPARE(m_demo.count('\n'), 2000);
    }

    // Files: imported (the store keeps path, offsets, read time and options), exported, compared with map of the
    // same file with the same options at the same read time. Documents pair up by (log.file.path, log.offset).
    void files_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QStringList>("options");
        const QStringList both = optionArgs(true, true, {});
        // The integration's own pipeline tests: test-falco.log with both preserve tags, test-nopreserve.log without.
        QTest::newRow("conformance test-falco.log") << readFile(s_conformance + QStringLiteral("/test-falco.log")) << both;
        QTest::newRow("conformance test-nopreserve.log") << readFile(s_conformance + QStringLiteral("/test-nopreserve.log"))
                                                         << QStringList();
        // The system tests' samples, with the options of their configs (both preserve flags) and without.
        for (const char *sample : {"sample_logs", "sample_syslog"}) {
            const QByteArray data = readFile(s_conformance + QLatin1Char('/') + QLatin1String(sample) + QStringLiteral("/sample.log"));
            QTest::newRow(qPrintable(QStringLiteral("conformance %1, preserve").arg(QLatin1String(sample)))) << data << both;
            QTest::newRow(qPrintable(QStringLiteral("conformance %1").arg(QLatin1String(sample)))) << data << QStringList();
        }
        for (const CaseGroup &g : mapperCaseGroups()) {
            QByteArray data;
            for (const QByteArray &line : g.lines)
                data += line + '\n';
            // Network cases are read from a file too (syslog-wrapped lines): the listener row sends them as frames.
            QTest::newRow(qPrintable(QStringLiteral("mapper cases %1").arg(groupName(g))))
                << data << optionArgs(g.preserveOriginal, g.preserveFalcoFields, g.sets);
        }
        QTest::newRow("cli alerts.jsonl") << readFile(s_data + QStringLiteral("/cli/alerts.jsonl")) << QStringList();
        QTest::newRow("cli mixed.log") << readFile(s_data + QStringLiteral("/cli/mixed.log")) << QStringList();
        QTest::newRow("demo 2000 seed 42") << m_demo << QStringList();
        QTest::newRow("demo 2000 seed 42, preserve, set")
            << m_demo << optionArgs(true, true, {QStringLiteral("labels.site=lab-7"), QStringLiteral("observer.name=s7")});
    }

    void files()
    {
        QFETCH(QByteArray, content);
        QFETCH(QStringList, options);
        QVERIFY(!content.isEmpty());
        QTemporaryDir tmp;
        const QString input = tmp.filePath(QStringLiteral("events.log"));
        const QString db = tmp.filePath(QStringLiteral("a.db"));
        QVERIFY(writeFile(input, content));

        const Run imported = runCli(QStringList{QStringLiteral("import"), QStringLiteral("--db"), db, input} + options);
        QVERIFY2(imported.exitCode == 0, imported.err.constData());
        const Run exported = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                     QStringLiteral("ndjson")});
        QVERIFY2(exported.exitCode == 0, exported.err.constData());
        QList<Doc> stored;
        QString why;
        QVERIFY2(parseDocs(exported.out, &stored, &why), qPrintable(why));
        QVERIFY(!stored.isEmpty());
        // One import, one read time: map is given the same. (A pipeline error's document may have no event.ingested.)
        qint64 readTime = -1;
        for (const Doc &doc : std::as_const(stored)) {
            const qint64 t = ingestedMs(doc);
            if (t < 0)
                continue;
            if (readTime < 0)
                readTime = t;
            QCOMPARE(t, readTime);
        }
        QVERIFY(readTime > 0);

        const Run mapped = runCli(QStringList{QStringLiteral("map"), QStringLiteral("--read-time"), QString::number(readTime),
                                              input} + options);
        QVERIFY2(mapped.exitCode == 0, mapped.err.constData());
        QList<Doc> expected;
        QVERIFY2(parseDocs(mapped.out, &expected, &why), qPrintable(why));
        QHash<QString, const Doc *> byOffset;
        for (const Doc &doc : std::as_const(expected)) {
            QCOMPARE(field(doc, "log.file.path"), input);
            byOffset.insert(field(doc, "log.offset"), &doc);
        }
        QCOMPARE(byOffset.size(), expected.size());

        // Every stored alert has map's document, field by field; every alert map prints is stored, duplicates aside.
        QSet<QString> seen;
        for (const Doc &doc : std::as_const(stored)) {
            QCOMPARE(field(doc, "log.file.path"), input);
            const QString offset = field(doc, "log.offset");
            const Doc *twin = byOffset.value(offset);
            const QString where = QStringLiteral("the alert at byte %1 (%2)").arg(offset, QString::fromUtf8(lineAt(content, offset.toLongLong())));
            QVERIFY2(twin, qPrintable(where + QStringLiteral(": map printed no document for it")));
            QVERIFY2(!seen.contains(offset), qPrintable(where + QStringLiteral(": exported twice")));
            seen.insert(offset);
            const QString difference = firstDifference(doc, *twin);
            QVERIFY2(difference.isEmpty(), qPrintable(difference + QStringLiteral(", in ") + where));
        }
        const QRegularExpression duplicates(QStringLiteral("duplicates\\s+(\\d+)"));
        const auto m = duplicates.match(QString::fromUtf8(imported.err));
        QVERIFY2(m.hasMatch(), imported.err.constData());
        QCOMPARE(stored.size() + m.captured(1).toInt(), expected.size());
    }

    // Syslog frames through the real listener (RFC 6587 octet counting), one connection each so that each frame's
    // peer address (log.source.address) names it: each stored alert is compared with map --input tcp of its frame,
    // with that address and the frame's receipt time.
    void listener_data()
    {
        QTest::addColumn<QList<QByteArray>>("sent");
        QTest::addColumn<QStringList>("options");
        const QList<QByteArray> sample = frames(readFile(s_conformance + QStringLiteral("/sample_syslog/sample.log")));
        QTest::newRow("conformance sample_syslog, preserve") << sample << optionArgs(true, true, {});
        QTest::newRow("conformance sample_syslog") << sample << QStringList();
        for (const CaseGroup &g : mapperCaseGroups()) {
            if (g.tcp) {
                QTest::newRow(qPrintable(QStringLiteral("mapper cases %1").arg(groupName(g))))
                    << g.lines << optionArgs(g.preserveOriginal, g.preserveFalcoFields, g.sets);
            }
        }
    }

    void listener()
    {
        QFETCH(QList<QByteArray>, sent);
        QFETCH(QStringList, options);
        QVERIFY(!sent.isEmpty());
        QTemporaryDir tmp;
        const QString db = tmp.filePath(QStringLiteral("tcp.db"));
        QProcess listen;
        QByteArray out;
        QByteArray err;
        const quint16 port = fe::test::startListener(listen, db, QStringList{QStringLiteral("--stats-interval"),
                                                                             QStringLiteral("1")} + options, &out, &err);
        QVERIFY2(port != 0, out.constData());

        QHash<QString, QByteArray> frameOf;   // peer ip:port → the frame sent from it
        for (const QByteArray &frame : sent) {
            QTcpSocket client;
            client.connectToHost(QHostAddress::LocalHost, port);
            QVERIFY(client.waitForConnected(10000));
            frameOf.insert(QStringLiteral("127.0.0.1:%1").arg(client.localPort()), frame);
            client.write(QByteArray::number(frame.size()) + ' ' + frame);
            QVERIFY(client.waitForBytesWritten(10000));
            client.disconnectFromHost();
            if (client.state() != QAbstractSocket::UnconnectedState)
                QVERIFY(client.waitForDisconnected(10000));
        }
        // Every frame framed (the counters line), then a clean stop stores everything received.
        const QRegularExpression counters(QStringLiteral("framed (\\d+) .* duplicates (\\d+)"));
        int duplicates = -1;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 60000 && listen.state() == QProcess::Running) {
            listen.waitForReadyRead(200);
            err += listen.readAllStandardError();
            const QList<QByteArray> lines = err.split('\n');
            bool all = false;
            for (const QByteArray &line : lines) {
                const auto m = counters.match(QString::fromUtf8(line));
                if (m.hasMatch() && m.captured(1).toInt() == sent.size())
                    all = true;
            }
            if (all)
                break;
        }
        ::kill(pid_t(listen.processId()), SIGTERM);
        QVERIFY(listen.waitForFinished(60000));
        err += listen.readAllStandardError();
        QCOMPARE(listen.exitCode(), 0);
        const QByteArray stoppedLine = err.mid(err.lastIndexOf("stopped: "));
        const auto last = counters.match(QString::fromUtf8(stoppedLine));
        QVERIFY2(last.hasMatch() && last.captured(1).toInt() == sent.size(), err.constData());
        duplicates = last.captured(2).toInt();

        const Run exported = runCli({QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--format"),
                                     QStringLiteral("ndjson")});
        QVERIFY2(exported.exitCode == 0, exported.err.constData());
        QList<Doc> stored;
        QString why;
        QVERIFY2(parseDocs(exported.out, &stored, &why), qPrintable(why));

        // The frames map turns into alerts, all at once (counts only: their read time is not the listener's).
        QByteArray all;
        for (const QByteArray &frame : sent)
            all += frame + '\n';
        const Run mappedAll = runCli(QStringList{QStringLiteral("map"), QStringLiteral("--input"), QStringLiteral("tcp")} + options, all);
        QCOMPARE(mappedAll.exitCode, 0);
        QCOMPARE(stored.size() + duplicates, mappedAll.out.count('\n'));

        QSet<QString> seen;
        for (const Doc &doc : std::as_const(stored)) {
            const QString peer = field(doc, "log.source.address");
            QVERIFY2(frameOf.contains(peer), qPrintable(QStringLiteral("log.source.address %1 is no peer of this test: %2")
                                                            .arg(peer, QString::fromUtf8(doc.text.left(300)))));
            QVERIFY2(!seen.contains(peer), qPrintable(QStringLiteral("two alerts from %1").arg(peer)));
            seen.insert(peer);
            const QByteArray frame = frameOf.value(peer);
            QStringList mapArgs{QStringLiteral("map"), QStringLiteral("--input"), QStringLiteral("tcp"),
                                QStringLiteral("--source-address"), peer};
            if (const qint64 readTime = ingestedMs(doc); readTime > 0)
                mapArgs << QStringLiteral("--read-time") << QString::number(readTime);
            const Run mapped = runCli(mapArgs + options, frame + '\n');
            QCOMPARE(mapped.exitCode, 0);
            QList<Doc> twin;
            QVERIFY2(parseDocs(mapped.out, &twin, &why), qPrintable(why));
            const QString where = QStringLiteral("the frame from %1 (%2)").arg(peer, QString::fromUtf8(frame.left(200)));
            QVERIFY2(twin.size() == 1, qPrintable(where + QStringLiteral(": map printed %1 documents").arg(twin.size())));
            const QString difference = firstDifference(doc, twin.first());
            QVERIFY2(difference.isEmpty(), qPrintable(difference + QStringLiteral(", in ") + where));
        }
    }

private:
    QByteArray m_demo;
};

QTEST_GUILESS_MAIN(TestDerivedConformance)
#include "tst_derivedconformance.moc"
