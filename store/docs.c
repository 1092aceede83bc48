/*
 * Documents (extraction output), rule sets, classifications and the
 * mentions consolidation reads back. Only documents of each URL's latest
 * page version take part in classification and consolidation: an older
 * version's text has been superseded.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LATEST_PAGE "p.id=(SELECT max(id) FROM pages q WHERE q.url=p.url)"

static const char sql_doc_same[] =
    "SELECT id FROM documents WHERE page_id=?1 AND url IS ?2 AND "
    "profile IS ?3 AND profiles_hash IS ?4 AND kind IS ?5 AND title IS ?6 "
    "AND pub_date IS ?7 AND date_source IS ?8 AND dateline_place IS ?9 AND "
    "language IS ?10 AND body IS ?11 AND lead_len=?12 AND n_paragraphs=?13";
static const char sql_doc_old[] = "SELECT id FROM documents WHERE page_id=?";
static const char sql_extract_done[] =
    "DELETE FROM extract_queue WHERE page_id=?";
static const char sql_doc_delete[] = "DELETE FROM documents WHERE page_id=?";
static const char sql_doc_insert[] =
    "INSERT INTO documents(page_id, url, profile, profiles_hash, kind, "
    "title, pub_date, date_source, dateline_place, language, body, "
    "lead_len, n_paragraphs, id) "
    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)";

static void bind_document(sqlite3_stmt *st, const store_document *d)
{
    sqlite3_bind_int64(st, 1, d->page_id);
    sqlite3_bind_text(st, 2, d->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d->profiles_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, d->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, d->pub_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, d->date_source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, d->dateline_place, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, d->language, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, d->body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, (int64_t)d->lead_len);
    sqlite3_bind_int(st, 13, d->n_paragraphs);
}

/* Runs a bound single-id query: 1 and *id when a row came, 0 when none. */
static int query_id(store *s, sqlite3_stmt *st, int64_t *id, char **err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_err(s, err, "lookup");
    return rc == SQLITE_ROW;
}

int store_document_save(store *s, store_document *d, char **err)
{
    if (!d->url || !d->kind)
        return store_db_fail(err, "store_document_save: url and kind are "
                             "required (page %lld)", (long long)d->page_id);
    /* Saving the very same document again keeps it, and with it its
     * classification: only new text invalidates what was derived. */
    sqlite3_stmt *st = store_db_stmt(s, sql_doc_same, err);
    if (!st)
        return -1;
    bind_document(st, d);
    int64_t id = 0;
    int r = query_id(s, st, &id, err);
    if (r < 0)
        return -1;
    int own;
    if (store_db_tx_begin(s, &own, err) < 0)
        return -1;
    int ok = 0;
    int64_t old = 0;
    /* Extracted: the page leaves the queue, whether or not its document
     * changed. */
    if (!(st = store_db_stmt(s, sql_extract_done, err)))
        goto out;
    sqlite3_bind_int64(st, 1, d->page_id);
    if (store_db_run(s, st, "extract queue", err) < 0)
        goto out;
    if (r > 0) {
        d->id = id;
        ok = 1;
        goto out;
    }
    if (!(st = store_db_stmt(s, sql_doc_old, err)))
        goto out;
    sqlite3_bind_int64(st, 1, d->page_id);
    if ((r = query_id(s, st, &old, err)) < 0)
        goto out;
    if (!(st = store_db_stmt(s, sql_doc_delete, err)))
        goto out;
    sqlite3_bind_int64(st, 1, d->page_id);
    if (store_db_run(s, st, "document delete", err) < 0)
        goto out;
    if (!(st = store_db_stmt(s, sql_doc_insert, err)))
        goto out;
    bind_document(st, d);
    /* Reuse the old id so that re-extraction keeps document ids stable. */
    if (r > 0)
        sqlite3_bind_int64(st, 14, old);
    if (store_db_run(s, st, "document insert", err) < 0)
        goto out;
    d->id = sqlite3_last_insert_rowid(s->db);
    ok = 1;
out:
    return store_db_tx_end(s, own, ok, err);
}

