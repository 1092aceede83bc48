/*
 * fetch_crawl over loopback: a small static tree (tests/fetch/site) served
 * by kt_testd instances with different robots.txt behaviour.
 * Usage: test_crawl KT_TESTD SITE_DIR ROBOTS_FILE
 */
#include "fetch.h"
#include "kt_test.h"
#include "kt_util.h"
#include "testd.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SAVED 64

typedef struct saved {
    char *url;
    int outcome;
    long status;
    int attempts;
    int kind;
    char *etag;
    char *last_modified;
} saved;

/* The test's stand-in for the store: what was saved, what is "held". */
typedef struct ctx {
    const char *base;
    saved v[MAX_SAVED];
    int n;
    const char *held[8];     /* paths of reports already held */
    const saved *known;      /* a previous crawl's saves: validators */
    int n_known;
    int fail_save_at;        /* save number (1-based) that fails, or 0 */
    int robots_gets;
    int robots_puts;
    long robots_put_status;
    const char *given_up[4]; /* paths marked given up */
    int queued_calls;        /* calls of the queued hook */
    int queued_links;        /* links it was told of */
    int queued_before_save;  /* 1 while every link page was reported to
                                queued before its save */
    char *down_host;         /* host_down's report */
    char *down_error;
    long down_failed, down_not_tried;
    int down_calls;
} ctx;

static char path_buf[512];

/* The URL of path on the context's server. */
static const char *at(const ctx *c, const char *path)
{
    snprintf(path_buf, sizeof path_buf, "%s%s", c->base, path);
    return path_buf;
}

static int lookup(void *ud, const char *url, fetch_known *out)
{
    ctx *c = ud;
    for (int i = 0; i < 8 && c->held[i]; i++)
        if (strcmp(url, at(c, c->held[i])) == 0)
            out->held = 1;
    for (int i = 0; i < 4 && c->given_up[i]; i++)
        if (strcmp(url, at(c, c->given_up[i])) == 0)
            out->given_up = 1;
    for (int i = 0; i < c->n_known; i++)
        if (strcmp(url, c->known[i].url) == 0) {
            out->etag = kt_strdup0(c->known[i].etag);
            out->last_modified = kt_strdup0(c->known[i].last_modified);
        }
    return 0;
}

static int save(void *ud, const fetch_result *r)
{
    ctx *c = ud;
    if (c->n >= MAX_SAVED)
        return 1;
    saved *s = &c->v[c->n++];
    s->url = kt_strdup0(r->requested_url);
    s->outcome = (int)r->outcome;
    s->status = r->http_status;
    s->attempts = r->attempts;
    s->kind = r->link_kind;
    s->etag = kt_strdup0(r->etag);
    s->last_modified = kt_strdup0(r->last_modified);
    return c->fail_save_at == c->n ? 1 : 0;
}

/* Kinds from file names: enough site knowledge for a test. */
static int kind_of(const char *url)
{
    if (strstr(url, "-sp."))
        return FETCH_LINK_SKIP;
    if (strstr(url, "list"))
        return FETCH_LINK_LIST;
    if (strstr(url, "report"))
        return FETCH_LINK_REPORT;
    return FETCH_LINK_OTHER;
}

/* Every href="..." of the page, resolved against its final URL. */
static int links(void *ud, const fetch_result *r, fetch_link **out, size_t *n)
{
    (void)ud;
    *out = calloc(32, sizeof **out);
    *n = 0;
    if (!*out)
        return 1;
    /* A 304 carries no body; the CLI reads its stored copy instead (see
     * tests/cli/e2e.sh), this test hook simply has no links for it. */
    const char *p = r->body ? (const char *)r->body : "";
    while (*n < 32 && (p = strstr(p, "href=\"")) != NULL) {
        p += 6;
        size_t len = strcspn(p, "\"");
        char *href = kt_strndup(p, len);
        CURLU *u = curl_url();
        char *abs = NULL;
        if (href && u && curl_url_set(u, CURLUPART_URL, r->final_url, 0) == 0 &&
            curl_url_set(u, CURLUPART_URL, href, 0) == 0 &&
            curl_url_get(u, CURLUPART_URL, &abs, 0) == 0) {
            (*out)[*n].url = kt_strdup0(abs);
            (*out)[*n].kind = kind_of(abs);
            (*n)++;
        }
        curl_free(abs);
        curl_url_cleanup(u);
        free(href);
        p += len;
    }
    return 0;
}

