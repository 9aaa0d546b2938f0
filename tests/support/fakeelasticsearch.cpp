// SPDX-License-Identifier: Apache-2.0
#include "support/fakeelasticsearch.h"

#include <QHostAddress>
#include <QPointer>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <zlib.h>

#include <cstdio>
#include <utility>

namespace fe::test {

namespace {

using Json = nlohmann::json;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

QByteArray errorBody(int status, const char *type, const std::string &reason)
{
    Json j = {{"error", {{"root_cause", Json::array({{{"type", type}, {"reason", reason}}})}, {"type", type}, {"reason", reason}}},
              {"status", status}};
    return QByteArray::fromStdString(j.dump());
}

// A JSON string literal (quotes and escapes) for UTF-8 text.
std::string jsonString(const QByteArray &text)
{
    std::string out;
    out.reserve(size_t(text.size()) + 2);
    out += '"';
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += ch;
        }
    }
    out += '"';
    return out;
}

simdjson::dom::parser &bulkParser()
{
    thread_local simdjson::dom::parser parser;
    return parser;
}

bool isDataStreamName(const QString &index)
{
    // The built-in index templates make logs-*-*, metrics-*-*, traces-*-* data streams.
    return index.startsWith(QLatin1String("logs-")) || index.startsWith(QLatin1String("metrics-"))
        || index.startsWith(QLatin1String("traces-"));
}

} // namespace

struct FakeElasticsearch::Connection
{
    QByteArray buffer;
    bool dropArmed = false;   // DropMidRequest chosen for the request being received
};

FakeElasticsearch::FakeElasticsearch(QObject *parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &FakeElasticsearch::onNewConnection);
}

FakeElasticsearch::~FakeElasticsearch()
{
    qDeleteAll(m_connections);
}

bool FakeElasticsearch::listen(quint16 port)
{
    return m_server->listen(QHostAddress::LocalHost, port);
}

quint16 FakeElasticsearch::port() const
{
    return m_server->serverPort();
}

QString FakeElasticsearch::url() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

void FakeElasticsearch::requireBasicAuth(const QString &user, const QString &password)
{
    m_expectedAuth = "Basic " + (user + QLatin1Char(':') + password).toUtf8().toBase64();
}

void FakeElasticsearch::requireApiKey(const QString &encodedKey)
{
    m_expectedAuth = "ApiKey " + encodedKey.toUtf8();
}

void FakeElasticsearch::failItem(const QByteArray &id, int status, int times)
{
    for (int i = 0; i < times; ++i)
        m_itemFaults[id].append(status);
}

void FakeElasticsearch::rejectDocumentsContaining(const QByteArray &needle, const QString &reason)
{
    m_rejections.append({needle, reason});
}

void FakeElasticsearch::shutDown()
{
    m_server->close();
    const auto sockets = m_connections.keys();
    for (QTcpSocket *socket : sockets)
        socket->abort();
}

QByteArray FakeElasticsearch::gunzip(const QByteArray &data, bool *ok)
{
    *ok = false;
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return {};
    QByteArray out;
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    zs.avail_in = uInt(data.size());
    char chunk[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef *>(chunk);
        zs.avail_out = sizeof chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk, qsizetype(sizeof chunk - zs.avail_out));
        if (rc == Z_BUF_ERROR && zs.avail_in == 0)
            break;
    }
    inflateEnd(&zs);
    *ok = rc == Z_STREAM_END;
    return out;
}

void FakeElasticsearch::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        m_connections.insert(socket, new Connection);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            delete m_connections.take(socket);
            socket->deleteLater();
        });
    }
}

