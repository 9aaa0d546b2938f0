// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/esclient.h"

#include "model/diagnostic.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QVersionNumber>

#include <zlib.h>

#include <algorithm>
#include <utility>

namespace fe {

namespace {

constexpr int s_minMajor = 8;   // data streams with create + explicit _id, and the integration (8.13.3+)
constexpr int s_maxIdleConnections = 8;
constexpr qsizetype s_maxHeadBytes = 64 * 1024;

QList<QSslCertificate> readCertificates(const QString &file, QString *error)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(file, f.errorString());
        return {};
    }
    const QByteArray data = f.readAll();
    QList<QSslCertificate> certs = QSslCertificate::fromData(data, QSsl::Pem);
    if (certs.isEmpty())
        certs = QSslCertificate::fromData(data, QSsl::Der);
    if (certs.isEmpty())
        *error = QStringLiteral("%1 holds no PEM or DER certificate").arg(file);
    return certs;
}

bool sameName(QByteArrayView a, QByteArrayView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

} // namespace

// One HTTP/1.1 connection to one node, owned by the client, in its thread. It carries one exchange at a time
// (request out, answer parsed where it arrives) and stays open for the next one unless either side said
// otherwise. The timeout counts from the last progress (bytes written or read), like QNetworkRequest's
// transfer timeout.
class EsClient::Connection : public QObject
{
public:
    Connection(EsClient *client, int node, const QUrl &url)
        : QObject(client)
        , m_client(client)
        , m_node(node)
        , m_url(url)
    {
        const bool https = url.scheme() == QLatin1String("https");
        if (https) {
            auto *ssl = new QSslSocket(this);
            ssl->setSslConfiguration(client->m_ssl);
            ssl->setPeerVerifyName(url.host());
            if (!client->m_config.verifyTls)
                ssl->ignoreSslErrors();
            connect(ssl, &QSslSocket::encrypted, this, &Connection::onConnected);
            m_socket = ssl;
        } else {
            m_socket = new QTcpSocket(this);
            connect(m_socket, &QTcpSocket::connected, this, &Connection::onConnected);
        }
        connect(m_socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
        connect(m_socket, &QTcpSocket::bytesWritten, this, &Connection::onProgress);
        connect(m_socket, &QTcpSocket::errorOccurred, this, &Connection::onError);
        connect(m_socket, &QTcpSocket::disconnected, this, &Connection::onDisconnected);
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, &Connection::onTimeout);
        const quint16 port = quint16(url.port(https ? 443 : 80));
        if (https)
            static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(url.host(), port);
        else
            m_socket->connectToHost(url.host(), port);
    }

    int node() const { return m_node; }
    // Stops listening to the socket and closes it (the connection is about to be deleted).
    void close()
    {
        m_timer.stop();
        m_socket->disconnect(this);
        m_socket->abort();
    }
    bool isIdle() const { return !m_done && m_connected && m_socket->state() == QAbstractSocket::ConnectedState; }

    void start(QByteArray head, QByteArray body, bool headRequest, Callback done)
    {
        m_head = std::move(head);
        m_body = std::move(body);
        // A kept-alive connection may have been closed by the server just as this request goes out: then it is sent
        // again, once, on a new connection (shared copies, no bytes copied).
        m_reused = m_connected;
        if (m_reused) {
            m_retryHead = m_head;
            m_retryBody = m_body;
        }
        m_headRequest = headRequest;
        m_done = std::move(done);
        m_in.clear();
        m_phase = Phase::Head;
        m_status = 0;
        m_product.clear();
        m_close = false;
        m_length = -1;
        m_chunked = false;
        m_answer.clear();
        if (m_client->m_config.requestTimeoutMs > 0)
            m_timer.start(m_client->m_config.requestTimeoutMs);
        if (m_connected)
            writeRequest();
    }

private:
    enum class Phase { Head, Length, Chunked, UntilClose };

    void onConnected()
    {
        m_connected = true;
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (m_done)
            writeRequest();
    }

    void writeRequest()
    {
        // Two writes and no copy of the body: QIODevice keeps a large QByteArray as a chunk of its write buffer.
        m_socket->write(m_head);
        if (!m_body.isEmpty())
            m_socket->write(m_body);
        m_head = QByteArray();
        m_body = QByteArray();
    }

    void onProgress()
    {
        if (m_done && m_timer.isActive())
            m_timer.start();
    }

    void onReadyRead()
    {
        if (!m_done) {
            // Nobody asked: an idle connection that talks is not one to reuse.
            m_socket->readAll();
            m_client->release(this, false);
            return;
        }
        m_in += m_socket->readAll();
        onProgress();
        parse();
    }

