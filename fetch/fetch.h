/*
 * fetch: the crawler stage. libcurl's multi interface, polite per host,
 * conditional and retrying. It knows nothing of HTML, SQL or rules: the
 * caller supplies hooks that say what is already held (lookup), keep what was
 * fetched (save) and find the links on a page (links). Everything the
 * crawler learns is handed to save(); nothing is printed.
 *
 * Ownership: every char* inside a fetch_result is malloc'd and owned by the
 * result; fetch_result_clear frees them. Hooks receive const pointers that
 * are valid only for the duration of the call.
 */
#ifndef KT_FETCH_H
#define KT_FETCH_H

#include <stddef.h>
#include <stdint.h>

/* What became of one URL in one crawl. Stored as text (fetch_outcome_name). */
typedef enum fetch_outcome {
    FETCH_OK = 0,           /* 2xx with a body: a page */
    FETCH_NOT_MODIFIED,     /* 304 to a conditional request: nothing new */
    FETCH_HTTP_ERROR,       /* final 4xx/5xx after retries */
    FETCH_NETWORK_ERROR,    /* connect/timeout/reset/low-speed after retries */
    FETCH_TRUNCATED,        /* body shorter than announced, or cut mid-transfer */
    FETCH_TOO_LARGE,        /* body over max_body_bytes (announced or grown) */
    FETCH_REDIRECT_BLOCKED, /* redirect to a disallowed host/scheme or too many */
    FETCH_NOT_HTML,         /* content type is not HTML: recorded, skipped */
    FETCH_ROBOTS_DENIED,    /* robots.txt disallows it (or robots unreachable) */
} fetch_outcome;

/* Short stable name of an outcome ("ok", "not_modified", ...). */
const char *fetch_outcome_name(fetch_outcome o);

/* 1 when the failure is transient, worth another try within the same crawl
 * (network errors, 5xx, 408, 429, truncation, robots.txt unavailable), else
 * 0. For FETCH_ROBOTS_DENIED pass the result's http_status, which holds
 * robots.txt's status (see fetch_result). */
int fetch_outcome_retryable(fetch_outcome o, long http_status);

/* 1 when the outcome is a real failure of the URL: an HTTP error, a network
 * error, a truncated, oversized or refused transfer, or robots.txt being
 * unavailable. 0 for every outcome that says something true about the URL:
 * a page (FETCH_OK), an unchanged page (FETCH_NOT_MODIFIED), a page that is
 * not HTML, a page robots.txt disallows. Only failures count toward giving
 * a URL up; a success ends a run of failures. */
int fetch_outcome_is_failure(fetch_outcome o, long http_status);

/* Kinds of links, as the caller's site knowledge classifies them. */
typedef enum fetch_link_kind {
    FETCH_LINK_OTHER = 0,  /* any page: followed only in --start crawls */
    FETCH_LINK_LIST = 1,   /* an index/list page: re-fetched every run */
    FETCH_LINK_REPORT = 2, /* a report: fetched once unless refresh */
    FETCH_LINK_SKIP = 3,   /* known and unwanted (e.g. a Spanish story):
                              never fetched, counted as skipped_language */
} fetch_link_kind;

typedef struct fetch_link {
    char *url;  /* absolute URL, malloc'd */
    int kind;   /* fetch_link_kind */
    int depth;  /* hops from a start URL; the crawler sets it */
    int entry;  /* 1 for a start URL or a site's entry list: never skipped as
                   given up, and its failure is saved even when its host is
                   unreachable (see fetch_crawl) */
} fetch_link;

/* Frees an array of n links returned by a links hook. */
void fetch_links_free(fetch_link *links, size_t n);

