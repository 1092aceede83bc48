/*
 * The store against real SQLite files: schema and migrations, fetch state,
 * pending sets, classification replacement, events, explain, status,
 * transactions and crash safety. Each test uses a fresh temporary file.
 */
#include "kt_test.h"
#include "store.h"

#include "kt_util.h"

#include <sqlite3.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/kt_store_test_XXXXXX";
static int n_db;

/* A fresh database path under the test's temporary directory (static
 * buffer, valid until the next call). */
static const char *fresh_path(void)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/t%d.db", dir, ++n_db);
    return path;
}

static store *open_ok(const char *path)
{
    store *s = NULL;
    char *err = NULL;
    CHECK_INT(store_open(path, &s, &err), 0);
    CHECK_STR(err, NULL);
    free(err);
    return s;
}

static long raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static char *counts(store *s)
{
    char *t = NULL, *err = NULL;
    CHECK_INT(store_table_counts(s, &t, &err), 0);
    free(err);
    return t;
}

static store_fetch ok_fetch(const char *url, const char *body, int64_t at)
{
    store_fetch f = {0};
    f.requested_url = url;
    f.final_url = url;
    f.link_kind = 2;
    f.http_status = 200;
    f.outcome = "ok";
    f.content_type = "text/html";
    f.charset = "utf-8";
    f.etag = "\"v1\"";
    f.last_modified = "Mon, 01 Jan 2024 00:00:00 GMT";
    f.body = (const unsigned char *)body;
    f.body_len = strlen(body);
    f.fetched_at = at;
    f.attempts = 1;
    return f;
}

static store_fetch failed_fetch(const char *url, int64_t at)
{
    store_fetch f = {0};
    f.requested_url = url;
    f.link_kind = 1;
    f.http_status = 503;
    f.outcome = "http_error";
    f.error = "HTTP 503 Service Unavailable";
    f.failed = 1;
    f.retryable = 1;
    f.give_up = 5;
    f.fetched_at = at;
    return f;
}

static int save(store *s, const store_fetch *f)
{
    int new_page = -1;
    char *err = NULL;
    CHECK_INT(store_fetch_save(s, f, &new_page, &err), 0);
    CHECK_STR(err, NULL);
    free(err);
    return new_page;
}

static void test_migrations(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    /* The newest version this binary knows; every migration raises it. */
    int version = store_schema_version(s);
    CHECK(version >= 4);
    char *c = counts(s);
    CHECK_STR(c, "urls=0 pages=0 robots=0 documents=0 rulesets=0 "
                 "classifications=0 matches=0 tags=0 mentions=0 events=0 "
                 "event_reports=0 frontier=0 runs=0");
    store_close(s);
    CHECK_INT(raw_int(p, "PRAGMA application_id"), 0x4B434E41);
    CHECK_INT(raw_int(p, "PRAGMA user_version"), version);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM sqlite_schema WHERE "
                         "type='table' AND name IN ('frontier', "
                         "'extract_queue', 'classify_queue', "
                         "'consolidate_queue', 'mention_index', 'meta', "
                         "'ruleset_files', 'documents_fts')"), 8);
    /* journal_mode is persistent in the file for WAL. */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    sqlite3_open(p, &db);
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* Reopening is a no-op. */
    s = open_ok(p);
    CHECK_INT(store_schema_version(s), version);
    char *c2 = counts(s);
    CHECK_STR(c2, c);
    store_close(s);
    free(c);
    free(c2);

    /* A file from a newer kcnatrack is refused, naming path and versions. */
    char newer[64];
    snprintf(newer, sizeof newer, "PRAGMA user_version=%d", version + 5);
    raw_exec(p, newer);
    store *s2 = NULL;
    char *err = NULL;
    CHECK_INT(store_open(p, &s2, &err), -1);
    CHECK(s2 == NULL);
    char want[512];
    snprintf(want, sizeof want, "%s: schema version %d is newer than this "
             "kcnatrack knows (%d); use a newer binary", p, version + 5,
             version);
    CHECK_STR(err, want);
    free(err);

    /* Another application's SQLite file is refused. */
    const char *q = fresh_path();
    raw_exec(q, "PRAGMA application_id=42; CREATE TABLE x(y)");
    err = NULL;
    CHECK_INT(store_open(q, &s2, &err), -1);
    snprintf(want, sizeof want, "%s: not a kcnatrack database "
             "(application_id 42)", q);
    CHECK_STR(err, want);
    free(err);
}

