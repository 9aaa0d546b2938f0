// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

#include <simdjson.h>

#include <string_view>

namespace fe {

// The calling thread's simdjson DOM parser: its buffers are reused from line to line, and a document it
// parsed stays valid until its next parse on this thread.
simdjson::dom::parser &threadJsonParser();

// "invalid JSON at byte 123: ..." for text simdjson rejected (its DOM reports no position); fallback is
// simdjson's own message, used when the position cannot be found.
QString jsonErrorText(std::string_view text, const char *fallback);

} // namespace fe