    void onError(QAbstractSocket::SocketError error)
    {
        if (!m_done) {
            m_client->release(this, false);
            return;
        }
        if (error == QAbstractSocket::RemoteHostClosedError) {
            onDisconnected();
            return;
        }
        if (retryOnNewConnection())
            return;
        fail(m_socket->errorString());
    }

    void onDisconnected()
    {
        if (!m_done) {
            m_client->release(this, false);
            return;
        }
        if (m_phase == Phase::UntilClose)
            complete();
        else if (!retryOnNewConnection())
            fail(QStringLiteral("the connection was closed before a complete answer"));
    }

    void onTimeout()
    {
        if (m_done)
            fail(QStringLiteral("no answer within %1 ms").arg(m_client->m_config.requestTimeoutMs));
    }

    // Status line and headers (without the blank line).
    bool parseHead(QByteArrayView head)
    {
        qsizetype lineEnd = head.indexOf('\n');
        QByteArrayView line = head.first(lineEnd < 0 ? head.size() : lineEnd).trimmed();
        if (!line.startsWith("HTTP/1.") || line.size() < 12 || line[8] != ' ')
            return false;
        bool ok = false;
        m_status = line.sliced(9, 3).toInt(&ok);
        if (!ok)
            return false;
        m_close = line.startsWith("HTTP/1.0");
        while (lineEnd >= 0) {
            const qsizetype from = lineEnd + 1;
            lineEnd = head.indexOf('\n', from);
            line = head.sliced(from, (lineEnd < 0 ? head.size() : lineEnd) - from).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArrayView name = line.first(colon).trimmed();
            const QByteArrayView value = line.sliced(colon + 1).trimmed();
            if (sameName(name, "content-length")) {
                m_length = value.toLongLong(&ok);
                if (!ok || m_length < 0)
                    return false;
            } else if (sameName(name, "transfer-encoding")) {
                m_chunked = value.toByteArray().toLower().contains("chunked");
            } else if (sameName(name, "connection")) {
                const QByteArray v = value.toByteArray().toLower();
                m_close = v.contains("close") || (m_close && !v.contains("keep-alive"));
            } else if (sameName(name, "x-elastic-product")) {
                m_product = value.toByteArray();
            }
        }
        return true;
    }

    void parse()
    {
        for (;;) {
            switch (m_phase) {
            case Phase::Head: {
                const qsizetype end = m_in.indexOf("\r\n\r\n");
                if (end < 0) {
                    if (m_in.size() > s_maxHeadBytes)
                        fail(QStringLiteral("malformed HTTP answer (no end of the headers)"));
                    return;
                }
                m_length = -1;
                m_chunked = false;
                if (!parseHead(QByteArrayView(m_in).first(end))) {
                    fail(QStringLiteral("malformed HTTP answer: %1")
                             .arg(QString::fromUtf8(m_in.left(std::min<qsizetype>(end, 80))).simplified()));
                    return;
                }
                m_in.remove(0, end + 4);
                if (m_status >= 100 && m_status < 200)
                    continue;   // 100 Continue and the like: the real answer follows
                if (m_headRequest || m_status == 204 || m_status == 304 || (!m_chunked && m_length == 0)) {
                    complete();
                    return;
                }
                m_phase = m_chunked ? Phase::Chunked : m_length > 0 ? Phase::Length : Phase::UntilClose;
                if (m_phase == Phase::UntilClose)
                    m_close = true;
                continue;
            }
            case Phase::Length:
                if (m_in.size() < m_length)
                    return;
                if (m_in.size() > m_length)
                    m_close = true;   // bytes nobody asked for: do not reuse the connection
                m_in.truncate(m_length);
                m_answer = std::exchange(m_in, QByteArray());
                complete();
                return;
            case Phase::Chunked: {
                const qsizetype lineEnd = m_in.indexOf("\r\n");
                if (lineEnd < 0)
                    return;
                QByteArrayView sizeText = QByteArrayView(m_in).first(lineEnd);
                if (const qsizetype semicolon = sizeText.indexOf(';'); semicolon >= 0)
                    sizeText = sizeText.first(semicolon);
                bool ok = false;
                const qint64 size = sizeText.trimmed().toLongLong(&ok, 16);
                if (!ok || size < 0) {
                    fail(QStringLiteral("malformed HTTP answer (bad chunk size)"));
                    return;
                }
                if (size == 0) {
                    // The last chunk, then optional trailers up to a blank line.
                    if (m_in.indexOf("\r\n\r\n", lineEnd) < 0)
                        return;
                    complete();
                    return;
                }
                if (m_in.size() < lineEnd + 2 + size + 2)
                    return;
                m_answer.append(QByteArrayView(m_in).sliced(lineEnd + 2, size));
                m_in.remove(0, lineEnd + 2 + size + 2);
                continue;
            }
            case Phase::UntilClose:
                m_answer += m_in;
                m_in.clear();
                return;
            }
        }
    }

