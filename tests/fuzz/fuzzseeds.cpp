// SPDX-License-Identifier: Apache-2.0
// fe_fuzzseeds OUTDIR: writes the seed corpus of every fuzz target, one input per file, under OUTDIR/<target>/,
// from the test data (tests/data), the conformance fixtures and the demo generator. Line-oriented targets get one
// line per file (libFuzzer mutates small inputs best); the framer gets whole streams of newline and
// octet-counted frames.
#include "ingest/ecs/demogenerator.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QList>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace {

QList<QByteArray> lines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "fe_fuzzseeds: cannot read %s (skipped)\n", qPrintable(path));
        return {};
    }
    QList<QByteArray> out;
    for (QByteArray line : f.readAll().split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        if (!line.isEmpty())
            out.append(line);
    }
    return out;
}

// The "input" of each mapper case (a JSON object, or a line as a string).
QList<QByteArray> mapperCaseInputs(const QString &path)
{
    QList<QByteArray> out;
    for (const QByteArray &line : lines(path)) {
        const auto c = nlohmann::json::parse(line.constData(), line.constData() + line.size(), nullptr, false);
        if (!c.is_object() || !c.contains("input"))
            continue;
        const auto &input = c["input"];
        const std::string text = input.is_string() ? input.get<std::string>() : input.dump();
        out.append(QByteArray(text.data(), qsizetype(text.size())));
    }
    return out;
}

QList<QByteArray> demoLines(int count)
{
    fe::DemoOptions options;
    options.count = count;
    options.seed = 3;
    options.endMs = 1715104800000;
    fe::DemoGenerator demo(options);
    QList<QByteArray> out;
    while (!demo.atEnd())
        out.append(demo.next());
    return out;
}

// Falco JSON behind the three syslog headers Falcosidekick and rsyslog write.
QList<QByteArray> wrapped(const QList<QByteArray> &json)
{
    QList<QByteArray> out;
    for (qsizetype i = 0; i < json.size(); ++i) {
        switch (i % 3) {
        case 0:
            out.append("<12>2024-05-07T18:54:19Z node-1 Falco[1]: " + json[i]);
            break;
        case 1:
            out.append("<13>1 2024-05-07T18:54:19.341081Z node-1 falco 1 - - " + json[i]);
            break;
        default:
            out.append("<12>May  7 18:54:19 node-1 falco[1]: " + json[i]);
            break;
        }
    }
    return out;
}

bool writeAll(const QString &dir, const QList<QByteArray> &inputs)
{
    if (!QDir().mkpath(dir))
        return false;
    int n = 0;
    for (const QByteArray &input : inputs) {
        QFile f(QDir(dir).filePath(QStringLiteral("seed-%1").arg(n++, 5, 10, QLatin1Char('0'))));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(input) != input.size())
            return false;
    }
    std::printf("%s: %d seeds\n", qPrintable(dir), n);
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: fe_fuzzseeds OUTDIR\n");
        return 2;
    }
    const QString out = QString::fromLocal8Bit(argv[1]);
    const QString data = QStringLiteral(FE_SOURCE_DIR "/tests/data");
    const QString seeds = data + QStringLiteral("/fuzz/seeds");
    const QString conformance = QStringLiteral(FE_CONFORMANCE_DIR);

    QList<QByteArray> alertLines = lines(data + QStringLiteral("/cli/alerts.jsonl"));
    alertLines += lines(data + QStringLiteral("/cli/mixed.log"));
    alertLines += lines(conformance + QStringLiteral("/test-falco.log"));
    alertLines += lines(conformance + QStringLiteral("/test-nopreserve.log"));
    alertLines += lines(conformance + QStringLiteral("/sample_logs/sample.log"));
    alertLines += mapperCaseInputs(data + QStringLiteral("/mapper/cases.jsonl"));
    const QList<QByteArray> demo = demoLines(120);
    alertLines += demo;
    QList<QByteArray> syslogLines = lines(conformance + QStringLiteral("/sample_syslog/sample.log"));
    syslogLines += wrapped(demo.mid(0, 30));
    syslogLines += lines(seeds + QStringLiteral("/syslog.txt"));
    const QList<QByteArray> cefLines = lines(seeds + QStringLiteral("/cef.txt"));

    // Streams for the framer: byte 0 is the target's control byte (frame limit, read size).
    QList<QByteArray> streams;
    QByteArray newline;
    QByteArray counted;
    QByteArray mixed;
    const auto flush = [&] {
        for (const char control : {'\x00', '\x3f', '\x7a', '\xf1'})
            streams << control + newline << control + counted << control + mixed;
        newline.clear();
        counted.clear();
        mixed.clear();
    };
    for (qsizetype i = 0; i < syslogLines.size(); ++i) {
        const QByteArray line = syslogLines[i].left(1500);
        newline += line + (i % 2 ? "\r\n" : "\n");
        counted += QByteArray::number(line.size()) + ' ' + line;
        mixed += i % 2 ? QByteArray::number(line.size()) + ' ' + line : line + '\n';
        if (newline.size() > 3000)
            flush();
    }
    if (!newline.isEmpty())
        flush();

    QList<QByteArray> mapperInputs = alertLines + syslogLines + cefLines;
    QList<QByteArray> headerInputs = syslogLines;
    for (const QByteArray &line : alertLines) {
        if (line.startsWith('<'))
            headerInputs.append(line);
    }
    const bool ok = writeAll(out + QStringLiteral("/syslogframer"), streams)
        && writeAll(out + QStringLiteral("/syslogheader"), headerInputs)
        && writeAll(out + QStringLiteral("/cef"), cefLines)
        && writeAll(out + QStringLiteral("/mapper"), mapperInputs)
        && writeAll(out + QStringLiteral("/querylanguage"), lines(seeds + QStringLiteral("/querylanguage.txt")))
        && writeAll(out + QStringLiteral("/bulkresponse"), lines(seeds + QStringLiteral("/bulkresponse.txt")));
    if (!ok) {
        std::fprintf(stderr, "fe_fuzzseeds: cannot write under %s\n", qPrintable(out));
        return 1;
    }
    return 0;
}
