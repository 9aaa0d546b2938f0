// SPDX-License-Identifier: Apache-2.0
#include "app/versioninfo.h"

#include "ingest/libraryversions.h"
#include "model/schema.h"

#include <QtGlobal>

#include <sqlite3.h>
#include <zstd.h>

namespace fe::cli {

namespace {

// "3.40.1", or "3.46.0 (built with 3.40.1)" when the library loaded is not the one the build saw: the loaded one
// is what runs, the other explains a difference in behaviour.
QString runtimeVersion(const char *loaded, const char *built)
{
    const QString version = QString::fromLatin1(loaded);
    return version == QLatin1String(built) ? version : QStringLiteral("%1 (built with %2)").arg(version, QLatin1String(built));
}

} // namespace

QString versionText()
{
    QList<LibraryVersion> libraries{
        {QStringLiteral("Qt"), runtimeVersion(qVersion(), QT_VERSION_STR)},
        {QStringLiteral("SQLite"), runtimeVersion(sqlite3_libversion(), SQLITE_VERSION)},
        {QStringLiteral("zstd"), runtimeVersion(ZSTD_versionString(), ZSTD_VERSION_STRING)},   // the store's records
    };
    // A library the store or the ingest gains is listed here (linked like SQLite and zstd).
    libraries += ingestLibraryVersions();

    QString text = QStringLiteral("falco-explorer %1\nstore schema: %2\n").arg(QLatin1String(FE_VERSION)).arg(Schema::latestVersion());
    for (const LibraryVersion &library : std::as_const(libraries))
        text += QStringLiteral("%1: %2\n").arg(library.name, library.version);
    return text;
}

} // namespace fe::cli
