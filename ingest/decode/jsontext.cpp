// SPDX-License-Identifier: Apache-2.0
#include "ingest/decode/jsontext.h"

#include <nlohmann/json.hpp>

#include <string>

namespace fe {

simdjson::dom::parser &threadJsonParser()
{
    thread_local simdjson::dom::parser parser;
    return parser;
}

// nlohmann reports positions; this runs only for text simdjson already rejected.
QString jsonErrorText(std::string_view text, const char *fallback)
{
    try {
        const nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
        Q_UNUSED(parsed);
    } catch (const nlohmann::json::parse_error &e) {
        std::string what = e.what();
        const size_t colon = what.find(": ", what.find("parse error"));
        if (colon != std::string::npos)
            what = what.substr(colon + 2);
        return QStringLiteral("invalid JSON at byte %1: %2").arg(e.byte).arg(QString::fromStdString(what));
    } catch (const std::exception &e) {
        return QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(e.what()));
    }
    return QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(fallback));
}

} // namespace fe
