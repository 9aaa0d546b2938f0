// SPDX-License-Identifier: Apache-2.0
#include "ingest/libraryversions.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <zlib.h>

namespace fe {

QList<LibraryVersion> ingestLibraryVersions()
{
    const QString simdjson = QStringLiteral("%1.%2.%3")
                                 .arg(int(simdjson::SIMDJSON_VERSION_MAJOR))
                                 .arg(int(simdjson::SIMDJSON_VERSION_MINOR))
                                 .arg(int(simdjson::SIMDJSON_VERSION_REVISION));
    const QString nlohmann = QStringLiteral("%1.%2.%3")
                                 .arg(NLOHMANN_JSON_VERSION_MAJOR)
                                 .arg(NLOHMANN_JSON_VERSION_MINOR)
                                 .arg(NLOHMANN_JSON_VERSION_PATCH);
    return {
        {QStringLiteral("zlib"), QString::fromLatin1(zlibVersion())},
        {QStringLiteral("simdjson"), simdjson},
        {QStringLiteral("nlohmann/json"), nlohmann},
    };
}

} // namespace fe
