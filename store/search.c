/*
 * Finding reports: by their words (store_search, over the FTS5 index that
 * migration 3 keeps in step with the documents) and by the URL or id an
 * analyst names (store_report_find). Both look at each URL's latest page
 * version only, like classification: an older version's text has been
 * superseded.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define LATEST_PAGE "p.id=(SELECT max(id) FROM pages q WHERE q.url=p.url)"

/* The event a report belongs to (a tabled one first, should it be in
 * several). */
#define EVENT_OF(doc)                                                      \
    "(SELECT er.event_id FROM event_reports er JOIN events e2 "            \
    " ON e2.event_id=er.event_id WHERE er.document_id=" doc " "            \
    " ORDER BY e2.tbl=0, er.event_id LIMIT 1)"

/* ?1 query, ?2 from, ?3 to (pub_date bounds, NULL for none). CROSS JOIN
 * makes the index the outer loop: left to itself, SQLite 3.40 walks every
 * article and asks the index about each (0.6 s instead of 0.01 s on 22,000
 * reports, even for a word that occurs nowhere). */
#define SEARCH_FROM                                                        \
    "FROM documents_fts CROSS JOIN documents d "                           \
    "ON d.id=documents_fts.rowid CROSS JOIN pages p ON p.id=d.page_id "    \
    "WHERE documents_fts MATCH ?1 AND d.kind='article' AND " LATEST_PAGE   \
    " AND (?2 IS NULL OR d.pub_date>=?2) AND (?3 IS NULL OR d.pub_date<=?3) "

static const char sql_search_count[] = "SELECT count(*) " SEARCH_FROM;

/* A hit in the title counts twice one in the body: a report whose
 * headline names the word is about it. Ties go to the older report id so
 * that the order is stable. The best ?6 are chosen first and only they get
 * their snippets (?4 and ?5 mark the hits): a sort would otherwise carry
 * every matching report's snippet. */
static const char sql_search[] =
    "WITH top AS MATERIALIZED (SELECT d.id AS id, "
    "bm25(documents_fts, 2.0, 1.0) AS score "
    SEARCH_FROM "ORDER BY score, d.id LIMIT ?6) "
    "SELECT d.id, d.url, d.title, d.pub_date, "
    "highlight(documents_fts, 0, ?4, ?5), "
    "snippet(documents_fts, 1, ?4, ?5, '...', 24), top.score, "
    "ev.event_id, ev.tbl, ev.leftout "
    "FROM top JOIN documents_fts ON documents_fts.rowid=top.id "
    "JOIN documents d ON d.id=top.id "
    "LEFT JOIN events ev ON ev.event_id=" EVENT_OF("top.id") " "
    "WHERE documents_fts MATCH ?1 ORDER BY top.score, top.id";

void store_search_clear(store_search_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        store_search_hit *h = &r->hits[i];
        free(h->url);
        free(h->title);
        free(h->pub_date);
        free(h->marked_title);
        free(h->snippet);
        free(h->event_id);
        free(h->leftout);
    }
    free(r->hits);
    memset(r, 0, sizeof *r);
}

/* SQLite reports a query FTS5 cannot parse (a syntax error, an unknown
 * column filter such as "T1-05" read as column T1) as a plain
 * SQLITE_ERROR at the first step; a broken or busy database gives other
 * codes. */
static int bad_query(store *s, const char *query, char **err)
{
    if (sqlite3_extended_errcode(s->db) != SQLITE_ERROR)
        return store_db_err(s, err, "search");
    store_db_fail(err, "'%s' is not a full-text query: %s", query,
                  sqlite3_errmsg(s->db));
    return -2;
}

static void bind_filters(sqlite3_stmt *st, const store_search_query *q)
{
    sqlite3_bind_text(st, 1, q->text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, q->to, -1, SQLITE_STATIC);
}

