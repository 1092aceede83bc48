/*
 * What the audit commands read: a document's matches, a rule's matches and
 * the events it decided, the document a user names, the event a document
 * joined, and the recorded text of rule sets (to replay an old one).
 */
#include "store_int.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>

void store_match_rows_free(store_match_row *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].rule_id);
        free(v[i].rule_file);
        free(v[i].key);
        free(v[i].value);
        free(v[i].text);
        free(v[i].url);
    }
    free(v);
}

#define MATCH_COLUMNS                                                      \
    "SELECT m.document_id, m.seq, m.rule_id, m.rule_file, m.rule_line, "  \
    "m.key, m.value, m.field, m.start_byte, m.end_byte, m.text, m.weight, " \
    "m.decisive, m.masked, d.url FROM matches m "                          \
    "JOIN documents d ON d.id=m.document_id "

/* Collects the rows of a MATCH_COLUMNS query; resets st. */
static int match_rows(store *s, sqlite3_stmt *st, store_match_row **out,
                      size_t *n, char **err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(out, &cap, *n + 1, sizeof **out)) {
            oom = 1;
            break;
        }
        store_match_row *m = &(*out)[(*n)++];
        memset(m, 0, sizeof *m);
        m->document_id = sqlite3_column_int64(st, 0);
        m->seq = sqlite3_column_int(st, 1);
        m->rule_id = store_db_col_dup(st, 2, &oom);
        m->rule_file = store_db_col_dup(st, 3, &oom);
        m->rule_line = sqlite3_column_int(st, 4);
        m->key = store_db_col_dup(st, 5, &oom);
        m->value = store_db_col_dup(st, 6, &oom);
        m->field = sqlite3_column_int(st, 7);
        m->start = (size_t)sqlite3_column_int64(st, 8);
        m->end = (size_t)sqlite3_column_int64(st, 9);
        m->text = store_db_col_dup(st, 10, &oom);
        m->weight = sqlite3_column_int(st, 11);
        m->decisive = sqlite3_column_int(st, 12);
        m->masked = sqlite3_column_int(st, 13);
        m->url = store_db_col_dup(st, 14, &oom);
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom || rc != SQLITE_DONE) {
        store_match_rows_free(*out, *n);
        *out = NULL;
        *n = 0;
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "matches");
    }
    return 0;
}

int store_matches_load(store *s, int64_t document_id, store_match_row **out,
                       size_t *n, char **err)
{
    static const char sql[] = MATCH_COLUMNS "WHERE m.document_id=? "
                              "ORDER BY m.field, m.start_byte, m.seq";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, document_id);
    return match_rows(s, st, out, n, err);
}

int store_rule_matches(store *s, const char *rule_id, long limit,
                       store_match_row **out, size_t *n, long *total,
                       long *reports, long *decisive, char **err)
{
    static const char sql_counts[] =
        "SELECT count(*), count(DISTINCT document_id), "
        "coalesce(sum(decisive), 0) FROM matches WHERE rule_id=?";
    static const char sql[] = MATCH_COLUMNS "WHERE m.rule_id=? "
                              "ORDER BY m.document_id, m.seq LIMIT ?";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql_counts, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *total = (long)sqlite3_column_int64(st, 0);
        *reports = (long)sqlite3_column_int64(st, 1);
        *decisive = (long)sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return store_db_err(s, err, "rule counts");
    if (!(st = store_db_stmt(s, sql, err)))
        return -1;
    sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    return match_rows(s, st, out, n, err);
}

/* Collects the text first column of a prepared, bound query. */
static int text_column(store *s, sqlite3_stmt *st, char ***out, size_t *n,
                       char **err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(out, &cap, *n + 1, sizeof **out)) {
            oom = 1;
            break;
        }
        (*out)[(*n)++] = store_db_col_dup(st, 0, &oom);
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom || rc != SQLITE_DONE) {
        store_strings_free(*out, *n);
        *out = NULL;
        *n = 0;
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "list");
    }
    return 0;
}

int store_rule_events(store *s, const char *rule_id, char ***ids, size_t *n,
                      char **err)
{
    static const char sql[] =
        "SELECT DISTINCT er.event_id FROM matches m "
        "JOIN event_reports er ON er.document_id=m.document_id "
        "WHERE m.rule_id=? AND m.decisive=1 ORDER BY er.event_id";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
    return text_column(s, st, ids, n, err);
}

int store_document_find(store *s, const char *what, int64_t *id, char **err)
{
    /* the latest version's document, whether the URL given is the one
     * requested or the one a redirect ended at */
    static const char sql_url[] =
        "SELECT d.id FROM documents d JOIN pages p ON p.id=d.page_id "
        "WHERE (p.url=?1 OR d.url=?1) AND "
        "p.id=(SELECT max(id) FROM pages q WHERE q.url=p.url) "
        "ORDER BY d.id DESC LIMIT 1";
    static const char sql_id[] = "SELECT id FROM documents WHERE id=?";
    *id = 0;
    int by_id = what[0] == '#';
    char *end = NULL;
    long long v = by_id ? strtoll(what + 1, &end, 10) : 0;
    if (by_id && (!what[1] || *end || v <= 0))
        return 0;
    sqlite3_stmt *st = store_db_stmt(s, by_id ? sql_id : sql_url, err);
    if (!st)
        return -1;
    if (by_id)
        sqlite3_bind_int64(st, 1, v);
    else
        sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_err(s, err, "document lookup");
    return rc == SQLITE_ROW;
}

int store_document_event(store *s, int64_t document_id, char **event_id,
                         char **err)
{
    static const char sql[] =
        "SELECT event_id FROM event_reports WHERE document_id=? LIMIT 1";
    *event_id = NULL;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, document_id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW)
        *event_id = store_db_col_dup(st, 0, &oom);
    sqlite3_reset(st);
    if (oom)
        return store_db_fail(err, "out of memory");
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_err(s, err, "event of document");
    return rc == SQLITE_ROW;
}

int store_ruleset_files_save(store *s, const char *hash,
                             const char *const *names,
                             const char *const *texts, size_t n, char **err)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO ruleset_files(hash, name, text) VALUES(?,?,?)";
    int own;
    if (store_db_tx_begin(s, &own, err) < 0)
        return -1;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        sqlite3_stmt *st = store_db_stmt(s, sql, err);
        if (!st) {
            ok = 0;
            break;
        }
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, texts[i], -1, SQLITE_STATIC);
        ok = store_db_run(s, st, "ruleset files", err) == 0;
    }
    return store_db_tx_end(s, own, ok, err);
}

int store_ruleset_files_load(store *s, const char *hash, char ***names,
                             char ***texts, size_t *n, char **err)
{
    static const char sql_names[] =
        "SELECT name FROM ruleset_files WHERE hash=? ORDER BY name";
    static const char sql_texts[] =
        "SELECT text FROM ruleset_files WHERE hash=? ORDER BY name";
    size_t nt = 0;
    *texts = NULL;
    sqlite3_stmt *st = store_db_stmt(s, sql_names, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    if (text_column(s, st, names, n, err) < 0)
        return -1;
    if (!(st = store_db_stmt(s, sql_texts, err))) {
        store_strings_free(*names, *n);
        return -1;
    }
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    if (text_column(s, st, texts, &nt, err) < 0 || nt != *n) {
        store_strings_free(*names, *n);
        store_strings_free(*texts, nt);
        *names = *texts = NULL;
        *n = 0;
        return store_db_fail(err, "%s: rule set %s: files changed while "
                             "read", s->path, hash);
    }
    return 0;
}
