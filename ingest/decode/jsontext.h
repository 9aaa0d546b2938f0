// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

#include <simdjson.h>

#include <string_view>

namespace fe {

// The calling thread's simdjson DOM parser: its buffers are reused from line to line, and a document it
// parsed stays valid until its next parse on this thread.
simdjson::dom::parser &threadJsonParser();

// Gives back what the calling thread's parser holds beyond what ordinary alerts need: its buffers grow to several
// times the largest document it parsed, and a thread that once met a 15 MiB line would keep hundreds of MB. Call it
// when nothing of the last parsed document is in use any more.
void trimThreadJsonParser();

// Trims the thread's parser when it goes out of scope (after a function's result is built).
struct ThreadJsonParserTrim
{
    ThreadJsonParserTrim() = default;
    ThreadJsonParserTrim(const ThreadJsonParserTrim &) = delete;
    ThreadJsonParserTrim &operator=(const ThreadJsonParserTrim &) = delete;
    ~ThreadJsonParserTrim() { trimThreadJsonParser(); }
};

// "invalid JSON at byte 123: ..." for text simdjson rejected (its DOM reports no position); fallback is
// simdjson's own message, used when the position cannot be found.
QString jsonErrorText(std::string_view text, const char *fallback);

} // namespace fe
