// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QList>
#include <QString>

namespace fe {

struct LibraryVersion
{
    QString name;
    QString version;
};

// The libraries private to ingest, for `falco-explorer --version`: the JSON parsers (their headers are ingest's
// alone, so no other layer can ask them) and zlib. simdjson and nlohmann/json report the version compiled in
// (nlohmann/json is header-only), zlib the one loaded at run time.
QList<LibraryVersion> ingestLibraryVersions();

} // namespace fe
