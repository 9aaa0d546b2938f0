// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHash>
#include <QLineEdit>
#include <QStringList>

class QCompleter;
class QStringListModel;

namespace fe {

// The filter bar's text field: completes field names (then "field:") and, after "field:", values (the query
// language's closed vocabularies and the values the facets currently show). Marks the error column red.
class QueryLineEdit : public QLineEdit
{
    Q_OBJECT

public:
    explicit QueryLineEdit(QWidget *parent = nullptr);

    // Known values per field ("rule.name" → rule names), shown after "rule.name:".
    void setFieldValues(const QString &field, const QStringList &values);
    // Shows (column >= 0) or clears (column < 0) a query error.
    void setError(const QString &message, int column);
    // The completions for the text before the cursor (public for tests).
    QStringList completionsFor(const QString &textBeforeCursor, QString *token = nullptr) const;

private:
    void updateCompletions();
    void insertCompletion(const QString &completion);

    QCompleter *m_completer = nullptr;
    QStringListModel *m_completionModel = nullptr;
    QHash<QString, QStringList> m_values;
};

} // namespace fe