/* A user_version no kcnatrack writes is refused before any migration
 * runs: a negative one used to index the migrations before their start. */
static void test_version_range(void)
{
    const int versions[] = {-5, -1, INT_MIN, 1000};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        const char *p = fresh_path();
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d", versions[i]);
        raw_exec(p, sql);
        store *s = NULL;
        char *err = NULL;
        CHECK_INT(store_open_mode(p, 0, &s, &err), STORE_OPEN_BAD);
        CHECK(s == NULL);
        CHECK(err && strstr(err, p) == err);
        CHECK(err && strstr(err, "schema version"));
        free(err);
        /* nothing was migrated into it */
        CHECK_INT(raw_int(p, "SELECT count(*) FROM sqlite_master"), 0);
        CHECK_INT(raw_int(p, "PRAGMA user_version"), versions[i]);
        err = NULL;
        CHECK_INT(store_open(p, &s, &err), -1);
        free(err);
    }
}

/* STORE_OPEN_READONLY never creates, never migrates, never writes. */
static void test_open_readonly(void)
{
    const char *p = fresh_path();
    store *s = NULL;
    char *err = NULL;
    CHECK_INT(store_open_mode(p, STORE_OPEN_READONLY, &s, &err),
              STORE_OPEN_MISSING);
    CHECK(s == NULL);
    CHECK(err && strstr(err, p) == err);
    free(err);
    CHECK(access(p, F_OK) != 0);

    /* an empty file is no database to read */
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    err = NULL;
    CHECK_INT(store_open_mode(p, STORE_OPEN_READONLY, &s, &err),
              STORE_OPEN_MISSING);
    free(err);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM sqlite_master"), 0);

    /* a real one opens, and refuses writes */
    store_close(open_ok(p));
    err = NULL;
    CHECK_INT(store_open_mode(p, STORE_OPEN_READONLY, &s, &err), 0);
    CHECK_STR(err, NULL);
    int64_t run = 0;
    CHECK_INT(store_run_begin(s, "test", "", &run, &err), -1);
    free(err);
    store_close(s);
}

