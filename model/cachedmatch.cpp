// SPDX-License-Identifier: Apache-2.0
#include "model/cachedmatch.h"

#include "model/alertcolumncache.h"
#include "model/alertstore.h"
#include "model/filtersql.h"
#include "model/sqlstatement.h"

#include <QByteArray>
#include <QHash>
#include <QStringList>

#include <sqlite3.h>

#include <algorithm>

namespace fe {

namespace {

// The facts a compiled query reads (their FactColumn: `fe_fact(a.profile, N)`), or false when it reads anything
// else: another column of the alert, a subquery (full text, notes), the document. Scans the SQL text outside its
// quoted literals (user values are bound parameters, never in the text).
bool cachedColumnsOf(const QString &where, std::vector<int> *columns)
{
    static const QString s_fact = QStringLiteral("fe_fact(a.profile, ");
    columns->clear();
    const auto isIdent = [](QChar c) { return c.isLetterOrNumber() || c == QLatin1Char('_'); };
    bool quoted = false;
    for (qsizetype i = 0; i < where.size(); ++i) {
        const QChar c = where.at(i);
        if (c == QLatin1Char('\'')) {
            quoted = !quoted;
            continue;
        }
        if (quoted || !isIdent(c) || (i > 0 && (isIdent(where.at(i - 1)) || where.at(i - 1) == QLatin1Char('.'))))
            continue;
        if (QStringView(where).mid(i).startsWith(s_fact)) {
            qsizetype end = i + s_fact.size();
            int column = 0;
            while (end < where.size() && where.at(end).isDigit())
                column = column * 10 + where.at(end++).digitValue();
            if (end >= where.size() || where.at(end) != QLatin1Char(')') || column >= AlertColumnCache::ColumnCount)
                return false;
            if (std::find(columns->begin(), columns->end(), column) == columns->end())
                columns->push_back(column);
            i = end;
            continue;
        }
        qsizetype end = i;
        while (end < where.size() && isIdent(where.at(end)))
            ++end;
        const QStringView word = QStringView(where).mid(i, end - i);
        if (end < where.size() && where.at(end) == QLatin1Char('.'))
            return false; // a.ts, n.text, ...
        if (word.compare(u"select", Qt::CaseInsensitive) == 0 || word.startsWith(u"json", Qt::CaseInsensitive)
            || word.startsWith(u"fe_", Qt::CaseInsensitive))
            return false;
        i = end - 1;
    }
    return !quoted;
}

// Which profiles of the cache a query matches: SQLite evaluates the compiled query itself (same functions, operators,
// LIKE, collation as on the whole store), on the store's connection, for one representative profile of each distinct
// combination of the facts the query reads. A handful of rows for a typical query, however many alerts there are.
bool matchProfiles(const AlertStore &store, AlertColumnCache &cache, const FilterSql &query, const QString &where,
                   int params, const std::vector<int> &columns, std::vector<quint8> *match, QString *error)
{
    const std::vector<AlertColumnCache::Profile> &profiles = cache.profiles();
    std::vector<quint32> tupleOf(profiles.size());
    std::vector<quint32> tupleProfile; // a profile carrying each distinct combination
    // The combinations are numbered in a dense table when the columns' dictionaries are small enough (they usually
    // are: a few priorities, tens of rules and hosts), else through a hash of the codes.
    qint64 combinations = 1;
    std::vector<qint64> radix;
    for (int c : columns) {
        radix.push_back(std::max(cache.dictionarySize(c), 1));
        combinations = std::min<qint64>(combinations * radix.back(), qint64(1) << 40);
    }
    if (combinations <= (qint64(1) << 22)) {
        std::vector<qint32> byCombination(size_t(combinations), -1);
        for (size_t p = 1; p < profiles.size(); ++p) {
            qint64 key = 0;
            for (size_t i = 0; i < columns.size(); ++i)
                key = key * radix[i] + profiles[p].codes[columns[i]];
            qint32 &slot = byCombination[size_t(key)];
            if (slot < 0) {
                slot = qint32(tupleProfile.size());
                tupleProfile.push_back(quint32(p));
            }
            tupleOf[p] = quint32(slot);
        }
    } else {
        QHash<QByteArray, quint32> tuples;
        QByteArray key;
        for (size_t p = 1; p < profiles.size(); ++p) {
            key.resize(0);
            for (int c : columns)
                key.append(reinterpret_cast<const char *>(&profiles[p].codes[c]), sizeof(quint32));
            auto it = tuples.constFind(key);
            if (it == tuples.cend()) {
                it = tuples.insert(key, quint32(tupleProfile.size()));
                tupleProfile.push_back(quint32(p));
            }
            tupleOf[p] = *it;
        }
    }
    match->assign(profiles.size(), 0);
    if (tupleProfile.empty())
        return true;
    // The representatives as a JSON array, read by json_each: one statement whatever their number.
    QByteArray list = "[";
    for (size_t t = 0; t < tupleProfile.size(); ++t) {
        if (t > 0)
            list += ',';
        list += QByteArray::number(tupleProfile[t]);
    }
    list += ']';
    const QString sql = QStringLiteral("SELECT a.profile FROM (SELECT value AS profile FROM json_each(?%1)) AS a WHERE ")
                            .arg(params + 1)
        + where;
    SqlStatement select(store.handle(), sql);
    if (!select || query.bind(select.get()) < 0) {
        if (error)
            *error = select.error();
        return false;
    }
    sqlite3_bind_text(select.get(), params + 1, list.constData(), int(list.size()), SQLITE_STATIC);
    std::vector<quint8> tupleMatch(tupleProfile.size(), 0);
    QHash<quint32, quint32> tupleOfRepresentative;
    for (size_t t = 0; t < tupleProfile.size(); ++t)
        tupleOfRepresentative.insert(tupleProfile[t], quint32(t));
    int rc;
    while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
        const auto it = tupleOfRepresentative.constFind(quint32(sqlite3_column_int64(select.get(), 0)));
        if (it != tupleOfRepresentative.cend())
            tupleMatch[*it] = 1;
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(store.handle()));
        return false;
    }
    for (size_t p = 1; p < profiles.size(); ++p)
        (*match)[p] = tupleMatch[tupleOf[p]];
    return true;
}

