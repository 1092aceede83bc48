/*
 * Fetch state and page versions: store_fetch_save, URL state, retries,
 * the robots.txt cache, and the page side of extraction.
 */
#include "store_int.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char sql_url_upsert[] =
    "INSERT INTO urls(url, link_kind, first_seen, entry) VALUES(?1,?2,?3,?4) "
    "ON CONFLICT(url) DO UPDATE SET link_kind=excluded.link_kind, "
    "entry=max(entry, excluded.entry)";
/* An entry is never given up: it is what every run starts from. */
static const char sql_url_fail[] =
    "UPDATE urls SET last_attempt=?2, last_status=?3, last_outcome=?4, "
    "last_error=?5, retryable=?6, failures=failures+1, "
    "failing_since=coalesce(failing_since, ?2), "
    "given_up=CASE WHEN ?7>0 AND failures+1>=?7 AND NOT entry THEN 1 "
    "ELSE given_up END WHERE url=?1";
/* A 304 may omit validators: keep the held ones then. A new body brings
 * its own (or none). */
static const char sql_url_ok[] =
    "UPDATE urls SET last_attempt=?2, last_success=?2, last_status=?3, "
    "last_outcome=?4, last_error=NULL, retryable=0, failures=0, "
    "given_up=0, failing_since=NULL, "
    "etag=CASE WHEN ?7 THEN ?5 ELSE coalesce(?5, etag) END, "
    "last_modified=CASE WHEN ?7 THEN ?6 ELSE coalesce(?6, last_modified) END "
    "WHERE url=?1";
static const char sql_frontier_done[] =
    "DELETE FROM frontier WHERE url=?1 AND "
    "(?2 OR (SELECT given_up FROM urls WHERE url=?1))";
static const char sql_latest[] =
    "SELECT id, content_hash FROM pages WHERE url=? ORDER BY id DESC LIMIT 1";
static const char sql_same_hash[] =
    "SELECT id FROM pages WHERE url=? AND content_hash=?";
static const char sql_touch[] =
    "UPDATE pages SET checked_at=max(checked_at, ?2) WHERE id=?1";
/* An older version seen again becomes the latest by taking a new id;
 * its document follows through ON UPDATE CASCADE. */
static const char sql_renumber[] =
    "UPDATE pages SET id=(SELECT max(id)+1 FROM pages), "
    "checked_at=max(checked_at, ?2), final_url=?3, http_status=?4 "
    "WHERE id=?1";
static const char sql_page_insert[] =
    "INSERT INTO pages(url, final_url, content_type, charset, http_status, "
    "body, content_hash, fetched_at, checked_at) "
    "VALUES(?,?,?,?,?,?,?,?,?8)";

/* Stores f's body as a new version unless the latest has the same hash.
 * Runs inside the caller's unit of work. */
