// SPDX-License-Identifier: Apache-2.0
// The desktop application: parses the GUI options and hands over to GuiController (app/guicontroller.h).
#include "app/commands.h"
#include "app/guicontroller.h"

#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QApplication>
#include <QMessageBox>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace fe::cli {

namespace {

int s_signalPipe[2] = {-1, -1};

void onQuitSignal(int signal)
{
    // Only async-signal-safe work here: the event loop reads the byte and quits.
    const unsigned char byte = static_cast<unsigned char>(signal);
    [[maybe_unused]] const ssize_t n = ::write(s_signalPipe[0], &byte, 1);
}

// SIGTERM (a session logging out, systemd, kill), SIGINT (Ctrl+C in the terminal that started it) and SIGHUP (that
// terminal closed) close the windows and quit the event loop, as the window's close button does: the window's state
// is saved, and live sources store what they received and the forwarder its cursor before the process ends, where
// the default action would end it at once and lose the alerts received but not yet committed.
void quitOnSignals(QApplication &app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, s_signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(s_signalPipe[1], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [notifier] {
        unsigned char byte = 0;
        while (::read(s_signalPipe[1], &byte, 1) == 1) {
        }
        notifier->setEnabled(false);   // once is enough; a second signal while closing changes nothing
        std::fprintf(stderr, "falco-explorer: %s received, closing\n", byte == SIGINT ? "SIGINT"
                                                                     : byte == SIGHUP ? "SIGHUP"
                                                                                      : "SIGTERM");
        QApplication::closeAllWindows();
        QCoreApplication::quit();
    });
    struct sigaction action {};
    action.sa_handler = onQuitSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signal : {SIGTERM, SIGINT, SIGHUP})
        sigaction(signal, &action, nullptr);
}

} // namespace

int runGui(int &argc, char **argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("falco-explorer"));
    qRegisterMetaType<fe::PipelineStats>();
    qRegisterMetaType<fe::Diagnostic>();
    quitOnSignals(app);

    GuiController::Options options;
    QString error;
    if (!GuiController::parseArguments(QCoreApplication::arguments(), &options, &error)) {
        std::fprintf(stderr, "falco-explorer: %s\n", qPrintable(error));
        return 2;
    }
    GuiController controller(options);
    if (!controller.start(&error)) {
        std::fprintf(stderr, "falco-explorer: %s\n", qPrintable(error));
        if (options.screenshot.isEmpty() && controller.startCancelled())
            QMessageBox::information(nullptr, QStringLiteral("Falco Explorer"), error);
        else if (options.screenshot.isEmpty())
            QMessageBox::critical(nullptr, QStringLiteral("Falco Explorer"), error);
        return 1;
    }
    return app.exec();
}

} // namespace fe::cli
