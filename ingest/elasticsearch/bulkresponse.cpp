// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/bulkresponse.h"

#include "model/diagnostic.h"

#include <nlohmann/json.hpp>

namespace fe {

namespace {

using Json = nlohmann::json;

// An answer's text is shown to the user and kept with dead letters: what a server (or whatever answers in its
// place) writes there is bounded and has its control characters escaped.
constexpr qsizetype s_maxReasonChars = 2000;
constexpr int s_maxCauseDepth = 8;

QString displayText(const std::string &text)
{
    return escapeControls(QByteArrayView(text.data(), qsizetype(text.size())), s_maxReasonChars);
}

QString errorFromJson(const Json &error, int depth = 0)
{
    if (error.is_string())
        return displayText(error.get_ref<const std::string &>());
    if (!error.is_object())
        return {};
    QString text;
    if (auto t = error.find("type"); t != error.end() && t->is_string())
        text = displayText(t->get_ref<const std::string &>());
    if (auto r = error.find("reason"); r != error.end() && r->is_string())
        text += (text.isEmpty() ? QString() : QStringLiteral(": ")) + displayText(r->get_ref<const std::string &>());
    if (auto c = error.find("caused_by"); c != error.end() && c->is_object() && depth < s_maxCauseDepth
        && text.size() < s_maxReasonChars) {
        const QString cause = errorFromJson(*c, depth + 1);
        if (!cause.isEmpty())
            text += QStringLiteral(" (caused by ") + cause + QLatin1Char(')');
    }
    return text;
}

// An item's "status" when it is an HTTP status (a whole number 100-599), else 0 (retried: an answer that says
// nothing usable never counts as delivered). Never a conversion that could throw or overflow.
int itemStatus(const Json &result)
{
    const auto status = result.find("status");
    if (status == result.end())
        return 0;
    std::int64_t value = 0;
    if (status->is_number_unsigned())
        value = status->get<std::uint64_t>() > 599 ? 0 : std::int64_t(status->get<std::uint64_t>());
    else if (status->is_number_integer())
        value = status->get<std::int64_t>();
    return value >= 100 && value <= 599 ? int(value) : 0;
}

QString wholeRequestError(int status, QByteArrayView body)
{
    QString text = BulkResponse::errorText(body);
    if (text.isEmpty())
        text = escapeControls(QStringView(QString::fromUtf8(body.first(std::min<qsizetype>(body.size(), 200))).simplified()));
    return QStringLiteral("HTTP %1%2").arg(status).arg(text.isEmpty() ? QString() : QStringLiteral(": ") + text);
}

} // namespace

BulkResponse::ItemOutcome BulkResponse::classifyItem(int status)
{
    if (status == 200 || status == 201)
        return ItemOutcome::Created;
    if (status == 409)
        return ItemOutcome::AlreadyExists;
    if (status == 429 || status >= 500 || status == 0)
        return ItemOutcome::Retry;
    return ItemOutcome::Permanent;
}

QString BulkResponse::errorText(QByteArrayView errorJson)
{
    const Json j = Json::parse(errorJson.begin(), errorJson.end(), nullptr, false);
    if (j.is_discarded())
        return {};
    if (j.is_object() && j.contains("error"))
        return errorFromJson(j["error"]);
    return errorFromJson(j);
}

BulkResponse BulkResponse::decide(int httpStatus, QByteArrayView body, int itemsSent, const QString &networkError)
{
    BulkResponse r;
    r.httpStatus = httpStatus;
    if (httpStatus == 0) {
        r.action = Action::RetryAll;
        r.error = networkError.isEmpty() ? QStringLiteral("no answer from Elasticsearch") : networkError;
        return r;
    }
    if (httpStatus == 401 || httpStatus == 403) {
        r.action = Action::AuthFailed;
        r.error = httpStatus == 401
            ? QStringLiteral("authentication failed (HTTP 401): check the user/password or API key")
            : QStringLiteral("not allowed (HTTP 403): the user or API key lacks the create_doc privilege on the target");
        if (const QString detail = errorText(body); !detail.isEmpty())
            r.error += QStringLiteral(" — ") + detail;
        return r;
    }
    if (httpStatus == 413 || httpStatus == 400) {
        r.action = Action::Split;
        r.error = httpStatus == 413 ? QStringLiteral("request too large (HTTP 413)") : wholeRequestError(httpStatus, body);
        return r;
    }
    if (httpStatus == 429 || httpStatus >= 500) {
        r.action = Action::RetryAll;
        r.error = wholeRequestError(httpStatus, body);
        return r;
    }
    if (httpStatus < 200 || httpStatus >= 300) {
        r.action = Action::Fatal;
        r.error = wholeRequestError(httpStatus, body);
        return r;
    }

    // 2xx: the items, one per document, in the order sent.
    const Json j = Json::parse(body.begin(), body.end(), nullptr, false);
    const auto garbled = [&r](const QString &why) {
        r.action = Action::RetryAll;
        r.items.clear();   // a bad item after good ones: the whole answer is in doubt, none of it is an item outcome
        r.error = QStringLiteral("unexpected _bulk answer: ") + why;
        return r;
    };
    if (!j.is_object())
        return garbled(QStringLiteral("not a JSON object"));
    const auto items = j.find("items");
    if (items == j.end() || !items->is_array()) {
        // filter_path drops "items" when empty... but we always send at least one document.
        return garbled(QStringLiteral("no items array"));
    }
    if (int(items->size()) != itemsSent)
        return garbled(QStringLiteral("%1 items for %2 documents").arg(items->size()).arg(itemsSent));
    r.action = Action::Items;
    r.items.reserve(itemsSent);
    for (const Json &entry : *items) {
        Item item;
        // Each entry is {"create": {...}} (or index/update when someone else's encoder sent those).
        const Json *result = nullptr;
        if (entry.is_object() && entry.size() == 1 && entry.begin()->is_object())
            result = &*entry.begin();
        if (!result)
            return garbled(QStringLiteral("an item is not an {action: result} object"));
        item.status = itemStatus(*result);
        item.outcome = classifyItem(item.status);
        if (auto e = result->find("error"); e != result->end())
            item.reason = errorFromJson(*e);
        if (item.outcome == ItemOutcome::Retry || item.outcome == ItemOutcome::Permanent) {
            if (item.reason.isEmpty())
                item.reason = QStringLiteral("HTTP %1").arg(item.status);
            else
                item.reason = QStringLiteral("HTTP %1: ").arg(item.status) + item.reason;
        }
        r.items.append(item);
    }
    return r;
}

} // namespace fe
