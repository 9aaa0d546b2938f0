// SPDX-License-Identifier: Apache-2.0
// `falco-explorer forward` and `falco-explorer es-setup`.
#include "app/cliutil.h"
#include "app/commands.h"
#include "ingest/elasticsearch/esclient.h"
#include "ingest/elasticsearch/esforwarder.h"
#include "ingest/elasticsearch/indextemplate.h"
#include "model/alertstore.h"
#include "model/diagnostic.h"
#include "model/forwardoutbox.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QTimer>
#include <QUrl>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace fe::cli {

namespace {

std::atomic<bool> s_interrupted{false};

void onSignal(int)
{
    s_interrupted = true;
}

void err(const QString &text)
{
    const QByteArray bytes = text.toLocal8Bit();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

// The connection options forward and es-setup share.
struct ConnectionOptions
{
    QCommandLineOption es{QStringLiteral("es"), QStringLiteral("Elasticsearch node URL (repeat for several: round robin "
                                                               "with failover)."), QStringLiteral("URL")};
    QCommandLineOption user{QStringLiteral("user"), QStringLiteral("User for basic authentication."), QStringLiteral("U")};
    QCommandLineOption passwordEnv{QStringLiteral("password-env"),
                                   QStringLiteral("Read the password from environment variable VAR."), QStringLiteral("VAR")};
    QCommandLineOption apiKeyEnv{QStringLiteral("api-key-env"),
                                 QStringLiteral("Read the API key (Elastic's base64 \"encoded\" form) from environment "
                                                "variable VAR."), QStringLiteral("VAR")};
    QCommandLineOption ca{QStringLiteral("ca"), QStringLiteral("PEM file of the CA that signed the cluster's certificate "
                                                               "(default: the system store)."), QStringLiteral("FILE")};
    QCommandLineOption insecure{QStringLiteral("insecure"),
                                QStringLiteral("Do not verify the server certificate (dangerous: for tests only).")};
    QCommandLineOption clientCert{QStringLiteral("client-cert"), QStringLiteral("PEM client certificate (mutual TLS)."),
                                  QStringLiteral("FILE")};
    QCommandLineOption clientKey{QStringLiteral("client-key"), QStringLiteral("PEM private key of --client-cert."),
                                 QStringLiteral("FILE")};
    QCommandLineOption header{QStringLiteral("header"), QStringLiteral("Extra request header 'Name: value' (repeatable)."),
                              QStringLiteral("HEADER")};
    QCommandLineOption timeout{QStringLiteral("timeout"), QStringLiteral("Request timeout in seconds (default 60)."),
                               QStringLiteral("S")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addOptions({es, user, passwordEnv, apiKeyEnv, ca, insecure, clientCert, clientKey, header, timeout});
    }

    // Fills the connection part of config; false + message on a usage error.
    bool read(const QCommandLineParser &parser, ForwardConfig *config, QString *error) const
    {
        config->nodes = parser.values(es);
        if (config->nodes.isEmpty()) {
            *error = QStringLiteral("--es URL is required");
            return false;
        }
        for (const QString &node : std::as_const(config->nodes)) {
            if (ForwardConfig::hasCredentials(node)) {
                // Arguments are readable by every local user (/proc/PID/cmdline) and stay in shell history.
                *error = QStringLiteral("--es %1: credentials in the URL are refused (command-line arguments are "
                                        "visible to every local user and kept in shell history); use --user U "
                                        "--password-env VAR or --api-key-env VAR")
                             .arg(ForwardConfig::redactedNode(node));
                return false;
            }
        }
        if (parser.isSet(passwordEnv) && parser.isSet(apiKeyEnv)) {
            *error = QStringLiteral("use either --user/--password-env or --api-key-env");
            return false;
        }
        config->user = parser.value(user);
        if (parser.isSet(passwordEnv)) {
            // Secrets only from the environment: a password on the command line shows in `ps` and shell history.
            const QByteArray name = parser.value(passwordEnv).toLocal8Bit();
            if (!qEnvironmentVariableIsSet(name.constData())) {
                *error = QStringLiteral("--password-env: environment variable %1 is not set").arg(parser.value(passwordEnv));
                return false;
            }
            config->password = qEnvironmentVariable(name.constData());
            if (config->user.isEmpty()) {
                *error = QStringLiteral("--password-env needs --user");
                return false;
            }
        } else if (!config->user.isEmpty()) {
            *error = QStringLiteral("--user needs --password-env VAR");
            return false;
        }
        if (parser.isSet(apiKeyEnv)) {
            const QByteArray name = parser.value(apiKeyEnv).toLocal8Bit();
            if (!qEnvironmentVariableIsSet(name.constData())) {
                *error = QStringLiteral("--api-key-env: environment variable %1 is not set").arg(parser.value(apiKeyEnv));
                return false;
            }
            config->apiKey = qEnvironmentVariable(name.constData()).trimmed();
        }
        config->caFile = parser.value(ca);
        config->verifyTls = !parser.isSet(insecure);
        config->clientCertFile = parser.value(clientCert);
        config->clientKeyFile = parser.value(clientKey);
        for (const QString &h : parser.values(header)) {
            QPair<QByteArray, QByteArray> parsed;
            if (!ForwardConfig::parseHeader(h, &parsed, error)) {
                *error = QStringLiteral("--header: ") + *error;
                return false;
            }
            config->headers.append(parsed);
        }
        if (parser.isSet(timeout)) {
            bool ok = false;
            const int seconds = parser.value(timeout).toInt(&ok);
            if (!ok || seconds <= 0) {
                *error = QStringLiteral("--timeout must be a positive number of seconds");
                return false;
            }
            config->requestTimeoutMs = seconds * 1000;
        }
        return true;
    }
};

bool parse(QCommandLineParser &parser, const QString &command, const QString &description, const QStringList &args,
           int *exitCode)
{
    parser.setApplicationDescription(description);
    const QCommandLineOption help = parser.addHelpOption();
    QStringList argv = args;
    argv.prepend(QStringLiteral("falco-explorer ") + command);
    if (!parser.parse(argv)) {
        err(QStringLiteral("falco-explorer %1: %2\n").arg(command, parser.errorText()));
        err(parser.helpText());
        *exitCode = 2;
        return false;
    }
    if (parser.isSet(help)) {
        std::fputs(parser.helpText().toLocal8Bit().constData(), stdout);
        *exitCode = 0;
        return false;
    }
    if (!parser.positionalArguments().isEmpty()) {
        err(QStringLiteral("falco-explorer %1: unexpected argument '%2'\n").arg(command, parser.positionalArguments().first()));
        *exitCode = 2;
        return false;
    }
    return true;
}

EsClient::Health checkHealth(const ForwardConfig &config)
{
    EsClient client(config);
    EsClient::Health result;
    if (!client.setupError().isEmpty()) {
        result.error = client.setupError();
        return result;
    }
    QEventLoop loop;
    client.checkHealth([&](const EsClient::Health &h) {
        result = h;
        loop.quit();
    });
    loop.exec();
    return result;
}

QString countsLine(const ForwardStatus &s)
{
    return QStringLiteral("%1 delivered (%2 already there), %3 pending, %4 retrying, %5 dead-lettered")
        .arg(s.delivered)
        .arg(s.duplicates)
        .arg(s.pending)
        .arg(s.retrying)
        .arg(s.deadLettered);
}

void printDeadLetters(const DeadLetterList &list)
{
    for (const ForwardOutbox::DeadLetter &d : list) {
        const QString when = d.timestampMs ? QDateTime::fromMSecsSinceEpoch(d.timestampMs, Qt::UTC).toString(Qt::ISODateWithMs)
                                           : QString();
        // The rule comes from the alert and the reason from the server: neither may drive the terminal.
        std::printf("%lld\t%s\t%s\t%d attempt(s)\t%s\n", static_cast<long long>(d.alertId), when.toUtf8().constData(),
                    escapeControls(QStringView(d.rule)).toUtf8().constData(), d.attempts,
                    escapeControls(QStringView(d.reason)).toUtf8().constData());
    }
}

const char s_forwardDescription[] =
    "Forwards the stored alerts to Elasticsearch, durably and exactly once. Every alert gets a deterministic _id\n"
    "(from its dedupe key) and is sent with `create`, so a retry can never duplicate it; the delivery state is kept\n"
    "in the store, so a restart resumes where it stopped. --mode ecs (default) sends the mapped ECS documents to\n"
    "the data stream logs-falco.alerts-<namespace> with pipeline=_none (exactly what the Elastic Falco integration\n"
    "indexes; its dashboard works on them); --mode raw sends the original Falco JSON for the integration's ingest\n"
    "pipeline to map (like Falcosidekick). Without --once it keeps forwarding new alerts (e.g. alongside `listen`)\n"
    "until interrupted; with --once it drains the store and exits 0 only when everything was delivered.\n"
    "Documents Elasticsearch refuses (mapping errors) are dead-lettered: list them with --dead-letters, fix the\n"
    "cause, then forward with --retry-dead-letters. Progress and counts go to stderr.";

} // namespace

int runForward(const QStringList &args)
{
    QCommandLineParser parser;
    ConnectionOptions connection;
    connection.addTo(parser);
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("The store (default: %1).").arg(AlertStore::defaultPath()),
                                QStringLiteral("PATH"));
    const QCommandLineOption ns(QStringLiteral("namespace"), QStringLiteral("Data stream namespace (default: default)."),
                                QStringLiteral("NS"));
    const QCommandLineOption index(QStringLiteral("index"),
                                   QStringLiteral("Custom index or data stream instead of logs-falco.alerts-<namespace>."),
                                   QStringLiteral("NAME"));
    const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("ecs (default) or raw."), QStringLiteral("MODE"));
    const QCommandLineOption once(QStringLiteral("once"), QStringLiteral("Drain the store and exit (0 = all delivered)."));
    const QCommandLineOption gzip(QStringLiteral("gzip"), QStringLiteral("Compress request bodies (Content-Encoding: gzip)."));
    const QCommandLineOption batchDocs(QStringLiteral("batch-docs"),
                                       QStringLiteral("Documents per _bulk request (default %1).").arg(ForwardConfig().maxBatchDocs),
                                       QStringLiteral("N"));
    const QCommandLineOption batchBytes(QStringLiteral("batch-mb"), QStringLiteral("Maximum _bulk body in MB (default 10)."),
                                        QStringLiteral("MB"));
    const QCommandLineOption inFlight(QStringLiteral("in-flight"),
                                      QStringLiteral("_bulk requests in flight at once, 1-6 (default 2; one after a failure "
                                                     "until a request succeeds)."),
                                      QStringLiteral("N"));
    const QCommandLineOption maxAttempts(QStringLiteral("max-attempts"),
                                         QStringLiteral("With --once: give up a failing request after N attempts (default 8; "
                                                        "0 = never). Without --once requests are retried forever."),
                                         QStringLiteral("N"));
    const QCommandLineOption deadLetters(QStringLiteral("dead-letters"),
                                         QStringLiteral("List the dead-lettered alerts of the target (id, time, rule, attempts, "
                                                        "reason; tab-separated on stdout) and exit."));
    const QCommandLineOption retryDead(QStringLiteral("retry-dead-letters"),
                                       QStringLiteral("Queue the dead-lettered alerts again before forwarding."));
    const QCommandLineOption noHealth(QStringLiteral("no-health-check"), QStringLiteral("Skip the initial GET / check."));
    parser.addOptions({db, ns, index, mode, once, gzip, batchDocs, batchBytes, inFlight, maxAttempts, deadLetters, retryDead,
                       noHealth});
    int exitCode = 0;
    if (!parse(parser, QStringLiteral("forward"), QString::fromLatin1(s_forwardDescription), args, &exitCode))
        return exitCode;

    ForwardConfig config;
    QString error;
    const auto usage = [](const QString &message) {
        err(QStringLiteral("falco-explorer forward: %1\n").arg(message));
        return 2;
    };
    if (!parser.isSet(deadLetters) && !connection.read(parser, &config, &error))
        return usage(error);
    if (parser.isSet(deadLetters) && parser.isSet(connection.es))
        connection.read(parser, &config, &error);
    if (parser.isSet(ns))
        config.namespaceName = parser.value(ns);
    config.index = parser.value(index);
    if (parser.isSet(mode) && !ForwardConfig::modeFromName(parser.value(mode), &config.mode))
        return usage(QStringLiteral("--mode must be ecs or raw"));
    config.gzip = parser.isSet(gzip);
    if (parser.isSet(batchDocs)) {
        config.maxBatchDocs = parser.value(batchDocs).toInt();
        if (config.maxBatchDocs <= 0)
            return usage(QStringLiteral("--batch-docs must be a positive number"));
    }
    if (parser.isSet(batchBytes)) {
        const double mb = parser.value(batchBytes).toDouble();
        if (mb <= 0)
            return usage(QStringLiteral("--batch-mb must be positive"));
        config.maxBatchBytes = qint64(mb * 1024 * 1024);
    }
    if (parser.isSet(inFlight)) {
        config.maxInFlight = parser.value(inFlight).toInt();
        if (config.maxInFlight < 1 || config.maxInFlight > 6)
            return usage(QStringLiteral("--in-flight must be between 1 and 6"));
    }
    config.maxAttempts = parser.isSet(once) ? 8 : 0;
    if (parser.isSet(maxAttempts))
        config.maxAttempts = parser.value(maxAttempts).toInt();
    const QString dbPath = parser.isSet(db) ? parser.value(db) : AlertStore::defaultPath();
    if (int exitCode = 0; !convertStoreIfNeeded(dbPath, QStringLiteral("forward"), &exitCode))
        return exitCode;

    if (parser.isSet(deadLetters)) {
        ForwardOutbox outbox;
        if (!outbox.open(dbPath, config.targetKey(), &error)) {
            err(QStringLiteral("falco-explorer forward: %1\n").arg(error));
            return 1;
        }
        const auto list = outbox.deadLetters(1000000);
        printDeadLetters(list);
        err(QStringLiteral("%1 dead-lettered alert(s) for %2\n").arg(list.size()).arg(config.targetIndex()));
        return 0;
    }
    if (const QString problem = config.validate(); !problem.isEmpty())
        return usage(problem);

    if (!config.verifyTls)
        err(QStringLiteral("WARNING: --insecure: TLS certificate verification is OFF. Anyone on the network path can read "
                           "and alter the alerts and capture the credentials.\n"));
    if (!parser.isSet(noHealth)) {
        const EsClient::Health health = checkHealth(config);
        if (!health.ok) {
            err(QStringLiteral("falco-explorer forward: %1\n").arg(health.error));
            // Unreachable is worth waiting for when following; a wrong answer (401, version, not ES) is not.
            if (parser.isSet(once) || !health.error.startsWith(QLatin1String("cannot reach")))
                return 1;
        } else {
            err(QStringLiteral("forward: Elasticsearch %1 (cluster %2) at %3\n").arg(health.version, health.clusterName, health.node));
            if (!health.warning.isEmpty())
                err(QStringLiteral("forward: warning: %1\n").arg(health.warning));
        }
    }

    err(QStringLiteral("forward: %1 mode to %2\n").arg(ForwardConfig::modeName(config.mode), config.targetIndex()));
    EsForwarder forwarder(config, dbPath);
    QEventLoop loop;
    bool allDelivered = false;
    bool failed = false;
    ForwardStatus last;
    qint64 lastPrinted = 0;
    QObject::connect(&forwarder, &EsForwarder::statusChanged, &loop, [&](const ForwardStatus &s) {
        last = s;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (now - lastPrinted >= 1000) {
            lastPrinted = now;
            err(QStringLiteral("forward: %1 [%2]\n").arg(countsLine(s), ForwardStatus::stateName(s.state)));
        }
    });
    QObject::connect(&forwarder, &EsForwarder::diagnostic, &loop, [](const Diagnostic &d) {
        const char *level = d.severity == Diagnostic::Severity::Error ? "error"
            : d.severity == Diagnostic::Severity::Warning            ? "warning"
                                                                     : "info";
        err(QStringLiteral("forward: %1: %2\n").arg(QLatin1String(level), d.toString()));
    });
    QObject::connect(&forwarder, &EsForwarder::finished, &loop, [&](bool ok) {
        allDelivered = ok;
        failed = forwarder.status().state == ForwardStatus::State::Failed;
        loop.quit();
    });
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    QTimer interruptPoll;
    QObject::connect(&interruptPoll, &QTimer::timeout, &loop, [&] {
        if (s_interrupted)
            loop.quit();
    });
    interruptPoll.start(200);

    forwarder.start(parser.isSet(once), parser.isSet(retryDead));
    loop.exec();
    forwarder.stop();
    last = forwarder.status();

    // The final figures straight from the outbox (the throttled status may be a moment old).
    ForwardOutbox outbox;
    if (outbox.open(dbPath, config.targetKey(), nullptr)) {
        const ForwardOutbox::Counts c = outbox.counts();
        last.delivered = c.delivered;
        last.duplicates = c.duplicates;
        last.pending = c.pending;
        last.retrying = c.retrying;
        last.deadLettered = c.deadLettered;
    }
    err(QStringLiteral("forward: done: %1; %2 request(s), %3 retried\n")
            .arg(countsLine(last))
            .arg(last.requests)
            .arg(last.retriedRequests));
    if (last.deadLettered > 0)
        err(QStringLiteral("forward: %1 alert(s) are dead-lettered: see them with --dead-letters, fix the cause, then run "
                           "with --retry-dead-letters\n").arg(last.deadLettered));
    if (failed)
        return 1;
    if (parser.isSet(once))
        return allDelivered ? 0 : 1;
    return 0;
}