/* One fetched (or failed) URL. */
typedef struct fetch_result {
    char *requested_url;
    char *final_url;       /* after redirects; equals requested_url if none */
    int link_kind;         /* fetch_link_kind the URL was queued as */
    long http_status;      /* 0 when no HTTP response arrived. For
                              FETCH_ROBOTS_DENIED: robots.txt's status (0 or
                              5xx = unavailable, retryable; else disallowed) */
    fetch_outcome outcome;
    char *error;           /* human-readable reason for a failure or a
                              skip (not HTML, robots.txt); NULL for
                              FETCH_OK and FETCH_NOT_MODIFIED */
    char *content_type;    /* media type, lower case, no parameters */
    char *charset;         /* charset parameter of Content-Type, or NULL */
    char *etag;            /* ETag response header, or NULL */
    char *last_modified;   /* Last-Modified response header, or NULL */
    char *redirect_to;     /* the refused Location for FETCH_REDIRECT_BLOCKED */
    unsigned char *body;   /* decoded body (gzip/deflate undone); NULL if none */
    size_t body_len;
    int64_t fetched_at;    /* unix seconds when the transfer finished */
    int attempts;          /* tries made in this run; redirect hops are not
                              tries; 0 when robots.txt denied it */
    long retry_after_s;    /* Retry-After seconds from the last answer, or -1 */
    int entry;             /* the URL was queued as an entry (fetch_link) */
    int unreachable;       /* the failure is its host's: the connection was
                              refused, the name did not resolve, or
                              robots.txt was unavailable; fetch_crawl then
                              reports the host through host_down */
} fetch_result;

/* Frees everything inside r and zeroes it. */
void fetch_result_clear(fetch_result *r);

/* What the caller already knows about a URL (answer of the lookup hook). */
typedef struct fetch_known {
    int held;             /* 1 when a good copy is stored */
    int given_up;         /* 1 when it failed too often: do not try again */
    char *etag;           /* validators of the stored copy (malloc'd or NULL;
                             the crawler frees them) */
    char *last_modified;
} fetch_known;

typedef struct fetch_hooks {
    void *ctx;
    /* Fills *out for url. Return 0, or non-zero to abort the crawl. */
    int (*lookup)(void *ctx, const char *url, fetch_known *out);
    /* Called once per URL per crawl with its final result (after retries).
     * Return 0, or non-zero to abort the crawl (e.g. the database failed). */
    int (*save)(void *ctx, const fetch_result *r);
    /* Links of a fetched HTML page (r->outcome == FETCH_OK), or of the
     * caller's stored copy when the page answered 304 (FETCH_NOT_MODIFIED,
     * r->body NULL: an unchanged list still leads to its pages), absolute
     * URLs with their kinds; *out is malloc'd, freed by the crawler with
     * fetch_links_free. May be NULL: then no links are followed. */
    int (*links)(void *ctx, const fetch_result *r, fetch_link **out, size_t *n);
    /* robots.txt cache. get: return 1 and set *body (malloc'd) and *status
     * when a copy younger than max_age_s is held, else 0. put: keep it.
     * Both may be NULL: robots.txt is then fetched every crawl. "host" is
     * the authority, lower case: "host" or "host:port" when the URL names a
     * port. put is called only for 2xx and 4xx answers (an unavailable
     * robots.txt is not worth caching); robots.txt itself never goes to
     * save(). get returning 1 with body NULL is allowed (= empty file). */
    int (*robots_get)(void *ctx, const char *host, long max_age_s,
                      char **body, long *status);
    int (*robots_put)(void *ctx, const char *host, const char *body,
                      long status);
    /* The links of one page that the crawl has queued (not yet held, not
     * given up, within depth and period), called before that page is
     * saved: a caller that keeps them (a frontier) and is killed between
     * the two calls still knows what the page led to. Return 0, or
     * non-zero to abort. May be NULL. */
    int (*queued)(void *ctx, const fetch_link *links, size_t n);
    /* Called once per host found unreachable, when the crawl ends: error is
     * the first failure's text, failed the URLs saved as failures because
     * of it (those tried, and entries), not_tried the URLs dropped unsaved
     * because their host was down (a later run tries them). May be NULL. */
    void (*host_down)(void *ctx, const char *host, const char *error,
                      long failed, long not_tried);
} fetch_hooks;

