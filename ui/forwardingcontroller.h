// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/forwardconfig.h"
#include "model/forwardoutbox.h"
#include "model/forwardstatus.h"

#include <QObject>
#include <QString>
#include <QVector>

namespace fe {

// What the forwarding widgets need from the application: ui/ cannot see the forwarder (ingest/), so app/
// implements this (app/esforwardingcontroller.h) and hands it to ForwardingSettingsPage, ForwardingStatusWidget
// and DeadLetterView.
class ForwardingController : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // The saved configuration, secrets included when they could be read from the OS keyring.
    virtual ForwardConfig config() const = 0;
    virtual bool isEnabled() const = 0;
    // True when secrets can be kept in the OS keyring; otherwise they are asked for each session.
    virtual bool canStoreSecrets() const = 0;
    // Saves config (secrets to the keyring only) and (re)starts or stops forwarding.
    virtual void apply(const ForwardConfig &config, bool enabled) = 0;
    // GET / with config; answered by connectionTested.
    virtual void testConnection(const ForwardConfig &config) = 0;
    // Dead letters (all when empty) go back to the queue.
    virtual void retryDeadLetters(const QVector<qint64> &ids) = 0;
    // Asks for the current list; answered by deadLettersChanged.
    virtual void refreshDeadLetters() = 0;

Q_SIGNALS:
    void statusChanged(const fe::ForwardStatus &status);
    void deadLettersChanged(const fe::DeadLetterList &deadLetters);
    void connectionTested(bool ok, const QString &message);
};

} // namespace fe
