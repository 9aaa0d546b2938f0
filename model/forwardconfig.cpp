// SPDX-License-Identifier: Apache-2.0
#include "model/forwardconfig.h"

#include <QUrl>

#include <algorithm>
#include <cstring>

namespace fe {

namespace {

// Elasticsearch's index name rules: lower case, no \ / * ? " < > | space , # :, not starting with - _ +,
// not "." or "..", at most 255 bytes.
QString indexNameProblem(const QString &name)
{
    if (name.isEmpty())
        return QStringLiteral("the index name is empty");
    if (name.toUtf8().size() > 255)
        return QStringLiteral("the index name is longer than 255 bytes");
    if (name == QLatin1String(".") || name == QLatin1String(".."))
        return QStringLiteral("the index name cannot be '.' or '..'");
    if (name.startsWith(QLatin1Char('-')) || name.startsWith(QLatin1Char('_')) || name.startsWith(QLatin1Char('+')))
        return QStringLiteral("the index name cannot start with '-', '_' or '+'");
    for (const QChar c : name) {
        if (c.isUpper())
            return QStringLiteral("the index name must be lower case");
        if (QStringLiteral("\\/*?\"<>| ,#:").contains(c) || c.unicode() < 0x20)
            return QStringLiteral("the index name contains '%1'").arg(c);
    }
    return {};
}

// Where the user information of node starts and where its '@' is ("user:pw" in "https://user:pw@host/"), or
// at = -1 when it has none. Textual, so that it also finds credentials in a URL QUrl refuses: the authority
// starts after "://" (or at the start) and ends at the first '/', '?' or '#'; the user information is everything
// before its last '@'.
struct UserInfo
{
    qsizetype begin = 0;
    qsizetype at = -1;
};

UserInfo userInfo(const QString &node)
{
    const qsizetype scheme = node.indexOf(QLatin1String("://"));
    UserInfo info;
    info.begin = scheme < 0 ? 0 : scheme + 3;
    qsizetype end = node.size();
    for (const QChar stop : {QLatin1Char('/'), QLatin1Char('?'), QLatin1Char('#')}) {
        const qsizetype i = node.indexOf(stop, info.begin);
        if (i >= 0)
            end = std::min(end, i);
    }
    if (end > info.begin) {
        const qsizetype at = node.lastIndexOf(QLatin1Char('@'), end - 1);
        if (at >= info.begin)
            info.at = at;
    }
    return info;
}

} // namespace

QString ForwardConfig::targetIndex() const
{
    if (!index.isEmpty())
        return index;
    return QStringLiteral("logs-falco.alerts-") + namespaceName;
}

bool ForwardConfig::isDefaultDataStream() const
{
    return targetIndex() == QStringLiteral("logs-falco.alerts-") + namespaceName;
}

QString ForwardConfig::targetKey() const
{
    return QStringLiteral("es:%1:%2").arg(modeName(mode), targetIndex());
}

QString ForwardConfig::validate() const
{
    if (nodes.isEmpty())
        return QStringLiteral("no Elasticsearch node URL given");
    for (const QString &node : nodes) {
        if (const QString problem = nodeProblem(node); !problem.isEmpty())
            return problem;
    }
    if (index.isEmpty() && namespaceName.contains(QLatin1Char('-')))
        return QStringLiteral("the namespace cannot contain '-'");
    if (const QString problem = indexNameProblem(targetIndex()); !problem.isEmpty())
        return problem;
    if (!clientCertFile.isEmpty() && clientKeyFile.isEmpty())
        return QStringLiteral("a client certificate needs its private key file");
    if (maxBatchDocs < 1 || maxBatchBytes < 1024)
        return QStringLiteral("the batch limits are too small");
    if (maxInFlight < 1 || maxInFlight > 6)
        return QStringLiteral("requests in flight must be 1 to 6");
    return {};
}

bool ForwardConfig::hasCredentials(const QString &node)
{
    return userInfo(node).at >= 0;
}

QString ForwardConfig::redactedNode(const QString &node)
{
    const UserInfo info = userInfo(node);
    if (info.at >= 0)
        return node.left(info.begin) + QStringLiteral("***") + node.mid(info.at);
    // A URL that does not parse may be a password that ended the authority early ("http://u:p/w@host"): when
    // in doubt, everything up to its last '@' is masked.
    const QUrl url(node, QUrl::StrictMode);
    if (url.isValid() && !url.host().isEmpty())
        return node;
    qsizetype end = node.size();
    for (const QChar stop : {QLatin1Char('?'), QLatin1Char('#')}) {
        const qsizetype i = node.indexOf(stop, info.begin);
        if (i >= 0)
            end = std::min(end, i);
    }
    const qsizetype at = end > info.begin ? node.lastIndexOf(QLatin1Char('@'), end - 1) : -1;
    if (at < info.begin)
        return node;
    return node.left(info.begin) + QStringLiteral("***") + node.mid(at);
}

QString ForwardConfig::nodeProblem(const QString &node)
{
    if (hasCredentials(node)) {
        return QStringLiteral("'%1': credentials in a node URL are refused (a URL shows in process lists, shell "
                              "history and settings files); give a user and password, or an API key, instead")
            .arg(redactedNode(node));
    }
    const QUrl url(node, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return QStringLiteral("'%1' is not an http(s)://host:port URL").arg(redactedNode(node));
    return {};
}

bool ForwardConfig::parseHeader(const QString &text, QPair<QByteArray, QByteArray> *header, QString *error)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    const QByteArray name = text.left(colon).trimmed().toUtf8();
    const QByteArray value = text.mid(colon + 1).trimmed().toUtf8();
    // RFC 9110 token characters.
    const auto tokenChar = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
    };
    const bool goodName = colon > 0 && !name.isEmpty() && std::all_of(name.cbegin(), name.cend(), tokenChar);
    const bool goodValue = std::none_of(value.cbegin(), value.cend(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
    if (!goodName || !goodValue) {
        if (error)
            *error = QStringLiteral("'%1' is not a 'Name: value' header").arg(text.trimmed());
        return false;
    }
    *header = {name, value};
    return true;
}

QStringList ForwardConfig::headerLines() const
{
    QStringList lines;
    for (const auto &[name, value] : headers)
        lines << QString::fromUtf8(name + ": " + value);
    return lines;
}

QString ForwardConfig::modeName(Mode mode)
{
    return mode == Mode::Raw ? QStringLiteral("raw") : QStringLiteral("ecs");
}

bool ForwardConfig::modeFromName(const QString &name, Mode *mode)
{
    if (name.compare(QLatin1String("ecs"), Qt::CaseInsensitive) == 0) {
        *mode = Mode::Ecs;
        return true;
    }
    if (name.compare(QLatin1String("raw"), Qt::CaseInsensitive) == 0) {
        *mode = Mode::Raw;
        return true;
    }
    return false;
}

} // namespace fe
