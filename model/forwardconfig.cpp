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
        const QUrl url(node, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty()
            || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
            return QStringLiteral("'%1' is not an http(s)://host:port URL").arg(node);
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
