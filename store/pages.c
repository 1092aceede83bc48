/*
 * Fetch state and page versions: store_fetch_save, URL state, retries,
 * the robots.txt cache, and the page side of extraction.
 */
#include "store_int.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A fetch counts as a success when it produced a body or confirmed the
 * held one (304); everything else is a failure of this URL. */
static int fetch_succeeded(const store_fetch *f)
{
    if (f->error || !f->outcome)
        return 0;
    return strcmp(f->outcome, "ok") == 0 ||
           strcmp(f->outcome, "imported") == 0 ||
           strcmp(f->outcome, "not_modified") == 0;
}

static const char sql_url_upsert[] =
    "INSERT INTO urls(url, link_kind, first_seen) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(url) DO UPDATE SET link_kind=excluded.link_kind";
static const char sql_url_fail[] =
    "UPDATE urls SET last_attempt=?2, last_status=?3, last_outcome=?4, "
    "last_error=?5, retryable=?6, failures=failures+1, "
    "failing_since=coalesce(failing_since, ?2) WHERE url=?1";
/* A 304 may omit validators: keep the held ones then. A new body brings
 * its own (or none). */
static const char sql_url_ok[] =
    "UPDATE urls SET last_attempt=?2, last_success=?2, last_status=?3, "
    "last_outcome=?4, last_error=NULL, retryable=0, failures=0, "
    "failing_since=NULL, "
    "etag=CASE WHEN ?7 THEN ?5 ELSE coalesce(?5, etag) END, "
    "last_modified=CASE WHEN ?7 THEN ?6 ELSE coalesce(?6, last_modified) END "
    "WHERE url=?1";
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
    int succeeded = fetch_succeeded(f);
    int has_body = succeeded && f->body && strcmp(f->outcome, "not_modified");
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
    }
    if (store_db_run(s, st, "url state", err) < 0)
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
        "EXISTS(SELECT 1 FROM pages WHERE pages.url=urls.url) "
        "FROM urls WHERE url=?";
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

int store_urls_to_retry(store *s, int max_failures, char ***urls, int **kinds,
                        size_t *n, char **err)
{
    static const char sql[] =
        "SELECT url, link_kind FROM urls "
        "WHERE retryable=1 AND failures>0 AND failures<? ORDER BY url";
    *urls = NULL;
    *kinds = NULL;
    *n = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, max_failures);
    size_t cap_urls = 0, cap_kinds = 0;
    int rc, oom = 0;
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(urls, &cap_urls, *n + 1, sizeof **urls) ||
            store_db_reserve(kinds, &cap_kinds, *n + 1, sizeof **kinds)) {
            oom = 1;
            break;
        }
        char *u = store_db_col_dup(st, 0, &oom);
        if (oom)
            break;
        (*urls)[*n] = u;
        (*kinds)[*n] = sqlite3_column_int(st, 1);
        (*n)++;
    }
    sqlite3_reset(st);
    if (oom || rc != SQLITE_DONE) {
        store_strings_free(*urls, *n);
        free(*kinds);
        *urls = NULL;
        *kinds = NULL;
        *n = 0;
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "urls to retry");
    }
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

int store_pages_pending(store *s, int all, const char *profiles_hash,
                        int64_t **ids, size_t *n, char **err)
{
    /* Only the latest version of each URL: older versions are history. */
    static const char sql[] =
        "SELECT p.id FROM pages p LEFT JOIN documents d ON d.page_id=p.id "
        "WHERE p.id=(SELECT max(id) FROM pages q WHERE q.url=p.url) "
        "AND (?1 OR d.id IS NULL "
        "     OR (?2 IS NOT NULL AND d.profiles_hash IS NOT ?2)) "
        "ORDER BY p.id";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, all ? 1 : 0);
    sqlite3_bind_text(st, 2, profiles_hash, -1, SQLITE_STATIC);
    return store_db_ids(s, st, ids, n, err);
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
