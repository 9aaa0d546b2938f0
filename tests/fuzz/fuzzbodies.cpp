// SPDX-License-Identifier: Apache-2.0
#include "fuzzbodies.h"

#include "ingest/ecs/demogenerator.h"
#include "ingest/ecs/ecsmapper.h"
#include "ingest/ecs/mapperpath.h"
#include "ingest/elasticsearch/backoffpolicy.h"
#include "ingest/elasticsearch/bulkoutcome.h"
#include "ingest/elasticsearch/bulkresponse.h"
#include "ingest/syslog/cefdecoder.h"
#include "ingest/syslog/syslogframer.h"
#include "ingest/syslog/syslogmessage.h"
#include "model/alertstore.h"
#include "model/diagnostic.h"
#include "model/querylanguage.h"

#include <QDir>
#include <QStringDecoder>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace fe::fuzz {

namespace {

// A fixed "now" and read time: the same input always gives the same result.
constexpr qint64 kNowMs = 1715104800000;   // 2024-05-07T18:00:00Z

// What broke, and on which input (escaped, cut), as a body reports it.
QString broken(const QString &what, QByteArrayView input)
{
    return QStringLiteral("%1; input (%2 bytes): %3").arg(what).arg(input.size()).arg(escapeControls(input, 400));
}

// Returns from the body with the broken invariant.
#define FE_REQUIRE(condition, what)                                                                                    \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            return broken(what, input);                                                                                \
    } while (false)

#define FE_CHECK(call)                                                                                                 \
    do {                                                                                                               \
        if (QString problem = (call); !problem.isEmpty())                                                              \
            return problem;                                                                                            \
    } while (false)

bool isJsonObject(QByteArrayView text)
{
    const auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    return !doc.is_discarded() && doc.is_object();
}

bool displaySafe(const QString &text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return false;
    }
    return true;
}

bool inside(QByteArrayView view, QByteArrayView line)
{
    return view.isEmpty() || (view.data() >= line.data() && view.data() + view.size() <= line.data() + line.size());
}

// FE_FUZZ_SKIP=tag[,tag]: invariants to leave unchecked, so that a long run past a known, reported finding can
// find others (the regression test never skips).
bool skipped(QLatin1String tag)
{
    static const QStringList skips = qEnvironmentVariable("FE_FUZZ_SKIP").split(QLatin1Char(','), Qt::SkipEmptyParts);
    return skips.contains(tag);
}

bool validUtf8(QByteArrayView bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(bytes);
    return !decoder.hasError();
}

// Where bytes stop being UTF-8: the text around the first bad byte (escaped), to find the field that carries it.
QString firstInvalidUtf8(QByteArrayView bytes)
{
    qsizetype good = 0;   // the longest valid prefix (a prefix may end inside a sequence: look a few bytes on)
    for (qsizetype end = 1; end <= bytes.size(); ++end) {
        if (validUtf8(bytes.first(end)))
            good = end;
        else if (end - good > 4)
            break;
    }
    const qsizetype from = std::max<qsizetype>(0, good - 80);
    return QStringLiteral(" at byte %1: %2").arg(good).arg(escapeControls(bytes.sliced(from, std::min<qsizetype>(120, bytes.size() - from)), 200));
}

// What every MapResult must be, whatever the input.
QString checkResult(const MapResult &r, QByteArrayView input)
{
    switch (r.status) {
    case MapResult::Status::Alert:
        if (!skipped(QLatin1String("utf8")))
            FE_REQUIRE(validUtf8(r.alert.ecsJson), QStringLiteral("an alert's ECS document is not valid UTF-8 (skip: utf8)")
                                                       + firstInvalidUtf8(r.alert.ecsJson));
        FE_REQUIRE(isJsonObject(validUtf8(r.alert.ecsJson) ? r.alert.ecsJson : QString::fromUtf8(r.alert.ecsJson).toUtf8()),
                   QStringLiteral("an alert's ECS document is not a JSON object"));
        FE_REQUIRE(!r.alert.dedupeKey.isEmpty(), QStringLiteral("an alert without a dedupe key"));
        break;
    case MapResult::Status::Rejected:
        FE_REQUIRE(!r.error.isEmpty(), QStringLiteral("a rejection without a reason"));
        break;
    case MapResult::Status::Skipped:
        break;
    }
    return {};
}

