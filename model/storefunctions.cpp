// SPDX-License-Identifier: Apache-2.0
#include "model/storefunctions.h"

#include "model/dedupekey.h"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fe {

namespace {

// fe_fts_phrase(text, query): does text match the FTS5 query `"phrase"` or `"phrase" *` (the two shapes the query
// language compiles free text to) the way alert_fts MATCH would? It tokenizes both sides with the FTS5 tokenizer the
// index uses (unicode61), so the outputs not yet indexed are matched with the index's exact semantics.
class PhraseMatcher
{
public:
    static bool install(sqlite3 *db)
    {
        fts5_api *api = nullptr;
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK)
            return false;
        sqlite3_bind_pointer(stmt, 1, static_cast<void *>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (!api)
            return false;
        auto matcher = std::make_unique<PhraseMatcher>();
        void *userData = nullptr;
        if (api->xFindTokenizer(api, "unicode61", &userData, &matcher->m_api) != SQLITE_OK
            || matcher->m_api.xCreate(userData, nullptr, 0, &matcher->m_tokenizer) != SQLITE_OK)
            return false;
        return sqlite3_create_function_v2(db, "fe_fts_phrase", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                          matcher.release(), &PhraseMatcher::call, nullptr, nullptr,
                                          [](void *p) { delete static_cast<PhraseMatcher *>(p); })
            == SQLITE_OK;
    }

    PhraseMatcher() = default;
    ~PhraseMatcher()
    {
        if (m_tokenizer)
            m_api.xDelete(m_tokenizer);
    }
    PhraseMatcher(const PhraseMatcher &) = delete;
    PhraseMatcher &operator=(const PhraseMatcher &) = delete;

private:
    static void call(sqlite3_context *context, int, sqlite3_value **argv)
    {
        auto *self = static_cast<PhraseMatcher *>(sqlite3_user_data(context));
        const auto *text = reinterpret_cast<const char *>(sqlite3_value_text(argv[0]));
        const int textSize = sqlite3_value_bytes(argv[0]);
        const auto *query = reinterpret_cast<const char *>(sqlite3_value_text(argv[1]));
        const int querySize = sqlite3_value_bytes(argv[1]);
        if (!text || !query) {
            sqlite3_result_int(context, 0);
            return;
        }
        self->setQuery(std::string_view(query, size_t(querySize)));
        sqlite3_result_int(context, self->matches(text, textSize) ? 1 : 0);
    }

    void setQuery(std::string_view query)
    {
        if (m_query == query)
            return;
        m_query.assign(query);
        m_prefix = false;
        std::string_view body = query;
        while (!body.empty() && body.back() == ' ')
            body.remove_suffix(1);
        if (!body.empty() && body.back() == '*') {
            m_prefix = true;
            body.remove_suffix(1);
            while (!body.empty() && body.back() == ' ')
                body.remove_suffix(1);
        }
        std::string phrase;
        if (body.size() >= 2 && body.front() == '"' && body.back() == '"') {
            for (size_t i = 1; i + 1 < body.size(); ++i) {
                phrase += body[i];
                if (body[i] == '"' && i + 2 < body.size() && body[i + 1] == '"')
                    ++i;   // "" is one quote inside a phrase
            }
        } else {
            phrase.assign(body);
        }
        m_phrase = tokens(phrase.data(), int(phrase.size()), FTS5_TOKENIZE_QUERY);
    }

    bool matches(const char *text, int size) const
    {
        if (m_phrase.empty())
            return false;
        const std::vector<std::string> words = tokens(text, size, FTS5_TOKENIZE_DOCUMENT);
        const size_t n = m_phrase.size();
        for (size_t i = 0; i + n <= words.size(); ++i) {
            size_t k = 0;
            for (; k < n; ++k) {
                const bool last = k + 1 == n;
                const std::string &word = words[i + k];
                if (last && m_prefix ? word.compare(0, m_phrase[k].size(), m_phrase[k]) != 0 : word != m_phrase[k])
                    break;
            }
            if (k == n)
                return true;
        }
        return false;
    }

    std::vector<std::string> tokens(const char *text, int size, int flags) const
    {
        std::vector<std::string> out;
        m_api.xTokenize(m_tokenizer, &out, flags, text, size,
                        [](void *context, int, const char *token, int tokenSize, int, int) {
                            static_cast<std::vector<std::string> *>(context)->emplace_back(token, size_t(tokenSize));
                            return SQLITE_OK;
                        });
        return out;
    }

    fts5_tokenizer m_api{};
    Fts5Tokenizer *m_tokenizer = nullptr;
    std::string m_query;
    bool m_prefix = false;
    std::vector<std::string> m_phrase;
};

// One derived value per function, kept for the row it was made for: a query that tests several fields of the
// document in one row (json_each twice, say) maps the alert once.
struct DerivedCache
{
    qint64 id = -1;
    QByteArray value;
    bool valid = false;
};

} // namespace

struct StoreFunctions::Private
{
    StoreFunctions *owner = nullptr;
    DerivedCache doc;
    DerivedCache output;

