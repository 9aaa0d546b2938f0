// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
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

// Runs the binary with args, input on its stdin (then closed), in workDir when given; waits at most timeoutMs.
inline Run runCli(const QStringList &args, const QByteArray &input = {}, const QString &workDir = {},
                  int timeoutMs = 300000)
{
    QProcess p;
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start(QStringLiteral(FE_EXPLORER_BIN), args);
    if (!p.waitForStarted())
        return {};
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    p.waitForFinished(timeoutMs);
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

} // namespace fe::test