QString alertDifference(const Alert &a, const Alert &b)
{
    const auto differs = [](const char *field, const auto &x, const auto &y) {
        return x == y ? QString() : QString::fromLatin1(field);
    };
    for (const QString &d : {differs("timestampMs", a.timestampMs, b.timestampMs), differs("priority", a.priority, b.priority),
                             differs("severity", a.severity, b.severity), differs("rule", a.rule, b.rule),
                             differs("hostname", a.hostname, b.hostname), differs("source", a.source, b.source),
                             differs("output", a.output, b.output), differs("uuid", a.uuid, b.uuid),
                             differs("containerId", a.containerId, b.containerId),
                             differs("containerName", a.containerName, b.containerName),
                             differs("containerImage", a.containerImage, b.containerImage),
                             differs("podName", a.podName, b.podName), differs("namespaceName", a.namespaceName, b.namespaceName),
                             differs("processName", a.processName, b.processName),
                             differs("commandLine", a.commandLine, b.commandLine), differs("userName", a.userName, b.userName),
                             differs("tags", a.tags, b.tags), differs("technique", a.technique, b.technique),
                             differs("subtechnique", a.subtechnique, b.subtechnique), differs("tactics", a.tactics, b.tactics),
                             differs("dedupeKey", a.dedupeKey, b.dedupeKey),
                             differs("timeIsReceipt", a.timeIsReceipt, b.timeIsReceipt), differs("ecsJson", a.ecsJson, b.ecsJson)}) {
        if (!d.isEmpty())
            return d;
    }
    return {};
}

QVector<MapOptions> mapOptionSets()
{
    MapOptions file;
    file.input = MapOptions::Input::Logfile;
    file.logFilePath = QStringLiteral("/var/log/falco/falco.log");
    file.logOffset = 1234;
    file.readTimeMs = kNowMs;
    MapOptions tcp;
    tcp.input = MapOptions::Input::Tcp;
    tcp.sourceAddress = QStringLiteral("127.0.0.1:51234");
    tcp.preserveOriginal = true;
    tcp.preserveFalcoFields = true;
    tcp.readTimeMs = kNowMs;
    return {file, tcp};
}

// A small store for the query target: a few demo alerts, so that queries run over rows, documents and the
// full-text index. Built once per process.
class QueryStore
{
public:
    QueryStore()
    {
        if (!m_dir.isValid())
            return;
        const QString path = QDir(m_dir.path()).filePath(QStringLiteral("fuzz.db"));
        if (!m_store.open(path))
            return;
        DemoOptions options;
        options.count = 40;
        options.seed = 7;
        options.endMs = kNowMs;
        DemoGenerator demo(options);
        AlertBatch batch;
        MapOptions mapOptions;
        mapOptions.readTimeMs = kNowMs;
        while (!demo.atEnd()) {
            MapResult r = mapLine(demo.next(), mapOptions);
            if (r.status == MapResult::Status::Alert)
                batch.append(std::move(r.alert));
        }
        m_store.insert(batch);
    }
    const AlertStore &store() const { return m_store; }

private:
    QTemporaryDir m_dir;
    AlertStore m_store;
};

} // namespace

