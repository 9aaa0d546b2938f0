// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/schema.h"

#include <QString>

struct sqlite3;

namespace fe {

// The conversion of a schema v4 store to the lean store (v5), in place. A v4 store kept each alert's ECS document
// and, only with the preserve option, its original inside it; it never kept what the mapper was given. So each
// alert's record becomes its stored document (AlertOrigin::Kind::Document: reading it back gives that document), its
// columns become a profile, and its dedupe key the compact form; ids, triage, notes, rollups, forwarding cursors and
// tail checkpoints stay as they are. It runs in chunks of one transaction each and records how far it got, so a
// conversion that is killed resumes where it stopped; the old tables go in one last transaction.
class StoreMigration
{
public:
    // db is in a v4 store whose v5 tables migration 5 has prepared; swapSql ends the conversion. Sets user_version 5.
    static bool convertFromV4(sqlite3 *db, const char *swapSql, const MigrationProgress &progress, QString *error);
};

} // namespace fe
