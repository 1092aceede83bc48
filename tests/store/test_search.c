/*
 * Finding reports: the full-text index (migration 3) kept in step with new,
 * replaced and deleted documents and built for documents stored before it;
 * ranking, filters, marks, events and bad queries of store_search; finding
 * a report by URL or id. Each test uses a fresh temporary database file.
 */
#include "kt_test.h"
#include "store.h"

#include "kt_util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/kt_search_test_XXXXXX";
static int n_db;

static const char *fresh_path(void)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/s%d.db", dir, ++n_db);
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

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK);
    if (msg)
        fprintf(stderr, "%s\n", msg);
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* FTS5's own check of the index against the documents (rank 1: compare
 * with the external content too); SQLITE_OK when they agree. */
static int fts_check(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    int rc = sqlite3_exec(db, "INSERT INTO documents_fts(documents_fts, "
                              "rank) VALUES ('integrity-check', 1)",
                          NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* Stores a page for url (requested as req when not NULL) and its document;
 * returns the document id. */
static int64_t add_report(store *s, const char *req, const char *url,
                          const char *kind, const char *title,
                          const char *date, const char *body)
{
    store_fetch f = {0};
    f.requested_url = req ? req : url;
    f.final_url = url;
    f.link_kind = 2;
    f.http_status = 200;
    f.outcome = "ok";
    f.content_type = "text/html";
    f.body = (const unsigned char *)body;
    f.body_len = strlen(body);
    f.fetched_at = 1;
    f.attempts = 1;
    int new_page = 0;
    char *err = NULL;
    CHECK_INT(store_fetch_save(s, &f, &new_page, &err), 0);
    int64_t page = 0;
    CHECK_INT(store_page_find_latest(s, f.requested_url, &page, &err), 1);
    store_document d = {0};
    d.page_id = page;
    d.url = url;
    d.kind = kind;
    d.title = title;
    d.pub_date = date;
    d.body = body;
    CHECK_INT(store_document_save(s, &d, &err), 0);
    CHECK_STR(err, NULL);
    free(err);
    return d.id;
}

/* Runs a search with [[ ]] marks; returns store_search's status. */
static int search(store *s, const char *text, const char *from,
                  const char *to, size_t limit, store_search_result *r,
                  char **err)
{
    store_search_query q = {text, from, to, limit, "[[", "]]"};
    return store_search(s, &q, r, err);
}

/* The hits' document ids as "1 3 2". */
static char *ids(const store_search_result *r)
{
    kt_buf b = {0};
    for (size_t i = 0; i < r->n; i++)
        kt_buf_printf(&b, "%s%lld", i ? " " : "",
                      (long long)r->hits[i].document_id);
    return b.data ? kt_buf_take(&b) : kt_strdup0("");
}

static void check_ids(store *s, const char *text, const char *from,
                      const char *to, const char *want, long total)
{
    store_search_result r;
    char *err = NULL;
    CHECK_INT(search(s, text, from, to, 10, &r, &err), 0);
    CHECK_STR(err, NULL);
    free(err);
    char *got = ids(&r);
    CHECK_STR(got, want);
    CHECK_INT(r.total, total);
    free(got);
    store_search_clear(&r);
}

static void test_search(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    int64_t a = add_report(s, NULL, "http://h/a", "article",
        "Delegation of Primorsky Territory Arrives", "2012-04-03",
        "Pyongyang, April 3 (KCNA) -- A delegation of the Primorsky "
        "Territory of Russia arrived here.\nIt was met at the airport.");
    int64_t b = add_report(s, NULL, "http://h/b", "article",
        "Talks Held", "2012-05-10",
        "Talks were held with the governor of Primorsky Territory, who "
        "visited the Mangyongdae Schoolchildren's Palace.");
    int64_t c = add_report(s, NULL, "http://h/c", "article",
        "Forestry Protocol Signed", "2012-04-20",
        "A protocol on forestry was signed. The Primorsky side and the "
        "Primorsky delegation said Primorsky timber matters.");
    /* Not reports: an index page, and a Spanish story. */
    add_report(s, NULL, "http://h/list", "index", "Primorsky news",
               "2012-04-01", "Primorsky Primorsky Primorsky");
    add_report(s, NULL, "http://h/es", "foreign", "Primorsky",
               "2012-04-01", "Delegacion de Primorsky");
    CHECK_INT(fts_check(p), SQLITE_OK);

    /* bm25: c names it three times, a in its headline (which weighs
     * double) and once in its body, b once. */
    check_ids(s, "primorsky", NULL, NULL, "3 1 2", 3);
    /* Porter stemming: "visit" finds "visited"; prefix queries; phrases. */
    check_ids(s, "visit", NULL, NULL, "2", 1);
    check_ids(s, "deleg*", NULL, NULL, "1 3", 2);
    check_ids(s, "\"Primorsky Territory of Russia\"", NULL, NULL, "1", 1);
    check_ids(s, "primorsky NOT forestry", NULL, NULL, "1 2", 2);
    /* Dates are inclusive. */
    check_ids(s, "primorsky", "2012-04-03", "2012-04-30", "3 1", 2);
    check_ids(s, "primorsky", "2012-05-01", NULL, "2", 1);
    check_ids(s, "primorsky", NULL, "2012-04-02", "", 0);

    /* The limit cuts the hits, not the total; marks and snippets. */
    store_search_result r;
    char *err = NULL;
    CHECK_INT(search(s, "primorsky territory", NULL, NULL, 1, &r, &err), 0);
    CHECK_INT(r.n, 1);
    CHECK_INT(r.total, 2);
    if (r.n == 1) {
        store_search_hit *h = &r.hits[0];
        CHECK_INT(h->document_id, a);
        CHECK_STR(h->url, "http://h/a");
        CHECK_STR(h->title, "Delegation of Primorsky Territory Arrives");
        CHECK_STR(h->marked_title,
                  "Delegation of [[Primorsky]] [[Territory]] Arrives");
        CHECK_STR(h->pub_date, "2012-04-03");
        CHECK_STR(h->snippet, "Pyongyang, April 3 (KCNA) -- A delegation "
                  "of the [[Primorsky]] [[Territory]] of Russia arrived "
                  "here.\nIt was met at the airport.");
        CHECK(h->score < 0);
        CHECK_STR(h->event_id, NULL);
    }
    store_search_clear(&r);

    /* Events: each hit names its own. */
    store_event ev[2] = {{0}, {0}};
    int64_t docs_a[] = {a}, docs_c[] = {c};
    ev[0].event_id = "ev-a";
    ev[0].table = 1;
    ev[0].month = "2012-04";
    ev[0].first_date = ev[0].last_date = "2012-04-03";
    ev[0].document_ids = docs_a;
    ev[0].n_reports = 1;
    ev[1].event_id = "ev-c";
    ev[1].leftout = "no delegation or named event";
    ev[1].month = "2012-04";
    ev[1].first_date = ev[1].last_date = "2012-04-20";
    ev[1].document_ids = docs_c;
    ev[1].n_reports = 1;
    int changed = 0;
    CHECK_INT(store_events_replace(s, ev, 2, &changed, &err), 0);
    CHECK_INT(search(s, "primorsky", NULL, NULL, 10, &r, &err), 0);
    CHECK_INT(r.n, 3);
    if (r.n == 3) {
        CHECK_STR(r.hits[1].event_id, "ev-a");
        CHECK_INT(r.hits[1].table, 1);
        CHECK_STR(r.hits[1].leftout, NULL);
        CHECK_STR(r.hits[0].event_id, "ev-c");
        CHECK_INT(r.hits[0].table, 0);
        CHECK_STR(r.hits[0].leftout, "no delegation or named event");
        CHECK_STR(r.hits[2].event_id, NULL);
        CHECK_INT(r.hits[2].document_id, b);
    }
    store_search_clear(&r);

    /* A replaced document (re-extraction keeps its id): the old words are
     * forgotten, the new ones found. */
    int64_t page = 0;
    CHECK_INT(store_page_find_latest(s, "http://h/b", &page, &err), 1);
    store_document d = {0};
    d.page_id = page;
    d.url = "http://h/b";
    d.kind = "article";
    d.title = "Talks Held";
    d.pub_date = "2012-05-10";
    d.body = "Talks were held with the governor of Amur Region.";
    CHECK_INT(store_document_save(s, &d, &err), 0);
    CHECK_INT(d.id, b);
    check_ids(s, "primorsky", NULL, NULL, "3 1", 2);
    check_ids(s, "amur", NULL, NULL, "2", 1);
    /* A new page version supersedes the old one's document. */
    int64_t b2 = add_report(s, NULL, "http://h/b", "article",
        "Talks Held", "2012-05-10", "Talks with the governor of Khabarovsk.");
    CHECK(b2 != b);
    check_ids(s, "amur", NULL, NULL, "", 0);
    check_ids(s, "khabarovsk", NULL, NULL, "6", 1);
    /* A title changed in place (the update trigger). */
    raw_exec(p, "UPDATE documents SET title='Amur Talks' WHERE id=6");
    check_ids(s, "amur", NULL, NULL, "6", 1);
    /* A deleted document leaves the index. */
    raw_exec(p, "DELETE FROM documents WHERE id=3");
    check_ids(s, "primorsky", NULL, NULL, "1", 1);
    CHECK_INT(fts_check(p), SQLITE_OK);

    /* A query FTS5 cannot read is -2, naming the query; "T1-05" reads as
     * a column filter. */
    const char *bad[] = {"AND", "(primorsky", "T1-05"};
    for (size_t i = 0; i < 3; i++) {
        err = NULL;
        CHECK_INT(search(s, bad[i], NULL, NULL, 10, &r, &err), -2);
        char want[64];
        snprintf(want, sizeof want, "'%s' is not a full-text query: ", bad[i]);
        CHECK(err && strncmp(err, want, strlen(want)) == 0);
        CHECK_INT(r.n, 0);
        free(err);
    }
    err = NULL;
    CHECK_INT(search(s, "", NULL, NULL, 10, &r, &err), -1);
    free(err);
    store_close(s);
}

/* Documents stored before the index existed are indexed by the migration
 * that creates it (the last one when it was written: the version before
 * it is the current one less one). */
static void test_migration(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    int version = store_schema_version(s);
    add_report(s, NULL, "http://h/old", "article", "Old Report",
               "2011-01-02", "A Lao delegation arrived.");
    store_close(s);
    /* Back to the version before: no index, no triggers. */
    char sql[512];
    snprintf(sql, sizeof sql, "DROP TRIGGER documents_fts_added;"
             "DROP TRIGGER documents_fts_removed;"
             "DROP TRIGGER documents_fts_changed;"
             "DROP TABLE documents_fts; DROP INDEX documents_url;"
             "PRAGMA user_version=%d;", version - 1);
    raw_exec(p, sql);
    s = open_ok(p);
    CHECK_INT(store_schema_version(s), version);
    check_ids(s, "lao", NULL, NULL, "1", 1);
    store_close(s);
    CHECK_INT(fts_check(p), SQLITE_OK);
}

static void test_report_find(void)
{
    const char *p = fresh_path();
    store *s = open_ok(p);
    /* Requested under one URL, served from another (a redirect). */
    int64_t a = add_report(s, "http://h/old/a", "http://h/a", "article",
                           "A Title", "2012-04-03", "Body.");
    store_report_ref r;
    char *err = NULL;
    CHECK_INT(store_report_find(s, "http://h/old/a", 0, &r, &err), 1);
    CHECK_INT(r.document_id, a);
    CHECK_STR(r.url, "http://h/a");
    CHECK_STR(r.kind, "article");
    CHECK_STR(r.title, "A Title");
    CHECK_STR(r.pub_date, "2012-04-03");
    CHECK_INT(r.classified, 0);
    store_report_ref_clear(&r);
    CHECK_INT(store_report_find(s, "http://h/a", 0, &r, &err), 1);
    CHECK_INT(r.document_id, a);
    store_report_ref_clear(&r);
    CHECK_INT(store_classification_save(s, a, "R1", NULL, 0, NULL, 0, NULL,
                                        &err), 0);
    CHECK_INT(store_report_find(s, NULL, a, &r, &err), 1);
    CHECK_STR(r.url, "http://h/a");
    CHECK_INT(r.classified, 1);
    store_report_ref_clear(&r);
    CHECK_INT(store_report_find(s, "http://h/none", 0, &r, &err), 0);
    CHECK_INT(r.document_id, 0);
    CHECK_INT(store_report_find(s, NULL, 99, &r, &err), 0);
    /* A newer version of the page: its document is the one found. */
    int64_t a2 = add_report(s, "http://h/old/a", "http://h/a", "article",
                            "A Title", "2012-04-03", "Body, corrected.");
    CHECK_INT(store_report_find(s, "http://h/a", 0, &r, &err), 1);
    CHECK_INT(r.document_id, a2);
    store_report_ref_clear(&r);
    CHECK_STR(err, NULL);
    store_close(s);
}

static void test_kind_tabled(void)
{
    const char *conf = "gap 15\nhome_country DPRK\nhome_location Pyongyang\n"
                       "home_direction inbound\nnot_held planned\n"
                       "not_held_reason not held\n"
                       "kind visit bilateral 80\n"
                       "kind forum multilateral 50\n"
                       "kind message leftout 10 a message\n";
    store_tables *t = NULL;
    char *err = NULL;
    CHECK_INT(store_tables_parse("t.conf", conf, &t, &err), 0);
    CHECK_STR(err, NULL);
    CHECK_INT(store_tables_kind_tabled(t, "visit"), 1);
    CHECK_INT(store_tables_kind_tabled(t, "forum"), 1);
    CHECK_INT(store_tables_kind_tabled(t, "message"), 0);
    CHECK_INT(store_tables_kind_tabled(t, "compatriot"), 0);
    CHECK_INT(store_tables_kind_tabled(t, NULL), 0);
    store_tables_free(t);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_search();
    test_migration();
    test_report_find();
    test_kind_tabled();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return kt_test_summary();
}
