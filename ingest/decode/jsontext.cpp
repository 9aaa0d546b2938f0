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

void trimThreadJsonParser()
{
    // Room for every ordinary alert (a few KB) many times over.
    constexpr size_t keptCapacity = size_t(1) << 20;
    simdjson::dom::parser &parser = threadJsonParser();
    // A new parser, not allocate(): that shrinks the parser's own buffers only, while its document (tape and strings)
    // and its padded copy of the input keep the size of the largest input ever parsed.
    if (parser.capacity() > keptCapacity)
        parser = simdjson::dom::parser();
}

namespace {

// Reads without building anything: only the first error (its byte offset and text) is kept.
struct ErrorSax
{
    using json = nlohmann::json;
    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const std::string &) { return true; }
    bool string(std::string &) { return true; }
    bool binary(json::binary_t &) { return true; }
    bool start_object(std::size_t) { return true; }
    bool key(std::string &) { return true; }
    bool end_object() { return true; }
    bool start_array(std::size_t) { return true; }
    bool end_array() { return true; }
    bool parse_error(std::size_t position, const std::string &, const nlohmann::detail::exception &e)
    {
        failed = true;
        byte = position;
        what = e.what();
        return false;
    }

    bool failed = false;
    std::size_t byte = 0;
    std::string what;
};

} // namespace

// nlohmann reports positions; this runs only for text simdjson already rejected, in one linear pass.
QString jsonErrorText(std::string_view text, const char *fallback)
{
    ErrorSax sax;
    try {
        nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
    } catch (const std::exception &e) {
        return QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(e.what()));
    }
    if (sax.failed) {
        std::string what = sax.what;
        const size_t colon = what.find(": ", what.find("parse error"));
        if (colon != std::string::npos)
            what = what.substr(colon + 2);
        return QStringLiteral("invalid JSON at byte %1: %2").arg(sax.byte).arg(QString::fromStdString(what));
    }
    return QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(fallback));
}

} // namespace fe
