// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

namespace fe::test {

// The fraction of the file's first `end` bytes that are in the kernel's page cache (mincore on a mapping that reads
// nothing); -1 when the file cannot be mapped.
double residentFraction(const QString &path, qint64 end);

} // namespace fe::test