QString syslogFramer(QByteArrayView input)
{
    if (input.isEmpty())
        return {};
    const auto control = static_cast<unsigned char>(input[0]);
    const QByteArrayView stream = input.sliced(1);
    const qsizetype maxFrame = (control & 0x0f) == 0 ? qsizetype(1) << 20 : 1 + (control & 0x0f) * 9;
    const qsizetype readSize = 1 + (control >> 4) * 5;
    // Octet counting holds one frame (up to the limit), a newline frame the limit and a CR, a length prefix ten
    // digits: the framer never holds more than that, whatever the sender does.
    const qsizetype maxHeld = maxFrame + 16;

    SyslogFramer whole(maxFrame);
    QVector<QByteArray> framesWhole;
    QVector<SyslogFramer::Error> errorsWhole;
    whole.feed(stream, &framesWhole, &errorsWhole);
    FE_REQUIRE(whole.bufferedBytes() <= maxHeld, QStringLiteral("holds %1 bytes").arg(whole.bufferedBytes()));
    whole.finish(&framesWhole, &errorsWhole);

    SyslogFramer cut(maxFrame);
    QVector<QByteArray> framesCut;
    QVector<SyslogFramer::Error> errorsCut;
    for (qsizetype at = 0; at < stream.size(); at += readSize) {
        cut.feed(stream.sliced(at, std::min(readSize, stream.size() - at)), &framesCut, &errorsCut);
        FE_REQUIRE(cut.bufferedBytes() <= maxHeld, QStringLiteral("holds %1 bytes").arg(cut.bufferedBytes()));
    }
    cut.finish(&framesCut, &errorsCut);

    FE_REQUIRE(framesWhole == framesCut,
               QStringLiteral("%1 frames in one read, %2 in reads of %3").arg(framesWhole.size()).arg(framesCut.size()).arg(readSize));
    FE_REQUIRE(errorsWhole.size() == errorsCut.size(), QStringLiteral("errors depend on how the stream was read"));
    for (qsizetype i = 0; i < errorsWhole.size(); ++i) {
        FE_REQUIRE(errorsWhole[i].reason == errorsCut[i].reason && errorsWhole[i].detail == errorsCut[i].detail,
                   QStringLiteral("error '%1' / '%2'").arg(errorsWhole[i].detail, errorsCut[i].detail));
        FE_REQUIRE(displaySafe(errorsWhole[i].detail), QStringLiteral("control characters in: ") + errorsWhole[i].detail);
    }
    for (const QByteArray &frame : std::as_const(framesWhole)) {
        FE_REQUIRE(!frame.isEmpty(), QStringLiteral("an empty frame"));
        FE_REQUIRE(frame.size() <= maxFrame, QStringLiteral("a frame of %1 bytes over the limit of %2").arg(frame.size()).arg(maxFrame));
    }
    FE_REQUIRE(whole.octetCountedFrames() == cut.octetCountedFrames() && whole.newlineFrames() == cut.newlineFrames(),
               QStringLiteral("frame counters depend on how the stream was read"));
    FE_REQUIRE(whole.bufferedBytes() == 0 && cut.bufferedBytes() == 0, QStringLiteral("bytes held after finish()"));
    return {};
}

QString syslogHeader(QByteArrayView input)
{
    SyslogMessage full;
    SyslogMessage header;
    QString fullError;
    QString headerError;
    const bool fullOk = parseSyslog(input, &full, &fullError, kNowMs);
    const bool headerOk = parseSyslogHeader(input, &header, &headerError, kNowMs);
    FE_REQUIRE(fullOk == headerOk, QStringLiteral("parseSyslog and parseSyslogHeader disagree"));
    if (!fullOk) {
        FE_REQUIRE(!fullError.isEmpty() && fullError == headerError, QStringLiteral("a failure without the same reason"));
    } else {
        FE_REQUIRE(full.format != SyslogMessage::Format::None, QStringLiteral("parsed without a format"));
        FE_REQUIRE(full.priority >= 0 && full.priority <= 191, QStringLiteral("PRI %1").arg(full.priority));
        FE_REQUIRE(full.facility == full.priority / 8 && full.severity == full.priority % 8, QStringLiteral("facility/severity"));
        FE_REQUIRE(full.payloadOffset >= 0 && full.payloadOffset <= input.size(),
                   QStringLiteral("payload offset %1 of %2").arg(full.payloadOffset).arg(input.size()));
        FE_REQUIRE(full.payloadOffset == header.payloadOffset && full.timestampMs == header.timestampMs
                          && full.hasTimestamp == header.hasTimestamp && full.format == header.format,
                   QStringLiteral("the two parsers read different headers"));
        for (const QByteArrayView v : {full.hostnameBytes, full.appnameBytes, full.procidBytes, full.msgidBytes})
            FE_REQUIRE(inside(v, input), QStringLiteral("a field view outside the line"));
        FE_REQUIRE(full.hostname == QString::fromUtf8(full.hostnameBytes) && full.appname == QString::fromUtf8(full.appnameBytes),
                   QStringLiteral("text fields differ from their bytes"));
        FE_REQUIRE(!syslogFacilityName(full.facility).isEmpty() && !syslogSeverityName(full.severity).isEmpty(),
                   QStringLiteral("no name for facility %1 / severity %2").arg(full.facility).arg(full.severity));
    }
    qint64 ms = 0;
    parseRfc3339(input, &ms);
    return {};
}