    void complete()
    {
        m_timer.stop();
        Reply reply;
        reply.status = m_status;
        reply.body = m_phase == Phase::UntilClose ? m_answer + std::exchange(m_in, QByteArray()) : std::move(m_answer);
        reply.productHeader = m_product;
        Callback done = std::exchange(m_done, Callback());
        m_retryHead = QByteArray();
        m_retryBody = QByteArray();
        // An answer that came before the whole request was written leaves the connection in no state to reuse.
        const bool reuse = !m_close && m_socket->bytesToWrite() == 0 && m_socket->state() == QAbstractSocket::ConnectedState;
        m_answer = QByteArray();
        m_client->release(this, reuse);   // may delete this later, never now
        done(reply);
    }

    // The server dropped a reused connection before a byte of the answer: the usual keep-alive race (its idle
    // timeout), not an answer. The request goes again on a new connection, once; _bulk creates with fixed ids, so a
    // request the server did process before closing only gives 409s. False when this does not apply.
    bool retryOnNewConnection()
    {
        if (!m_reused || !m_in.isEmpty() || m_status != 0 || !m_answer.isEmpty())
            return false;
        m_timer.stop();
        Callback done = std::exchange(m_done, Callback());
        m_client->release(this, false);
        m_client->sendOnNewConnection(m_node, m_url, std::exchange(m_retryHead, QByteArray()),
                                      std::exchange(m_retryBody, QByteArray()), m_headRequest, std::move(done));
        return true;
    }

    void fail(const QString &error)
    {
        m_timer.stop();
        Reply reply;
        reply.networkError = error;
        m_retryHead = QByteArray();
        m_retryBody = QByteArray();
        Callback done = std::exchange(m_done, Callback());
        m_client->release(this, false);
        done(reply);
    }

    EsClient *m_client;
    int m_node;
    QUrl m_url;
    QTcpSocket *m_socket = nullptr;   // a QSslSocket for https
    QTimer m_timer;
    bool m_connected = false;
    // The exchange in progress (m_done set while one is).
    Callback m_done;
    QByteArray m_head;
    QByteArray m_body;
    bool m_reused = false;            // the exchange went out on a connection kept alive from an earlier one
    QByteArray m_retryHead;           // what to send again if the server dropped the reused connection
    QByteArray m_retryBody;
    bool m_headRequest = false;
    QByteArray m_in;                  // received, not parsed yet
    Phase m_phase = Phase::Head;
    int m_status = 0;
    QByteArray m_product;
    bool m_close = false;
    qint64 m_length = -1;
    bool m_chunked = false;
    QByteArray m_answer;
};

