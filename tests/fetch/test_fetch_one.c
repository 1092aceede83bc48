/*
 * fetch_one against every fault route of kt_testd over loopback: the exact
 * outcome, status, error, body, type, validators and attempts of each.
 * Usage: test_fetch_one KT_TESTD SITE_DIR
 */
#include "fetch.h"
#include "kt_test.h"
#include "kt_util.h"
#include "testd.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OK_PAGE_LEN 109 /* kt_testd's td_ok_page */

static testd srv;
static char url[256];

static const char *U(const char *path)
{
    snprintf(url, sizeof url, "%s%s", srv.base, path);
    return url;
}

static fetch_options opts(void)
{
    fetch_options o;
    fetch_options_default(&o);
    o.user_agent = "kcnatrack-test/1.0";
    o.connect_timeout_ms = 2000;
    o.total_timeout_ms = 5000;
    o.low_speed_bytes = 100;
    o.low_speed_seconds = 2;
    o.retry_base_ms = 50;
    o.delay_ms = 0;
    o.max_attempts = 2;
    return o;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000L +
           (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Fetches path with o and optional validators into *r (cleared first). */
static void get(const fetch_options *o, const char *path, const char *etag,
                const char *lm, fetch_result *r, long *elapsed)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fetch_result_clear(r);
    CHECK_INT(fetch_one(o, U(path), etag, lm, r), 0);
    if (elapsed)
        *elapsed = ms_since(&t0);
}

static int has_error(const fetch_result *r)
{
    return r->error != NULL && r->error[0] != '\0';
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s KT_TESTD SITE_DIR\n", argv[0]);
        return 2;
    }
    CHECK_INT(fetch_global_init(), 0);
    if (testd_start(&srv, argv[1], argv[2], NULL) != 0) {
        fprintf(stderr, "cannot start %s\n", argv[1]);
        return 1;
    }
    fetch_options o = opts();
    fetch_result r;
    memset(&r, 0, sizeof r);
    long ms = 0;
    char want[256];

    /* a static page: type without charset, validators, one attempt */
    get(&o, "/index.html", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    CHECK_INT(r.http_status, 200);
    CHECK_INT(r.body_len, 386);
    CHECK(r.body && memcmp(r.body, "<!DOCTYPE html>", 15) == 0);
    CHECK_STR(r.content_type, "text/html");
    CHECK_STR(r.charset, NULL);
    CHECK(r.etag && r.etag[0] == '"' && strlen(r.etag) == 18);
    CHECK(r.last_modified && strstr(r.last_modified, " GMT") != NULL);
    CHECK_STR(r.error, NULL);
    CHECK_STR(r.requested_url, U("/index.html"));
    CHECK_STR(r.final_url, U("/index.html"));
    CHECK_INT(r.attempts, 1);
    CHECK_INT(r.retry_after_s, -1);
    CHECK(r.fetched_at > 1700000000);

    /* the same page with its validators: 304, no body */
    char *etag = kt_strdup0(r.etag);
    char *lm = kt_strdup0(r.last_modified);
    get(&o, "/index.html", etag, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_NOT_MODIFIED);
    CHECK_INT(r.http_status, 304);
    CHECK(r.body == NULL && r.body_len == 0);
    get(&o, "/index.html", NULL, lm, &r, NULL);
    CHECK_INT(r.outcome, FETCH_NOT_MODIFIED);
    get(&o, "/index.html", "\"other\"", NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    free(etag);
    free(lm);

    /* the ETag route: validators, then 304 to either one */
    get(&o, "/_fault/etag", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    CHECK_STR(r.etag, "\"v1\"");
    CHECK_STR(r.last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
    get(&o, "/_fault/etag", "\"v1\"", NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_NOT_MODIFIED);
    CHECK_INT(r.http_status, 304);
    /* regression: a 304 was reported as an error and stored as a failure */
    CHECK(!has_error(&r));
    CHECK_INT(fetch_outcome_is_failure(r.outcome, r.http_status), 0);
    CHECK_INT(r.attempts, 1);
    get(&o, "/_fault/etag", NULL, "Tue, 14 Nov 2023 22:13:20 GMT", &r, NULL);
    CHECK_INT(r.outcome, FETCH_NOT_MODIFIED);

    /* charset parameter, lower-cased */
    get(&o, "/_fault/charset", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    CHECK_STR(r.content_type, "text/html");
    CHECK_STR(r.charset, "iso-8859-1");
    CHECK_INT(r.body_len, OK_PAGE_LEN);

    /* gzip undone */
    get(&o, "/_fault/gzip", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    CHECK_INT(r.body_len, 120);
    CHECK(r.body && strstr((char *)r.body, "travelled gzip-encoded") != NULL);

    /* 404: final at once, not retried */
    get(&o, "/_fault/status/404", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_HTTP_ERROR);
    CHECK_INT(r.http_status, 404);
    CHECK(has_error(&r));
    CHECK(r.body == NULL);
    CHECK_INT(r.attempts, 1);
    get(&o, "/missing.html", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_HTTP_ERROR);
    CHECK_INT(r.http_status, 404);

    /* 500: retried up to max_attempts */
    fetch_options o3 = opts();
    o3.max_attempts = 3;
    get(&o3, "/_fault/status/500", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_HTTP_ERROR);
    CHECK_INT(r.http_status, 500);
    CHECK_INT(r.attempts, 3);
    CHECK_INT(fetch_outcome_retryable(r.outcome, r.http_status), 1);

    /* 503 with Retry-After: 1 -> the second try waits a second */
    get(&o, "/_fault/503", NULL, NULL, &r, &ms);
    CHECK_INT(r.outcome, FETCH_HTTP_ERROR);
    CHECK_INT(r.http_status, 503);
    CHECK_INT(r.attempts, 2);
    CHECK_INT(r.retry_after_s, 1);
    CHECK(ms >= 1000);

    /* 429 with Retry-After capped by retry_max_ms */
    fetch_options oc = opts();
    oc.retry_max_ms = 200;
    get(&oc, "/_fault/429", NULL, NULL, &r, &ms);
    CHECK_INT(r.outcome, FETCH_HTTP_ERROR);
    CHECK_INT(r.http_status, 429);
    CHECK_INT(r.attempts, 2);
    CHECK(ms < 900);

    /* flaky: one 503 then a page, within one call */
    get(&o, "/_fault/flaky/1/503", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    CHECK_INT(r.http_status, 200);
    CHECK_INT(r.attempts, 2);
    CHECK_INT(r.body_len, OK_PAGE_LEN);

    /* reset mid-body and short body: truncated, retried, never a page */
    get(&o, "/_fault/reset", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_TRUNCATED);
    CHECK_INT(r.http_status, 200);
    CHECK(r.body == NULL && r.body_len == 0);
    CHECK(has_error(&r));
    CHECK_INT(r.attempts, 2);
    get(&o, "/_fault/truncated", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_TRUNCATED);
    CHECK_INT(r.http_status, 200);
    CHECK(r.body == NULL);
    CHECK_INT(r.attempts, 2);

    /* headers never come: low-speed abort after 2 s, no retry left */
    fetch_options o1 = opts();
    o1.max_attempts = 1;
    get(&o1, "/_fault/hang", NULL, NULL, &r, &ms);
    CHECK_INT(r.outcome, FETCH_NETWORK_ERROR);
    CHECK_INT(r.http_status, 0);
    CHECK(has_error(&r));
    CHECK_INT(r.attempts, 1);
    CHECK(ms >= 1500 && ms < 5000);

    /* a body trickling a byte a second */
    get(&o1, "/_fault/trickle", NULL, NULL, &r, &ms);
    CHECK_INT(r.outcome, FETCH_NETWORK_ERROR);
    CHECK_INT(r.http_status, 200);
    CHECK(r.body == NULL);
    CHECK(ms >= 1500 && ms < 5000);

    /* announced 2 GiB: refused before the body */
    get(&o, "/_fault/huge", NULL, NULL, &r, &ms);
    CHECK_INT(r.outcome, FETCH_TOO_LARGE);
    CHECK_INT(r.http_status, 200);
    CHECK(r.body == NULL);
    CHECK(has_error(&r));
    CHECK_INT(r.attempts, 1);
    CHECK(ms < 1500);

    /* a body growing past the cap without Content-Length */
    fetch_options os = opts();
    os.max_body_bytes = 10000;
    get(&os, "/_fault/big", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_TOO_LARGE);
    CHECK(r.body == NULL);
    CHECK_INT(r.attempts, 1);
    get(&o, "/_fault/big", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    CHECK_INT(r.body_len, 65536);

    /* not HTML: recorded with its type, body dropped */
    get(&o, "/_fault/binary", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_NOT_HTML);
    CHECK_INT(r.http_status, 200);
    CHECK_STR(r.content_type, "application/octet-stream");
    CHECK(r.body == NULL && r.body_len == 0);
    CHECK(has_error(&r));
    CHECK_INT(r.attempts, 1);
    get(&o, "/data.txt", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_NOT_HTML);
    CHECK_STR(r.content_type, "text/plain");

    /* redirects followed by us, within the limit */
    get(&o, "/_fault/redirect/3", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);
    CHECK_STR(r.requested_url, U("/_fault/redirect/3"));
    CHECK_STR(r.final_url, U("/_fault/ok"));
    CHECK_INT(r.attempts, 1);
    CHECK_INT(r.body_len, OK_PAGE_LEN);
    fetch_options o2 = opts();
    o2.max_redirects = 2;
    get(&o2, "/_fault/redirect/3", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_REDIRECT_BLOCKED);
    CHECK_STR(r.final_url, U("/_fault/redirect/1"));
    CHECK_STR(r.redirect_to, U("/_fault/redirect/0"));

    /* a loop is blocked after max_redirects hops */
    get(&o, "/_fault/loop", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_REDIRECT_BLOCKED);
    CHECK_INT(r.http_status, 302);
    CHECK_STR(r.redirect_to, U("/_fault/loop"));
    CHECK_STR(r.error, "too many redirects");
    CHECK_INT(r.attempts, 1);

    /* off-host and non-web redirects are never requested */
    get(&o, "/_fault/offhost", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_REDIRECT_BLOCKED);
    snprintf(want, sizeof want, "http://127.0.0.2:%d/_fault/ok", srv.port);
    CHECK_STR(r.redirect_to, want);
    CHECK_STR(r.final_url, U("/_fault/offhost"));
    CHECK(has_error(&r));
    get(&o, "/_fault/invalidhost", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_REDIRECT_BLOCKED);
    CHECK_STR(r.redirect_to, "http://example.invalid/");
    get(&o, "/_fault/file", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_REDIRECT_BLOCKED);
    CHECK_STR(r.redirect_to, "file:///etc/passwd");
    CHECK(r.body == NULL);

    /* allowed_hosts widens what a redirect may reach */
    const char *hosts[] = {"127.0.0.1", "example.invalid"};
    fetch_options oh = opts();
    oh.allowed_hosts = hosts;
    oh.n_allowed_hosts = 2;
    oh.max_attempts = 1;
    get(&oh, "/_fault/invalidhost", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_NETWORK_ERROR);
    CHECK_STR(r.final_url, "http://example.invalid/");

    /* a directory without its slash: redirected to it (no index there) */
    get(&o, "/secret", NULL, NULL, &r, NULL);
    CHECK_INT(r.outcome, FETCH_HTTP_ERROR);
    CHECK_INT(r.http_status, 404);
    CHECK_STR(r.final_url, U("/secret/"));

    /* nobody listening: network error after max_attempts */
    testd gone;
    if (testd_start(&gone, argv[1], argv[2], NULL) == 0) {
        testd_stop(&gone);
        char dead[128];
        snprintf(dead, sizeof dead, "%s/index.html", gone.base);
        fetch_result_clear(&r);
        CHECK_INT(fetch_one(&o, dead, NULL, NULL, &r), 0);
        CHECK_INT(r.outcome, FETCH_NETWORK_ERROR);
        CHECK_INT(r.http_status, 0);
        CHECK_INT(r.attempts, 2);
        CHECK(has_error(&r));
        CHECK_INT(r.unreachable, 1);
    }

    /* Servers that send only one kind of validator, as many do: each kind
     * alone gives a 304 on every static page; with none, a full answer. */
    static const char *const kinds[] = {"etag", "date", "none"};
    for (int k = 0; k < 3; k++) {
        testd one;
        const char *args[] = {"--validators", kinds[k], NULL};
        CHECK_INT(testd_start(&one, argv[1], argv[2], args), 0);
        testd keep = srv;
        srv = one;
        get(&o, "/index.html", NULL, NULL, &r, NULL);
        CHECK_INT(r.outcome, FETCH_OK);
        CHECK_INT(r.etag != NULL, k == 0);
        CHECK_INT(r.last_modified != NULL, k == 1);
        char *et = kt_strdup0(r.etag), *lmod = kt_strdup0(r.last_modified);
        get(&o, "/index.html", et, lmod, &r, NULL);
        CHECK_INT(r.outcome, k < 2 ? FETCH_NOT_MODIFIED : FETCH_OK);
        CHECK_INT(r.http_status, k < 2 ? 304 : 200);
        get(&o, "/list1.html", NULL, NULL, &r, NULL);
        free(et);
        free(lmod);
        et = kt_strdup0(r.etag);
        lmod = kt_strdup0(r.last_modified);
        get(&o, "/list1.html", et, lmod, &r, NULL);
        CHECK_INT(r.outcome, k < 2 ? FETCH_NOT_MODIFIED : FETCH_OK);
        free(et);
        free(lmod);
        srv = keep;
        testd_stop(&one);
    }
    /* An If-Modified-Since before the page's date is answered in full. */
    get(&o, "/index.html", NULL, "Mon, 01 Jan 1990 00:00:00 GMT", &r, NULL);
    CHECK_INT(r.outcome, FETCH_OK);

    /* The faults file takes static pages down and brings them back while
     * the server runs. */
    {
        char faults[64];
        snprintf(faults, sizeof faults, "/tmp/kt_faults.%ld", (long)getpid());
        FILE *f = fopen(faults, "w");
        CHECK(f != NULL);
        if (f) {
            fputs("# down today\n503 /list1.html\n404 /report1.html\n", f);
            fclose(f);
        }
        testd fs;
        const char *args[] = {"--faults", faults, NULL};
        CHECK_INT(testd_start(&fs, argv[1], argv[2], args), 0);
        testd keep = srv;
        srv = fs;
        get(&o, "/list1.html", NULL, NULL, &r, NULL);
        CHECK_INT(r.outcome, FETCH_HTTP_ERROR);
        CHECK_INT(r.http_status, 503);
        CHECK_INT(r.attempts, 2);
        get(&o, "/report1.html", NULL, NULL, &r, NULL);
        CHECK_INT(r.http_status, 404);
        get(&o, "/report2.html", NULL, NULL, &r, NULL);
        CHECK_INT(r.outcome, FETCH_OK);
        /* a day later: back up (the rewritten file is seen at once) */
        f = fopen(faults, "w");
        if (f) {
            fputs("reset /report2.html\n", f);
            fclose(f);
        }
        get(&o, "/list1.html", NULL, NULL, &r, NULL);
        CHECK_INT(r.outcome, FETCH_OK);
        get(&o, "/report2.html", NULL, NULL, &r, NULL);
        CHECK_INT(r.outcome, FETCH_NETWORK_ERROR);
        srv = keep;
        testd_stop(&fs);
        unlink(faults);
    }

    fetch_result_clear(&r);
    testd_stop(&srv);
    fetch_global_cleanup();
    return kt_test_summary();
}
