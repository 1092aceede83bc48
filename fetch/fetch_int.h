/*
 * Internals shared by the fetch stage's files (not for callers): the URL
 * helpers and one queued URL's transfer state.
 */
#ifndef KT_FETCH_INT_H
#define KT_FETCH_INT_H

#include "fetch.h"
#include "kt_util.h"

#include <curl/curl.h>

/* --- fetch_url.c: URL pieces via libcurl's URL API ---------------------- */

/* Lower-case host name of an absolute URL (malloc'd, caller frees), or NULL
 * when the URL has no host or cannot be parsed. */
char *fetch_url_host(const char *url);
/* Lower-case authority "host" or "host:port" (port only when the URL names
 * one): the key of per-host politeness and robots.txt. malloc'd or NULL. */
char *fetch_url_authority(const char *url);
/* 1 when the URL's scheme is http or https, else 0. */
int fetch_url_is_web(const char *url);
/* loc resolved against base (malloc'd, caller frees); NULL when it cannot be
 * made absolute. */
char *fetch_url_resolve(const char *base, const char *loc);
/* Path plus "?query" of url, as robots.txt rules see it (malloc'd). */
char *fetch_url_path_query(const char *url);
/* scheme://authority/robots.txt of url (malloc'd), or NULL. */
char *fetch_url_robots(const char *url);
/* Copy of url without its "#fragment" (malloc'd), or NULL on OOM. */
char *fetch_url_defrag(const char *url);

/* --- fetch_xfer.c: one URL's life in a crawl ----------------------------- */

/* A queued URL. All strings malloc'd and owned by the xfer. It lives from
 * queueing until its result is saved, across retries and redirect hops. */
typedef struct fetch_xfer {
    char *requested;      /* the URL as queued */
    char *url;            /* current URL (differs after redirects) */
    int kind;             /* fetch_link_kind */
    int depth;
    int is_robots;        /* internal robots.txt fetch, never saved */
    int entry;            /* queued as an entry (fetch_link.entry) */
    char *etag;           /* validators to send (dropped after a redirect) */
    char *last_modified;
    int attempts;         /* tries made (redirect hops are not tries) */
    int hops;             /* redirects followed */
    int after_redirect;   /* the next start is a hop, not a try */
    int64_t ready_ms;     /* not started before this time */
    size_t host;          /* index in the crawler's host table */

    /* one transfer's state, reset by fetch_xfer_start */
    CURL *easy;
    struct curl_slist *headers;
    kt_buf body;
    size_t cap;           /* body byte cap of this transfer */
    int too_large;        /* body grew past cap */
    int not_html;         /* 2xx with a type we do not keep */
    int keep_body;        /* decided on the first body bytes */
    int body_seen;
    char *h_etag;         /* response headers of interest */
    char *h_last_modified;
    char *h_location;
    char errbuf[CURL_ERROR_SIZE];
} fetch_xfer;

/* What a finished transfer asks the crawler to do next. */
typedef enum fetch_next {
    FETCH_NEXT_DONE,      /* final result */
    FETCH_NEXT_RETRY,     /* retryable failure: try again if tries remain */
    FETCH_NEXT_REDIRECT,  /* 3xx with a Location */
} fetch_next;

/* Creates x's easy handle for x->url with o's limits and adds it to m.
 * Returns 0, or -1 (x unchanged but for freed transfer state). */
int fetch_xfer_start(fetch_xfer *x, const fetch_options *o, CURLM *m);
/* Turns a completed transfer into *r (zeroed first; caller clears) and
 * removes the easy handle from m. For FETCH_NEXT_REDIRECT, *location
 * (malloc'd, caller frees) is the absolute target, or the raw Location when
 * it cannot be resolved. Returns the next step. */
fetch_next fetch_xfer_finish(fetch_xfer *x, CURLM *m, CURLcode rc,
                             fetch_result *r, char **location);
/* Frees the transfer state (easy handle removed from m when m != NULL). */
void fetch_xfer_reset(fetch_xfer *x, CURLM *m);
/* Frees x entirely (transfer state included). */
void fetch_xfer_free(fetch_xfer *x, CURLM *m);

#endif
