// SPDX-License-Identifier: Apache-2.0
// falco-explorer listen: receive Falco alerts over TCP/UDP syslog (as Elastic Agent's tcp input does) and store them.
#include "app/cliutil.h"
#include "app/commands.h"
#include "app/followcommand.h"

#include "ingest/pipeline/ingestpipeline.h"
#include "ingest/sources/sysloglistener.h"
#include "model/alertstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

namespace fe::cli {

namespace {

bool parseInt(const QCommandLineParser &parser, const QString &name, qint64 min, qint64 max, qint64 *out)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const qint64 value = parser.value(name).toLongLong(&ok);
    if (!ok || value < min || value > max) {
        std::fprintf(stderr, "falco-explorer listen: --%s must be a number from %lld to %lld\n", qPrintable(name),
                     static_cast<long long>(min), static_cast<long long>(max));
        return false;
    }
    *out = value;
    return true;
}

} // namespace

int runListen(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Receive Falco alerts over syslog (TCP, optionally TLS, and UDP) and store them, like Elastic Agent's tcp "
        "input for the Falco integration. Framing: newline or RFC 6587 octet counting, per frame. Headers: Go "
        "log/syslog (Falcosidekick), RFC 3164, RFC 5424. Payload: Falco JSON or Falcosidekick CEF."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("db"), QStringLiteral("The alert database (default: %1).").arg(AlertStore::defaultPath()),
         QStringLiteral("PATH")},
        {QStringLiteral("bind"), QStringLiteral("Address to listen on (default 127.0.0.1; 0.0.0.0 for all)."),
         QStringLiteral("ADDR"), QStringLiteral("127.0.0.1")},
        {QStringLiteral("port"), QStringLiteral("TCP port (default 9030; 0 = any free port, -1 = no TCP)."),
         QStringLiteral("N"), QStringLiteral("9030")},
        {QStringLiteral("udp-port"), QStringLiteral("Also receive UDP syslog on this port."), QStringLiteral("N")},
        {QStringLiteral("tls-cert"), QStringLiteral("TLS: server certificate (PEM)."), QStringLiteral("FILE")},
        {QStringLiteral("tls-key"), QStringLiteral("TLS: server private key (PEM, unencrypted)."), QStringLiteral("FILE")},
        {QStringLiteral("tls-client-ca"), QStringLiteral("TLS: require client certificates signed by this CA."),
         QStringLiteral("FILE")},
        {QStringLiteral("max-message-size"), QStringLiteral("Largest frame accepted (default 20 MiB)."),
         QStringLiteral("BYTES")},
        {QStringLiteral("max-connections"), QStringLiteral("Open connections at most (default 10000)."),
         QStringLiteral("N")},
        {QStringLiteral("idle-timeout"), QStringLiteral("Close connections idle this long (default 300 s; 0 = never)."),
         QStringLiteral("S")},
        {QStringLiteral("preserve-original"), QStringLiteral("Keep the whole syslog line in event.original.")},
        {QStringLiteral("preserve-falco-fields"), QStringLiteral("Keep the Falco fields copied to ECS.")},
        {QStringLiteral("stats-interval"), QStringLiteral("Print pipeline counters every S seconds (default 5; 0 = never)."),
         QStringLiteral("S")},
        {QStringLiteral("quiet"), QStringLiteral("Print no counters, only problems.")},
    });
    QStringList argv = args;
    argv.prepend(QStringLiteral("falco-explorer listen"));
    if (!parser.parse(argv)) {
        std::fprintf(stderr, "falco-explorer listen: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "falco-explorer listen: unexpected argument '%s'\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }

    ListenerConfig listen;
    if (!listen.bindAddress.setAddress(parser.value(QStringLiteral("bind")))) {
        std::fprintf(stderr, "falco-explorer listen: --bind: '%s' is not an IP address\n",
                     qPrintable(parser.value(QStringLiteral("bind"))));
        return 2;
    }
    qint64 tcpPort = 9030;
    qint64 udpPort = -1;
    qint64 maxMessage = listen.maxMessageSize;
    qint64 maxConnections = listen.maxConnections;
    qint64 idle = listen.idleTimeoutSeconds;
    qint64 statsInterval = 5;
    if (!parseInt(parser, QStringLiteral("port"), -1, 65535, &tcpPort) || !parseInt(parser, QStringLiteral("udp-port"), 0, 65535, &udpPort)
        || !parseInt(parser, QStringLiteral("max-message-size"), 1, qint64(1) << 31, &maxMessage)
        || !parseInt(parser, QStringLiteral("max-connections"), 1, 1000000, &maxConnections)
        || !parseInt(parser, QStringLiteral("idle-timeout"), 0, 86400 * 365, &idle)
        || !parseInt(parser, QStringLiteral("stats-interval"), 0, 86400, &statsInterval))
        return 2;
    listen.tcpPort = int(tcpPort);
    listen.udpPort = int(udpPort);
    listen.maxMessageSize = maxMessage;
    listen.maxConnections = int(maxConnections);
    listen.idleTimeoutSeconds = int(idle);
    listen.tlsCertificate = parser.value(QStringLiteral("tls-cert"));
    listen.tlsKey = parser.value(QStringLiteral("tls-key"));
    listen.tlsClientCa = parser.value(QStringLiteral("tls-client-ca"));
    if (listen.tlsCertificate.isEmpty() != listen.tlsKey.isEmpty()) {
        std::fputs("falco-explorer listen: --tls-cert and --tls-key go together\n", stderr);
        return 2;
    }
    if (!listen.tlsClientCa.isEmpty() && listen.tlsCertificate.isEmpty()) {
        std::fputs("falco-explorer listen: --tls-client-ca needs --tls-cert and --tls-key\n", stderr);
        return 2;
    }
    if (listen.tcpPort < 0 && listen.udpPort < 0) {
        std::fputs("falco-explorer listen: nothing to listen on (--port -1 and no --udp-port)\n", stderr);
        return 2;
    }

    IngestConfig config;
    config.dbPath = parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db")) : AlertStore::defaultPath();
    config.mapOptions.input = MapOptions::Input::Tcp;
    config.mapOptions.preserveOriginal = parser.isSet(QStringLiteral("preserve-original"));
    config.mapOptions.preserveFalcoFields = parser.isSet(QStringLiteral("preserve-falco-fields"));
    if (int exitCode = 0; !convertStoreIfNeeded(config.dbPath, QStringLiteral("listen"), &exitCode))
        return exitCode;
    IngestPipeline pipeline(config);
    QString error;
    if (!pipeline.start(&error)) {
        std::fprintf(stderr, "falco-explorer listen: %s\n", qPrintable(error));
        return 1;
    }
    SyslogListener listener(listen, &pipeline);
    if (!listener.start(&error)) {
        std::fprintf(stderr, "falco-explorer listen: %s\n", qPrintable(error));
        return 1;
    }
    const QString host = listen.bindAddress.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(listen.bindAddress.toString())
        : listen.bindAddress.toString();
    if (listener.tcpPort() != 0) {
        std::printf("listening on %s %s:%u\n", listen.tlsCertificate.isEmpty() ? "tcp" : "tls", qPrintable(host),
                    unsigned(listener.tcpPort()));
    }
    if (listener.udpPort() != 0)
        std::printf("listening on udp %s:%u\n", qPrintable(host), unsigned(listener.udpPort()));
    std::printf("storing into %s\n", qPrintable(config.dbPath));
    std::fflush(stdout);

    QObject::connect(&pipeline, &IngestPipeline::diagnosticsReported, &pipeline, printDiagnostics);
    QTimer statsTimer;
    if (!parser.isSet(QStringLiteral("quiet")) && statsInterval > 0) {
        statsTimer.setInterval(int(statsInterval) * 1000);
        QObject::connect(&statsTimer, &QTimer::timeout, &pipeline,
                         [&pipeline] { std::fprintf(stderr, "%s\n", qPrintable(formatStatsLine(pipeline.stats()))); });
        statsTimer.start();
    }
    quitOnTerminationSignals();
    QCoreApplication::exec();

    // A store that still fails (a full disk) is given up now: the listener, waiting for room to submit what it
    // received, could not stop otherwise.
    pipeline.requestStop();
    listener.stop();
    pipeline.stop();   // emits the last diagnostics
    const PipelineStats stats = pipeline.stats();
    std::fprintf(stderr, "stopped: %s\n", qPrintable(formatStatsLine(stats)));
    // Alerts were received (and acknowledged by TCP) but are not in the store: the senders will not send them again,
    // so say how many and fail, for a service manager or script to notice.
    const qint64 lost = pipeline.alertsLostAtStop();
    if (lost > 0) {
        std::fprintf(stderr, "falco-explorer listen: %lld received alerts could not be stored (the store was still "
                             "failing when stopped)\n",
                     static_cast<long long>(lost));
        return 1;
    }
    return 0;
}

} // namespace fe::cli
