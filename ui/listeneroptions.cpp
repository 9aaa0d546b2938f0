// SPDX-License-Identifier: Apache-2.0
#include "ui/listeneroptions.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QHostAddress>

namespace fe {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("ListenerOptions", text);
}
} // namespace

bool ListenerOptions::isExposed() const
{
    const QHostAddress address(bindAddress);
    return !address.isNull() && !address.isLoopback();
}

QString ListenerOptions::validationError() const
{
    if (QHostAddress(bindAddress).isNull())
        return tr("'%1' is not an IP address").arg(bindAddress);
    if (tcpPort < 0 || tcpPort > 65535)
        return tr("TCP port %1 is out of range (0–65535)").arg(tcpPort);
    if (udpPort < -1 || udpPort > 65535)
        return tr("UDP port %1 is out of range (0–65535)").arg(udpPort);
    if (tlsCertificate.isEmpty() != tlsKey.isEmpty())
        return tr("TLS needs both a certificate and its private key");
    if (!tlsClientCa.isEmpty() && !isTls())
        return tr("a client CA needs TLS (a certificate and a key)");
    for (const QString &file : {tlsCertificate, tlsKey, tlsClientCa}) {
        if (!file.isEmpty() && !QFileInfo(file).isReadable())
            return tr("cannot read %1").arg(file);
    }
    if (maxMessageSize < 1024)
        return tr("the largest message must be at least 1 KiB");
    if (maxConnections < 1)
        return tr("at least one connection must be allowed");
    if (idleTimeoutSeconds < 0)
        return tr("the idle timeout cannot be negative");
    return {};
}

QVariantMap ListenerOptions::toMap() const
{
    return {
        {QStringLiteral("bind"), bindAddress},
        {QStringLiteral("tcpPort"), tcpPort},
        {QStringLiteral("udpPort"), udpPort},
        {QStringLiteral("tlsCertificate"), tlsCertificate},
        {QStringLiteral("tlsKey"), tlsKey},
        {QStringLiteral("tlsClientCa"), tlsClientCa},
        {QStringLiteral("maxMessageSize"), maxMessageSize},
        {QStringLiteral("maxConnections"), maxConnections},
        {QStringLiteral("idleTimeout"), idleTimeoutSeconds},
        {QStringLiteral("preserveOriginal"), preserveOriginal},
        {QStringLiteral("preserveFalcoFields"), preserveFalcoFields},
    };
}

ListenerOptions ListenerOptions::fromMap(const QVariantMap &map)
{
    ListenerOptions o;
    o.bindAddress = map.value(QStringLiteral("bind"), o.bindAddress).toString();
    o.tcpPort = map.value(QStringLiteral("tcpPort"), o.tcpPort).toInt();
    o.udpPort = map.value(QStringLiteral("udpPort"), o.udpPort).toInt();
    o.tlsCertificate = map.value(QStringLiteral("tlsCertificate")).toString();
    o.tlsKey = map.value(QStringLiteral("tlsKey")).toString();
    o.tlsClientCa = map.value(QStringLiteral("tlsClientCa")).toString();
    o.maxMessageSize = map.value(QStringLiteral("maxMessageSize"), o.maxMessageSize).toLongLong();
    o.maxConnections = map.value(QStringLiteral("maxConnections"), o.maxConnections).toInt();
    o.idleTimeoutSeconds = map.value(QStringLiteral("idleTimeout"), o.idleTimeoutSeconds).toInt();
    o.preserveOriginal = map.value(QStringLiteral("preserveOriginal"), o.preserveOriginal).toBool();
    o.preserveFalcoFields = map.value(QStringLiteral("preserveFalcoFields"), o.preserveFalcoFields).toBool();
    return o;
}

} // namespace fe