typedef struct fetch_options {
    const char *user_agent;      /* sent verbatim; default
                                    "kcnatrack/VERSION (+contact)" set by CLI */
    long connect_timeout_ms;     /* default 10000 */
    long total_timeout_ms;       /* default 60000 */
    long low_speed_bytes;        /* abort below this many bytes/s ... */
    long low_speed_seconds;      /* ... for this long; default 100 B/s, 20 s */
    size_t max_body_bytes;       /* default 5 MiB */
    long max_redirects;          /* default 5 */
    long delay_ms;               /* per-host pause between requests, 2000 */
    int jitter_percent;          /* +- random share of delay_ms, default 25 */
    int per_host_concurrency;    /* default 1; capped at 3 unless forced */
    int force_concurrency;       /* allow per_host_concurrency > 3 */
    int max_attempts;            /* tries per URL per crawl, default 4 */
    long retry_base_ms;          /* first backoff, doubled each try; 500 */
    long retry_max_ms;           /* backoff and Retry-After cap; 60000 */
    int ignore_robots;           /* for a user's own mirror */
    long crawl_delay_cap_ms;     /* cap on robots Crawl-delay; 30000 */
    int max_depth;               /* --depth, default 3 */
    long max_pages;              /* stop after this many fetches; 0 = no cap */
    int refresh;                 /* re-fetch reports already held */
    int incremental;             /* stop following a list's LIST links when
                                    the list yielded no report not held */
    const char *const *allowed_hosts; /* NULL/0: the start URLs' hosts */
    size_t n_allowed_hosts;
} fetch_options;

/* Fills o with the defaults above. */
void fetch_options_default(fetch_options *o);

typedef struct fetch_stats {
    long requests;          /* HTTP transfers made, retries, redirect hops
                               and robots.txt included */
    long fetched;           /* FETCH_OK results saved */
    long not_modified;
    long failed;            /* HTTP/network errors, truncated, too large,
                               redirect blocked (not robots or not-HTML) */
    long skipped_held;      /* reports already held, not fetched */
    long skipped_given_up;
    long skipped_language;  /* FETCH_LINK_SKIP links seen */
    long skipped_not_html;
    long robots_denied;
    long not_tried;         /* dropped unsaved: their host was unreachable */
    long hosts_down;        /* hosts found unreachable */
} fetch_stats;

/* Crawls breadth-first from starts[0..n) (their kind, depth and entry flag
 * taken as given), following links on allowed hosts up to max_depth. The
 * links of a page are offered (and reported through queued) before the
 * page itself is saved. Once a host proves unreachable (connection
 * refused, name not resolved, robots.txt unavailable), its URLs still
 * queued are not tried: entries and URLs already tried are saved as
 * failures with unreachable set, the others dropped unsaved (counted as
 * not_tried) and the host reported through host_down. Hosts are
 * compared by name without port; politeness and robots.txt are per
 * authority (host:port). A redirect is followed by the crawler itself, hop by
 * hop, each hop subject to robots.txt and the host delay; a hop to another
 * host, a non-http(s) scheme or beyond max_redirects is saved as
 * FETCH_REDIRECT_BLOCKED with redirect_to. Once max_pages URLs were started,
 * URLs not yet tried are dropped without a save() call. Returns 0 when
 * the crawl ran to its end (even if pages failed: see stats), -1 when a hook
 * aborted it or libcurl could not start; *err (malloc'd, caller frees) then
 * says why. */
int fetch_crawl(const fetch_options *o, const fetch_link *starts, size_t n,
                const fetch_hooks *hooks, fetch_stats *stats, char **err);

/* Fetches one URL with retries, no robots, no hooks: for tests and
 * `kcnatrack fetch --url`. Redirects stay on allowed_hosts, or on the URL's
 * own host when none are given. Returns 0 and fills *out (caller clears)
 * unless memory or libcurl initialisation failed (-1). */
int fetch_one(const fetch_options *o, const char *url, const char *etag,
              const char *last_modified, fetch_result *out);

/* robots.txt (RFC 9309) evaluation, exposed for tests: returns 1 when
 * user_agent may fetch path under robots body, else 0; *crawl_delay_ms is set
 * from Crawl-delay (or -1). status is the robots.txt HTTP status (0 for
 * unreachable): 4xx allows all, 5xx/0 disallows all. */
int fetch_robots_allowed(const char *body, long status, const char *user_agent,
                         const char *path, long *crawl_delay_ms);

/* Global libcurl setup/teardown; call once from main. */
int fetch_global_init(void);
void fetch_global_cleanup(void);

#endif