int runEsSetup(const QStringList &args)
{
    QCommandLineParser parser;
    ConnectionOptions connection;
    connection.addTo(parser);
    const QCommandLineOption name(QStringLiteral("name"),
                                  QStringLiteral("Index template name (default: %1).").arg(IndexTemplate::defaultName()),
                                  QStringLiteral("NAME"));
    const QCommandLineOption pattern(QStringLiteral("pattern"),
                                     QStringLiteral("Index pattern (default: %1).").arg(IndexTemplate::defaultPattern()),
                                     QStringLiteral("PATTERN"));
    const QCommandLineOption print(QStringLiteral("print"), QStringLiteral("Print the template JSON and exit."));
    parser.addOptions({name, pattern, print});
    int exitCode = 0;
    const QString description = QStringLiteral(
        "Installs an index template for the Falco alerts data stream with the field types of the Elastic Falco\n"
        "integration's field list, for clusters without Fleet. Not needed when the integration is installed\n"
        "(its own template takes precedence).");
    if (!parse(parser, QStringLiteral("es-setup"), description, args, &exitCode))
        return exitCode;
    const QString templateName = parser.isSet(name) ? parser.value(name) : IndexTemplate::defaultName();
    const QByteArray body = IndexTemplate::build(parser.isSet(pattern) ? parser.value(pattern) : IndexTemplate::defaultPattern());
    if (parser.isSet(print)) {
        std::fwrite(body.constData(), 1, size_t(body.size()), stdout);
        std::fputc('\n', stdout);
        return 0;
    }
    ForwardConfig config;
    QString error;
    if (!connection.read(parser, &config, &error)) {
        err(QStringLiteral("falco-explorer es-setup: %1\n").arg(error));
        return 2;
    }
    const EsClient::Health health = checkHealth(config);
    if (!health.ok) {
        err(QStringLiteral("falco-explorer es-setup: %1\n").arg(health.error));
        return 1;
    }
    EsClient client(config);
    QEventLoop loop;
    EsClient::Reply reply;
    client.send("PUT", "/_index_template/" + QUrl::toPercentEncoding(templateName), body, [&](const EsClient::Reply &r) {
        reply = r;
        loop.quit();
    });
    loop.exec();
    if (reply.status != 200) {
        err(QStringLiteral("falco-explorer es-setup: installing the template failed: %1\n")
                .arg(reply.status == 0 ? reply.networkError
                                       : QStringLiteral("HTTP %1 %2").arg(reply.status).arg(escapeControls(reply.body, 500))));
        return 1;
    }
    QStringList skipped;
    const int mapped = IndexTemplate::mappedFieldCount(&skipped);
    err(QStringLiteral("es-setup: index template %1 installed on Elasticsearch %2 (%3 fields typed; %4 skipped as both a "
                       "field and a parent: %5)\n")
            .arg(templateName, health.version)
            .arg(mapped)
            .arg(skipped.size())
            .arg(skipped.join(QStringLiteral(", "))));
    return 0;
}

} // namespace fe::cli