static int save_body(store *s, const store_fetch *f, int *new_page,
                     char **err)
{
    char hash[65];
    kt_sha256_hex(f->body, f->body_len, hash);
    sqlite3_stmt *st = store_db_stmt(s, sql_latest, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, f->requested_url, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t latest = 0;
    int same = 0;
    if (rc == SQLITE_ROW) {
        latest = sqlite3_column_int64(st, 0);
        same = strcmp((const char *)sqlite3_column_text(st, 1), hash) == 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_err(s, err, "latest page");
    if (same) {
        if (!(st = store_db_stmt(s, sql_touch, err)))
            return -1;
        sqlite3_bind_int64(st, 1, latest);
        sqlite3_bind_int64(st, 2, f->fetched_at);
        return store_db_run(s, st, "page touch", err);
    }
    *new_page = 1;
    if (!(st = store_db_stmt(s, sql_same_hash, err)))
        return -1;
    sqlite3_bind_text(st, 1, f->requested_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int64_t older = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_err(s, err, "page lookup");
    const char *final_url = f->final_url ? f->final_url : f->requested_url;
    if (older) {
        if (!(st = store_db_stmt(s, sql_renumber, err)))
            return -1;
        sqlite3_bind_int64(st, 1, older);
        sqlite3_bind_int64(st, 2, f->fetched_at);
        sqlite3_bind_text(st, 3, final_url, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, f->http_status);
        return store_db_run(s, st, "page renumber", err);
    }
    if (!(st = store_db_stmt(s, sql_page_insert, err)))
        return -1;
    sqlite3_bind_text(st, 1, f->requested_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, final_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->content_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f->charset, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, f->http_status);
    /* A zero-length body is still a body: bind a non-NULL pointer. */
    sqlite3_bind_blob(st, 6, f->body_len ? (const void *)f->body : "",
                      (int)f->body_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, f->fetched_at);
    return store_db_run(s, st, "page insert", err);
}

int store_fetch_save(store *s, const store_fetch *f, int *new_page,
                     char **err)
{
    *new_page = 0;
    if (!f->requested_url)
        return store_db_fail(err, "store_fetch_save: no URL");
    if (f->body_len > (size_t)0x7fffffff)
        return store_db_fail(err, "%s: body too large to store",
                             f->requested_url);
    int succeeded = !f->failed;
    int has_body = succeeded && f->body && f->outcome &&
                   strcmp(f->outcome, "not_modified");
    int own;
    if (store_db_tx_begin(s, &own, err) < 0)
        return -1;
    int ok = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql_url_upsert, err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, f->requested_url, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, f->link_kind);
    sqlite3_bind_int64(st, 3, f->fetched_at);
    sqlite3_bind_int(st, 4, f->entry ? 1 : 0);
    if (store_db_run(s, st, "url upsert", err) < 0)
        goto out;
    if (!(st = store_db_stmt(s, succeeded ? sql_url_ok : sql_url_fail, err)))
        goto out;
    sqlite3_bind_text(st, 1, f->requested_url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, f->fetched_at);
    sqlite3_bind_int64(st, 3, f->http_status);
    sqlite3_bind_text(st, 4, f->outcome, -1, SQLITE_STATIC);
    if (succeeded) {
        sqlite3_bind_text(st, 5, f->etag, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, f->last_modified, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, has_body);
    } else {
        sqlite3_bind_text(st, 5, f->error ? f->error : f->outcome, -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(st, 6, f->retryable ? 1 : 0);
        sqlite3_bind_int(st, 7, f->give_up);
    }
    if (store_db_run(s, st, "url state", err) < 0)
        goto out;
    if (!(st = store_db_stmt(s, sql_frontier_done, err)))
        goto out;
    sqlite3_bind_text(st, 1, f->requested_url, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, succeeded);
    if (store_db_run(s, st, "frontier", err) < 0)
        goto out;
    if (has_body && save_body(s, f, new_page, err) < 0)
        goto out;
    ok = 1;
out:
    if (!ok)
        *new_page = 0;
    return store_db_tx_end(s, own, ok, err);
}

int store_url_state_get(store *s, const char *url, store_url_state *st_out,
                        char **err)
{
    static const char sql[] =
        "SELECT failures, etag, last_modified, link_kind, "
        "EXISTS(SELECT 1 FROM pages WHERE pages.url=urls.url), given_up, "
        "entry FROM urls WHERE url=?";
    memset(st_out, 0, sizeof *st_out);
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        st_out->failures = sqlite3_column_int(st, 0);
        st_out->etag = store_db_col_dup(st, 1, &oom);
        st_out->last_modified = store_db_col_dup(st, 2, &oom);
        st_out->link_kind = sqlite3_column_int(st, 3);
        st_out->held = sqlite3_column_int(st, 4);
        st_out->given_up = sqlite3_column_int(st, 5);
        st_out->entry = sqlite3_column_int(st, 6);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_err(s, err, "url state");
    if (oom) {
        store_url_state_clear(st_out);
        return store_db_fail(err, "out of memory");
    }
    return 0;
}

void store_url_state_clear(store_url_state *st)
{
    free(st->etag);
    free(st->last_modified);
    memset(st, 0, sizeof *st);
}

void store_strings_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void store_url_todos_free(store_url_todo *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i].url);
    free(v);
}

/* Collects rows (url, kind, depth, entry) of a prepared query; resets st. */
static int load_todos(store *s, sqlite3_stmt *st, store_url_todo **out,
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
        store_url_todo *t = &(*out)[*n];
        t->url = store_db_col_dup(st, 0, &oom);
        if (oom)
            break;
        t->kind = sqlite3_column_int(st, 1);
        t->depth = sqlite3_column_int(st, 2);
        t->entry = sqlite3_column_int(st, 3);
        (*n)++;
    }
    sqlite3_reset(st);
    if (oom || rc != SQLITE_DONE) {
        store_url_todos_free(*out, *n);
        *out = NULL;
        *n = 0;
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "url list");
    }
    return 0;
}

int store_urls_to_retry(store *s, store_url_todo **out, size_t *n,
                        char **err)
{
    static const char sql[] =
        "SELECT url, link_kind, 0, entry FROM urls "
        "WHERE failures>0 AND given_up=0 ORDER BY url";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    return load_todos(s, st, out, n, err);
}

