/* robots.txt evaluation (RFC 9309) without any network. */
#include "fetch.h"
#include "kt_test.h"

#include <stdlib.h>

static const char *UA = "kcnatrack/0.1 (+https://example.org/contact)";

static int allowed(const char *body, const char *path)
{
    return fetch_robots_allowed(body, 200, UA, path, NULL);
}

int main(void)
{
    long cd = 0;

    /* status rules: 4xx allows all, 5xx and unreachable allow nothing */
    CHECK_INT(fetch_robots_allowed("User-agent: *\nDisallow: /\n", 404, UA,
                                   "/a", &cd), 1);
    CHECK_INT(cd, -1);
    CHECK_INT(fetch_robots_allowed(NULL, 503, UA, "/a", &cd), 0);
    CHECK_INT(fetch_robots_allowed(NULL, 0, UA, "/a", &cd), 0);
    CHECK_INT(fetch_robots_allowed(NULL, 200, UA, "/a", &cd), 1);
    CHECK_INT(allowed("", "/a"), 1);

    /* '*' group, prefix rules, robots.txt itself always allowed */
    const char *star = "User-agent: *\nDisallow: /private/\n";
    CHECK_INT(allowed(star, "/private/x.html"), 0);
    CHECK_INT(allowed(star, "/private"), 1);
    CHECK_INT(allowed(star, "/public/x.html"), 1);
    CHECK_INT(allowed("User-agent: *\nDisallow: /\n", "/robots.txt"), 1);
    CHECK_INT(allowed("User-agent: *\nDisallow: /\n", "/"), 0);
    CHECK_INT(allowed("User-agent: *\nDisallow:\n", "/x"), 1);

    /* our own group wins over '*', matched case-insensitively by product
     * token; the '*' rules then do not apply at all */
    const char *own = "User-agent: *\nDisallow: /\n\n"
                      "User-agent: KcnaTrack/2.0\nDisallow: /secret\n";
    CHECK_INT(allowed(own, "/news.html"), 1);
    CHECK_INT(allowed(own, "/secret/a"), 0);
    CHECK_INT(fetch_robots_allowed(own, 200, "otherbot/1.0", "/news.html",
                                   NULL), 0);
    /* a NULL user agent means "kcnatrack" */
    CHECK_INT(fetch_robots_allowed(own, 200, NULL, "/news.html", NULL), 1);
    /* a token that merely starts with ours is another crawler */
    CHECK_INT(allowed("User-agent: kcnatrackextra\nDisallow: /\n", "/a"), 1);

    /* consecutive user-agent lines share a group; groups for the same agent
     * are merged */
    const char *multi = "User-agent: a\nUser-agent: kcnatrack\nDisallow: /x\n"
                        "User-agent: b\nDisallow: /y\n"
                        "User-agent: kcnatrack\nDisallow: /z\n";
    CHECK_INT(allowed(multi, "/x1"), 0);
    CHECK_INT(allowed(multi, "/y1"), 1);
    CHECK_INT(allowed(multi, "/z1"), 0);

    /* longest match wins; a tie goes to Allow */
    const char *lm = "User-agent: *\nDisallow: /news/\nAllow: /news/en/\n"
                     "Disallow: /news/en/old/\nAllow: /tie\nDisallow: /tie\n";
    CHECK_INT(allowed(lm, "/news/kp.html"), 0);
    CHECK_INT(allowed(lm, "/news/en/a.html"), 1);
    CHECK_INT(allowed(lm, "/news/en/old/a.html"), 0);
    CHECK_INT(allowed(lm, "/tie"), 1);

    /* wildcards and end anchor; the query is part of what is matched */
    const char *wc = "User-agent: *\nDisallow: /*.php$\nDisallow: /*?sort=\n"
                     "Disallow: /a*b*c\n";
    CHECK_INT(allowed(wc, "/index.php"), 0);
    CHECK_INT(allowed(wc, "/index.php?x=1"), 1);
    CHECK_INT(allowed(wc, "/list?sort=date"), 0);
    CHECK_INT(allowed(wc, "/list?page=2"), 1);
    CHECK_INT(allowed(wc, "/axxbyyc"), 0);
    CHECK_INT(allowed(wc, "/axxcyyb"), 1);
    CHECK_INT(allowed("User-agent: *\nDisallow: /exact$\n", "/exact"), 0);
    CHECK_INT(allowed("User-agent: *\nDisallow: /exact$\n", "/exact/"), 1);

    /* comments, blanks, CRLF, odd case of keys */
    const char *messy = "# hello\r\n  USER-AGENT :  *  # all\r\n"
                        "disallow: /tmp # temp\r\nALLOW: /tmp/ok\r\n";
    CHECK_INT(allowed(messy, "/tmp/x"), 0);
    CHECK_INT(allowed(messy, "/tmp/ok/1"), 1);

    /* rules before any user-agent line belong to no group */
    CHECK_INT(allowed("Disallow: /\nUser-agent: *\nDisallow: /b\n", "/a"), 1);

    /* Crawl-delay from the chosen group, in milliseconds */
    const char *delay = "User-agent: *\nCrawl-delay: 7\n\n"
                        "User-agent: kcnatrack\nCrawl-delay: 2.5\n"
                        "Disallow: /no\n";
    CHECK_INT(fetch_robots_allowed(delay, 200, UA, "/yes", &cd), 1);
    CHECK_INT(cd, 2500);
    CHECK_INT(fetch_robots_allowed(delay, 200, "other", "/yes", &cd), 1);
    CHECK_INT(cd, 7000);
    CHECK_INT(fetch_robots_allowed(star, 200, UA, "/yes", &cd), 1);
    CHECK_INT(cd, -1);

    /* a large file (over 500 KiB) is read to its end */
    size_t big = 600 * 1024;
    char *huge = malloc(big + 64);
    if (huge) {
        size_t n = 0;
        n += (size_t)sprintf(huge, "User-agent: *\n");
        while (n + 20 < big)
            n += (size_t)sprintf(huge + n, "Allow: /filler%06zu\n", n);
        sprintf(huge + n, "Disallow: /last\n");
        CHECK_INT(allowed(huge, "/last/page"), 0);
        CHECK_INT(allowed(huge, "/other"), 1);
        free(huge);
    }

    /* outcome helpers */
    CHECK_STR(fetch_outcome_name(FETCH_ROBOTS_DENIED), "robots_denied");
    CHECK_STR(fetch_outcome_name(FETCH_NOT_MODIFIED), "not_modified");
    CHECK_INT(fetch_outcome_retryable(FETCH_HTTP_ERROR, 503), 1);
    CHECK_INT(fetch_outcome_retryable(FETCH_HTTP_ERROR, 429), 1);
    CHECK_INT(fetch_outcome_retryable(FETCH_HTTP_ERROR, 404), 0);
    CHECK_INT(fetch_outcome_retryable(FETCH_TRUNCATED, 200), 1);
    CHECK_INT(fetch_outcome_retryable(FETCH_ROBOTS_DENIED, 503), 1);
    CHECK_INT(fetch_outcome_retryable(FETCH_ROBOTS_DENIED, 0), 1);
    /* What counts toward giving a URL up: real failures only. */
    CHECK_INT(fetch_outcome_is_failure(FETCH_OK, 200), 0);
    CHECK_INT(fetch_outcome_is_failure(FETCH_NOT_MODIFIED, 304), 0);
    CHECK_INT(fetch_outcome_is_failure(FETCH_NOT_HTML, 200), 0);
    CHECK_INT(fetch_outcome_is_failure(FETCH_ROBOTS_DENIED, 200), 0);
    CHECK_INT(fetch_outcome_is_failure(FETCH_ROBOTS_DENIED, 503), 1);
    CHECK_INT(fetch_outcome_is_failure(FETCH_ROBOTS_DENIED, 0), 1);
    CHECK_INT(fetch_outcome_is_failure(FETCH_HTTP_ERROR, 404), 1);
    CHECK_INT(fetch_outcome_is_failure(FETCH_HTTP_ERROR, 503), 1);
    CHECK_INT(fetch_outcome_is_failure(FETCH_NETWORK_ERROR, 0), 1);
    CHECK_INT(fetch_outcome_is_failure(FETCH_TRUNCATED, 200), 1);
    CHECK_INT(fetch_outcome_is_failure(FETCH_TOO_LARGE, 200), 1);
    CHECK_INT(fetch_outcome_is_failure(FETCH_REDIRECT_BLOCKED, 302), 1);
    CHECK_INT(fetch_outcome_retryable(FETCH_ROBOTS_DENIED, 200), 0);
    CHECK_INT(fetch_outcome_retryable(FETCH_TOO_LARGE, 200), 0);
    return kt_test_summary();
}
