// SPDX-License-Identifier: Apache-2.0
#include "model/recordmapper.h"

#include <mutex>

namespace fe {

namespace {

std::mutex s_mutex;
std::shared_ptr<const RecordMapper> &installed()
{
    static std::shared_ptr<const RecordMapper> s_mapper;
    return s_mapper;
}

} // namespace

std::shared_ptr<const RecordMapper> RecordMapper::instance()
{
    std::lock_guard lock(s_mutex);
    return installed();
}

void RecordMapper::install(std::shared_ptr<const RecordMapper> mapper)
{
    std::lock_guard lock(s_mutex);
    installed() = std::move(mapper);
}

} // namespace fe