EsClient::EsClient(const ForwardConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_ssl(QSslConfiguration::defaultConfiguration())
{
    if (!config.apiKey.isEmpty())
        m_authorization = "ApiKey " + config.apiKey.toUtf8();
    else if (!config.user.isEmpty())
        m_authorization = "Basic " + (config.user + QLatin1Char(':') + config.password).toUtf8().toBase64();

    // Credentials in a node URL are refused (ForwardConfig::nodeProblem), here too for callers that did not
    // validate the configuration first (the connection test, es-setup): never sent, never printed.
    for (const QString &node : config.nodes) {
        if (ForwardConfig::hasCredentials(node))
            m_setupError = ForwardConfig::nodeProblem(node);
    }
    if (!config.caFile.isEmpty()) {
        QString error;
        const QList<QSslCertificate> cas = readCertificates(config.caFile, &error);
        if (cas.isEmpty())
            m_setupError = error;
        else
            m_ssl.addCaCertificates(cas);
    }
    if (!config.clientCertFile.isEmpty()) {
        QString error;
        const QList<QSslCertificate> certs = readCertificates(config.clientCertFile, &error);
        QFile keyFile(config.clientKeyFile);
        if (certs.isEmpty()) {
            m_setupError = error;
        } else if (!keyFile.open(QIODevice::ReadOnly)) {
            m_setupError = QStringLiteral("cannot read %1: %2").arg(config.clientKeyFile, keyFile.errorString());
        } else {
            const QByteArray keyData = keyFile.readAll();
            QSslKey key(keyData, QSsl::Rsa, QSsl::Pem);
            if (key.isNull())
                key = QSslKey(keyData, QSsl::Ec, QSsl::Pem);
            if (key.isNull())
                m_setupError = QStringLiteral("%1 holds no unencrypted PEM RSA or EC private key").arg(config.clientKeyFile);
            m_ssl.setLocalCertificate(certs.first());
            m_ssl.setPrivateKey(key);
        }
    }
    if (!config.verifyTls)
        m_ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
}

EsClient::~EsClient() = default;

QUrl EsClient::urlFor(int node, const QByteArray &pathAndQuery) const
{
    QString base = m_config.nodes.value(node);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return QUrl(base + QString::fromUtf8(pathAndQuery));
}

QByteArray EsClient::gzip(const QByteArray &data)
{
    z_stream zs{};
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    QByteArray out;
    out.resize(qsizetype(deflateBound(&zs, uLong(data.size()))) + 32);
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    zs.avail_in = uInt(data.size());
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(qsizetype(zs.total_out));
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? out : QByteArray();
}

void EsClient::release(Connection *connection, bool reuse)
{
    const qsizetype idle = std::count_if(m_connections.cbegin(), m_connections.cend(),
                                         [](const Connection *c) { return c->isIdle(); });
    if (reuse && idle <= s_maxIdleConnections)
        return;
    if (m_connections.removeOne(connection)) {
        connection->close();
        connection->deleteLater();
    }
}

void EsClient::send(const QByteArray &method, const QByteArray &pathAndQuery, const QByteArray &body, Callback done)
{
    const int node = m_config.nodes.isEmpty() ? 0 : m_next % int(m_config.nodes.size());
    m_next = node + 1;   // round robin: every request goes to the next node
    const QString nodeName = ForwardConfig::redactedNode(m_config.nodes.value(node));
    // Transport errors name the node; the next request goes to the node after the one that failed, whatever
    // round robin had in mind (it may have advanced while this request was in flight).
    auto finish = [this, nodeName, node, done = std::move(done)](const Reply &answer) {
        Reply r = answer;
        r.node = nodeName;
        if (r.status == 0) {
            if (!r.networkError.contains(nodeName))
                r.networkError = nodeName + QStringLiteral(": ") + r.networkError;
            m_next = node + 1;
        }
        done(r);
    };
    const QUrl url = urlFor(node, pathAndQuery);
    const QString scheme = url.scheme();
    QString problem;
    if (ForwardConfig::hasCredentials(m_config.nodes.value(node)))
        problem = QStringLiteral("credentials in a node URL are refused");
    else if (!url.isValid() || url.host().isEmpty() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
        problem = QStringLiteral("not an http(s) URL");
    else if (scheme == QLatin1String("https") && !QSslSocket::supportsSsl())
        problem = QStringLiteral("TLS is not available (no OpenSSL library found)");
    if (!problem.isEmpty()) {
        Reply r;
        r.networkError = problem;
        QMetaObject::invokeMethod(this, [finish = std::move(finish), r] { finish(r); }, Qt::QueuedConnection);
        return;
    }

    // The request head: custom headers come last and replace ours of the same name.
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray host = url.host(QUrl::FullyEncoded).toUtf8();
    if (host.contains(':'))
        host = '[' + host + ']';
    if (url.port() > 0)
        host += ':' + QByteArray::number(url.port());
    headers.append({"Host", host});
    headers.append({QByteArrayLiteral("User-Agent"), QByteArrayLiteral("falco-explorer")});
    if (!m_authorization.isEmpty())
        headers.append({"Authorization", m_authorization});
    QByteArray payload = body;
    if (!body.isEmpty()) {
        headers.append({"Content-Type", pathAndQuery.startsWith("/_bulk") ? QByteArrayLiteral("application/x-ndjson")
                                                                          : QByteArrayLiteral("application/json")});
        if (m_config.gzip) {
            payload = gzip(body);
            headers.append({QByteArrayLiteral("Content-Encoding"), QByteArrayLiteral("gzip")});
        }
    }
    if (!payload.isEmpty() || method == "POST" || method == "PUT")
        headers.append({"Content-Length", QByteArray::number(payload.size())});
    for (const auto &[name, value] : m_config.headers) {
        const auto same = [&name = name](const QPair<QByteArray, QByteArray> &h) { return sameName(h.first, name); };
        headers.erase(std::remove_if(headers.begin(), headers.end(), same), headers.end());
        headers.append({name, value});
    }
    QByteArray target = url.path(QUrl::FullyEncoded).toUtf8();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toUtf8();
    QByteArray head;
    head.reserve(512);
    head += method + ' ' + target + " HTTP/1.1\r\n";
    for (const auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
    head += "\r\n";

    Connection *connection = nullptr;
    for (Connection *c : std::as_const(m_connections)) {
        if (c->node() == node && c->isIdle()) {
            connection = c;
            break;
        }
    }
    if (!connection) {
        sendOnNewConnection(node, url, std::move(head), std::move(payload), method == "HEAD", std::move(finish));
        return;
    }
    connection->start(std::move(head), std::move(payload), method == "HEAD", std::move(finish));
}

void EsClient::sendOnNewConnection(int node, const QUrl &url, QByteArray head, QByteArray body, bool headRequest,
                                   Callback done)
{
    auto *connection = new Connection(this, node, url);
    m_connections.append(connection);
    connection->start(std::move(head), std::move(body), headRequest, std::move(done));
}

EsClient::Health EsClient::healthFromReply(const Reply &reply)
{
    Health h;
    h.node = reply.node;
    if (reply.status == 0) {
        h.error = QStringLiteral("cannot reach Elasticsearch: %1").arg(reply.networkError);
        return h;
    }
    if (reply.status == 401) {
        h.error = QStringLiteral("%1: authentication failed (HTTP 401): check the user and password or the API key")
                      .arg(reply.node);
        return h;
    }
    if (reply.status == 403) {
        h.error = QStringLiteral("%1: access denied (HTTP 403): the credentials are valid but lack the monitor privilege")
                      .arg(reply.node);
        return h;
    }
    if (reply.status != 200) {
        h.error = QStringLiteral("%1: GET / answered HTTP %2").arg(reply.node).arg(reply.status);
        return h;
    }
    const QJsonObject root = QJsonDocument::fromJson(reply.body).object();
    // Shown to the user as they come: whatever answers may put anything there.
    h.version = escapeControls(QStringView(root.value(QLatin1String("version")).toObject().value(QLatin1String("number")).toString().left(100)));
    h.clusterName = escapeControls(QStringView(root.value(QLatin1String("cluster_name")).toString().left(200)));
    const QString distribution = root.value(QLatin1String("version")).toObject().value(QLatin1String("distribution")).toString();
    if (distribution == QLatin1String("opensearch")) {
        h.error = QStringLiteral("%1 is OpenSearch %2, not Elasticsearch: the Falco integration's data stream and "
                                 "pipeline do not exist there").arg(reply.node, h.version);
        return h;
    }
    if (reply.productHeader != "Elasticsearch") {
        h.error = QStringLiteral("%1 does not identify as Elasticsearch (no X-elastic-product header): a proxy, or "
                                 "not Elasticsearch").arg(reply.node);
        return h;
    }
    const QVersionNumber version = QVersionNumber::fromString(h.version);
    if (version.isNull()) {
        h.error = QStringLiteral("%1: GET / gave no version number").arg(reply.node);
        return h;
    }
    if (version.majorVersion() < s_minMajor) {
        h.error = QStringLiteral("%1 runs Elasticsearch %2; forwarding needs 8.0 or later (the Falco integration "
                                 "needs 8.13.3)").arg(reply.node, h.version);
        return h;
    }
    if (version < QVersionNumber(8, 13, 3))
        h.warning = QStringLiteral("Elasticsearch %1 is older than the Falco integration's minimum (8.13.3)").arg(h.version);
    h.ok = true;
    return h;
}

void EsClient::checkHealth(std::function<void(const Health &)> done)
{
    checkHealthFrom(0, QString(), std::move(done));
}

void EsClient::checkHealthFrom(int attempt, const QString &errors, std::function<void(const Health &)> done)
{
    send("GET", "/", QByteArray(), [this, attempt, errors, done = std::move(done)](const Reply &reply) mutable {
        Health h = healthFromReply(reply);
        // Only unreachable nodes send us to the next one: a 401 or a wrong version is the cluster's answer.
        if (!h.ok && reply.status == 0 && attempt + 1 < m_config.nodes.size()) {
            checkHealthFrom(attempt + 1, errors + h.error + QStringLiteral("; "), std::move(done));
            return;
        }
        if (!h.ok && !errors.isEmpty())
            h.error = errors + h.error;
        done(h);
    });
}

} // namespace fe