QString cef(QByteArrayView input)
{
    isCef(input);
    for (const int fallbackSeverity : {-1, 4}) {
        QString error;
        const QByteArray json = falcoJsonFromCef(input, fallbackSeverity, &error);
        if (json.isEmpty()) {
            FE_REQUIRE(!error.isEmpty(), QStringLiteral("no record and no reason"));
            continue;
        }
        FE_REQUIRE(isJsonObject(json), QStringLiteral("the decoded record is not a JSON object"));
    }
    MapOptions options;
    options.input = MapOptions::Input::Tcp;
    options.readTimeMs = kNowMs;
    FE_CHECK(checkResult(mapFrame(input, options), input));
    // The same record behind Falcosidekick's Go syslog header.
    const QByteArray framed = QByteArrayLiteral("<12>2024-05-07T18:00:00Z node-1 falco[1]: ") + input.toByteArray();
    options.preserveOriginal = true;
    FE_CHECK(checkResult(mapFrame(framed, options), input));
    return {};
}

QString mapper(QByteArrayView input)
{
    static const QVector<MapOptions> optionSets = mapOptionSets();
    for (const MapOptions &options : optionSets) {
        bool fast = false;
        const MapResult automatic = mapLineVia(input, options, MapperPath::Auto, &fast);
        const MapResult general = mapLineVia(input, options, MapperPath::General);
        FE_CHECK(checkResult(automatic, input));
        FE_CHECK(checkResult(general, input));
        FE_REQUIRE(automatic.status == general.status,
                   QStringLiteral("the fast path says %1, the general pipeline %2 (%3)")
                       .arg(int(automatic.status)).arg(int(general.status)).arg(automatic.error + QStringLiteral(" / ") + general.error));
        FE_REQUIRE(automatic.error == general.error,
                   QStringLiteral("errors differ: '%1' / '%2'").arg(automatic.error, general.error));
        if (automatic.status == MapResult::Status::Alert) {
            const QString difference = alertDifference(automatic.alert, general.alert);
            FE_REQUIRE(difference.isEmpty(), QStringLiteral("the two paths map %1 differently (fast path taken: %2)")
                                                    .arg(difference).arg(fast ? QStringLiteral("yes") : QStringLiteral("no")));
        }
        // Facts only: the same result but for the document, the output and the command line.
        MapOptions factsOptions = options;
        factsOptions.buildDocument = false;
        bool viaFacts = false;
        const MapResult facts = mapLineVia(input, factsOptions, MapperPath::Auto, nullptr, &viaFacts);
        FE_REQUIRE(facts.status == automatic.status && facts.error == automatic.error && facts.warning == automatic.warning,
                   QStringLiteral("facts only says %1 '%2', the full mapping %3 '%4'")
                       .arg(int(facts.status)).arg(facts.error).arg(int(automatic.status)).arg(automatic.error));
        if (facts.status == MapResult::Status::Alert) {
            Alert expected = automatic.alert;
            expected.ecsJson.clear();
            expected.output.clear();
            expected.commandLine.clear();
            const QString difference = alertDifference(facts.alert, expected);
            FE_REQUIRE(difference.isEmpty(), QStringLiteral("facts only maps %1 differently (facts path taken: %2)")
                                                    .arg(difference).arg(viaFacts ? QStringLiteral("yes") : QStringLiteral("no")));
        }
        FE_CHECK(checkResult(mapFrame(input, options), input));
    }
    return {};
}

QString queryLanguage(QByteArrayView input)
{
    static const QueryStore store;
    const QString query = QString::fromUtf8(input);
    const CompiledQuery compiled = compileQuery(query, kNowMs);
    if (!compiled.ok) {
        FE_REQUIRE(!compiled.error.isEmpty(), QStringLiteral("a failed compile without a reason"));
        FE_REQUIRE(compiled.errorColumn >= 0 && compiled.errorColumn <= query.size(),
                   QStringLiteral("error column %1 outside the query (%2 characters)").arg(compiled.errorColumn).arg(query.size()));
    }
    AlertFilter filter;
    filter.query = query;
    QString error;
    const qint64 n = store.store().count(filter, &error);
    // FE_FUZZ_SKIP=trim: the store trims the query before compiling it (a known finding), so compare with that.
    if (skipped(QLatin1String("trim")) && compileQuery(query.trimmed(), kNowMs).ok != compiled.ok)
        return {};
    if (compiled.ok)
        FE_REQUIRE(n >= 0, QStringLiteral("a compiled query does not run (skip: trim): ") + error);
    else
        FE_REQUIRE(n < 0, QStringLiteral("a query that does not compile counted %1").arg(n));

    // Whatever the value (but NUL, which no query can hold), the clause the UI builds for it (a facet click,
    // "filter in") compiles.
    if (query.size() <= 1000 && !query.contains(QChar(0))) {
        for (const QString &field : {QStringLiteral("rule.name"), QStringLiteral("falco.output_fields.proc.cmdline")}) {
            const CompiledQuery clause = compileQuery(queryClause(field, query, true), kNowMs);
            FE_REQUIRE(clause.ok, QStringLiteral("queryClause(%1, value) does not compile: %2").arg(field, clause.error));
        }
    }
    return {};
}