void store_document_row_clear(store_document_row *d)
{
    free(d->url);
    free(d->kind);
    free(d->title);
    free(d->pub_date);
    free(d->body);
    memset(d, 0, sizeof *d);
}

int store_document_load(store *s, int64_t id, store_document_row *d,
                        char **err)
{
    static const char sql[] =
        "SELECT page_id, url, kind, title, pub_date, body, lead_len "
        "FROM documents WHERE id=?";
    memset(d, 0, sizeof *d);
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        d->id = id;
        d->page_id = sqlite3_column_int64(st, 0);
        d->url = store_db_col_dup(st, 1, &oom);
        d->kind = store_db_col_dup(st, 2, &oom);
        d->title = store_db_col_dup(st, 3, &oom);
        d->pub_date = store_db_col_dup(st, 4, &oom);
        d->body = store_db_col_dup(st, 5, &oom);
        d->lead_len = (size_t)sqlite3_column_int64(st, 6);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return store_db_fail(err, "%s: no document %lld", s->path,
                             (long long)id);
    if (rc != SQLITE_ROW || oom) {
        store_document_row_clear(d);
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "document load");
    }
    return 0;
}

int store_ruleset_register(store *s, const char *hash, size_t n_rules,
                           const char *dir, char **err)
{
    static const char sql[] =
        "INSERT INTO rulesets(hash, n_rules, dir, first_used) "
        "VALUES(?,?,?,?) ON CONFLICT(hash) DO NOTHING";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)n_rules);
    sqlite3_bind_text(st, 3, dir, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
    return store_db_run(s, st, "ruleset register", err);
}

/* Re-saving under the same rules keeps classified_at, so that repeating a
 * run leaves identical rows. */
static const char sql_cls_upsert[] =
    "INSERT INTO classifications(document_id, rules_hash, classified_at) "
    "VALUES(?1,?2,?3) ON CONFLICT(document_id) DO UPDATE SET "
    "classified_at=CASE WHEN rules_hash=excluded.rules_hash "
    "THEN classified_at ELSE excluded.classified_at END, "
    "rules_hash=excluded.rules_hash";
static const char sql_match_delete[] =
    "DELETE FROM matches WHERE document_id=?";
static const char sql_tag_delete[] = "DELETE FROM tags WHERE document_id=?";
static const char sql_mention_delete[] =
    "DELETE FROM mentions WHERE document_id=?";
static const char sql_match_insert[] =
    "INSERT INTO matches(document_id, seq, rule_id, rule_file, rule_line, "
    "key, value, field, start_byte, end_byte, text, weight, decisive, "
    "masked) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_tag_insert[] =
    "INSERT OR IGNORE INTO tags(document_id, key, value, match_seq) "
    "VALUES(?,?,?,?)";
static const char sql_mention_insert[] =
    "INSERT INTO mentions(document_id, kind, direction, status, country, "
    "location, delegation, actor, dprk_actor, event_name, sector, "
    "event_date) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)";

static const char sql_classify_done[] =
    "DELETE FROM classify_queue WHERE document_id=?";

/* Deletes doc's matches, tags and mention, and takes it off the classify
 * queue. */
static int delete_derived(store *s, int64_t doc, char **err)
{
    const char *const sqls[] = {sql_match_delete, sql_tag_delete,
                                sql_mention_delete, sql_classify_done};
    for (size_t i = 0; i < 4; i++) {
        sqlite3_stmt *st = store_db_stmt(s, sqls[i], err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, doc);
        if (store_db_run(s, st, "classification delete", err) < 0)
            return -1;
    }
    return 0;
}