int store_frontier_add(store *s, const char *const *urls, const int *kinds,
                       const int *depths, size_t n, int64_t now, char **err)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO frontier(url, link_kind, depth, queued_at) "
        "VALUES(?,?,?,?)";
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
        sqlite3_bind_text(st, 1, urls[i], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, kinds[i]);
        sqlite3_bind_int(st, 3, depths[i]);
        sqlite3_bind_int64(st, 4, now);
        ok = store_db_run(s, st, "frontier add", err) == 0;
    }
    return store_db_tx_end(s, own, ok, err);
}

int store_frontier_load(store *s, store_url_todo **out, size_t *n,
                        char **err)
{
    static const char sql_held[] =
        "DELETE FROM frontier WHERE EXISTS "
        "(SELECT 1 FROM pages WHERE pages.url=frontier.url)";
    static const char sql[] =
        "SELECT url, link_kind, depth, 0 FROM frontier "
        "ORDER BY queued_at, url";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql_held, err);
    if (!st || store_db_run(s, st, "frontier cleanup", err) < 0)
        return -1;
    if (!(st = store_db_stmt(s, sql, err)))
        return -1;
    return load_todos(s, st, out, n, err);
}

int store_urls_retry_given_up(store *s, long *n, char **err)
{
    static const char sql[] =
        "UPDATE urls SET given_up=0 WHERE given_up=1";
    *n = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st || store_db_run(s, st, "retry given up", err) < 0)
        return -1;
    *n = (long)sqlite3_changes(s->db);
    return 0;
}

int store_robots_get(store *s, const char *host, long max_age_s, char **body,
                     long *status, char **err)
{
    static const char sql[] =
        "SELECT body, status FROM robots WHERE host=? AND fetched_at>?";
    *body = NULL;
    *status = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)time(NULL) - max_age_s);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        *body = store_db_col_dup(st, 0, &oom);
        *status = (long)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (oom)
        return store_db_fail(err, "out of memory");
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_err(s, err, "robots get");
    return rc == SQLITE_ROW;
}

int store_robots_put(store *s, const char *host, const char *body,
                     long status, char **err)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO robots(host, body, status, fetched_at) "
        "VALUES(?,?,?,?)";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, status);
    sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
    return store_db_run(s, st, "robots put", err);
}

/* Collects the int64 first column of a prepared, bound query into a
 * malloc'd array; resets st. */
int store_db_ids(store *s, sqlite3_stmt *st, int64_t **ids, size_t *n,
                 char **err)
{
    *ids = NULL;
    *n = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(ids, &cap, *n + 1, sizeof **ids)) {
            sqlite3_reset(st);
            free(*ids);
            *ids = NULL;
            *n = 0;
            return store_db_fail(err, "out of memory");
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return store_db_err(s, err, "id list");
    }
    return 0;
}

int store_page_load(store *s, int64_t id, store_page *p, char **err)
{
    static const char sql[] =
        "SELECT final_url, content_type, charset, body, content_hash, "
        "fetched_at FROM pages WHERE id=?";
    memset(p, 0, sizeof *p);
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        p->id = id;
        p->url = store_db_col_dup(st, 0, &oom);
        p->content_type = store_db_col_dup(st, 1, &oom);
        p->charset = store_db_col_dup(st, 2, &oom);
        const void *b = sqlite3_column_blob(st, 3);
        p->body_len = (size_t)sqlite3_column_bytes(st, 3);
        /* One spare NUL byte so text parsers may treat it as a string. */
        p->body = malloc(p->body_len + 1);
        if (p->body) {
            if (p->body_len)
                memcpy(p->body, b, p->body_len);
            p->body[p->body_len] = 0;
        } else {
            oom = 1;
        }
        p->content_hash = store_db_col_dup(st, 4, &oom);
        p->fetched_at = sqlite3_column_int64(st, 5);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return store_db_fail(err, "%s: no page %lld", s->path, (long long)id);
    if (rc != SQLITE_ROW) {
        store_page_clear(p);
        return store_db_err(s, err, "page load");
    }
    if (oom) {
        store_page_clear(p);
        return store_db_fail(err, "out of memory");
    }
    return 0;
}

void store_page_clear(store_page *p)
{
    free(p->url);
    free(p->content_type);
    free(p->charset);
    free(p->body);
    free(p->content_hash);
    memset(p, 0, sizeof *p);
}

int store_page_find_latest(store *s, const char *url, int64_t *id, char **err)
{
    static const char sql[] = "SELECT max(id) FROM pages WHERE url=?";
    *id = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return store_db_err(s, err, "page lookup");
    return *id ? 1 : 0;
}