using RowBits = std::vector<quint64>;

// The query with its `?` placeholders numbered (?1, ?2, ...), so that any part of it binds with FilterSql::bind()
// (each statement also names the last one: withAllParams()).
QString numberPlaceholders(const QString &where, int *params)
{
    QString out;
    *params = 0;
    bool quoted = false;
    for (const QChar c : where) {
        if (c == QLatin1Char('\''))
            quoted = !quoted;
        if (!quoted && c == QLatin1Char('?'))
            out += QStringLiteral("?%1").arg(++*params);
        else
            out += c;
    }
    return out;
}

QString withAllParams(const QString &sql, int params)
{
    return params > 0 ? sql + QStringLiteral(" AND (?%1 IS NULL OR 1)").arg(params) : sql;
}

// The index of the ')' closing the '(' at open, or -1 (quoted literals skipped).
qsizetype closingParen(const QString &text, qsizetype open)
{
    int depth = 0;
    bool quoted = false;
    for (qsizetype j = open; j < text.size(); ++j) {
        const QChar d = text.at(j);
        if (d == QLatin1Char('\''))
            quoted = !quoted;
        else if (!quoted && d == QLatin1Char('('))
            ++depth;
        else if (!quoted && d == QLatin1Char(')') && --depth == 0)
            return j;
    }
    return -1;
}

// The top-level AND terms of a boolean expression ("(a AND (b OR c))" → "a", "(b OR c)").
QStringList conjuncts(QString text)
{
    for (text = text.trimmed(); text.startsWith(QLatin1Char('(')) && closingParen(text, 0) == text.size() - 1;)
        text = text.mid(1, text.size() - 2).trimmed();
    QStringList terms;
    int depth = 0;
    bool quoted = false;
    qsizetype start = 0;
    static const QString s_and = QStringLiteral(" AND ");
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\''))
            quoted = !quoted;
        else if (!quoted && c == QLatin1Char('('))
            ++depth;
        else if (!quoted && c == QLatin1Char(')'))
            --depth;
        else if (!quoted && depth == 0 && QStringView(text).mid(i).startsWith(s_and)) {
            terms << text.mid(start, i - start).trimmed();
            start = i + s_and.size();
            i = start - 1;
        }
    }
    terms << text.mid(start).trimmed();
    return terms;
}

// A term whose only references to the alert are `a.id IN (SELECT ...)` atoms joined by AND, OR, NOT and parentheses
// (full text, output substrings). SQLite would look every matching id up in the wide `alerts` table, one lookup per
// match, although only ids are needed: each atom's subquery runs alone into a bitmap of rows, and the boolean glue
// is applied to the bitmaps (NOT: the complement within the snapshot's rows; docs/performance.md).
struct IdAtoms
{
    QStringList subqueries; // the atoms' SELECTs, in order
    QStringList tokens;     // the glue: ( ) AND OR NOT, and X for each atom
};

