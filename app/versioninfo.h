// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

namespace fe::cli {

// What `falco-explorer --version` prints: the first line is "falco-explorer <version>" (scripts read it), then
// the store schema this build writes and the versions of the libraries that read and store the alerts, one
// "name: version" per line.
QString versionText();

} // namespace fe::cli
