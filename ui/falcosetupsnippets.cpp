// SPDX-License-Identifier: Apache-2.0
#include "ui/falcosetupsnippets.h"

#include <QHostAddress>
#include <QNetworkInterface>

namespace fe {

namespace {

bool isIpv6(const QString &host)
{
    return host.contains(u':');
}

// host:port with IPv6 literals bracketed, as openssl's -connect takes it.
QString hostPort(const QString &host, int port)
{
    return (isIpv6(host) ? u'[' + host + u']' : host) + u':' + QString::number(port);
}

} // namespace

QStringList FalcoSetupSnippets::machineAddresses()
{
    QStringList v4, v6;
    const QList<QNetworkInterface> interfaces = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &interface : interfaces) {
        const auto flags = interface.flags();
        if (!flags.testFlag(QNetworkInterface::IsUp) || !flags.testFlag(QNetworkInterface::IsRunning)
            || flags.testFlag(QNetworkInterface::IsLoopBack))
            continue;
        const QList<QNetworkAddressEntry> entries = interface.addressEntries();
        for (const QNetworkAddressEntry &entry : entries) {
            const QHostAddress address = entry.ip();
            // Link-local IPv6 addresses need a scope to be reached: not something to paste into a config file.
            if (address.isLoopback() || address.isLinkLocal())
                continue;
            (address.protocol() == QAbstractSocket::IPv4Protocol ? v4 : v6) << address.toString();
        }
    }
    return v4 + v6;
}

QString FalcoSetupSnippets::clientHost(const QString &bindAddress)
{
    const QHostAddress address(bindAddress);
    if (address == QHostAddress::AnyIPv4 || address == QHostAddress::AnyIPv6 || address == QHostAddress::Any) {
        const QStringList addresses = machineAddresses();
        return addresses.isEmpty() ? QStringLiteral("127.0.0.1") : addresses.first();
    }
    return bindAddress;
}

QString FalcoSetupSnippets::falcosidekick(const QString &host, int port, bool tls)
{
    if (tls) {
        return QStringLiteral(
            "# Falcosidekick's syslog output speaks plain TCP or UDP only, never TLS\n"
            "# (falcosecurity/falcosidekick issue #1421), and this listener expects TLS.\n"
            "# Send from Falco itself instead (the falco.yaml tab), or start a second listener\n"
            "# without TLS for Falcosidekick on a network you trust.\n");
    }
    const QString p = QString::number(port);
    return QStringLiteral(
               "# Falcosidekick config.yaml: its syslog output sends every alert here\n"
               "syslog:\n"
               "  host: \"%1\"\n"
               "  port: \"%2\"\n"
               "  protocol: \"tcp\"\n"
               "  format: \"json\"          # or \"cef\"\n"
               "  minimumpriority: \"\"     # every alert\n"
               "\n"
               "# Or as environment variables:\n"
               "#   SYSLOG_HOST=%1 SYSLOG_PORT=%2 SYSLOG_PROTOCOL=tcp SYSLOG_FORMAT=json\n"
               "# Or with Falco's Helm chart:\n"
               "#   --set falcosidekick.enabled=true\n"
               "#   --set falcosidekick.config.syslog.host=%1\n"
               "#   --set-string falcosidekick.config.syslog.port=%2\n"
               "#   --set falcosidekick.config.syslog.protocol=tcp\n")
        .arg(host, p);
}

QString FalcoSetupSnippets::falcoProgram(const QString &host, int port, bool tls, bool clientCertificate)
{
    if (!tls) {
        // logger (util-linux, on every Debian and in Falco's image): RFC 5424 with octet counting, so an alert of
        // any length is one message; its default size limit (1 KiB) would cut most alerts.
        return QStringLiteral("logger --tcp --server %1 --port %2 --rfc5424 --octet-count --size 1048576 --tag Falco")
            .arg(host)
            .arg(port);
    }
    // -no_ign_eof: exit at the end of the alert (-quiet alone waits for the server to close); the certificate is
    // checked against the CA file and the address or name it was sent to.
    QString command = QStringLiteral("openssl s_client -quiet -no_ign_eof -connect %1 -CAfile %2 -verify_return_error %3 %4")
                          .arg(hostPort(host, port), caFile(),
                               QHostAddress(host).isNull() ? QStringLiteral("-verify_hostname") : QStringLiteral("-verify_ip"),
                               host);
    if (clientCertificate)
        command += QStringLiteral(" -cert %1 -key %2").arg(clientCertificateFile(), clientKeyFile());
    return command;
}

QString FalcoSetupSnippets::falco(const QString &host, int port, bool tls, bool clientCertificate)
{
    QString text = QStringLiteral(
                       "# falco.yaml: alerts as JSON, each sent to %1 as Falco raises it\n"
                       "json_output: true\n"
                       "json_include_output_property: true\n"
                       "json_include_tags_property: true\n"
                       "program_output:\n"
                       "  enabled: true\n"
                       "  keep_alive: false   # one short connection per alert: either side may restart\n"
                       "  program: \"%2\"\n")
                       .arg(hostPort(host, port), falcoProgram(host, port, tls, clientCertificate));
    if (tls) {
        text += QStringLiteral("# %1: the listener's certificate (self-signed) or the CA that signed it.\n").arg(caFile());
        if (clientCertificate)
            text += QStringLiteral("# %1 and %2: a client certificate signed by the listener's client CA.\n")
                        .arg(clientCertificateFile(), clientKeyFile());
    }
    text += QStringLiteral(
        "\n"
        "# Or keep Falco's own log file and import or watch it here:\n"
        "#   file_output:\n"
        "#     enabled: true\n"
        "#     keep_alive: false\n"
        "#     filename: /var/log/falco/events.log\n");
    return text;
}

} // namespace fe