static void test_fetch_save(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    store_fetch a = ok_fetch("http://h/a", "<p>A</p>", 1000);
    CHECK_INT(save(s, &a), 1);
    a.fetched_at = 2000;
    CHECK_INT(save(s, &a), 0); /* unchanged: not stored twice */
    CHECK_INT(raw_int(p, "SELECT count(*) FROM pages"), 1);
    CHECK_INT(raw_int(p, "SELECT checked_at FROM pages"), 2000);
    CHECK_INT(raw_int(p, "SELECT fetched_at FROM pages"), 1000);

    store_url_state us;
    char *err = NULL;
    CHECK_INT(store_url_state_get(s, "http://h/a", &us, &err), 0);
    CHECK_INT(us.held, 1);
    CHECK_INT(us.failures, 0);
    CHECK_INT(us.link_kind, 2);
    CHECK_STR(us.etag, "\"v1\"");
    CHECK_STR(us.last_modified, "Mon, 01 Jan 2024 00:00:00 GMT");
    store_url_state_clear(&us);
    CHECK_INT(store_url_state_get(s, "http://h/none", &us, &err), 0);
    CHECK_INT(us.held, 0);
    CHECK_STR(us.etag, NULL);

    /* 304 without validators: success, nothing new, validators kept. */
    store_fetch nm = {0};
    nm.requested_url = "http://h/a";
    nm.link_kind = 2;
    nm.http_status = 304;
    nm.outcome = "not_modified";
    nm.fetched_at = 2500;
    CHECK_INT(save(s, &nm), 0);
    CHECK_INT(store_url_state_get(s, "http://h/a", &us, &err), 0);
    CHECK_STR(us.etag, "\"v1\"");
    store_url_state_clear(&us);

    /* A changed body is a new version with its own validators. */
    store_fetch b = ok_fetch("http://h/a", "<p>B</p>", 3000);
    b.etag = "\"v2\"";
    b.last_modified = NULL;
    CHECK_INT(save(s, &b), 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM pages"), 2);
    CHECK_INT(store_url_state_get(s, "http://h/a", &us, &err), 0);
    CHECK_STR(us.etag, "\"v2\"");
    CHECK_STR(us.last_modified, NULL);
    store_url_state_clear(&us);
    /* Back to A: the old version becomes the latest, not a duplicate. */
    a.fetched_at = 4000;
    CHECK_INT(save(s, &a), 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM pages"), 2);
    CHECK_INT(raw_int(p, "SELECT id FROM pages WHERE body=CAST('<p>A</p>' "
                         "AS BLOB)"), 3);

    /* Failures count up, never touch pages, and reset on success. */
    store_fetch f = failed_fetch("http://h/list", 5000);
    CHECK_INT(save(s, &f), 0);
    f.fetched_at = 6000;
    CHECK_INT(save(s, &f), 0);
    CHECK_INT(store_url_state_get(s, "http://h/list", &us, &err), 0);
    CHECK_INT(us.failures, 2);
    CHECK_INT(us.held, 0);
    CHECK_INT(us.given_up, 0);
    store_url_state_clear(&us);
    CHECK_INT(raw_int(p, "SELECT failing_since FROM urls "
                         "WHERE url='http://h/list'"), 5000);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM pages"), 2);
    store_fetch f2 = failed_fetch("http://h/other", 6000);
    CHECK_INT(save(s, &f2), 0);
    /* A 404 is a failure like any other: retried until given up. */
    store_fetch f3 = failed_fetch("http://h/gone", 6000);
    f3.retryable = 0;
    f3.http_status = 404;
    f3.error = "HTTP 404 Not Found";
    f3.give_up = 1;
    CHECK_INT(save(s, &f3), 0);
    CHECK_INT(store_url_state_get(s, "http://h/gone", &us, &err), 0);
    CHECK_INT(us.given_up, 1);
    store_url_state_clear(&us);
    /* An entry is never given up, however often it fails. */
    store_fetch fe = failed_fetch("http://h/entry", 6000);
    fe.entry = 1;
    fe.give_up = 1;
    CHECK_INT(save(s, &fe), 0);
    CHECK_INT(save(s, &fe), 0);
    CHECK_INT(store_url_state_get(s, "http://h/entry", &us, &err), 0);
    CHECK_INT(us.given_up, 0);
    CHECK_INT(us.failures, 2);
    CHECK_INT(us.entry, 1);
    store_url_state_clear(&us);

    store_url_todo *todo = NULL;
    size_t n = 0;
    CHECK_INT(store_urls_to_retry(s, &todo, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(todo[0].url, "http://h/entry");
        CHECK_INT(todo[0].entry, 1);
        CHECK_STR(todo[1].url, "http://h/list");
        CHECK_INT(todo[1].kind, 1);
        CHECK_INT(todo[1].entry, 0);
        CHECK_STR(todo[2].url, "http://h/other");
    }
    store_url_todos_free(todo, n);

    /* Only consecutive failures count: a success in between restarts. */
    store_fetch g = failed_fetch("http://h/flaky", 100);
    g.give_up = 2;
    CHECK_INT(save(s, &g), 0);
    store_fetch gok = ok_fetch("http://h/flaky", "<p>F</p>", 200);
    CHECK_INT(save(s, &gok), 1);
    g.fetched_at = 300;
    CHECK_INT(save(s, &g), 0);
    CHECK_INT(store_url_state_get(s, "http://h/flaky", &us, &err), 0);
    CHECK_INT(us.failures, 1);
    CHECK_INT(us.given_up, 0);
    store_url_state_clear(&us);
    g.fetched_at = 400;
    CHECK_INT(save(s, &g), 0);
    CHECK_INT(store_url_state_get(s, "http://h/flaky", &us, &err), 0);
    CHECK_INT(us.given_up, 1);
    store_url_state_clear(&us);

    store_health h;
    CHECK_INT(store_health_load(s, 5, &h, &err), 0);
    const char *order[] = {"http://h/entry", "http://h/list",
                           "http://h/other", "http://h/flaky",
                           "http://h/gone"};
    CHECK_INT(h.n_problems, 5);
    for (size_t i = 0; i < h.n_problems && i < 5; i++)
        CHECK_STR(h.problems[i].url, order[i]);
    if (h.n_problems == 5) {
        CHECK_INT(h.problems[0].entry, 1);
        CHECK_INT(h.problems[1].failures, 2);
        CHECK_INT(h.problems[1].failing_since, 5000);
        CHECK_STR(h.problems[1].last_error, "HTTP 503 Service Unavailable");
        CHECK_INT(h.problems[4].given_up, 1);
        CHECK_STR(h.problems[4].last_error, "HTTP 404 Not Found");
    }
    store_health_clear(&h);

    store_status st;
    CHECK_INT(store_status_get(s, "P", "R", &st, &err), 0);
    CHECK_INT(st.pages, 2);
    CHECK_INT(st.page_versions, 3);
    CHECK_INT(st.failing, 3);
    CHECK_INT(st.entries_failing, 1);
    CHECK_INT(st.given_up, 2);
    CHECK_INT(st.healthy, 1);
    CHECK_INT(st.pending_extract, 2);

    /* --retry-given-up clears the marks: they are retried again. */
    long cleared = 0;
    CHECK_INT(store_urls_retry_given_up(s, &cleared, &err), 0);
    CHECK_INT(cleared, 2);
    CHECK_INT(store_urls_to_retry(s, &todo, &n, &err), 0);
    CHECK_INT(n, 5);
    store_url_todos_free(todo, n);

    /* The frontier keeps queued links until they are fetched or given
     * up; a link held by then (imported) is dropped when it is loaded. */
    const char *fu[] = {"http://h/q1", "http://h/q2", "http://h/a"};
    int fk[] = {2, 1, 2}, fd[] = {3, 1, 2};
    CHECK_INT(store_frontier_add(s, fu, fk, fd, 3, 10, &err), 0);
    CHECK_INT(store_frontier_add(s, fu, fk, fd, 1, 20, &err), 0);
    CHECK_INT(store_frontier_load(s, &todo, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(todo[0].url, "http://h/q1");
        CHECK_INT(todo[0].depth, 3);
        CHECK_STR(todo[1].url, "http://h/q2");
        CHECK_INT(todo[1].kind, 1);
    }
    store_url_todos_free(todo, n);
    store_fetch q1 = failed_fetch("http://h/q1", 30);
    q1.give_up = 2;
    CHECK_INT(save(s, &q1), 0);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM frontier"), 2);
    q1.fetched_at = 40;
    CHECK_INT(save(s, &q1), 0); /* given up: leaves the frontier */
    CHECK_INT(raw_int(p, "SELECT count(*) FROM frontier"), 1);
    store_fetch q2 = ok_fetch("http://h/q2", "<ul></ul>", 50);
    CHECK_INT(save(s, &q2), 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM frontier"), 0);

    store_fetch back = ok_fetch("http://h/list", "<ul></ul>", 7000);
    CHECK_INT(save(s, &back), 1);
    CHECK_INT(store_url_state_get(s, "http://h/list", &us, &err), 0);
    CHECK_INT(us.failures, 0);
    store_url_state_clear(&us);
    CHECK_INT(raw_int(p, "SELECT failing_since IS NULL FROM urls "
                         "WHERE url='http://h/list'"), 1);

    /* robots cache */
    char *body = NULL;
    long status = 0;
    CHECK_INT(store_robots_get(s, "h", 3600, &body, &status, &err), 0);
    CHECK_INT(store_robots_put(s, "h", "User-agent: *\n", 200, &err), 0);
    CHECK_INT(store_robots_get(s, "h", 3600, &body, &status, &err), 1);
    CHECK_STR(body, "User-agent: *\n");
    CHECK_INT(status, 200);
    free(body);
    CHECK_INT(store_robots_get(s, "h", -10, &body, &status, &err), 0);
    CHECK_STR(err, NULL);
    store_close(s);
}

static store_document doc_for(int64_t page_id, const char *url,
                              const char *phash, const char *title)
{
    store_document d = {0};
    d.page_id = page_id;
    d.url = url;
    d.profile = "kcna.kp";
    d.profiles_hash = phash;
    d.kind = "article";
    d.title = title;
    d.pub_date = "2024-06-19";
    d.date_source = "dateline";
    d.dateline_place = "Pyongyang";
    d.language = "en";
    d.body = "Pyongyang, June 19 (KCNA) -- Talks were held.\nMore.";
    d.lead_len = 46;
    d.n_paragraphs = 2;
    return d;
}

static const store_match matches3[] = {
    {"kind-summit", "kinds.rules", 12, "kind", "summit", 0, 0, 6, "Summit",
     10, 1, 0},
    {"country-ru", "countries.rules", 40, "country", "Russia", 1, 30, 36,
     "Russia", 5, 1, 0},
    {"sector-dip", "sectors.rules", 7, "sector", "Diplomacy", 1, 37, 42,
     "talks", 1, 0, 1},
};
static const store_tag tags2[] = {{"kind", "summit", 0},
                                  {"country", "Russia", 1}};

static void save_cls(store *s, int64_t doc, const char *rh, size_t nm,
                     const char *date)
{
    store_mention_in mi = {0};
    mi.kind = "summit";
    mi.direction = "inbound";
    mi.status = "held";
    mi.country = "Russia";
    mi.delegation = "Putin party";
    mi.sector = "Diplomacy";
    mi.event_date = date;
    char *err = NULL;
    CHECK_INT(store_classification_save(s, doc, rh, matches3, nm, tags2, 2,
                                        &mi, &err), 0);
    CHECK_STR(err, NULL);
    free(err);
}

static void test_pending_and_classification(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    char *err = NULL;
    store_fetch a = ok_fetch("http://h/a", "A", 1);
    store_fetch b = ok_fetch("http://h/b", "B", 1);
    save(s, &a);
    save(s, &b);
    int64_t *ids = NULL;
    size_t n = 0;
    CHECK_INT(store_pages_pending(s, 0, "P1", &ids, &n, &err), 0);
    CHECK_INT(n, 2);
    free(ids);

    store_page pg;
    CHECK_INT(store_page_load(s, 1, &pg, &err), 0);
    CHECK_STR(pg.url, "http://h/a");
    CHECK_INT(pg.body_len, 1);
    CHECK(pg.body && pg.body[0] == 'A');
    CHECK_STR(pg.content_type, "text/html");
    store_page_clear(&pg);
    CHECK_INT(store_page_load(s, 99, &pg, &err), -1);
    CHECK(err && strstr(err, "no page 99"));
    free(err);
    err = NULL;

    store_document d1 = doc_for(1, "http://h/a", "P1", "Summit Held");
    CHECK_INT(store_document_save(s, &d1, &err), 0);
    CHECK_INT(d1.id, 1);
    CHECK_INT(store_pages_pending(s, 0, "P1", &ids, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(ids[0], 2);
    free(ids);
    CHECK_INT(store_pages_pending(s, 0, "P2", &ids, &n, &err), 0);
    CHECK_INT(n, 2);
    free(ids);
    CHECK_INT(store_pages_pending(s, 1, "P1", &ids, &n, &err), 0);
    CHECK_INT(n, 2);
    free(ids);

    store_document d2 = doc_for(2, "http://h/b", "P1", "Treaty Signed");
    CHECK_INT(store_document_save(s, &d2, &err), 0);
    CHECK_INT(store_documents_pending(s, 0, "R1", &ids, &n, &err), 0);
    CHECK_INT(n, 2);
    free(ids);

    CHECK_INT(store_ruleset_register(s, "R1", 120, "rules", &err), 0);
    CHECK_INT(store_ruleset_register(s, "R1", 120, "rules", &err), 0);
    save_cls(s, 1, "R1", 3, "2024-06-19");
    char *c1 = counts(s);
    save_cls(s, 1, "R1", 3, "2024-06-19"); /* idempotent */
    char *c2 = counts(s);
    CHECK_STR(c2, "urls=2 pages=2 robots=0 documents=2 rulesets=1 "
                  "classifications=1 matches=3 tags=2 mentions=1 events=0 "
                  "event_reports=0 frontier=0 runs=0");
    CHECK_STR(c1, c2);
    free(c1);
    free(c2);
    save_cls(s, 1, "R1", 2, "2024-06-19"); /* replaced, not added */
    CHECK_INT(raw_int(p, "SELECT count(*) FROM matches"), 2);
    save_cls(s, 1, "R1", 3, "2024-06-19");
    save_cls(s, 2, "R1", 3, "2024-06-20");

    CHECK_INT(store_documents_pending(s, 0, "R1", &ids, &n, &err), 0);
    CHECK_INT(n, 0);
    free(ids);
    /* New rules: everything is pending again. */
    CHECK_INT(store_documents_pending(s, 0, "R2", &ids, &n, &err), 0);
    CHECK_INT(n, 2);
    free(ids);

    store_document_row row;
    CHECK_INT(store_document_load(s, 2, &row, &err), 0);
    CHECK_STR(row.title, "Treaty Signed");
    CHECK_STR(row.kind, "article");
    CHECK_INT(row.lead_len, 46);
    store_document_row_clear(&row);

    store_mention *m = NULL;
    CHECK_INT(store_mentions_load(s, &m, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(m[0].url, "http://h/a");
        CHECK_STR(m[0].title, "Summit Held");
        CHECK_STR(m[0].kind, "summit");
        CHECK_STR(m[0].delegation, "Putin party");
        CHECK_STR(m[1].event_date, "2024-06-20");
        CHECK_STR(m[1].location, NULL);
    }
    store_mentions_free(m, n);

    /* The same document again keeps its classification; new text drops
     * it (cascade) but keeps the document id. */
    CHECK_INT(store_document_save(s, &d1, &err), 0);
    CHECK_INT(d1.id, 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM matches WHERE "
                         "document_id=1"), 3);
    d1.title = "Summit Held (corrected)";
    CHECK_INT(store_document_save(s, &d1, &err), 0);
    CHECK_INT(d1.id, 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM matches WHERE "
                         "document_id=1"), 0);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM mentions"), 1);
    CHECK_INT(store_documents_pending(s, 0, "R1", &ids, &n, &err), 0);
    CHECK_INT(n, 1);
    free(ids);
    CHECK_STR(err, NULL);
    store_close(s);
}

/* A database with two classified documents (ids 1, 2). */
static store *two_docs(const char *p)
{
    store *s = open_ok(p);
    char *err = NULL;
    store_fetch a = ok_fetch("http://h/a", "A", 1);
    store_fetch b = ok_fetch("http://h/b", "B", 1);
    save(s, &a);
    save(s, &b);
    store_document d1 = doc_for(1, "http://h/a", "P1", "Summit Held");
    store_document d2 = doc_for(2, "http://h/b", "P1", "Treaty Signed");
    CHECK_INT(store_document_save(s, &d1, &err), 0);
    CHECK_INT(store_document_save(s, &d2, &err), 0);
    save_cls(s, 1, "R1", 3, "2024-06-19");
    save_cls(s, 2, "R1", 3, "2024-06-20");
    free(err);
    return s;
}

static char *file_bytes(const char *path, size_t *len)
{
    char *b = kt_read_file(path, len);
    if (!b) {
        *len = 0;
        return strdup("");
    }
    return b;
}

static void test_events(void)
{
    const char *p = fresh_path();
    store *s = two_docs(p);
    char *err = NULL;
    size_t len = 0;
    char *text = kt_read_file(KT_TABLES_CONF, &len);
    store_tables *t = NULL;
    CHECK_INT(store_tables_parse(KT_TABLES_CONF, text, &t, &err), 0);
    free(text);
    store_mention *m = NULL;
    size_t n_m = 0;
    CHECK_INT(store_mentions_load(s, &m, &n_m, &err), 0);
    store_event *e = NULL;
    size_t n = 0;
    CHECK_INT(store_consolidate(t, m, n_m, &e, &n, &err), 0);
    CHECK_INT(n, 1);
    int changed = -1;
    CHECK_INT(store_events_replace(s, e, n, &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM event_reports"), 2);
    /* Regression: with document_id declared between the key's columns,
     * SQLite 3.40's integrity_check reported "NULL value in
     * event_reports.document_id" for every row. */
    CHECK_INT(raw_int(p, "SELECT count(*) FROM pragma_integrity_check "
                         "WHERE integrity_check <> 'ok'"), 0);

    /* The same events again: nothing written, the files are unchanged. */
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", p);
    size_t l1, l2, w1, w2;
    char *db1 = file_bytes(p, &l1), *wal1 = file_bytes(wal, &w1);
    CHECK_INT(store_events_replace(s, e, n, &changed, &err), 0);
    CHECK_INT(changed, 0);
    char *db2 = file_bytes(p, &l2), *wal2 = file_bytes(wal, &w2);
    CHECK(l1 == l2 && memcmp(db1, db2, l1) == 0);
    CHECK(w1 == w2 && memcmp(wal1, wal2, w1) == 0);
    free(db1);
    free(db2);
    free(wal1);
    free(wal2);

    store_event *got = NULL;
    size_t n_got = 0;
    CHECK_INT(store_events_load(s, &got, &n_got, &err), 0);
    CHECK_INT(n_got, 1);
    if (n_got == 1 && n == 1) {
        CHECK_STR(got[0].event_id, e[0].event_id);
        CHECK_STR(got[0].event_type, "summit");
        CHECK_STR(got[0].location, "Pyongyang");
        CHECK_INT(got[0].table, 1);
        CHECK_INT(got[0].n_reports, 2);
        CHECK_STR(got[0].urls[1], "http://h/b");
        CHECK_STR(got[0].titles[0], "Summit Held");
    }
    store_events_free(got, n_got);

    /* What audit reads: a document's matches in text order, the event a
     * document joined, one event by id, a document named by URL or #id. */
    store_match_row *mr = NULL;
    size_t nmr = 0;
    CHECK_INT(store_matches_load(s, 1, &mr, &nmr, &err), 0);
    CHECK_INT(nmr, 3);
    if (nmr == 3) {
        CHECK_STR(mr[0].rule_id, "kind-summit"); /* the title comes first */
        CHECK_INT(mr[0].field, 0);
        CHECK_STR(mr[1].rule_id, "country-ru");
        CHECK_INT(mr[1].start, 30);
        CHECK_INT(mr[1].decisive, 1);
        CHECK_STR(mr[2].url, "http://h/a");
    }
    store_match_rows_free(mr, nmr);
    char *eid = NULL;
    CHECK_INT(store_document_event(s, 2, &eid, &err), 1);
    CHECK_STR(eid, e[0].event_id);
    store_event one;
    CHECK_INT(store_event_get(s, eid, &one, &err), 1);
    CHECK_INT(one.n_reports, 2);
    CHECK_STR(one.titles[1], "Treaty Signed");
    store_event_clear(&one);
    free(eid);
    CHECK_INT(store_event_get(s, "ev-nope", &one, &err), 0);
    int64_t did = 0;
    CHECK_INT(store_document_find(s, "http://h/b", &did, &err), 1);
    CHECK_INT(did, 2);
    CHECK_INT(store_document_find(s, "#1", &did, &err), 1);
    CHECK_INT(did, 1);
    CHECK_INT(store_document_find(s, "#x", &did, &err), 0);
    CHECK_INT(store_document_find(s, "http://h/none", &did, &err), 0);
    long total = 0, reports = 0, decided = 0;
    CHECK_INT(store_rule_matches(s, "country-ru", 1, &mr, &nmr, &total,
                                 &reports, &decided, &err), 0);
    CHECK_INT(nmr, 1);
    CHECK_INT(total, 2);
    CHECK_INT(reports, 2);
    CHECK_INT(decided, 2);
    store_match_rows_free(mr, nmr);

    /* A changed field is a change. */
    free(e[0].sector);
    e[0].sector = strdup("Military");
    CHECK_INT(store_events_replace(s, e, n, &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM events WHERE "
                         "sector='Military'"), 1);
    /* Events naming a missing document fail as a whole. */
    e[0].document_ids[1] = 77;
    free(e[0].sector);
    e[0].sector = strdup("Economy");
    CHECK_INT(store_events_replace(s, e, n, &changed, &err), -1);
    CHECK(err != NULL);
    free(err);
    err = NULL;
    CHECK_INT(changed, 0);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM events WHERE "
                         "sector='Military'"), 1);
    CHECK_INT(store_events_clear(s, &err), 0);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM event_reports"), 0);

    store_events_free(e, n);
    store_mentions_free(m, n_m);
    store_tables_free(t);
    store_close(s);
}

static store_event mk_event(const char *id, int table, const char *month,
                            const char *country, const char *location,
                            int64_t doc)
{
    store_event e = {0};
    e.event_id = strdup(id);
    e.table = table;
    e.leftout = table ? NULL : strdup("why");
    e.month = strdup(month);
    e.country = kt_strdup0(country);
    e.location = kt_strdup0(location);
    e.first_date = malloc(11);
    snprintf(e.first_date, 11, "%s-01", month);
    e.last_date = strdup(e.first_date);
    e.document_ids = malloc(sizeof *e.document_ids);
    e.document_ids[0] = doc;
    e.urls = calloc(1, sizeof *e.urls);
    e.titles = calloc(1, sizeof *e.titles);
    e.n_reports = 1;
    return e;
}

static void test_events_order(void)
{
    const char *p = fresh_path();
    store *s = two_docs(p);
    char *err = NULL;
    store_event *e = calloc(7, sizeof *e);
    e[0] = mk_event("ev-0", 0, "2024-07", "Laos", NULL, 1);
    e[1] = mk_event("ev-1", 3, "2024-04", "DPRK", "Pyongyang", 1);
    e[2] = mk_event("ev-2", 1, "2023-10", "Russia", "Pyongyang", 2);
    e[3] = mk_event("ev-3", 1, "2024-06", "Russia", "Russia", 1);
    e[4] = mk_event("ev-4", 1, "2024-06", "Russia", "Pyongyang", 2);
    e[5] = mk_event("ev-5", 2, "2024-01", "China", "China", 1);
    e[6] = mk_event("ev-6", 2, "2024-01", "Belarus", "Belarus", 2);
    int changed = 0;
    CHECK_INT(store_events_replace(s, e, 7, &changed, &err), 0);
    CHECK_INT(changed, 1);
    store_event *got = NULL;
    size_t n = 0;
    CHECK_INT(store_events_load(s, &got, &n, &err), 0);
    const char *want[] = {"ev-4", "ev-3", "ev-2", "ev-6",
                          "ev-5", "ev-1", "ev-0"};
    CHECK_INT(n, 7);
    for (size_t i = 0; i < n && i < 7; i++)
        CHECK_STR(got[i].event_id, want[i]);
    if (n == 7) {
        CHECK_STR(got[6].leftout, "why");
        CHECK_STR(got[0].urls[0], "http://h/b");
    }
    /* The in-memory sort agrees with the database's. */
    store_events_sort(e, 7);
    for (size_t i = 0; i < 7; i++)
        CHECK_STR(e[i].event_id, want[i]);
    store_events_free(got, n);
    store_events_free(e, 7);
    CHECK_STR(err, NULL);
    store_close(s);
}

static void test_runs_and_rollback(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    char *err = NULL;
    int64_t run = 0;
    CHECK_INT(store_run_begin(s, "fetch", "--max 5", &run, &err), 0);
    CHECK_INT(run, 1);
    CHECK_INT(store_run_end(s, run, "partial", 3, "{\"fetched\":2}", &err),
              0);
    CHECK_INT(store_run_end(s, 99, "ok", 0, NULL, &err), -1);
    free(err);
    err = NULL;
    store_health h;
    CHECK_INT(store_health_load(s, 5, &h, &err), 0);
    CHECK_INT(h.n_runs, 1);
    if (h.n_runs == 1) {
        CHECK_STR(h.runs[0].command, "fetch");
        CHECK_STR(h.runs[0].args, "--max 5");
        CHECK_STR(h.runs[0].outcome, "partial");
        CHECK_INT(h.runs[0].exit_status, 3);
        CHECK_STR(h.runs[0].counts, "{\"fetched\":2}");
    }
    CHECK_INT(h.n_problems, 0);
    store_health_clear(&h);

    /* A batch: saves inside an explicit transaction, rolled back. */
    CHECK_INT(store_begin(s, &err), 0);
    store_fetch a = ok_fetch("http://h/a", "A", 1);
    store_fetch b = failed_fetch("http://h/b", 1);
    CHECK_INT(save(s, &a), 1);
    CHECK_INT(save(s, &b), 0);
    store_rollback(s);
    char *c = counts(s);
    CHECK_STR(c, "urls=0 pages=0 robots=0 documents=0 rulesets=0 "
                 "classifications=0 matches=0 tags=0 mentions=0 events=0 "
                 "event_reports=0 frontier=0 runs=1");
    free(c);
    /* The same batch committed. */
    CHECK_INT(store_begin(s, &err), 0);
    CHECK_INT(save(s, &a), 1);
    CHECK_INT(save(s, &b), 0);
    CHECK_INT(store_commit(s, &err), 0);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM urls"), 2);
    CHECK_STR(err, NULL);
    store_close(s);
}

static void test_crash(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    store_fetch a = ok_fetch("http://h/kept", "K", 1);
    save(s, &a);
    store_close(s);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        store *c = NULL;
        if (store_open(p, &c, NULL) < 0 || store_begin(c, NULL) < 0)
            _exit(2);
        /* Enough data (~13 MB) that SQLite spills uncommitted pages to
         * the WAL before the crash. */
        static char body[65536];
        memset(body, 'x', sizeof body - 1);
        char url[64];
        for (int i = 0; i < 200; i++) {
            snprintf(url, sizeof url, "http://h/lost%d", i);
            memcpy(body, url, strlen(url));
            store_fetch f = ok_fetch(url, body, 2);
            int np;
            if (store_fetch_save(c, &f, &np, NULL) < 0)
                _exit(3);
        }
        _exit(0); /* no commit, no close */
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char wal[300];
    struct stat wst;
    snprintf(wal, sizeof wal, "%s-wal", p);
    /* The crashed batch did reach the disk (uncommitted WAL frames). */
    CHECK(stat(wal, &wst) == 0 && wst.st_size > 1000000);
    s = open_ok(p);
    store_close(s);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    sqlite3_open(p, &db);
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM urls"), 1);
    CHECK_INT(raw_int(p, "SELECT count(*) FROM pages"), 1);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_migrations();
    test_version_range();
    test_open_readonly();
    test_fetch_save();
    test_pending_and_classification();
    test_events();
    test_events_order();
    test_runs_and_rollback();
    test_crash();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return kt_test_summary();
}
