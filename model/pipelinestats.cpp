// SPDX-License-Identifier: Apache-2.0
#include "model/pipelinestats.h"

namespace fe {

PipelineStats &PipelineStats::operator+=(const PipelineStats &o)
{
    received += o.received;
    framed += o.framed;
    decoded += o.decoded;
    skipped += o.skipped;
    rejected += o.rejected;
    stored += o.stored;
    duplicates += o.duplicates;
    forwarded += o.forwarded;
    retried += o.retried;
    connections += o.connections;
    queued += o.queued;
    for (auto it = o.rejectedByReason.cbegin(); it != o.rejectedByReason.cend(); ++it)
        rejectedByReason[it.key()] += it.value();
    return *this;
}

} // namespace fe
