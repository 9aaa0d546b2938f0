// SPDX-License-Identifier: Apache-2.0
#include "ingest/sources/sysloglistener.h"

#include "ingest/pipeline/ingestpipeline.h"
#include "ingest/syslog/syslogframer.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QNetworkDatagram>
#include <QSocketNotifier>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QThread>
#include <QTimer>
#include <QUdpSocket>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fe {

namespace {

constexpr qsizetype s_readChunk = 256 * 1024;
// Per notifier activation: then other connections get their turn.
constexpr qsizetype s_maxReadPerWakeup = 4 * 1024 * 1024;
// Descriptors the process needs besides connections: the store, its WAL, the event loop, TLS files, ...
constexpr rlim_t s_reservedDescriptors = 256;

QString peerString(const QHostAddress &address, quint16 port)
{
    bool v4 = false;
    const quint32 ipv4 = address.toIPv4Address(&v4);
    if (v4)
        return QStringLiteral("%1:%2").arg(QHostAddress(ipv4).toString()).arg(port);
    return QStringLiteral("[%1]:%2").arg(address.toString()).arg(port);
}

QString peerOfDescriptor(int fd)
{
    sockaddr_storage storage {};
    socklen_t length = sizeof(storage);
    if (getpeername(fd, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return QStringLiteral("unknown peer");
    QHostAddress address(reinterpret_cast<const sockaddr *>(&storage));
    quint16 port = 0;
    if (storage.ss_family == AF_INET)
        port = ntohs(reinterpret_cast<const sockaddr_in *>(&storage)->sin_port);
    else if (storage.ss_family == AF_INET6)
        port = ntohs(reinterpret_cast<const sockaddr_in6 *>(&storage)->sin6_port);
    return peerString(address, port);
}

// QTcpServer hands us the accepted descriptor: no QTcpSocket for plain connections (see the class comment).
class Acceptor : public QTcpServer
{
public:
    std::function<void(qintptr)> onDescriptor;

protected:
    void incomingConnection(qintptr descriptor) override { onDescriptor(descriptor); }
};

} // namespace

class SyslogListener::Worker : public QObject
{
public:
    Worker(const ListenerConfig &config, IngestPipeline *pipeline)
        : m_config(config)
        , m_pipeline(pipeline)
        , m_sweepTimer(this)
        , m_flushTimer(this)
    {
        m_readBuffer.resize(s_readChunk);
        m_pending.frames.reserve(m_config.maxBatchFrames);
    }

    ~Worker() override { shutdown(); }

    // Runs in the listener thread.
    QString bind(quint16 *tcpPort, quint16 *udpPort)
    {
        m_tls = !m_config.tlsCertificate.isEmpty() || !m_config.tlsKey.isEmpty();
        if (m_tls) {
            const QString tlsError = loadTls();
            if (!tlsError.isEmpty())
                return tlsError;
        }
        m_flushTimer.setSingleShot(true);
        m_flushTimer.setInterval(0);
        QObject::connect(&m_flushTimer, &QTimer::timeout, this, [this] { flush(); });
        if (m_config.tcpPort >= 0) {
            raiseFileLimit();
            m_acceptor = std::make_unique<Acceptor>();
            m_acceptor->onDescriptor = [this](qintptr fd) { accept(fd); };
            m_acceptor->setListenBacklogSize(4096);
            if (!m_acceptor->listen(m_config.bindAddress, static_cast<quint16>(m_config.tcpPort))) {
                return QStringLiteral("cannot listen on TCP %1:%2: %3")
                    .arg(m_config.bindAddress.toString())
                    .arg(m_config.tcpPort)
                    .arg(m_acceptor->errorString());
            }
            *tcpPort = m_acceptor->serverPort();
            // Out of descriptors (EMFILE): QTcpServer pauses accepting; resume once some are free again.
            QObject::connect(m_acceptor.get(), &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
                m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("listener"), QString(),
                                              QStringLiteral("cannot accept connections: %1 (retrying every second)")
                                                  .arg(m_acceptor->errorString()),
                                              1});
                QTimer::singleShot(1000, this, [this] {
                    if (m_acceptor)
                        m_acceptor->resumeAccepting();
                });
            });
        }
        if (m_config.udpPort >= 0) {
            m_udp = std::make_unique<QUdpSocket>();
            if (!m_udp->bind(m_config.bindAddress, static_cast<quint16>(m_config.udpPort))) {
                return QStringLiteral("cannot bind UDP %1:%2: %3")
                    .arg(m_config.bindAddress.toString())
                    .arg(m_config.udpPort)
                    .arg(m_udp->errorString());
            }
            m_udp->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 8 * 1024 * 1024);
            QObject::connect(m_udp.get(), &QUdpSocket::readyRead, this, [this] { readDatagrams(); });
            *udpPort = m_udp->localPort();
        }
        if (m_config.idleTimeoutSeconds > 0) {
            m_sweepTimer.setInterval(qBound(250, m_config.idleTimeoutSeconds * 250, 10000));
            QObject::connect(&m_sweepTimer, &QTimer::timeout, this, [this] { sweepIdle(); });
            m_sweepTimer.start();
        }
        return QString();
    }

    // Runs in the listener thread: everything already received is framed and submitted.
    void shutdown()
    {
        if (m_shutDown)
            return;
        m_shutDown = true;
        m_sweepTimer.stop();
        m_acceptor.reset();
        if (m_udp) {
            readDatagrams();
            m_udp.reset();
        }
        const QList<quintptr> open = m_connections.keys();
        for (quintptr key : open) {
            Connection *connection = m_connections.value(key);
            if (connection->fd >= 0)
                readDescriptor(connection);   // may close it (EOF): look it up again
            else
                readSsl(connection);
            if (Connection *still = m_connections.value(key))
                close(still, CloseReason::Shutdown);
        }
        flush();
    }

