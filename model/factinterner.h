// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"
#include "model/factcatalog.h"

#include <QByteArray>

#include <array>
#include <memory>

namespace fe {

// The facts of one alert as the store keeps them: priority and severity, and the UTF-8 text of every other fact
// (the lists encoded as '|a|b|', Schema::encodeList of the normalized list).
struct ProfileContent
{
    quint32 priority = 0;
    quint32 severity = 0;
    std::array<QByteArray, FactColumnCount - FactIntColumns> texts;   // FactRule .. FactTags

    const QByteArray &text(int column) const { return texts[size_t(column - FactIntColumns)]; }
    bool operator==(const ProfileContent &other) const
    {
        return priority == other.priority && severity == other.severity && texts == other.texts;
    }
};

// Gives each distinct combination of facts a token, for the ingest workers: they turn their alerts' facts into
// tokens in parallel, and the store's single writer maps a token to its profile id (adding the profile the first time
// a token appears) instead of looking up fourteen texts per alert. Thread-safe; tokens are this object's own (not
// the store's profile ids), from 1.
class FactInterner
{
public:
    FactInterner();
    ~FactInterner();
    FactInterner(const FactInterner &) = delete;
    FactInterner &operator=(const FactInterner &) = delete;

    // The token of alert's facts.
    quint32 token(const Alert &alert);
    // What a token stands for. Thread-safe.
    ProfileContent content(quint32 token) const;
    // The same as ids: priority and severity, then for each text fact (FactColumn order) this interner's id of its
    // value, from 1; value() gives the UTF-8 text of such an id. A writer that remembers which store id each value
    // id stands for turns a new token into its profile without hashing a single text. Thread-safe.
    std::array<quint32, FactColumnCount> ids(quint32 token) const;
    QByteArray value(int column, quint32 valueId) const;

    static ProfileContent contentOf(const Alert &alert);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