static int insert_matches(store *s, int64_t doc, const store_match *m,
                          size_t n, char **err)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = store_db_stmt(s, sql_match_insert, err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, doc);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_text(st, 3, m[i].rule_id ? m[i].rule_id : "", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 4, m[i].rule_file ? m[i].rule_file : "", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(st, 5, m[i].rule_line);
        sqlite3_bind_text(st, 6, m[i].key ? m[i].key : "", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 7, m[i].value, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, m[i].field);
        sqlite3_bind_int64(st, 9, (int64_t)m[i].start);
        sqlite3_bind_int64(st, 10, (int64_t)m[i].end);
        sqlite3_bind_text(st, 11, m[i].text, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 12, m[i].weight);
        sqlite3_bind_int(st, 13, m[i].decisive ? 1 : 0);
        sqlite3_bind_int(st, 14, m[i].masked ? 1 : 0);
        if (store_db_run(s, st, "match insert", err) < 0)
            return -1;
    }
    return 0;
}

static int insert_tags(store *s, int64_t doc, const store_tag *t, size_t n,
                       size_t n_matches, char **err)
{
    for (size_t i = 0; i < n; i++) {
        if (!t[i].key || !t[i].value)
            continue;
        sqlite3_stmt *st = store_db_stmt(s, sql_tag_insert, err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, doc);
        sqlite3_bind_text(st, 2, t[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, t[i].value, -1, SQLITE_STATIC);
        if (t[i].match < n_matches)
            sqlite3_bind_int64(st, 4, (int64_t)t[i].match);
        if (store_db_run(s, st, "tag insert", err) < 0)
            return -1;
    }
    return 0;
}

static int insert_mention(store *s, int64_t doc, const store_mention_in *m,
                          char **err)
{
    sqlite3_stmt *st = store_db_stmt(s, sql_mention_insert, err);
    if (!st)
        return -1;
    const char *v[] = {m->kind,       m->direction, m->status,
                       m->country,    m->location,  m->delegation,
                       m->actor,      m->dprk_actor, m->event_name,
                       m->sector,     m->event_date};
    sqlite3_bind_int64(st, 1, doc);
    for (int i = 0; i < 11; i++)
        sqlite3_bind_text(st, i + 2, v[i], -1, SQLITE_STATIC);
    return store_db_run(s, st, "mention insert", err);
}

int store_classification_save(store *s, int64_t document_id,
                              const char *rules_hash,
                              const store_match *m, size_t n_matches,
                              const store_tag *t, size_t n_tags,
                              const store_mention_in *mention, char **err)
{
    if (!rules_hash)
        return store_db_fail(err, "store_classification_save: no rules hash");
    int own;
    if (store_db_tx_begin(s, &own, err) < 0)
        return -1;
    int ok = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql_cls_upsert, err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, document_id);
    sqlite3_bind_text(st, 2, rules_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
    if (store_db_run(s, st, "classification", err) < 0 ||
        delete_derived(s, document_id, err) < 0 ||
        insert_matches(s, document_id, m, n_matches, err) < 0 ||
        insert_tags(s, document_id, t, n_tags, n_matches, err) < 0 ||
        (mention && insert_mention(s, document_id, mention, err) < 0))
        goto out;
    ok = 1;
out:
    return store_db_tx_end(s, own, ok, err);
}

void store_mention_clear(store_mention *m)
{
    char *f[] = {m->url,        m->title,      m->pub_date,  m->kind,
                 m->direction,  m->status,     m->country,   m->location,
                 m->delegation, m->actor,      m->dprk_actor, m->event_name,
                 m->sector,     m->event_date};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        free(f[i]);
    memset(m, 0, sizeof *m);
}

void store_mentions_free(store_mention *m, size_t n)
{
    if (!m)
        return;
    for (size_t i = 0; i < n; i++)
        store_mention_clear(&m[i]);
    free(m);
}

static int mentions_load_bound(store *s, const char *sql, int64_t id,
                               const char *a, const char *b,
                               store_mention **out, size_t *n, char **err);

#define MENTION_SELECT                                                     \
    "SELECT d.id, d.url, d.title, d.pub_date, m.kind, m.direction, "       \
    "m.status, m.country, m.location, m.delegation, m.actor, "             \
    "m.dprk_actor, m.event_name, m.sector, m.event_date, "                 \
    /* the weight of the rule that decided the sector */                   \
    "(SELECT x.weight FROM tags t JOIN matches x ON "                      \
    " x.document_id=t.document_id AND x.seq=t.match_seq "                  \
    " WHERE t.document_id=d.id AND t.key='sector') "                       \
    "FROM mentions m JOIN documents d ON d.id=m.document_id "              \
    "JOIN pages p ON p.id=d.page_id "
static const char sql_mentions_all[] =
    MENTION_SELECT "WHERE d.kind='article' AND " LATEST_PAGE " "
    "ORDER BY m.event_date, d.url, d.id";
static const char sql_mention_one[] =
    MENTION_SELECT "WHERE d.id=?1 AND d.kind='article' AND " LATEST_PAGE;
static const char sql_mentions_near[] =
    MENTION_SELECT "WHERE substr(coalesce(m.event_date, d.pub_date), 1, 7)=?1 "
    "AND (m.country=?2 OR (?2 IS NULL AND m.country IS NULL)) "
    "AND d.kind='article' AND " LATEST_PAGE " "
    "ORDER BY m.event_date, d.url, d.id";
static const char sql_mentions_region[] =
    MENTION_SELECT "WHERE d.id IN (SELECT document_id FROM temp.region) "
    "AND d.kind='article' AND " LATEST_PAGE " "
    "ORDER BY m.event_date, d.url, d.id";

/* Loads the mentions a MENTION_SELECT query returns; a and b, when not
 * NULL, are bound to ?1 and ?2 (as integer when id is set, else text). */
static int mentions_load_by(store *s, const char *sql, store_mention **out,
                            size_t *n, char **err)
{
    return mentions_load_bound(s, sql, 0, NULL, NULL, out, n, err);
}

static int mentions_load_bound(store *s, const char *sql, int64_t id,
                               const char *a, const char *b,
                               store_mention **out, size_t *n, char **err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    if (id)
        sqlite3_bind_int64(st, 1, id);
    else if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    size_t cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(out, &cap, *n + 1, sizeof **out)) {
            oom = 1;
            break;
        }
        store_mention *m = &(*out)[(*n)++];
        memset(m, 0, sizeof *m);
        m->document_id = sqlite3_column_int64(st, 0);
        char **f[] = {&m->url,        &m->title,    &m->pub_date,
                      &m->kind,       &m->direction, &m->status,
                      &m->country,    &m->location, &m->delegation,
                      &m->actor,      &m->dprk_actor, &m->event_name,
                      &m->sector,     &m->event_date};
        for (int i = 0; i < 14; i++)
            *f[i] = store_db_col_dup(st, i + 1, &oom);
        m->sector_weight = sqlite3_column_int(st, 15);
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
        store_mentions_free(*out, *n);
        *out = NULL;
        *n = 0;
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "mentions load");
    }
    return 0;
}

