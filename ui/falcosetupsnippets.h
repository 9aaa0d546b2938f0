// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>

namespace fe {

// The settings a user pastes into Falcosidekick or Falco so that their alerts reach a syslog listener of ours,
// as text for the welcome view's snippets (the README's "Connect Falco" shows the same). Pure functions of the
// listener's address, port and TLS, except machineAddresses(), which asks the network interfaces.
class FalcoSetupSnippets
{
public:
    // This machine's addresses that other machines can reach: up, running, not loopback; IPv4 first.
    static QStringList machineAddresses();
    // The address Falco or Falcosidekick connects to for a listener bound to bindAddress: a loopback or a specific
    // address as it is, for a wildcard (0.0.0.0, ::) this machine's first routable address (the loopback one when
    // it has none).
    static QString clientHost(const QString &bindAddress);

    // Falcosidekick's syslog output (config.yaml, its environment variables and Falco's Helm chart). Falcosidekick
    // cannot speak TLS to syslog: with tls, the text says so and what to do instead.
    static QString falcosidekick(const QString &host, int port, bool tls);
    // falco.yaml: JSON output, each alert sent by program_output with falcoProgram().
    static QString falco(const QString &host, int port, bool tls, bool clientCertificate);
    // The command program_output runs for each alert (one line of JSON on its stdin): logger over TCP, or
    // openssl s_client for TLS (checking the listener's certificate against the CA file, and with
    // clientCertificate presenting the client's own).
    static QString falcoProgram(const QString &host, int port, bool tls, bool clientCertificate);

    // Where falcoProgram() expects the CA and client files on the Falco machine.
    static QString caFile() { return QStringLiteral("/etc/falco/falco-explorer-ca.pem"); }
    static QString clientCertificateFile() { return QStringLiteral("/etc/falco/falco-explorer-client.pem"); }
    static QString clientKeyFile() { return QStringLiteral("/etc/falco/falco-explorer-client.key"); }
};

} // namespace fe
