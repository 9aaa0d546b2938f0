// SPDX-License-Identifier: Apache-2.0
// falco-explorer: the desktop application when started without a subcommand, a headless CLI otherwise.
#include "app/commands.h"
#include "app/reportcommand.h"
#include "app/versioninfo.h"
#include "ingest/ecs/ecsrecordmapper.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <cstdio>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

// The GUI options are app/guimain.cpp's; every option here and in each command's --help is in the man page
// (tests/app/tst_manpage.cpp checks it).
const char s_usage[] =
    "Usage: falco-explorer [GUI options]\n"
    "       falco-explorer <command> [options]\n"
    "\n"
    "Falco Explorer reads Falco alerts (files, syslog over TCP/UDP), maps them to ECS like Elastic's Falco\n"
    "integration, keeps them in a local SQLite store and shows them in a desktop application, or works on them\n"
    "from the command line. Without a command, the desktop application starts.\n"
    "\n"
    "Commands:\n"
    "  map       Map Falco JSON alerts to ECS documents (NDJSON on stdout), store nothing\n"
    "  import    Import Falco alert files (.log/.json/.jsonl/.gz, directories, - for stdin) into the store\n"
    "  stats     Print alert statistics (counts by priority, rule, host, ... and over time)\n"
    "  export    Export stored alerts as ECS NDJSON or CSV, or their originals byte for byte\n"
    "  demo      Generate realistic demo alerts (store them, or print raw Falco JSON lines)\n"
    "  listen    Receive Falco alerts over TCP/UDP syslog and store them\n"
    "  index     Build the full-text index of stored alerts not in it yet (an import leaves it for later)\n"
    "  forward   Forward stored alerts to Elasticsearch\n"
    "  es-setup  Install the index template / data stream in Elasticsearch\n"
    "  report    Export the dashboard (panels, query, time range, top alerts) as PDF or HTML\n"
    "\n"
    "GUI options:\n"
    "  --db <PATH>                  The store to open (default: ~/.local/share/falco-explorer/alerts.db).\n"
    "  --demo                       Fill an empty store with 5,000 demo alerts first (./installer/run.sh does).\n"
    "  --no-demo                    Leave an empty store empty (the default): the welcome view offers log files,\n"
    "                               the syslog listener or demo data.\n"
    "  --view <VIEW>                The view shown first: explorer, dashboard, dead-letters or welcome (default: the explorer,\n"
    "                               or the welcome view on an empty store).\n"
    "  --sort <COLUMN>              Sort the alert table by time, priority, rule or host.\n"
    "  --size <WxH>                 Window size (default 1600x1000).\n"
    "  --screenshot <FILE>          Wait until the views show their data, save the window as FILE (PNG), exit.\n"
    "  --exit-after-first-paint     Quit as soon as the window is painted (a start-up check).\n"
    "  --probe <FILE>               Write the widgets' geometry and state to FILE as the window changes (GUI tests).\n"
    "  Qt's own options, such as -platform offscreen or -style Fusion, are accepted too.\n"
    "\n"
    "Options:\n"
    "  -h, --help     Show this help (falco-explorer <command> --help shows a command's options).\n"
    "  -v, --version  Show the version, the store schema and the library versions.\n";

using CommandFn = int (*)(const QStringList &);

struct Command
{
    const char *name;
    CommandFn run;
};

const Command s_commands[] = {
    {"map", fe::cli::runMap},         {"import", fe::cli::runImport},   {"stats", fe::cli::runStats},
    {"export", fe::cli::runExport},   {"demo", fe::cli::runDemo},       {"listen", fe::cli::runListen},
    {"forward", fe::cli::runForward}, {"es-setup", fe::cli::runEsSetup}, {"index", fe::cli::runIndex},
};

// A hostile input's huge line (up to 16 MiB) passes through several threads as buffers of its size. glibc raises its
// mmap threshold to the size of every large block freed (up to 32 MiB) and its trim threshold to twice that, so after
// the first huge line such buffers come from the threads' arenas, which keep them when they are freed: each thread
// would hold the largest set of buffers it ever had, and together far more than is ever in use. Fixed thresholds keep
// that from happening: blocks of 4 MiB and more are mapped on their own and given back when freed. Ordinary work
// allocates nothing that large repeatedly, and the trim threshold keeps the arenas' free tops as a raised threshold
// would for such blocks (no shrinking and growing again between batches).
void boundMallocRetention()
{
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
}

void setIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FE_VERSION));
}

} // namespace

int main(int argc, char **argv)
{
    boundMallocRetention();
    const char *first = argc > 1 ? argv[1] : nullptr;
    // The store keeps originals and derives documents with the mapper (model/recordmapper.h).
    fe::installEcsRecordMapper();

    if (first && (std::strcmp(first, "--help") == 0 || std::strcmp(first, "-h") == 0 || std::strcmp(first, "help") == 0)) {
        std::fputs(s_usage, stdout);
        return 0;
    }
    if (first && (std::strcmp(first, "--version") == 0 || std::strcmp(first, "-v") == 0)) {
        std::fputs(qPrintable(fe::cli::versionText()), stdout);
        return 0;
    }

    // A command's --help starts with "Usage: " and argv[0]: name the command there rather than the binary's path.
    QByteArray program;
    if (first && first[0] != '-') {
        program = QByteArray("falco-explorer ") + first;
        argv[0] = program.data();
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
