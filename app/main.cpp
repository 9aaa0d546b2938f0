// SPDX-License-Identifier: Apache-2.0
// falco-explorer: the desktop application when started without a subcommand, a headless CLI otherwise.
#include "app/commands.h"
#include "app/reportcommand.h"
#include "ingest/ecs/ecsrecordmapper.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <cstdio>
#include <cstring>

namespace {

const char s_usage[] =
    "Usage: falco-explorer [GUI options]\n"
    "       falco-explorer <command> [options]\n"
    "\n"
    "Without a command, the desktop application starts (options: --db PATH, Qt options such as -platform).\n"
    "\n"
    "Commands:\n"
    "  map       Map Falco JSON alerts to ECS documents (NDJSON on stdout), store nothing\n"
    "  import    Import Falco alert files (.log/.json/.jsonl/.gz, directories, - for stdin) into the store\n"
    "  stats     Print alert statistics (counts by priority, rule, host, ... and over time)\n"
    "  export    Export stored alerts as ECS NDJSON or CSV\n"
    "  demo      Generate realistic demo alerts (store them, or print raw Falco JSON lines)\n"
    "  listen    Receive Falco alerts over TCP/UDP syslog and store them\n"
    "  forward   Forward stored alerts to Elasticsearch\n"
    "  es-setup  Install the index template / data stream in Elasticsearch\n"
    "  report    Export the dashboard (panels, query, time range, top alerts) as PDF or HTML\n"
    "\n"
    "  --help     Show this help (falco-explorer <command> --help for a command's options)\n"
    "  --version  Show the version\n";

using CommandFn = int (*)(const QStringList &);

struct Command
{
    const char *name;
    CommandFn run;
};

const Command s_commands[] = {
    {"map", fe::cli::runMap},         {"import", fe::cli::runImport},   {"stats", fe::cli::runStats},
    {"export", fe::cli::runExport},   {"demo", fe::cli::runDemo},       {"listen", fe::cli::runListen},
    {"forward", fe::cli::runForward}, {"es-setup", fe::cli::runEsSetup},
};

void setIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FE_VERSION));
}

} // namespace

int main(int argc, char **argv)
{
    const char *first = argc > 1 ? argv[1] : nullptr;
    // The store keeps originals and derives documents with the mapper (model/recordmapper.h).
    fe::installEcsRecordMapper();

    if (first && (std::strcmp(first, "--help") == 0 || std::strcmp(first, "-h") == 0 || std::strcmp(first, "help") == 0)) {
        std::fputs(s_usage, stdout);
        return 0;
    }
    if (first && (std::strcmp(first, "--version") == 0 || std::strcmp(first, "-v") == 0)) {
        std::printf("falco-explorer %s\n", FE_VERSION);
        return 0;
    }

    // report paints charts: it needs a QGuiApplication, which it creates itself (offscreen by default).
    if (first && std::strcmp(first, "report") == 0) {
        setIdentity();
        return fe::cli::runReport(argc, argv);
    }

    for (const Command &command : s_commands) {
        if (first && std::strcmp(first, command.name) == 0) {
            QCoreApplication app(argc, argv);
            setIdentity();
            QStringList args = QCoreApplication::arguments();
            args.erase(args.begin(), args.begin() + qMin<qsizetype>(2, args.size()));
            return command.run(args);
        }
    }

    // No subcommand, or only options (GUI flags such as --db PATH or Qt's -platform): the desktop application.
    if (!first || first[0] == '-') {
        setIdentity();
        return fe::cli::runGui(argc, argv);
    }

    std::fprintf(stderr, "falco-explorer: unknown command '%s'\n\n", first);
    std::fputs(s_usage, stderr);
    return 2;
}
