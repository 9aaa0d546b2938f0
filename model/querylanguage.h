// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>
#include <QVariantList>

namespace fe {

// A KQL subset compiled to a parameterised SQLite WHERE expression (the schema: ARCHITECTURE.md).
//
//   field:value            exact match on a mapped column, or on any ECS / Falco output field of the document
//   field:"a phrase"       quoted values are literal (no wildcards); \" and \\ escape inside quotes; control
//                          characters (but NUL) are allowed only inside quotes
//   field:val*  field:*x*  '*' wildcards (LIKE, case-insensitive for ASCII); \* is a literal star
//   field:*                the field exists (is non-empty)
//   field:(a or b)         value lists with and/or/not and parentheses
//   field >= value         ranges: >, >=, <, <= (numbers, text, priorities by severity, times)
//   a and b, a or b, not a, (a or b) c   boolean operators (case-insensitive); juxtaposition is AND
//   word, "a phrase", pre*  free text: FTS5 on the alert output, user text is always quoted for FTS
//
// Values of @timestamp: ISO-8601 ("2024-05-07T18:00:00Z", a bare date means that whole day for ':'),
// epoch milliseconds, or now[+-]N(s|m|h|d|w|M|y). priority/falco.priority take Falco priority names and
// `priority >= warning` means "at least as severe as Warning". triage.status takes new, acknowledged,
// in_progress, closed, false_positive. triage.note:text matches alerts with a note containing text.
struct CompiledQuery
{
    bool ok = true;
    QString error;          // "expected value after ':'" ...
    int errorColumn = -1;   // 0-based column in the query text
    QString where;          // SQL boolean expression over alias `a` (alerts), through the store's functions
                            // (model/storefunctions.h); "1" when empty
    QVariantList params;    // bound in order to the '?' placeholders in `where`
    bool needsDoc = false;  // `where` reads the derived document (fe_doc): every candidate alert is mapped
};

CompiledQuery compileQuery(const QString &kql, qint64 nowMs);

// Limits that keep hostile input from exhausting the parser or SQLite's expression depth.
constexpr int kMaxQueryLength = 16384;   // characters
constexpr int kMaxQueryDepth = 32;       // nested parentheses / NOTs
constexpr int kMaxQueryTerms = 200;      // field and free-text terms

// Field names offered for completion: the mapped columns and their aliases, then common ECS and Falco fields.
QStringList queryFieldNames();
// Values offered for completion of fields with a closed vocabulary (priority, triage.status), else empty.
QStringList queryValuesForField(const QString &field);
// The triage status names in store order (0 new .. 4 false_positive).
QStringList triageStatusNames();

// A value written so that the parser reads it back literally (quoted when it contains anything special), for any
// value without NUL.
QString quoteQueryValue(const QString &value);
// "field:value" with the value quoted as needed; "not field:value" when exclude.
QString queryClause(const QString &field, const QString &value, bool exclude = false);

} // namespace fe