QString bulkResponse(QByteArrayView input)
{
    // "STATUS ITEMS BODY": the HTTP status and how many documents were sent, then the answer's body.
    int status = 200;
    int sent = 1;
    QByteArrayView body = input;
    const qsizetype firstSpace = input.indexOf(' ');
    if (firstSpace > 0 && firstSpace <= 4) {
        const qsizetype secondSpace = input.sliced(firstSpace + 1).indexOf(' ');
        if (secondSpace > 0 && secondSpace <= 4) {
            bool okStatus = false;
            bool okSent = false;
            const int s = input.first(firstSpace).toByteArray().toInt(&okStatus);
            const int n = input.sliced(firstSpace + 1, secondSpace).toByteArray().toInt(&okSent);
            if (okStatus && okSent && s >= 0 && n >= 0) {
                status = s;
                sent = n;
                body = input.sliced(firstSpace + 1 + secondSpace + 1);
            }
        }
    }
    const BulkResponse r = BulkResponse::decide(status, body, sent, QStringLiteral("connection reset"));
    FE_REQUIRE(r.httpStatus == status, QStringLiteral("status %1 became %2").arg(status).arg(r.httpStatus));
    if (r.action == BulkResponse::Action::Items) {
        FE_REQUIRE(status >= 200 && status < 300, QStringLiteral("items from HTTP %1").arg(status));
        FE_REQUIRE(r.items.size() == sent, QStringLiteral("%1 items for %2 documents").arg(r.items.size()).arg(sent));
    } else {
        FE_REQUIRE(!r.error.isEmpty() && r.items.isEmpty(), QStringLiteral("a whole-request outcome without a reason"));
    }
    FE_REQUIRE(displaySafe(r.error) && r.error.size() <= 5000, QStringLiteral("error text: ") + r.error.left(200));
    for (const BulkResponse::Item &item : r.items) {
        FE_REQUIRE(displaySafe(item.reason) && item.reason.size() <= 5000, QStringLiteral("item reason: ") + item.reason.left(200));
        FE_REQUIRE(item.outcome == BulkResponse::classifyItem(item.status), QStringLiteral("item outcome and status disagree"));
    }
    BulkResponse::errorText(body);

    // Every document of the batch gets exactly one fate.
    BulkOutcome::Batch batch;
    BulkRequest request;
    for (int i = 0; i < std::min(sent, 10000); ++i) {
        batch.entries.append({i + 1, i % 3, i % 5 == 0});
        request.alertIds.append(i + 1);
    }
    batch.after = 0;
    batch.hi = sent;
    BackoffPolicy backoff(100, 1000);
    backoff.setRandomSource([] { return 0.5; });
    const BulkOutcome outcome = BulkOutcome::fromItems(batch, request, r, {}, kNowMs, backoff);
    FE_REQUIRE(outcome.outcome.delivered + outcome.outcome.retry.size() + outcome.outcome.dead.size() == batch.entries.size(),
               QStringLiteral("documents without a fate, or with two"));
    for (const auto &failure : outcome.outcome.retry)
        FE_REQUIRE(failure.nextTryMs >= kNowMs, QStringLiteral("a retry due in the past"));
    return {};
}

const QVector<Target> &targets()
{
    static const QVector<Target> all{
        {"syslogframer", syslogFramer}, {"syslogheader", syslogHeader}, {"cef", cef},
        {"mapper", mapper},             {"querylanguage", queryLanguage}, {"bulkresponse", bulkResponse},
    };
    return all;
}

} // namespace fe::fuzz