bool idAtomsOf(const QString &term, IdAtoms *out)
{
    static const QString s_atom = QStringLiteral("a.id IN (");
    QString skeleton;
    bool quoted = false;
    for (qsizetype i = 0; i < term.size(); ++i) {
        const QChar c = term.at(i);
        if (c == QLatin1Char('\'')) {
            quoted = !quoted;
            skeleton += c;
            continue;
        }
        if (!quoted && QStringView(term).mid(i).startsWith(s_atom)
            && (i == 0 || !(term.at(i - 1).isLetterOrNumber() || term.at(i - 1) == QLatin1Char('_')))) {
            const qsizetype open = i + s_atom.size() - 1;
            const qsizetype close = closingParen(term, open);
            if (close < 0)
                return false;
            const QString sub = term.mid(open + 1, close - open - 1).trimmed();
            if (!sub.startsWith(QLatin1String("SELECT ")))
                return false;
            out->subqueries << sub;
            skeleton += QStringLiteral(" X ");
            i = close;
            continue;
        }
        skeleton += c;
    }
    out->tokens = skeleton.replace(QLatin1Char('('), QStringLiteral(" ( "))
                      .replace(QLatin1Char(')'), QStringLiteral(" ) "))
                      .split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (out->subqueries.isEmpty())
        return false;
    static const QStringList s_glue = {QStringLiteral("("), QStringLiteral(")"), QStringLiteral("AND"),
                                       QStringLiteral("OR"), QStringLiteral("NOT"), QStringLiteral("X")};
    for (const QString &token : std::as_const(out->tokens)) {
        if (!s_glue.contains(token))
            return false;
    }
    return true;
}

// SQL precedence: NOT, then AND, then OR. false when the glue does not parse (the caller asks SQLite instead).
class BitsExpression
{
public:
    BitsExpression(const QStringList &tokens, std::vector<RowBits> atoms, qint64 endRow)
        : m_tokens(tokens)
        , m_atoms(std::move(atoms))
        , m_endRow(endRow)
    {
    }

    bool evaluate(RowBits *out)
    {
        if (!orExpr(out) || m_pos != m_tokens.size())
            return false;
        return true;
    }

private:
    QString peek() const { return m_pos < m_tokens.size() ? m_tokens[m_pos] : QString(); }
    bool orExpr(RowBits *out)
    {
        if (!andExpr(out))
            return false;
        while (peek() == QLatin1String("OR")) {
            ++m_pos;
            RowBits right;
            if (!andExpr(&right))
                return false;
            for (size_t i = 0; i < out->size(); ++i)
                (*out)[i] |= right[i];
        }
        return true;
    }
    bool andExpr(RowBits *out)
    {
        if (!notExpr(out))
            return false;
        while (peek() == QLatin1String("AND")) {
            ++m_pos;
            RowBits right;
            if (!notExpr(&right))
                return false;
            for (size_t i = 0; i < out->size(); ++i)
                (*out)[i] &= right[i];
        }
        return true;
    }
    bool notExpr(RowBits *out)
    {
        if (peek() != QLatin1String("NOT"))
            return primary(out);
        ++m_pos;
        if (!notExpr(out))
            return false;
        for (quint64 &word : *out)
            word = ~word;
        if (m_endRow % 64 && !out->empty())
            out->back() &= (quint64(1) << (m_endRow % 64)) - 1;
        return true;
    }
    bool primary(RowBits *out)
    {
        const QString token = peek();
        ++m_pos;
        if (token == QLatin1String("X")) {
            if (m_atom >= m_atoms.size())
                return false;
            *out = m_atoms[m_atom++];
            return true;
        }
        if (token != QLatin1String("(") || !orExpr(out) || peek() != QLatin1String(")"))
            return false;
        ++m_pos;
        return true;
    }

    const QStringList &m_tokens;
    std::vector<RowBits> m_atoms;
    qint64 m_endRow;
    qsizetype m_pos = 0;
    size_t m_atom = 0;
};