/* Records the queued links; they must not have been saved yet. */
static int queued(void *ud, const fetch_link *l, size_t n)
{
    ctx *c = ud;
    c->queued_calls++;
    c->queued_links += (int)n;
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < c->n; j++)
            if (strcmp(c->v[j].url, l[i].url) == 0)
                c->queued_before_save = 0;
    return 0;
}

static void host_down(void *ud, const char *host, const char *error,
                      long failed, long not_tried)
{
    ctx *c = ud;
    c->down_calls++;
    free(c->down_host);
    free(c->down_error);
    c->down_host = kt_strdup0(host);
    c->down_error = kt_strdup0(error);
    c->down_failed = failed;
    c->down_not_tried = not_tried;
}

static int robots_get(void *ud, const char *host, long max_age, char **body,
                      long *status)
{
    ctx *c = ud;
    (void)host;
    (void)max_age;
    (void)body;
    (void)status;
    c->robots_gets++;
    return 0;
}

static int robots_put(void *ud, const char *host, const char *body,
                      long status)
{
    ctx *c = ud;
    (void)host;
    (void)body;
    c->robots_puts++;
    c->robots_put_status = status;
    return 0;
}

/* A robots cache that always has a copy disallowing /a.html. */
static int robots_get_cached(void *ud, const char *host, long max_age,
                             char **body, long *status)
{
    ctx *c = ud;
    (void)host;
    c->robots_gets++;
    CHECK_INT(max_age, 86400);
    *body = kt_strdup0("User-agent: *\nDisallow: /a.html\n");
    *status = 200;
    return 1;
}

static void ctx_reset(ctx *c, const char *base)
{
    for (int i = 0; i < c->n; i++) {
        free(c->v[i].url);
        free(c->v[i].etag);
        free(c->v[i].last_modified);
    }
    free(c->down_host);
    free(c->down_error);
    memset(c, 0, sizeof *c);
    c->base = base;
    c->queued_before_save = 1;
}

/* How many saves were made for path; *s set to the last one. */
static int saves_of(const ctx *c, const char *path, const saved **s)
{
    int k = 0;
    const char *u = at(c, path);
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->v[i].url, u) == 0) {
            k++;
            if (s)
                *s = &c->v[i];
        }
    return k;
}

/* The outcome saved for path, or -1 when it was not saved exactly once. */
static int outcome_of(const ctx *c, const char *path)
{
    const saved *s = NULL;
    return saves_of(c, path, &s) == 1 ? s->outcome : -1;
}

static fetch_options opts(void)
{
    fetch_options o;
    fetch_options_default(&o);
    o.user_agent = "kcnatrack/0.1 (+test)";
    o.connect_timeout_ms = 2000;
    o.total_timeout_ms = 5000;
    o.low_speed_seconds = 2;
    o.retry_base_ms = 50;
    o.delay_ms = 0;
    o.max_attempts = 2;
    return o;
}

static fetch_hooks hooks_for(ctx *c)
{
    fetch_hooks h = {.ctx = c, .lookup = lookup, .save = save,
                     .links = links, .robots_get = robots_get,
                     .robots_put = robots_put, .queued = queued,
                     .host_down = host_down};
    return h;
}

