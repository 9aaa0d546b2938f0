// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <memory>

namespace fe {

class IngestPipeline;

// What the user chose for the syslog listener (CLI flags or the GUI dialog). A plain value.
struct ListenerConfig
{
    QHostAddress bindAddress = QHostAddress(QHostAddress::LocalHost);   // never all interfaces unless asked
    int tcpPort = 9030;                      // 0 = any free port (see SyslogListener::tcpPort), -1 = no TCP
    int udpPort = -1;                        // -1 = no UDP, 0 = any free port
    QString tlsCertificate;                  // PEM; with tlsKey, TCP is TLS
    QString tlsKey;                          // PEM, unencrypted
    QString tlsClientCa;                     // PEM; when set, clients must present a certificate it signed
    qint64 maxMessageSize = 20 * 1024 * 1024;
    int maxConnections = 10000;
    int idleTimeoutSeconds = 300;            // 0 = never; Falcosidekick opens one connection per alert and never closes it
    int maxBatchFrames = 1024;               // frames handed to the pipeline in one go
};

// Receives syslog over TCP (newline or RFC 6587 octet-counted framing, detected per frame; optionally
// TLS) and UDP (one datagram, one message), and submits the frames to an IngestPipeline. Runs its
// sockets in its own thread; this controller object lives in the caller's thread.
// Plain TCP connections are bare file descriptors with one read notifier each, so ten thousand idle
// Falcosidekick connections stay cheap; one sweep timer closes connections idle for longer than the
// timeout. When the pipeline is full, submit() blocks the listener thread: no socket is read and the
// kernel's TCP windows push back on the senders. Bad frames give a diagnostic naming the peer and the
// connection goes on with the next frame.
class SyslogListener : public QObject
{
    Q_OBJECT

public:
    SyslogListener(const ListenerConfig &config, IngestPipeline *pipeline, QObject *parent = nullptr);
    ~SyslogListener() override;   // stop()

    // Binds the sockets (in the listener thread) and starts receiving. false + error when a port cannot be
    // bound or the TLS files cannot be read.
    bool start(QString *error = nullptr);
    // Stops accepting, reads what the open connections already delivered, hands every complete frame to
    // the pipeline and closes the connections. The pipeline is not stopped.
    void stop();
    bool isRunning() const;

    // The bound ports (useful with port 0); 0 when not listening.
    quint16 tcpPort() const;
    quint16 udpPort() const;
    const ListenerConfig &config() const { return m_config; }

private:
    class Worker;
    ListenerConfig m_config;
    IngestPipeline *m_pipeline;
    QThread *m_thread = nullptr;
    Worker *m_worker = nullptr;   // lives in m_thread, deleted when it finishes
    quint16 m_tcpPort = 0;
    quint16 m_udpPort = 0;
};

} // namespace fe