void FakeElasticsearch::onReadyRead(QTcpSocket *socket)
{
    Connection *c = m_connections.value(socket);
    if (!c)
        return;
    // Straight into the connection's buffer (reserved for the whole request once its length is known).
    if (const qint64 available = socket->bytesAvailable(); available > 0) {
        const qsizetype old = c->buffer.size();
        if (c->buffer.capacity() < old + available)
            c->buffer.reserve(std::max<qsizetype>(old + available, c->buffer.capacity() * 2));
        c->buffer.resize(old + available);
        const qint64 got = socket->read(c->buffer.data() + old, available);
        c->buffer.resize(old + std::max<qint64>(0, got));
    }
    for (;;) {
        const qsizetype headerEnd = c->buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        Request request;
        const QList<QByteArray> lines = c->buffer.left(headerEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        if (requestLine.size() != 3) {
            reply(socket, 400, errorBody(400, "illegal_argument_exception", "bad request line"), false);
            return;
        }
        request.method = requestLine[0];
        request.target = requestLine[1];
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        const bool keepAlive = request.headers.value("connection").toLower() != "close";
        qsizetype consumed = headerEnd + 4;
        qsizetype bodyStart = -1;   // unchunked body: where it starts in the buffer, and its length
        qsizetype bodyLength = 0;
        const bool isBulk = request.target.contains("/_bulk");
        if (isBulk && !c->dropArmed && !m_faults.isEmpty() && m_faults.first().kind == FaultKind::DropMidRequest
            && c->buffer.size() > consumed) {
            // Part of the body is here: hang up on the client mid-request.
            m_faults.removeFirst();
            ++m_bulkRequests;
            socket->abort();
            return;
        }
        if (request.headers.value("transfer-encoding").toLower().contains("chunked")) {
            request.chunked = true;
            qsizetype p = consumed;
            QByteArray body;
            for (;;) {
                const qsizetype lineEnd = c->buffer.indexOf("\r\n", p);
                if (lineEnd < 0)
                    return;   // wait for more
                bool ok = false;
                const qint64 size = c->buffer.mid(p, lineEnd - p).split(';').value(0).trimmed().toLongLong(&ok, 16);
                if (!ok) {
                    reply(socket, 400, errorBody(400, "illegal_argument_exception", "bad chunk size"), false);
                    return;
                }
                p = lineEnd + 2;
                if (size == 0) {
                    const qsizetype trailerEnd = c->buffer.indexOf("\r\n", p);
                    if (trailerEnd < 0)
                        return;
                    p = trailerEnd + 2;
                    break;
                }
                if (c->buffer.size() < p + size + 2)
                    return;
                body += c->buffer.mid(p, size);
                p += size + 2;
            }
            request.body = body;
            consumed = p;
        } else {
            const qint64 length = request.headers.value("content-length", "0").toLongLong();
            if (c->buffer.size() < consumed + length) {
                if (c->buffer.capacity() < consumed + length)
                    c->buffer.reserve(consumed + length);
                return;   // wait for the rest of the body
            }
            bodyStart = consumed;
            bodyLength = length;
            consumed += length;
        }
        // The request's bytes leave the connection's buffer (megabytes for a _bulk): taken whole when they are all
        // it holds, and the body is a view into them rather than a copy.
        QByteArray requestBytes;
        if (consumed == c->buffer.size()) {
            requestBytes = std::exchange(c->buffer, QByteArray());
        } else {
            requestBytes = c->buffer.left(consumed);
            c->buffer.remove(0, consumed);
        }
        if (bodyStart >= 0)
            request.body = QByteArray::fromRawData(requestBytes.constData() + bodyStart, bodyLength);
        // Gives the buffer's capacity back to the connection for its next request (after handle(): the raw body
        // points into it until then).
        const auto recycle = [this, socket, &requestBytes] {
            Connection *alive = m_connections.value(socket);
            if (alive && alive->buffer.isEmpty() && requestBytes.isDetached()) {
                requestBytes.resize(0);
                alive->buffer = std::move(requestBytes);
            }
        };
        if (request.headers.value("content-encoding").toLower() == "gzip") {
            bool ok = false;
            request.body = gunzip(request.body, &ok);
            request.gzipped = true;
            if (!ok) {
                reply(socket, 400, errorBody(400, "parse_exception", "cannot decompress the gzip body"), keepAlive);
                continue;
            }
        }
        if (m_recordRequests || (m_answerDelayMs > 0 && request.target.contains("/_bulk")))
            request.body = QByteArray(request.body.constData(), request.body.size());   // kept: owns its bytes
        if (m_recordRequests)
            m_requests.append(request);
        if (m_answerDelayMs > 0 && request.target.contains("/_bulk")) {
            // Slow node: the request is held open for a while, which lets a test see how many the client
            // keeps in flight at once.
            m_maxOpenBulkRequests = std::max(m_maxOpenBulkRequests, ++m_openBulkRequests);
            QTimer::singleShot(m_answerDelayMs, this, [this, guard = QPointer<QTcpSocket>(socket), request, keepAlive] {
                --m_openBulkRequests;
                if (guard && m_connections.contains(guard.data()) && guard->state() == QAbstractSocket::ConnectedState)
                    handle(guard.data(), request, keepAlive);
            });
            continue;
        }
        handle(socket, request, keepAlive);
        request.body = QByteArray();
        recycle();
        if (!m_connections.contains(socket) || socket->state() != QAbstractSocket::ConnectedState)
            return;
    }
}

bool FakeElasticsearch::authorized(const Request &request) const
{
    return m_expectedAuth.isEmpty() || request.headers.value("authorization") == m_expectedAuth;
}

void FakeElasticsearch::reply(QTcpSocket *socket, int status, const QByteArray &body, bool keepAlive,
                              const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    out += "content-type: application/json\r\n";
    if (m_productHeader)
        out += "X-elastic-product: Elasticsearch\r\n";
    for (const auto &[name, value] : extraHeaders)
        out += name + ": " + value + "\r\n";
    out += "content-length: " + QByteArray::number(body.size()) + "\r\n";
    if (!keepAlive)
        out += "connection: close\r\n";
    out += "\r\n";
    out += body;
    socket->write(out);
    if (!keepAlive)
        socket->disconnectFromHost();
}

void FakeElasticsearch::handle(QTcpSocket *socket, const Request &request, bool keepAlive)
{
    const QUrl url(QString::fromUtf8(request.target));
    const QString path = url.path();
    if (!authorized(request)) {
        const std::string reason = request.headers.contains("authorization")
            ? "unable to authenticate user for REST request [" + path.toStdString() + "]"
            : "missing authentication credentials for REST request [" + path.toStdString() + "]";
        reply(socket, 401, errorBody(401, "security_exception", reason), keepAlive,
              {{"WWW-Authenticate", "Basic realm=\"security\" charset=\"UTF-8\""}, {"WWW-Authenticate", "ApiKey"}});
        return;
    }
    if (path == QLatin1String("/") && (request.method == "GET" || request.method == "HEAD")) {
        Json j = {{"name", "fake-node"},
                  {"cluster_name", "fake-cluster"},
                  {"cluster_uuid", "fAkEcLuStEr"},
                  {"version", {{"number", m_version.toStdString()}, {"build_flavor", "default"}}},
                  {"tagline", "You Know, for Search"}};
        reply(socket, 200, QByteArray::fromStdString(j.dump()), keepAlive);
        return;
    }
    if (path.startsWith(QLatin1String("/_index_template/"))) {
        const QString name = path.mid(17);
        if (request.method == "PUT") {
            if (!Json::accept(request.body.constData(), request.body.constData() + request.body.size())) {
                reply(socket, 400, errorBody(400, "x_content_parse_exception", "cannot parse the template"), keepAlive);
                return;
            }
            m_templates.insert(name, request.body);
            reply(socket, 200, "{\"acknowledged\":true}", keepAlive);
            return;
        }
        if (request.method == "GET") {
            if (!m_templates.contains(name)) {
                reply(socket, 404, errorBody(404, "resource_not_found_exception", "index template matching [" + name.toStdString() + "] not found"), keepAlive);
                return;
            }
            reply(socket, 200, "{\"index_templates\":[{\"name\":\"" + name.toUtf8() + "\",\"index_template\":" + m_templates.value(name) + "}]}", keepAlive);
            return;
        }
    }
    if (path == QLatin1String("/_bulk") || path.endsWith(QLatin1String("/_bulk"))) {
        if (request.method != "POST" && request.method != "PUT") {
            reply(socket, 405, errorBody(405, "method_not_allowed", "use POST"), keepAlive);
            return;
        }
        ++m_bulkRequests;
        m_bulkQueries.append(url.query(QUrl::FullyEncoded).toUtf8());
        const QString pathIndex = path == QLatin1String("/_bulk") ? QString() : path.section(QLatin1Char('/'), 1, 1);
        if (!m_faults.isEmpty() && m_faults.first().kind != FaultKind::DropMidRequest) {
            const Fault fault = m_faults.takeFirst();
            if (fault.kind == FaultKind::Status) {
                const char *type = fault.status == 429 ? "es_rejected_execution_exception"
                    : fault.status == 413             ? "content_too_long"
                                                      : "unavailable_shards_exception";
                reply(socket, fault.status, errorBody(fault.status, type, "scripted fault"), keepAlive);
                return;
            }
            if (fault.kind == FaultKind::None)
                ; // answered normally below
            else if (fault.kind == FaultKind::Stall)
                return;
            if (fault.kind == FaultKind::DropAfterApplying) {
                int status = 0;
                applyBulk(request, pathIndex, &status);
                socket->abort();
                return;
            }
        }
        if (request.body.size() > m_maxBodyBytes) {
            reply(socket, 413, QByteArray(), false);
            return;
        }
        int status = 200;
        const QByteArray body = applyBulk(request, pathIndex, &status);
        reply(socket, status, body, keepAlive);
        return;
    }
    reply(socket, 404, errorBody(404, "no_handler", "no handler found for uri [" + path.toStdString() + "]"), keepAlive);
}

QByteArray FakeElasticsearch::applyBulk(const Request &request, const QString &pathIndex, int *status)
{
    const QByteArray &body = request.body;
    if (body.isEmpty() || !body.endsWith('\n')) {
        *status = 400;
        return errorBody(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
    }
    // Every line is parsed and validated in full, as Elasticsearch does, with simdjson's DOM parser (a full
    // validating parser, fast enough that the fake is not what a forwarding benchmark measures).
    simdjson::dom::parser &parser = bulkParser();
    // Validate the framing first: Elasticsearch refuses the whole request on a malformed action line.
    struct Op
    {
        std::string action;
        QString index;
        QByteArray id;
        QByteArrayView source;
    };
    std::vector<Op> ops;
    ops.reserve(size_t(body.size() / 512 + 1));
    const QByteArrayView all(body);
    qsizetype p = 0;
    int line = 0;
    QByteArray lastIndexText;   // the index name is the same on every line: convert it once
    QString lastIndex;
    while (p < all.size()) {
        qsizetype end = all.indexOf('\n', p);
        const QByteArrayView actionLine = all.sliced(p, end - p);
        ++line;
        p = end + 1;
        if (actionLine.trimmed().isEmpty())
            continue;
        simdjson::dom::object action;
        std::string_view actionName;
        simdjson::dom::object meta;
        bool ok = !parser.parse(actionLine.data(), size_t(actionLine.size())).get(action) && action.size() == 1;
        if (ok) {
            const auto field = *action.begin();
            actionName = field.key;
            ok = !field.value.get(meta);
        }
        if (!ok) {
            *status = 400;
            return errorBody(400, "illegal_argument_exception",
                             "Malformed action/metadata line [" + std::to_string(line) + "], expected START_OBJECT");
        }
        Op op;
        op.action = std::string(actionName);
        std::string_view text;
        if (!meta["_index"].get(text)) {
            if (QByteArrayView(text.data(), qsizetype(text.size())) != lastIndexText) {
                lastIndexText = QByteArray(text.data(), qsizetype(text.size()));
                lastIndex = QString::fromUtf8(lastIndexText);
            }
            op.index = lastIndex;
        } else {
            op.index = pathIndex;
        }
        if (!meta["_id"].get(text))
            op.id = QByteArray(text.data(), qsizetype(text.size()));
        if (op.action != "delete") {
            if (p >= all.size()) {
                *status = 400;
                return errorBody(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
            }
            end = all.indexOf('\n', p);
            op.source = all.sliced(p, end - p);
            ++line;
            p = end + 1;
        }
        ops.push_back(std::move(op));
    }
    // filter_path: only the listed response fields (the subset the forwarder uses: top-level names and items.*.x).
    const QUrlQuery query(QUrl(QString::fromUtf8(request.target)));
    const bool filtered = query.hasQueryItem(QStringLiteral("filter_path"));
    QSet<QString> keepTop;
    QSet<QString> keepItem;
    if (filtered) {
        const QStringList paths = query.queryItemValue(QStringLiteral("filter_path")).split(QLatin1Char(','));
        for (const QString &path : paths) {
            if (path.startsWith(QLatin1String("items.*.")))
                keepItem.insert(path.mid(8));
            else
                keepTop.insert(path);
        }
        if (!keepItem.isEmpty())
            keepTop.insert(QStringLiteral("items"));
    }
    const auto keep = [&](const char *name) { return !filtered || keepItem.contains(QLatin1String(name)); };

    bool errors = false;
    QString docsIndex;
    QHash<QByteArray, QByteArray> *docsOfIndex = nullptr;
    std::string items;
    items.reserve(ops.size() * (filtered ? 72 : 200));
    bool first = true;
    for (Op &op : ops) {
        int itemStatus = 201;
        const char *errorType = nullptr;
        std::string errorReason;
        if (op.id.isEmpty())
            op.id = "auto" + QByteArray::number(++m_autoId);
        if (op.action == "create")
            ++m_createAttempts;
        simdjson::dom::object document;
        if (op.index.isEmpty()) {
            itemStatus = 400;
            errorType = "action_request_validation_exception";
            errorReason = "Validation Failed: 1: index is missing;";
        } else if (op.action != "create" && isDataStreamName(op.index)) {
            itemStatus = 400;
            errorType = "illegal_argument_exception";
            errorReason = "only write ops with an op_type of create are allowed in data streams";
        } else if (op.action != "create" && op.action != "index") {
            itemStatus = 400;
            errorType = "illegal_argument_exception";
            errorReason = "unsupported action in this fake";
        } else if (auto fault = m_itemFaults.find(op.id); fault != m_itemFaults.end() && !fault->isEmpty()) {
            itemStatus = fault->takeFirst();
            errorType = itemStatus == 429 ? "es_rejected_execution_exception"
                : itemStatus >= 500       ? "unavailable_shards_exception"
                                          : "document_parsing_exception";
            errorReason = "scripted item fault";
        } else if (parser.parse(op.source.data(), size_t(op.source.size())).get(document)) {
            itemStatus = 400;
            errorType = "document_parsing_exception";
            errorReason = "[1:1] failed to parse: the document is not a JSON object";
        } else {
            for (const auto &[needle, reason] : m_rejections) {
                if (op.source.contains(needle)) {
                    itemStatus = 400;
                    errorType = "document_parsing_exception";
                    errorReason = reason.toStdString();
                    break;
                }
            }
        }
        if (!errorType) {
            if (!docsOfIndex || op.index != docsIndex) {   // one hash lookup per index change, not per document
                docsIndex = op.index;
                docsOfIndex = &m_docs[op.index];
            }
            QHash<QByteArray, QByteArray> &docs = *docsOfIndex;
            if (op.action == "create" && docs.contains(op.id)) {
                itemStatus = 409;
                errorType = "version_conflict_engine_exception";
                errorReason = "[" + op.id.toStdString() + "]: version conflict, document already exists (current version [1])";
                ++m_conflicts;
            } else {
                if (!docs.contains(op.id))
                    ++m_documentCount;
                docs.insert(op.id, m_keepDocuments ? op.source.toByteArray() : QByteArray());
            }
        }
        if (errorType)
            errors = true;
        if (!first)
            items += ',';
        first = false;
        items += "{\"" + op.action + "\":{";
        bool firstField = true;
        const auto field = [&](const char *name, const std::string &json) {
            if (!keep(name))
                return;
            if (!firstField)
                items += ',';
            firstField = false;
            items += '"';
            items += name;
            items += "\":";
            items += json;
        };
        // Values are only built for the fields filter_path keeps.
        if (keep("_index"))
            field("_index", jsonString(op.index.toUtf8()));
        if (keep("_id"))
            field("_id", jsonString(op.id));
        if (errorType) {
            field("status", std::to_string(itemStatus));
            if (keep("error"))
                field("error", "{\"type\":\"" + std::string(errorType) + "\",\"reason\":" + jsonString(QByteArray::fromStdString(errorReason)) + "}");
        } else {
            field("_version", "1");
            field("result", "\"created\"");
            field("_shards", "{\"total\":1,\"successful\":1,\"failed\":0}");
            field("_seq_no", "0");
            field("_primary_term", "1");
            field("status", std::to_string(itemStatus));
        }
        items += "}}";
    }
    std::string out;
    out.reserve(items.size() + 64);
    out += '{';
    bool firstTop = true;
    const auto top = [&](const char *name, const std::string &json) {
        if (filtered && !keepTop.contains(QLatin1String(name)))
            return;
        if (!firstTop)
            out += ',';
        firstTop = false;
        out += '"';
        out += name;
        out += "\":";
        out += json;
    };
    top("took", "1");
    top("errors", errors ? "true" : "false");
    top("items", '[' + items + ']');
    out += '}';
    *status = 200;
    return QByteArray::fromStdString(out);
}

} // namespace fe::test