int store_search(store *s, const store_search_query *q,
                 store_search_result *r, char **err)
{
    memset(r, 0, sizeof *r);
    if (!q->text || !*q->text)
        return store_db_fail(err, "search: empty query");
    sqlite3_stmt *st = store_db_stmt(s, sql_search_count, err);
    if (!st)
        return -1;
    bind_filters(st, q);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = bad_query(s, q->text, err);
        sqlite3_reset(st);
        return rc;
    }
    r->total = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (!(st = store_db_stmt(s, sql_search, err)))
        return -1;
    bind_filters(st, q);
    sqlite3_bind_text(st, 4, q->mark_open ? q->mark_open : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 5, q->mark_close ? q->mark_close : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)q->limit);
    size_t cap = 0;
    int oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(&r->hits, &cap, r->n + 1, sizeof *r->hits)) {
            oom = 1;
            break;
        }
        store_search_hit *h = &r->hits[r->n++];
        memset(h, 0, sizeof *h);
        h->document_id = sqlite3_column_int64(st, 0);
        h->url = store_db_col_dup(st, 1, &oom);
        h->title = store_db_col_dup(st, 2, &oom);
        h->pub_date = store_db_col_dup(st, 3, &oom);
        h->marked_title = store_db_col_dup(st, 4, &oom);
        h->snippet = store_db_col_dup(st, 5, &oom);
        h->score = sqlite3_column_double(st, 6);
        h->event_id = store_db_col_dup(st, 7, &oom);
        h->table = sqlite3_column_int(st, 8);
        h->leftout = store_db_col_dup(st, 9, &oom);
        if (oom)
            break;
    }
    if (rc != SQLITE_DONE && !oom)
        rc = bad_query(s, q->text, err);
    else
        rc = oom ? store_db_fail(err, "out of memory") : 0;
    sqlite3_reset(st);
    if (rc)
        store_search_clear(r);
    return rc;
}

void store_report_ref_clear(store_report_ref *r)
{
    free(r->url);
    free(r->kind);
    free(r->title);
    free(r->pub_date);
    memset(r, 0, sizeof *r);
}

#define REPORT_SELECT                                                      \
    "SELECT d.id, d.url, d.kind, d.title, d.pub_date, "                    \
    "EXISTS (SELECT 1 FROM classifications c WHERE c.document_id=d.id) "   \
    "FROM documents d JOIN pages p ON p.id=d.page_id "
/* The URL a page was asked for, else the one it was finally served from:
 * two lookups by index (an OR across the join would scan every page). */
static const char sql_report_by_url[] =
    REPORT_SELECT "WHERE d.id=(SELECT id FROM ("
    " SELECT d.id AS id, 0 AS pref FROM pages p "
    " JOIN documents d ON d.page_id=p.id WHERE p.url=?1 AND " LATEST_PAGE
    " UNION ALL SELECT d.id, 1 FROM documents d "
    " JOIN pages p ON p.id=d.page_id WHERE d.url=?1 AND " LATEST_PAGE
    ") ORDER BY pref, id LIMIT 1)";
static const char sql_report_by_id[] = REPORT_SELECT "WHERE d.id=?1";

int store_report_find(store *s, const char *url, int64_t id,
                      store_report_ref *r, char **err)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st =
        store_db_stmt(s, url ? sql_report_by_url : sql_report_by_id, err);
    if (!st)
        return -1;
    if (url)
        sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        r->document_id = sqlite3_column_int64(st, 0);
        r->url = store_db_col_dup(st, 1, &oom);
        r->kind = store_db_col_dup(st, 2, &oom);
        r->title = store_db_col_dup(st, 3, &oom);
        r->pub_date = store_db_col_dup(st, 4, &oom);
        r->classified = sqlite3_column_int(st, 5);
    }
    sqlite3_reset(st);
    if (oom || (rc != SQLITE_ROW && rc != SQLITE_DONE)) {
        store_report_ref_clear(r);
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "report lookup");
    }
    return rc == SQLITE_ROW;
}
