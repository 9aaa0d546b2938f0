// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"
#include "model/factcatalog.h"

#include <QByteArray>

#include <array>
#include <memory>

namespace fe {

// Gives each distinct value of each text fact an id, for the ingest workers: they turn their alerts' facts into these
// ids in parallel (mostly by the strings' addresses, with no text hashed), and the store's single writer turns the
// ids into its dict ids once per distinct value and finds the alert's profile by them, instead of looking up
// fourteen texts per alert. Thread-safe; the ids are this object's own (not the store's dict ids), from 1.
class FactInterner
{
public:
    FactInterner();
    ~FactInterner();
    FactInterner(const FactInterner &) = delete;
    FactInterner &operator=(const FactInterner &) = delete;

    // Sets alert.internedFacts: priority and severity, then for each text fact (FactColumn order) the id of its value
    // (the lists as Schema::encodeList of the normalized list).
    void intern(Alert *alert);
    // The UTF-8 text of a value id of a text fact (a FactColumn). Thread-safe.
    QByteArray value(int column, quint32 valueId) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