// The rows below endRow whose ids a statement returns (its first column), as bits.
bool idsToBits(sqlite3 *db, const AlertColumnCache &cache, const FilterSql &query, const QString &sql, qint64 endRow,
               RowBits *bits, QString *error)
{
    bits->assign(size_t((endRow + 63) / 64), 0);
    SqlStatement stmt(db, sql);
    if (!stmt || query.bind(stmt.get()) < 0) {
        if (error)
            *error = stmt.error();
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        const qint64 row = cache.rowForId(sqlite3_column_int64(stmt.get(), 0));
        if (row >= 0 && row < endRow) // else not an alert of this snapshot
            (*bits)[size_t(row / 64)] |= quint64(1) << (row % 64);
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    return true;
}

} // namespace

bool CachedMatch::catchUp(const AlertStore &store, AlertColumnCache &cache, std::shared_lock<std::shared_mutex> *readLock,
                          qint64 *snapshotMaxId, bool *usable, QString *error)
{
    *usable = false;
    *readLock = {};
    SqlStatement max(store.handle(), QStringLiteral("SELECT coalesce(max(id), 0) FROM alerts"));
    if (!max || sqlite3_step(max.get()) != SQLITE_ROW) {
        if (error)
            *error = max.error();
        return false;
    }
    *snapshotMaxId = sqlite3_column_int64(max.get(), 0);
    // Usually the cache has every alert of the snapshot already: then it is only read-locked.
    const auto ready = [&] { return cache.lastId() >= *snapshotMaxId && cache.agreesWith(store, *snapshotMaxId); };
    for (int attempt = 0; attempt < 2; ++attempt) {
        {
            std::shared_lock<std::shared_mutex> read = cache.readLock();
            if (ready()) {
                *usable = true;
                *readLock = std::move(read);
                return true;
            }
        }
        if (attempt > 0)
            return true; // changed between the two locks (another file at that path): the base table answers
        std::unique_lock<std::shared_mutex> lock = cache.lock();
        if (!cache.agreesWith(store, *snapshotMaxId))
            cache.clear(); // another file at that path
        if (cache.lastId() < *snapshotMaxId) {
            if (*snapshotMaxId - cache.lastId() > MaxCatchUpRows)
                return true;
            if (cache.catchUp(store, -1, error) < 0)
                return false;
        }
    }
    return true;
}

bool CachedMatch::build(const AlertStore &store, AlertColumnCache &cache, const FilterSql &query, qint64 endRow,
                        QString *error)
{
    sqlite3 *db = store.handle();
    m_endRow = endRow;
    m_byProfile = m_byBits = false;
    m_profileMatch.clear();
    m_bits.clear();
    int params = 0;
    const QString where = numberPlaceholders(query.where(), &params);
    QStringList profileTerms;
    std::vector<int> columns;
    const auto andBits = [&](RowBits &&bits) {
        if (!m_byBits)
            m_bits = std::move(bits);
        else
            for (size_t i = 0; i < m_bits.size(); ++i)
                m_bits[i] &= bits[i];
        m_byBits = true;
    };
    for (const QString &term : conjuncts(where)) {
        std::vector<int> termColumns;
        IdAtoms atoms;
        if (cachedColumnsOf(term, &termColumns)) {
            profileTerms << QLatin1Char('(') + term + QLatin1Char(')');
            for (int c : termColumns) {
                if (std::find(columns.begin(), columns.end(), c) == columns.end())
                    columns.push_back(c);
            }
            continue;
        }
        RowBits bits;
        if (idAtomsOf(term, &atoms)) {
            std::vector<RowBits> atomBits(size_t(atoms.subqueries.size()));
            for (qsizetype i = 0; i < atoms.subqueries.size(); ++i) {
                if (!idsToBits(db, cache, query,
                               withAllParams(QStringLiteral("SELECT * FROM (") + atoms.subqueries[i]
                                                 + QStringLiteral(") WHERE 1"), params),
                               endRow, &atomBits[size_t(i)], error))
                    return false;
            }
            BitsExpression expression(atoms.tokens, std::move(atomBits), endRow);
            if (expression.evaluate(&bits)) {
                andBits(std::move(bits));
                continue;
            }
        }
        if (!idsToBits(db, cache, query,
                       withAllParams(QStringLiteral("SELECT a.id FROM ") + query.from() + QStringLiteral(" WHERE (")
                                         + term + QLatin1Char(')'), params),
                       endRow, &bits, error))
            return false;
        andBits(std::move(bits));
    }
    m_byProfile = !profileTerms.isEmpty();
    return !m_byProfile
        || matchProfiles(store, cache, query, withAllParams(profileTerms.join(QLatin1String(" AND ")), params), params,
                         columns, &m_profileMatch, error);
}

} // namespace fe