int store_mentions_load(store *s, store_mention **out, size_t *n, char **err)
{
    return mentions_load_by(s, sql_mentions_all, out, n, err);
}

int store_db_mentions_load_region(store *s, store_mention **out, size_t *n,
                                  char **err)
{
    return mentions_load_by(s, sql_mentions_region, out, n, err);
}

int store_mention_get(store *s, int64_t document_id, store_mention *m,
                      char **err)
{
    store_mention *v = NULL;
    size_t n = 0;
    memset(m, 0, sizeof *m);
    if (mentions_load_bound(s, sql_mention_one, document_id, NULL, NULL, &v,
                            &n, err) < 0)
        return -1;
    if (n)
        *m = v[0];
    free(v);
    return n ? 1 : 0;
}

int store_mentions_near(store *s, const char *month, const char *country,
                        store_mention **out, size_t *n, char **err)
{
    return mentions_load_bound(s, sql_mentions_near, 0, month, country, out,
                               n, err);
}

int store_article_ids(store *s, int64_t **ids, size_t *n, char **err)
{
    static const char sql[] =
        "SELECT d.id FROM documents d JOIN pages p ON p.id=d.page_id "
        "WHERE d.kind='article' AND " LATEST_PAGE " ORDER BY d.id";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    return store_db_ids(s, st, ids, n, err);
}
