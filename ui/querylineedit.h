// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHash>
#include <QLineEdit>
#include <QStringList>

class QCompleter;
class QStandardItemModel;

namespace fe {

// The filter bar's text field: completes field names (then "field:") and, after "field:", values (the query
// language's closed vocabularies and the values the facets currently show), and offers the saved queries whose
// name starts with what was typed (choosing one recalls it: savedQueryChosen). Marks the error column red.
class QueryLineEdit : public QLineEdit
{
    Q_OBJECT

public:
    explicit QueryLineEdit(QWidget *parent = nullptr);

    // Known values per field ("rule.name" → rule names), shown after "rule.name:".
    void setFieldValues(const QString &field, const QStringList &values);
    // The names of the saved queries offered for completion.
    void setSavedQueryNames(const QStringList &names);
    // Shows (column >= 0) or clears (column < 0) a query error.
    void setError(const QString &message, int column);
    bool hasError() const { return m_hasError; }
    // The completions for the text before the cursor (public for tests): field and value completions of the token
    // at the cursor, matching case-insensitively.
    QStringList completionsFor(const QString &textBeforeCursor, QString *token = nullptr) const;
    // The saved query names offered for the text before the cursor.
    QStringList savedQueriesFor(const QString &textBeforeCursor) const;
    QCompleter *completer() const { return m_completer; }

Q_SIGNALS:
    void savedQueryChosen(const QString &name);

private:
    void updateCompletions();
    void insertCompletion(const QModelIndex &index);

    QCompleter *m_completer = nullptr;
    QStandardItemModel *m_completionModel = nullptr;
    QHash<QString, QStringList> m_values;
    QStringList m_savedNames;
    bool m_hasError = false;
};

} // namespace fe
