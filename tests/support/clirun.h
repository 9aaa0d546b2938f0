// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace fe::test {

// What one run of the real falco-explorer binary (FE_EXPLORER_BIN, defined for every test) gave.
struct Run
{
    int exitCode = -1;   // -1: it did not start, crashed or was killed
    QByteArray out;
    QByteArray err;
};

// Runs the binary with args, input on its stdin (then closed), in workDir when given; kills it after timeoutMs.
inline Run runCli(const QStringList &args, const QByteArray &input = {}, const QString &workDir = {},
                  int timeoutMs = 300000)
{
    QProcess p;
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start(QStringLiteral(FE_EXPLORER_BIN), args);
    if (!p.waitForStarted(10000))
        return {};
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Writes data to path, creating its directory.
inline bool writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

// Starts `falco-explorer listen --db db --port 0` followed by extra (set the process's environment before) and
// returns the TCP port it says it listens on, or 0 when it does not start or say so within timeoutMs. What it writes
// meanwhile is appended to *out and *err when given (a test reads on from there).
inline quint16 startListener(QProcess &listener, const QString &db, const QStringList &extra = {},
                             QByteArray *out = nullptr, QByteArray *err = nullptr, int timeoutMs = 30000)
{
    listener.start(QStringLiteral(FE_EXPLORER_BIN),
                   QStringList{QStringLiteral("listen"), QStringLiteral("--db"), db, QStringLiteral("--port"), QStringLiteral("0")}
                       + extra);
    if (!listener.waitForStarted(10000))
        return 0;
    static const QRegularExpression listening(QStringLiteral("listening on tcp 127\\.0\\.0\\.1:(\\d+)"));
    QByteArray stdoutText;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        listener.waitForReadyRead(200);
        const QByteArray o = listener.readAllStandardOutput();
        stdoutText += o;
        if (out)
            *out += o;
        if (err)
            *err += listener.readAllStandardError();
        if (const QRegularExpressionMatch m = listening.match(QString::fromUtf8(stdoutText)); m.hasMatch())
            return quint16(m.captured(1).toUInt());
        if (listener.state() != QProcess::Running)
            break;
    }
    return 0;
}

} // namespace fe::test