/* Crawls from one start (path on c's server) and returns fetch_crawl's rc. */
static int crawl1(ctx *c, const fetch_options *o, const char *path, int kind,
                  fetch_stats *st, char **err)
{
    fetch_link start = {(char *)at(c, path), kind, 0, 1};
    char *copy = kt_strdup0(start.url);
    start.url = copy;
    fetch_hooks h = hooks_for(c);
    int rc = fetch_crawl(o, &start, 1, &h, st, err);
    free(copy);
    return rc;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000L +
           (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s KT_TESTD SITE_DIR ROBOTS_FILE\n", argv[0]);
        return 2;
    }
    CHECK_INT(fetch_global_init(), 0);
    const char *robots_args[] = {"--robots", argv[3], NULL};
    const char *r503_args[] = {"--robots-status", "503", NULL};
    const char *r404_args[] = {"--robots-status", "404", NULL};
    testd a, b, d;
    if (testd_start(&a, argv[1], argv[2], robots_args) != 0 ||
        testd_start(&b, argv[1], argv[2], r503_args) != 0 ||
        testd_start(&d, argv[1], argv[2], r404_args) != 0) {
        fprintf(stderr, "cannot start %s\n", argv[1]);
        return 1;
    }
    ctx c;
    memset(&c, 0, sizeof c);
    fetch_stats st;
    char *err = NULL;
    fetch_options o = opts();
    const saved *s = NULL;

    /* 1. the whole tree to depth 3 with robots.txt disallowing /secret/ */
    ctx_reset(&c, a.base);
    CHECK_INT(crawl1(&c, &o, "/index.html", FETCH_LINK_OTHER, &st, &err), 0);
    CHECK_STR(err, NULL);
    CHECK_INT(c.n, 12);
    CHECK_INT(outcome_of(&c, "/index.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/a.html"), FETCH_OK); /* a.html#top deduped */
    CHECK_INT(outcome_of(&c, "/b.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/c.html"), FETCH_OK);
    CHECK_INT(saves_of(&c, "/d.html", NULL), 0);    /* depth 4 */
    CHECK_INT(outcome_of(&c, "/list1.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/list2.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/list3.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/report1.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/report2.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/report3.html"), FETCH_OK);
    CHECK_INT(saves_of(&c, "/report4.html", NULL), 0);
    CHECK_INT(outcome_of(&c, "/secret/hidden.html"), FETCH_ROBOTS_DENIED);
    CHECK_INT(saves_of(&c, "/secret/hidden.html", &s), 1);
    CHECK_INT(s->attempts, 0);
    CHECK_INT(fetch_outcome_retryable(s->outcome, s->status), 0);
    CHECK_INT(outcome_of(&c, "/data.txt"), FETCH_NOT_HTML);
    CHECK_INT(saves_of(&c, "/story-sp.html", NULL), 0);
    CHECK_INT(saves_of(&c, "/report1.html", &s), 1);
    CHECK_INT(s->kind, FETCH_LINK_REPORT);
    CHECK_INT(saves_of(&c, "/list1.html", &s), 1);
    CHECK_INT(s->kind, FETCH_LINK_LIST);
    for (int i = 0; i < c.n; i++) /* nothing off-host was ever tried */
        CHECK(strncmp(c.v[i].url, a.base, strlen(a.base)) == 0);
    CHECK_INT(st.fetched, 10);
    CHECK_INT(st.robots_denied, 1);
    CHECK_INT(st.skipped_not_html, 1);
    CHECK_INT(st.skipped_language, 1);
    CHECK_INT(st.failed, 0);
    CHECK_INT(st.not_modified, 0);
    CHECK_INT(st.requests, 12); /* 11 pages + robots.txt */
    CHECK_INT(c.robots_gets, 1);
    CHECK_INT(c.robots_puts, 1);
    CHECK_INT(c.robots_put_status, 200);
    /* Every page's links were queued (and reported) before the page was
     * saved: 11 pages and robots.txt's denial reached through links. */
    CHECK_INT(c.queued_before_save, 1);
    CHECK_INT(c.queued_links, 11);
    CHECK_INT(c.down_calls, 0);

    /* 2. a second crawl with the first one's validators: 304, no paging */
    ctx first = c;
    memset(&c, 0, sizeof c);
    c.base = a.base;
    c.known = first.v;
    c.n_known = first.n;
    CHECK_INT(crawl1(&c, &o, "/list1.html", FETCH_LINK_LIST, &st, &err), 0);
    CHECK_INT(c.n, 1);
    CHECK_INT(outcome_of(&c, "/list1.html"), FETCH_NOT_MODIFIED);
    CHECK_INT(saves_of(&c, "/list1.html", &s), 1);
    CHECK_INT(s->status, 304);
    CHECK_INT(st.not_modified, 1);
    CHECK_INT(st.fetched, 0);
    ctx_reset(&c, a.base);
    ctx_reset(&first, a.base);

    /* 3. held reports are skipped; refresh fetches them anyway */
    c.held[0] = "/report1.html";
    CHECK_INT(crawl1(&c, &o, "/list1.html", FETCH_LINK_LIST, &st, &err), 0);
    CHECK_INT(saves_of(&c, "/report1.html", NULL), 0);
    CHECK_INT(outcome_of(&c, "/report2.html"), FETCH_OK);
    CHECK_INT(st.skipped_held, 1);
    ctx_reset(&c, a.base);
    c.held[0] = "/report1.html";
    fetch_options orf = opts();
    orf.refresh = 1;
    CHECK_INT(crawl1(&c, &orf, "/list1.html", FETCH_LINK_LIST, &st, &err), 0);
    CHECK_INT(outcome_of(&c, "/report1.html"), FETCH_OK);
    CHECK_INT(st.skipped_held, 0);
    ctx_reset(&c, a.base);

    /* 4. incremental: a list with nothing new stops the paging */
    fetch_options oi = opts();
    oi.incremental = 1;
    c.held[0] = "/report1.html";
    c.held[1] = "/report2.html";
    CHECK_INT(crawl1(&c, &oi, "/list1.html", FETCH_LINK_LIST, &st, &err), 0);
    CHECK_INT(c.n, 1);
    CHECK_INT(saves_of(&c, "/list2.html", NULL), 0);
    CHECK_INT(st.skipped_held, 2);
    ctx_reset(&c, a.base);
    /* A calendar lists only lists: it is followed even when nothing is
     * new, and paging stops one level down (regression: a first
     * incremental run over a calendar reached no report at all). */
    c.held[0] = "/report1.html";
    c.held[1] = "/report2.html";
    CHECK_INT(crawl1(&c, &oi, "/list-calendar.html", FETCH_LINK_LIST, &st,
                     &err), 0);
    CHECK_INT(outcome_of(&c, "/list1.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/list3.html"), FETCH_OK);
    CHECK_INT(saves_of(&c, "/list2.html", NULL), 0);
    CHECK_INT(outcome_of(&c, "/report4.html"), FETCH_OK);
    ctx_reset(&c, a.base);
    c.held[0] = "/report1.html"; /* report2 is new: page on */
    CHECK_INT(crawl1(&c, &oi, "/list1.html", FETCH_LINK_LIST, &st, &err), 0);
    CHECK_INT(outcome_of(&c, "/list2.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/list3.html"), FETCH_OK);
    CHECK_INT(outcome_of(&c, "/report4.html"), FETCH_OK);
    CHECK_INT(c.n, 6);
    ctx_reset(&c, a.base);

    /* 5. a flaky page fails in one crawl and is recovered in the next */
    CHECK_INT(crawl1(&c, &o, "/_fault/flaky/2/500", FETCH_LINK_REPORT, &st,
                     &err), 0);
    CHECK_INT(saves_of(&c, "/_fault/flaky/2/500", &s), 1);
    CHECK_INT(s->outcome, FETCH_HTTP_ERROR);
    CHECK_INT(s->status, 500);
    CHECK_INT(s->attempts, 2);
    CHECK_INT(st.failed, 1);
    CHECK_INT(st.requests, 3);
    ctx_reset(&c, a.base);
    CHECK_INT(crawl1(&c, &o, "/_fault/flaky/2/500", FETCH_LINK_REPORT, &st,
                     &err), 0);
    CHECK_INT(saves_of(&c, "/_fault/flaky/2/500", &s), 1);
    CHECK_INT(s->outcome, FETCH_OK);
    CHECK_INT(s->attempts, 1);
    ctx_reset(&c, a.base);

    /* 6. max_pages caps the fetches */
    fetch_options om = opts();
    om.max_pages = 2;
    CHECK_INT(crawl1(&c, &om, "/index.html", FETCH_LINK_OTHER, &st, &err), 0);
    CHECK_INT(c.n, 2);
    CHECK_INT(st.requests, 3);
    ctx_reset(&c, a.base);

    /* 7. a failing save hook aborts the crawl with a reason */
    c.fail_save_at = 2;
    CHECK_INT(crawl1(&c, &o, "/index.html", FETCH_LINK_OTHER, &st, &err), -1);
    CHECK(err && strstr(err, "save hook") != NULL);
    CHECK_INT(c.n, 2);
    free(err);
    err = NULL;
    ctx_reset(&c, a.base);

    /* 8. a redirect to another host inside a crawl is saved, not followed */
    CHECK_INT(crawl1(&c, &o, "/_fault/offhost", FETCH_LINK_OTHER, &st, &err),
              0);
    CHECK_INT(c.n, 1);
    CHECK_INT(outcome_of(&c, "/_fault/offhost"), FETCH_REDIRECT_BLOCKED);
    CHECK_INT(st.failed, 1);
    ctx_reset(&c, a.base);

    /* 9. robots.txt answering 503: nothing on the host is fetched */
    ctx_reset(&c, b.base);
    CHECK_INT(crawl1(&c, &o, "/index.html", FETCH_LINK_OTHER, &st, &err), 0);
    CHECK_INT(c.n, 1);
    CHECK_INT(saves_of(&c, "/index.html", &s), 1);
    CHECK_INT(s->outcome, FETCH_ROBOTS_DENIED);
    CHECK_INT(s->status, 503);
    CHECK_INT(s->attempts, 0);
    CHECK_INT(fetch_outcome_retryable(s->outcome, s->status), 1);
    CHECK_INT(st.requests, 2); /* robots.txt, retried once */
    CHECK_INT(st.robots_denied, 1);
    CHECK_INT(c.robots_puts, 0); /* an unavailable robots.txt is not kept */

    /* 10. robots.txt answering 404: everything allowed */
    ctx_reset(&c, d.base);
    CHECK_INT(crawl1(&c, &o, "/index.html", FETCH_LINK_OTHER, &st, &err), 0);
    CHECK_INT(outcome_of(&c, "/secret/hidden.html"), FETCH_OK);
    CHECK_INT(st.robots_denied, 0);
    CHECK_INT(c.robots_puts, 1);
    CHECK_INT(c.robots_put_status, 404);

    /* 11. a cached robots.txt is used instead of fetching one */
    ctx_reset(&c, d.base);
    fetch_hooks hc = hooks_for(&c);
    hc.robots_get = robots_get_cached;
    fetch_link start = {kt_strdup0(at(&c, "/index.html")), 0, 0, 1};
    CHECK_INT(fetch_crawl(&o, &start, 1, &hc, &st, &err), 0);
    free(start.url);
    CHECK_INT(c.robots_gets, 1);
    CHECK_INT(c.robots_puts, 0);
    CHECK_INT(outcome_of(&c, "/a.html"), FETCH_ROBOTS_DENIED);
    CHECK_INT(outcome_of(&c, "/secret/hidden.html"), FETCH_OK);

    /* 12. ignore_robots: no robots.txt at all, even when it is down */
    ctx_reset(&c, b.base);
    fetch_options on = opts();
    on.ignore_robots = 1;
    on.max_depth = 1;
    CHECK_INT(crawl1(&c, &on, "/index.html", FETCH_LINK_OTHER, &st, &err), 0);
    CHECK_INT(outcome_of(&c, "/secret/hidden.html"), FETCH_OK);
    CHECK_INT(c.robots_gets, 0);
    CHECK_INT(st.requests, 5); /* index, a, list1, secret, data */

    /* 13. per-host delay between request starts */
    ctx_reset(&c, a.base);
    fetch_options od = opts();
    od.delay_ms = 300;
    od.jitter_percent = 0;
    od.max_depth = 1;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(crawl1(&c, &od, "/a.html", FETCH_LINK_OTHER, &st, &err), 0);
    long ms = ms_since(&t0);
    CHECK_INT(st.requests, 4); /* robots, a, then b and index at depth 1 */
    CHECK(ms >= 850 && ms < 3000);
    ctx_reset(&c, a.base);

    /* 14. given up: a link is skipped, an entry never is */
    ctx_reset(&c, a.base);
    c.given_up[0] = "/list1.html";
    c.given_up[1] = "/report1.html";
    CHECK_INT(crawl1(&c, &o, "/list1.html", FETCH_LINK_LIST, &st, &err), 0);
    CHECK_INT(outcome_of(&c, "/list1.html"), FETCH_OK); /* the entry */
    CHECK_INT(saves_of(&c, "/report1.html", NULL), 0);
    CHECK_INT(outcome_of(&c, "/report2.html"), FETCH_OK);
    CHECK_INT(st.skipped_given_up, 1);
    ctx_reset(&c, a.base);

    /* 15. a host that refuses connections: one report, its entry saved as
     * a failure of the host, the other URLs not tried at all */
    testd gone;
    CHECK_INT(testd_start(&gone, argv[1], argv[2], NULL), 0);
    char gone_base[64];
    snprintf(gone_base, sizeof gone_base, "%s", gone.base);
    testd_stop(&gone); /* nothing listens on its port any more */
    ctx_reset(&c, gone_base);
    fetch_link two[2] = {{kt_strdup0(at(&c, "/index.html")), 1, 0, 1},
                         {kt_strdup0(at(&c, "/report1.html")), 2, 0, 0}};
    fetch_hooks hd = hooks_for(&c);
    CHECK_INT(fetch_crawl(&o, two, 2, &hd, &st, &err), 0);
    free(two[0].url);
    free(two[1].url);
    CHECK_INT(c.n, 1);
    CHECK_INT(saves_of(&c, "/index.html", &s), 1);
    CHECK_INT(s->outcome, FETCH_ROBOTS_DENIED);
    CHECK_INT(s->status, 0);
    CHECK_INT(saves_of(&c, "/report1.html", NULL), 0);
    CHECK_INT(st.not_tried, 1);
    CHECK_INT(st.hosts_down, 1);
    CHECK_INT(c.down_calls, 1);
    CHECK_INT(c.down_failed, 1);
    CHECK_INT(c.down_not_tried, 1);
    CHECK(c.down_error && strstr(c.down_error, "robots.txt unreachable"));
    CHECK(c.down_host && strncmp(c.down_host, "127.0.0.1:", 10) == 0);
    /* Without robots.txt the first page meets the refusal itself. */
    ctx_reset(&c, gone_base);
    two[0].url = kt_strdup0(at(&c, "/index.html"));
    two[1].url = kt_strdup0(at(&c, "/report1.html"));
    CHECK_INT(fetch_crawl(&on, two, 2, &hd, &st, &err), 0);
    free(two[0].url);
    free(two[1].url);
    CHECK_INT(c.n, 1);
    CHECK_INT(saves_of(&c, "/index.html", &s), 1);
    CHECK_INT(s->outcome, FETCH_NETWORK_ERROR);
    CHECK_INT(s->attempts, 2);
    CHECK_INT(st.not_tried, 1);
    CHECK_INT(c.down_calls, 1);
    CHECK(c.down_error && strstr(c.down_error, "network error"));
    ctx_reset(&c, a.base);

    testd_stop(&a);
    testd_stop(&b);
    testd_stop(&d);
    fetch_global_cleanup();
    return kt_test_summary();
}
