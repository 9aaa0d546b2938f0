// SPDX-License-Identifier: Apache-2.0
// The desktop application: parses the GUI options and hands over to GuiController (app/guicontroller.h).
#include "app/commands.h"
#include "app/guicontroller.h"

#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QApplication>
#include <QMessageBox>

#include <cstdio>

namespace fe::cli {

int runGui(int &argc, char **argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("falco-explorer"));
    qRegisterMetaType<fe::PipelineStats>();
    qRegisterMetaType<fe::Diagnostic>();

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