private:
    enum class CloseReason { Eof, Error, Idle, Shutdown };

    struct Connection
    {
        quintptr key = 0;
        int fd = -1;                                 // plain TCP
        std::unique_ptr<QSocketNotifier> notifier;   // plain TCP
        QSslSocket *ssl = nullptr;                   // TLS (owned by the worker, deleteLater)
        SyslogFramer framer;
        QString peer;
        qint64 lastActivityMs = 0;

        explicit Connection(qsizetype maxFrame)
            : framer(maxFrame)
        {
        }
    };

    QString loadTls()
    {
        QFile certFile(m_config.tlsCertificate);
        if (!certFile.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read the TLS certificate %1: %2").arg(certFile.fileName(), certFile.errorString());
        m_certificates = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
        if (m_certificates.isEmpty())
            return QStringLiteral("%1 holds no PEM certificate").arg(certFile.fileName());
        QFile keyFile(m_config.tlsKey);
        if (!keyFile.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read the TLS key %1: %2").arg(keyFile.fileName(), keyFile.errorString());
        const QByteArray keyData = keyFile.readAll();
        for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
            m_key = QSslKey(keyData, algorithm, QSsl::Pem);
            if (!m_key.isNull())
                break;
        }
        if (m_key.isNull())
            return QStringLiteral("%1 holds no usable unencrypted PEM private key").arg(keyFile.fileName());
        if (!m_config.tlsClientCa.isEmpty()) {
            m_clientCas = QSslCertificate::fromPath(m_config.tlsClientCa, QSsl::Pem);
            if (m_clientCas.isEmpty())
                return QStringLiteral("%1 holds no PEM CA certificate").arg(m_config.tlsClientCa);
        }
        if (!QSslSocket::supportsSsl())
            return QStringLiteral("TLS is not available (no TLS backend in this Qt build)");
        return QString();
    }

    // Every connection is a descriptor: the soft limit (often 1024) is raised towards maxConnections, as far
    // as the hard limit allows; when that is not enough, the user learns why connections are refused.
    void raiseFileLimit()
    {
        rlimit limit {};
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
            return;
        const rlim_t wanted = rlim_t(m_config.maxConnections) + s_reservedDescriptors;
        if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted)
            return;
        const rlim_t hard = limit.rlim_max;
        limit.rlim_cur = hard == RLIM_INFINITY ? wanted : qMin(wanted, hard);
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            getrlimit(RLIMIT_NOFILE, &limit);
        if (limit.rlim_cur < wanted) {
            m_pipeline->reportDiagnostic(
                {Diagnostic::Severity::Warning, QStringLiteral("listener"), QString(),
                 QStringLiteral("the open-file limit is %1 (hard limit %2): about %3 connections can be open, fewer "
                                "than the %4 allowed by --max-connections; raise it with ulimit -n")
                     .arg(qulonglong(limit.rlim_cur))
                     .arg(qulonglong(hard))
                     .arg(qMax<qint64>(0, qint64(limit.rlim_cur) - s_reservedDescriptors))
                     .arg(m_config.maxConnections),
                 1});
        }
    }

    void accept(qintptr descriptor)
    {
        const int fd = static_cast<int>(descriptor);
        if (m_connections.size() >= m_config.maxConnections) {
            const QString peer = peerOfDescriptor(fd);
            ::close(fd);
            PipelineStats delta;
            delta.reject(QStringLiteral("connection limit"));
            m_pipeline->reportSourceStats(delta);
            m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("listener"), peer,
                                          QStringLiteral("connection refused: %1 connections are open (--max-connections)")
                                              .arg(m_connections.size()),
                                          1});
            return;
        }
        auto connection = std::make_unique<Connection>(m_config.maxMessageSize);
        connection->peer = peerOfDescriptor(fd);
        connection->lastActivityMs = QDateTime::currentMSecsSinceEpoch();
        Connection *c = connection.get();
        if (m_tls) {
            auto *ssl = new QSslSocket(this);
            if (!ssl->setSocketDescriptor(descriptor)) {
                ::close(fd);
                delete ssl;
                return;
            }
            ssl->setReadBufferSize(1024 * 1024);
            ssl->setLocalCertificateChain(m_certificates);
            ssl->setPrivateKey(m_key);
            if (!m_clientCas.isEmpty()) {
                QSslConfiguration tlsConfig = ssl->sslConfiguration();
                tlsConfig.setCaCertificates(m_clientCas);
                ssl->setSslConfiguration(tlsConfig);
                ssl->setPeerVerifyMode(QSslSocket::VerifyPeer);
            } else {
                ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
            }
            c->ssl = ssl;
            c->key = reinterpret_cast<quintptr>(ssl);
            QObject::connect(ssl, &QSslSocket::readyRead, this, [this, c] { readSsl(c); });
            QObject::connect(ssl, &QSslSocket::disconnected, this, [this, c] {
                if (m_connections.contains(c->key)) {
                    readSsl(c);
                    close(c, CloseReason::Eof);
                }
            });
            QObject::connect(ssl, &QSslSocket::errorOccurred, this, [this, c](QAbstractSocket::SocketError error) {
                if (error == QAbstractSocket::RemoteHostClosedError || !m_connections.contains(c->key))
                    return;
                const bool handshake = !c->ssl->isEncrypted();
                PipelineStats delta;
                delta.reject(handshake ? QStringLiteral("TLS handshake failed") : QStringLiteral("connection error"));
                m_pipeline->reportSourceStats(delta);
                m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("listener"), c->peer,
                                              (handshake ? QStringLiteral("TLS handshake failed: ")
                                                         : QStringLiteral("connection error: "))
                                                  + c->ssl->errorString(),
                                              1});
                close(c, CloseReason::Error);
            });
            ssl->startServerEncryption();
        } else {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            c->fd = fd;
            c->key = static_cast<quintptr>(fd) | (quintptr(1) << (sizeof(quintptr) * 8 - 1));
            c->notifier = std::make_unique<QSocketNotifier>(descriptor, QSocketNotifier::Read);
            QObject::connect(c->notifier.get(), &QSocketNotifier::activated, this, [this, c] { readDescriptor(c); });
        }
        m_connections.insert(c->key, connection.release());
        PipelineStats delta;
        delta.connections = 1;
        m_pipeline->reportSourceStats(delta);
    }

    void readDescriptor(Connection *c)
    {
        qsizetype total = 0;
        while (total < s_maxReadPerWakeup) {
            const ssize_t n = ::read(c->fd, m_readBuffer.data(), static_cast<size_t>(m_readBuffer.size()));
            if (n > 0) {
                total += n;
                c->framer.feed(QByteArrayView(m_readBuffer.constData(), n), &m_frames, &m_errors);
                collect(c);
                continue;
            }
            if (n == 0) {
                close(c, CloseReason::Eof);
                return;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("listener"), c->peer,
                                              QStringLiteral("read error: %1").arg(QString::fromLocal8Bit(strerror(errno))),
                                              1});
                close(c, CloseReason::Error);
                return;
            }
            break;
        }
        if (total > 0)
            c->lastActivityMs = QDateTime::currentMSecsSinceEpoch();
    }

    void readSsl(Connection *c)
    {
        if (!c->ssl)
            return;
        const QByteArray bytes = c->ssl->readAll();
        if (bytes.isEmpty())
            return;
        c->lastActivityMs = QDateTime::currentMSecsSinceEpoch();
        c->framer.feed(bytes, &m_frames, &m_errors);
        collect(c);
    }

    // Moves the frames and errors the framer just produced into the pending batch / the diagnostics.
    void collect(Connection *c)
    {
        if (!m_errors.isEmpty()) {
            PipelineStats delta;
            for (const SyslogFramer::Error &error : std::as_const(m_errors)) {
                ++delta.received;
                delta.reject(error.reason);
                m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("listener"), c->peer,
                                              error.reason + QStringLiteral(": ") + error.detail, 1});
            }
            m_pipeline->reportSourceStats(delta);
            m_errors.clear();
        }
        if (m_frames.isEmpty())
            return;
        // One read can frame dozens of alerts: a full batch goes as soon as it is full, so the batch never grows
        // past the capacity flush() reserved (growing would move every frame of it).
        for (QByteArray &frame : m_frames) {
            m_pendingBytes += frame.size();
            m_pending.frames.append({std::move(frame), c->peer, -1});
            if (m_pending.frames.size() >= m_config.maxBatchFrames)
                flush();
        }
        m_frames.clear();
        scheduleFlush();
    }

    void scheduleFlush()
    {
        if (m_pending.frames.size() >= m_config.maxBatchFrames || m_pendingBytes >= 8 * 1024 * 1024)
            flush();
        else if (!m_flushTimer.isActive() && !m_pending.frames.isEmpty())
            m_flushTimer.start();
    }

    void flush()
    {
        if (m_pending.frames.isEmpty())
            return;
        PipelineStats delta;
        delta.received = m_pending.frames.size();
        delta.framed = m_pending.frames.size();
        m_pipeline->reportSourceStats(delta);
        RawBatch batch;
        std::swap(batch, m_pending);
        m_pending.input = MapOptions::Input::Tcp;
        m_pending.frames.reserve(m_config.maxBatchFrames);
        m_pendingBytes = 0;
        if (!m_pipeline->submit(std::move(batch))) {
            PipelineStats lost;
            lost.reject(QLatin1String(IngestPipeline::s_stoppedReason), delta.framed);
            m_pipeline->reportSourceStats(lost);
        }
    }

    void readDatagrams()
    {
        if (!m_udp)
            return;
        while (m_udp->hasPendingDatagrams()) {
            const QNetworkDatagram datagram = m_udp->receiveDatagram();
            QByteArray data = datagram.data();
            while (data.endsWith('\n') || data.endsWith('\r') || data.endsWith('\0'))
                data.chop(1);
            if (data.isEmpty())
                continue;
            const QString peer = peerString(datagram.senderAddress(), static_cast<quint16>(datagram.senderPort()));
            if (data.size() > m_config.maxMessageSize) {
                PipelineStats delta;
                ++delta.received;
                delta.reject(QStringLiteral("frame too large"));
                m_pipeline->reportSourceStats(delta);
                m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("listener"), peer,
                                              QStringLiteral("frame too large: a datagram of %1 bytes").arg(data.size()), 1});
                continue;
            }
            m_pendingBytes += data.size();
            m_pending.frames.append({std::move(data), peer, -1});
            if (m_pending.frames.size() >= m_config.maxBatchFrames)
                flush();
        }
        scheduleFlush();
    }

    void close(Connection *c, CloseReason reason)
    {
        c->framer.finish(&m_frames, &m_errors);
        if (reason == CloseReason::Shutdown && !m_frames.isEmpty()) {
            // A frame without its newline when we stop: the sender has not finished it.
            PipelineStats delta;
            delta.received += m_frames.size();
            delta.reject(QStringLiteral("incomplete frame at shutdown"), m_frames.size());
            m_pipeline->reportSourceStats(delta);
            m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("listener"), c->peer,
                                          QStringLiteral("incomplete frame at shutdown (%1 bytes) discarded")
                                              .arg(m_frames.constFirst().size()),
                                          1});
            m_frames.clear();
        }
        collect(c);
        if (reason == CloseReason::Idle) {
            m_pipeline->reportDiagnostic({Diagnostic::Severity::Info, QStringLiteral("listener"), QString(),
                                          QStringLiteral("idle connections closed after %1 s").arg(m_config.idleTimeoutSeconds),
                                          1});
        }
        m_connections.remove(c->key);
        if (c->fd >= 0) {
            c->notifier.reset();
            ::close(c->fd);
        }
        if (c->ssl) {
            QObject::disconnect(c->ssl, nullptr, this, nullptr);
            c->ssl->abort();
            c->ssl->deleteLater();
        }
        delete c;
        PipelineStats delta;
        delta.connections = -1;
        m_pipeline->reportSourceStats(delta);
    }

    void sweepIdle()
    {
        const qint64 limit = QDateTime::currentMSecsSinceEpoch() - qint64(m_config.idleTimeoutSeconds) * 1000;
        QList<Connection *> idle;
        for (Connection *c : std::as_const(m_connections)) {
            if (c->lastActivityMs < limit)
                idle.append(c);
        }
        for (Connection *c : std::as_const(idle))
            close(c, CloseReason::Idle);
    }

    ListenerConfig m_config;
    IngestPipeline *m_pipeline;
    std::unique_ptr<Acceptor> m_acceptor;
    std::unique_ptr<QUdpSocket> m_udp;
    QHash<quintptr, Connection *> m_connections;   // owned
    QTimer m_sweepTimer;
    QTimer m_flushTimer;
    RawBatch m_pending;
    qsizetype m_pendingBytes = 0;
    QByteArray m_readBuffer;
    QVector<QByteArray> m_frames;
    QVector<SyslogFramer::Error> m_errors;
    bool m_tls = false;
    bool m_shutDown = false;
    QList<QSslCertificate> m_certificates;
    QSslKey m_key;
    QList<QSslCertificate> m_clientCas;
};

SyslogListener::SyslogListener(const ListenerConfig &config, IngestPipeline *pipeline, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pipeline(pipeline)
{
}

SyslogListener::~SyslogListener()
{
    stop();
}

bool SyslogListener::start(QString *error)
{
    if (m_thread)
        return true;
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("fe-syslog-listener"));
    m_worker = new Worker(m_config, m_pipeline);
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
    QString bindError;
    quint16 tcp = 0;
    quint16 udp = 0;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, &bindError, &tcp, &udp] { bindError = worker->bind(&tcp, &udp); },
        Qt::BlockingQueuedConnection);
    if (!bindError.isEmpty()) {
        stop();
        if (error)
            *error = bindError;
        return false;
    }
    m_tcpPort = tcp;
    m_udpPort = udp;
    return true;
}

void SyslogListener::stop()
{
    if (!m_thread)
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(m_worker, [worker] { worker->shutdown(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_worker = nullptr;
    m_tcpPort = 0;
    m_udpPort = 0;
}

bool SyslogListener::isRunning() const
{
    return m_thread != nullptr;
}

quint16 SyslogListener::tcpPort() const
{
    return m_tcpPort;
}

quint16 SyslogListener::udpPort() const
{
    return m_udpPort;
}

} // namespace fe
