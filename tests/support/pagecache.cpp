// SPDX-License-Identifier: Apache-2.0
#include "support/pagecache.h"

#include <QFile>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace fe::test {

double residentFraction(const QString &path, qint64 end)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || end <= 0)
        return -1;
    void *map = ::mmap(nullptr, size_t(end), PROT_READ, MAP_SHARED, file.handle(), 0);
    if (map == MAP_FAILED)
        return -1;
    const qint64 page = ::sysconf(_SC_PAGESIZE);
    std::vector<unsigned char> resident(size_t((end + page - 1) / page));
    const int rc = ::mincore(map, size_t(end), resident.data());
    ::munmap(map, size_t(end));
    if (rc != 0)
        return -1;
    return double(std::count_if(resident.begin(), resident.end(), [](unsigned char c) { return (c & 1) != 0; }))
        / double(resident.size());
}

} // namespace fe::test
