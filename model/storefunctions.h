// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/factcatalog.h"
#include "model/recordreader.h"

#include <QString>

#include <memory>

struct sqlite3;
struct sqlite3_context;
struct sqlite3_value;

namespace fe {

// The SQL functions through which queries read what schema v5 does not keep as columns. Installed on every
// connection of a store (AlertStore::open):
//   fe_fact(profile, column)                   an alert's fact (FactColumn) from its profile id: text, or the integer
//                                              of priority/severity
//   fe_doc(id, record, origin, offset, received)     the alert's derived ECS document (json_each reads it), NULL when
//                                              its record is damaged
//   fe_output(id, record, origin, offset, received)  its falco.output
//   fe_uuid(dedupe)                            its falco.uuid, from the dedupe key
//   fe_fts_phrase(text, query)                 whether text matches the FTS5 query `"phrase"` or `"phrase" *` as the
//                                              full-text index would (the unindexed alerts are matched with it)
// The compiled queries (model/querylanguage.h) and FilterSql name them; the alert alias is always `a`.
class StoreFunctions
{
public:
    StoreFunctions(sqlite3 *db, std::shared_ptr<FactCatalog> catalog, std::shared_ptr<RecordCodec> codec = {});
    ~StoreFunctions();
    StoreFunctions(const StoreFunctions &) = delete;
    StoreFunctions &operator=(const StoreFunctions &) = delete;

    // Registers the functions on the connection; false + error when SQLite refuses (no FTS5).
    bool install(QString *error);

    RecordReader &reader() { return m_reader; }
    FactCatalog &catalog() { return *m_catalog; }
    const std::shared_ptr<FactCatalog> &sharedCatalog() const { return m_catalog; }

    // The SQL expression of a fact column of alert alias a ("fe_fact(a.profile, 2)").
    static QString factExpression(int column);
    // The argument list of fe_doc/fe_output for alias a.
    static const char *recordArguments();

private:
    static void derivedCall(sqlite3_context *context, sqlite3_value **argv, bool wantDoc);

    struct Private;
    sqlite3 *m_db;
    std::shared_ptr<FactCatalog> m_catalog;
    RecordReader m_reader;
    std::unique_ptr<Private> d;
};

} // namespace fe