    // Loads the record of the function's arguments (id, record, origin, offset, received).
    bool record(sqlite3_value **argv, StoredRecord *out)
    {
        const qint64 id = sqlite3_value_int64(argv[0]);
        const auto *data = static_cast<const char *>(sqlite3_value_blob(argv[1]));
        const QByteArrayView bytes(data, data ? sqlite3_value_bytes(argv[1]) : 0);
        const qint64 offset = sqlite3_value_type(argv[3]) == SQLITE_NULL ? -1 : sqlite3_value_int64(argv[3]);
        return owner->m_reader.load(id, bytes, sqlite3_value_int64(argv[2]), offset, sqlite3_value_int64(argv[4]), out);
    }
};

StoreFunctions::StoreFunctions(sqlite3 *db, std::shared_ptr<FactCatalog> catalog, std::shared_ptr<RecordCodec> codec)
    : m_db(db)
    , m_catalog(std::move(catalog))
    , m_reader(db, std::move(codec))
    , d(std::make_unique<Private>())
{
    d->owner = this;
}

StoreFunctions::~StoreFunctions() = default;

QString StoreFunctions::factExpression(int column)
{
    return QStringLiteral("fe_fact(a.profile, %1)").arg(column);
}

const char *StoreFunctions::recordArguments()
{
    return "a.id, a.record, a.origin, a.byte_offset, a.received";
}

void StoreFunctions::derivedCall(sqlite3_context *context, sqlite3_value **argv, bool wantDoc)
{
    auto *self = static_cast<StoreFunctions *>(sqlite3_user_data(context));
    DerivedCache &cache = wantDoc ? self->d->doc : self->d->output;
    const qint64 id = sqlite3_value_int64(argv[0]);
    if (cache.id != id) {
        StoredRecord record;
        cache.id = id;
        cache.valid = self->d->record(argv, &record);
        cache.value.clear();
        if (cache.valid) {
            if (wantDoc) {
                DerivedAlert alert;
                cache.valid = self->m_reader.derive(record, &alert);
                cache.value = alert.ecsJson;
            } else {
                cache.value = self->m_reader.outputUtf8(record);
            }
        }
    }
    if (!cache.valid)
        sqlite3_result_null(context);
    else
        sqlite3_result_text(context, cache.value.constData(), int(cache.value.size()), SQLITE_TRANSIENT);
}

bool StoreFunctions::install(QString *error)
{
    if (!PhraseMatcher::install(m_db)) {
        if (error)
            *error = QStringLiteral("cannot set up full-text matching (FTS5 unicode61): %1")
                         .arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
        return false;
    }
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    const auto fact = [](sqlite3_context *context, int, sqlite3_value **argv) {
        auto *self = static_cast<StoreFunctions *>(sqlite3_user_data(context));
        const qint64 profile = sqlite3_value_int64(argv[0]);
        const int column = sqlite3_value_int(argv[1]);
        if (profile <= 0 || profile > 0xffffffffLL || column < 0 || column >= FactColumnCount
            || !self->m_catalog->ensureProfile(self->m_db, quint32(profile))) {
            sqlite3_result_null(context);
            return;
        }
        const quint32 value = self->m_catalog->value(quint32(profile), column);
        if (column < FactIntColumns) {
            sqlite3_result_int64(context, value);
            return;
        }
        if (value >= self->m_catalog->dictEnd() && !self->m_catalog->refresh(self->m_db)) {
            sqlite3_result_null(context);
            return;
        }
        const QByteArray &text = self->m_catalog->text(value);
        // The catalog never changes or moves a text once published.
        sqlite3_result_text(context, text.constData(), int(text.size()), SQLITE_STATIC);
    };
    const auto uuid = [](sqlite3_context *context, int, sqlite3_value **argv) {
        const auto *data = static_cast<const char *>(sqlite3_value_blob(argv[0]));
        const QByteArray value = DedupeKey::uuid(QByteArrayView(data, data ? sqlite3_value_bytes(argv[0]) : 0));
        sqlite3_result_text(context, value.constData(), int(value.size()), SQLITE_TRANSIENT);
    };
    // Not deterministic: the same arguments give the same document, but SQLite must not fold two rows' calls.
    const bool ok = sqlite3_create_function_v2(m_db, "fe_fact", 2, flags, this, fact, nullptr, nullptr, nullptr) == SQLITE_OK
        && sqlite3_create_function_v2(
               m_db, "fe_doc", 5, SQLITE_UTF8, this,
               [](sqlite3_context *c, int, sqlite3_value **v) { derivedCall(c, v, true); }, nullptr, nullptr, nullptr)
            == SQLITE_OK
        && sqlite3_create_function_v2(
               m_db, "fe_output", 5, SQLITE_UTF8, this,
               [](sqlite3_context *c, int, sqlite3_value **v) { derivedCall(c, v, false); }, nullptr, nullptr, nullptr)
            == SQLITE_OK
        && sqlite3_create_function_v2(m_db, "fe_uuid", 1, flags, nullptr, uuid, nullptr, nullptr, nullptr) == SQLITE_OK;
    if (!ok && error)
        *error = QString::fromUtf8(sqlite3_errmsg(m_db));
    return ok;
}

} // namespace fe
