// SPDX-License-Identifier: Apache-2.0
#pragma once

// `falco-explorer report`: the dashboard as a PDF or self-contained HTML file, headless.
// Unlike the other subcommands it needs a QGuiApplication (fonts, painting), so it takes the process's
// argc/argv and creates one itself, on the offscreen platform unless QT_QPA_PLATFORM says otherwise:
// dispatch it from main() before any QCoreApplication exists.
namespace fe::cli {

int runReport(int &argc, char **argv);

} // namespace fe::cli
