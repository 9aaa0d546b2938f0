// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStringList>

// Each subcommand of falco-explorer lives in its own file and returns the process exit code.
// args excludes the program name and the subcommand name. 0 = success, 1 = failure, 2 = usage error.
namespace fe::cli {

int runMap(const QStringList &args);        // app/mapcommand.cpp
int runImport(const QStringList &args);     // app/importcommand.cpp
int runStats(const QStringList &args);      // app/statscommand.cpp
int runExport(const QStringList &args);     // app/exportcommand.cpp
int runDemo(const QStringList &args);       // app/democommand.cpp
int runListen(const QStringList &args);     // app/listencommand.cpp
int runForward(const QStringList &args);    // app/forwardcommand.cpp
int runEsSetup(const QStringList &args);    // app/forwardcommand.cpp
int runIndex(const QStringList &args);      // app/indexcommand.cpp

// The desktop application (app/guimain.cpp). argc/argv are the process's own.
int runGui(int &argc, char **argv);

} // namespace fe::cli
