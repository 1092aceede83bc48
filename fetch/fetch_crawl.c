/*
 * The crawler: a queue of URLs in breadth-first order, each with a time
 * before which it may not start, and a table of hosts with their politeness
 * state (transfers running, next allowed start, robots.txt). One libcurl
 * multi handle runs the transfers and keeps the connection pool; the loop
 * never sleeps while a transfer could progress, so a URL waiting for its
 * backoff does not hold up other hosts. fetch_one runs the same machine on
 * a single URL without robots.txt or hooks.
 */
#include "fetch_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define ROBOTS_MAX_AGE_S (24L * 3600L)
#define CONCURRENCY_CAP 3

enum { ROBOTS_UNKNOWN, ROBOTS_PENDING, ROBOTS_KNOWN };

/* Politeness state of one authority (host[:port]); strings owned. */
typedef struct crawl_host {
    char *key;
    int active;            /* transfers running */
    int64_t next_start_ms; /* no new request before this */
    long delay_ms;         /* pause between starts, Crawl-delay included */
    int robots;            /* ROBOTS_* */
    char *robots_body;
    long robots_status;
    int probing;           /* a refused connection is being retried: no
                              other URL starts until it is settled */
    char *down;            /* why the host is unreachable, or NULL */
    long down_failed;      /* URLs saved as failures because it is down */
    long down_not_tried;   /* URLs dropped unsaved because it is down */
} crawl_host;

/* A growable array of xfers (owned by whoever holds the array). */
typedef struct xfer_list {
    fetch_xfer **v;
    size_t n, cap;
} xfer_list;

typedef struct crawl {
    const fetch_options *o;
    const fetch_hooks *h;   /* NULL in fetch_one */
    fetch_stats *st;
    fetch_result *one_out;  /* fetch_one's destination, else NULL */
    CURLM *multi;
    xfer_list queue;        /* waiting, in breadth-first order */
    xfer_list running;      /* transfers in the multi handle */
    crawl_host *hosts;
    size_t n_hosts;
    char **allowed;         /* lower-case host names, owned */
    size_t n_allowed;
    char **seen;            /* open-addressing set of URLs, owned */
    size_t seen_cap, seen_n;
    long pages_started;
    int use_robots;
    int concurrency;
    uint64_t rng;
    int failed;             /* stop: a hook aborted or memory ran out */
    char *err;              /* why (malloc'd) */
} crawl;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records the first reason the crawl must stop. */
static void crawl_fail(crawl *c, const char *why, const char *what)
{
    if (c->failed)
        return;
    c->failed = 1;
    kt_buf b = {0};
    kt_buf_printf(&b, "%s%s%s", why, what ? ": " : "", what ? what : "");
    c->err = kt_buf_take(&b);
    kt_buf_free(&b);
}

/* ms scaled by a random factor in [1 - j%, 1 + j%] (xorshift: the jitter
 * only needs to spread requests, not be unpredictable). */
static long jitter(crawl *c, long ms, int percent)
{
    if (ms <= 0 || percent <= 0)
        return ms > 0 ? ms : 0;
    if (percent > 100)
        percent = 100;
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    double u = (double)(c->rng >> 11) / (double)(1ULL << 53); /* [0,1) */
    double f = 1.0 + (2.0 * u - 1.0) * percent / 100.0;
    return (long)(ms * f);
}

static int list_insert(xfer_list *l, size_t at, fetch_xfer *x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        fetch_xfer **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof *l->v);
    l->v[at] = x;
    l->n++;
    return 0;
}

static fetch_xfer *list_take(xfer_list *l, size_t at)
{
    fetch_xfer *x = l->v[at];
    memmove(l->v + at, l->v + at + 1, (l->n - at - 1) * sizeof *l->v);
    l->n--;
    return x;
}

/* FNV-1a, for the seen set. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* Adds url to the seen set. Returns 1 if it was new, 0 if already there,
 * -1 when memory ran out. */
static int seen_add(crawl *c, const char *url)
{
    if ((c->seen_n + 1) * 2 > c->seen_cap) {
        size_t cap = c->seen_cap ? c->seen_cap * 2 : 256;
        char **v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < c->seen_cap; i++) {
            if (!c->seen[i])
                continue;
            size_t j = hash_str(c->seen[i]) & (cap - 1);
            while (v[j])
                j = (j + 1) & (cap - 1);
            v[j] = c->seen[i];
        }
        free(c->seen);
        c->seen = v;
        c->seen_cap = cap;
    }
    size_t j = hash_str(url) & (c->seen_cap - 1);
    for (; c->seen[j]; j = (j + 1) & (c->seen_cap - 1))
        if (strcmp(c->seen[j], url) == 0)
            return 0;
    if (!(c->seen[j] = kt_strdup0(url)))
        return -1;
    c->seen_n++;
    return 1;
}

static int host_allowed(const crawl *c, const char *url)
{
    if (!fetch_url_is_web(url))
        return 0;
    char *h = fetch_url_host(url);
    int ok = 0;
    for (size_t i = 0; h && i < c->n_allowed && !ok; i++)
        ok = strcasecmp(h, c->allowed[i]) == 0;
    free(h);
    return ok;
}

static int allow_host_of(crawl *c, const char *url)
{
    char *h = fetch_url_host(url);
    if (!h)
        return 0; /* not a web URL: it simply matches no host */
    char **v = realloc(c->allowed, (c->n_allowed + 1) * sizeof *v);
    if (!v) {
        free(h);
        return -1;
    }
    c->allowed = v;
    c->allowed[c->n_allowed++] = h;
    return 0;
}

/* Index of url's host record, created on first use; (size_t)-1 on OOM. A
 * URL without a host shares the record "" (libcurl will refuse it). */
static size_t host_index(crawl *c, const char *url)
{
    char *key = fetch_url_authority(url);
    if (!key)
        key = kt_strdup0("");
    if (!key)
        return (size_t)-1;
    for (size_t i = 0; i < c->n_hosts; i++)
        if (strcmp(c->hosts[i].key, key) == 0) {
            free(key);
            return i;
        }
    crawl_host *v = realloc(c->hosts, (c->n_hosts + 1) * sizeof *v);
    if (!v) {
        free(key);
        return (size_t)-1;
    }
    c->hosts = v;
    crawl_host *h = &c->hosts[c->n_hosts];
    memset(h, 0, sizeof *h);
    h->key = key;
    h->delay_ms = c->o->delay_ms;
    h->robots = c->use_robots ? ROBOTS_UNKNOWN : ROBOTS_KNOWN;
    return c->n_hosts++;
}

/* Makes a queued xfer for url (copied); validators are taken over (the xfer
 * frees them). NULL on OOM, validators then freed. */
static fetch_xfer *xfer_new(crawl *c, const char *url, int kind, int depth,
                            int entry, char *etag, char *last_modified)
{
    fetch_xfer *x = calloc(1, sizeof *x);
    if (x) {
        x->requested = kt_strdup0(url);
        x->url = kt_strdup0(url);
        x->host = host_index(c, url);
    }
    if (!x || !x->requested || !x->url || x->host == (size_t)-1) {
        free(etag);
        free(last_modified);
        if (x)
            fetch_xfer_free(x, NULL);
        return NULL;
    }
    x->kind = kind;
    x->depth = depth;
    x->entry = entry;
    x->etag = etag;
    x->last_modified = last_modified;
    return x;
}

/* Counts a final result in the stats. */
static void count_outcome(crawl *c, fetch_outcome oc)
{
    switch (oc) {
    case FETCH_OK: c->st->fetched++; break;
    case FETCH_NOT_MODIFIED: c->st->not_modified++; break;
    case FETCH_NOT_HTML: c->st->skipped_not_html++; break;
    case FETCH_ROBOTS_DENIED: c->st->robots_denied++; break;
    default: c->st->failed++; break;
    }
}

static int offer(crawl *c, const char *url, int kind, int depth, int entry,
                 int *new_report);

/* Reports the links just queued from one page to the queued hook. */
static void report_queued(crawl *c, const fetch_result *r, const fetch_link *q,
                          size_t nq)
{
    if (nq && c->h->queued && !c->failed &&
        c->h->queued(c->h->ctx, q, nq) != 0)
        crawl_fail(c, "queued hook failed", r->final_url);
}

/* Queues the links of a fetched page. When incremental and the page is a
 * list of reports, its LIST links are followed only if it yielded a report
 * not already held, so paging stops where the stored history begins. The
 * links actually queued go to the queued hook in one call. */
static void follow_links(crawl *c, const fetch_xfer *x, const fetch_result *r)
{
    fetch_link *links = NULL;
    size_t n = 0;
    if (c->h->links(c->h->ctx, r, &links, &n) != 0) {
        fetch_links_free(links, n);
        crawl_fail(c, "links hook failed", r->final_url);
        return;
    }
    /* The queued links, borrowing the urls of links[]. */
    fetch_link *q = calloc(n ? n : 1, sizeof *q);
    size_t nq = 0;
    if (!q) {
        fetch_links_free(links, n);
        crawl_fail(c, "out of memory", NULL);
        return;
    }
    int new_report = 0, reports = 0;
    for (size_t i = 0; i < n && !c->failed; i++)
        if (links[i].kind == FETCH_LINK_REPORT && links[i].url) {
            reports++;
            if (offer(c, links[i].url, links[i].kind, x->depth + 1, 0,
                      &new_report) > 0) {
                q[nq] = links[i];
                q[nq++].depth = x->depth + 1;
            }
        }
    /* A list of lists (a calendar) lists no reports itself: it is always
     * followed, or a first incremental run would never reach a report. */
    int stop_paging = c->o->incremental && x->kind == FETCH_LINK_LIST &&
                      reports > 0 && !new_report;
    for (size_t i = 0; i < n && !c->failed; i++) {
        if (links[i].kind == FETCH_LINK_REPORT || !links[i].url)
            continue;
        if (links[i].kind == FETCH_LINK_LIST && stop_paging)
            continue;
        if (offer(c, links[i].url, links[i].kind, x->depth + 1, 0,
                  &new_report) > 0) {
            q[nq] = links[i];
            q[nq++].depth = x->depth + 1;
        }
    }
    report_queued(c, r, q, nq);
    free(q);
    fetch_links_free(links, n);
}

/* Hands x's final result r to the caller (save hook or fetch_one's output),
 * after following its links, then frees x and clears r. Links come first:
 * a page is saved only once what it leads to is queued (and reported), so
 * a crawl killed in between finds the page missing and fetches it again. */
static void finish(crawl *c, fetch_xfer *x, fetch_result *r)
{
    free(r->requested_url);
    free(r->final_url);
    r->requested_url = x->requested;
    x->requested = NULL;
    r->final_url = kt_strdup0(x->url);
    r->link_kind = x->kind;
    r->attempts = x->attempts;
    r->entry = x->entry;
    if (!r->fetched_at)
        r->fetched_at = (int64_t)time(NULL);
    count_outcome(c, r->outcome);
    if (c->one_out) {
        *c->one_out = *r;
        memset(r, 0, sizeof *r);
    } else {
        if ((r->outcome == FETCH_OK || r->outcome == FETCH_NOT_MODIFIED) &&
            c->h && c->h->links && x->depth < c->o->max_depth)
            follow_links(c, x, r);
        if (!c->failed && c->h && c->h->save &&
            c->h->save(c->h->ctx, r) != 0)
            crawl_fail(c, "save hook failed", r->requested_url);
    }
    fetch_result_clear(r);
    fetch_xfer_free(x, NULL);
}

/* Queues url (fragment dropped) unless it was seen this crawl, is on a host
 * not allowed, too deep, given up (entries never are) or an already held
 * report; counts the skips. Sets *new_report when it queued a report not
 * held. Returns 1 when it queued url, 0 when not, -1 once the crawl
 * failed. */
static int offer(crawl *c, const char *url, int kind, int depth, int entry,
                 int *new_report)
{
    char *u = fetch_url_defrag(url);
    if (!u) {
        crawl_fail(c, "out of memory", NULL);
        return -1;
    }
    int fresh = 0;
    if (kind == FETCH_LINK_SKIP) {
        fresh = seen_add(c, u);
        if (fresh > 0)
            c->st->skipped_language++;
    } else if (depth <= c->o->max_depth && host_allowed(c, u)) {
        fresh = seen_add(c, u);
    }
    if (fresh < 0)
        crawl_fail(c, "out of memory", NULL);
    if (fresh <= 0 || kind == FETCH_LINK_SKIP) {
        free(u);
        return c->failed ? -1 : 0;
    }
    fetch_known k = {0};
    if (c->h->lookup && c->h->lookup(c->h->ctx, u, &k) != 0) {
        free(k.etag);
        free(k.last_modified);
        crawl_fail(c, "lookup hook failed", u);
        free(u);
        return -1;
    }
    int skip = 0;
    if (k.given_up && !entry) {
        c->st->skipped_given_up++;
        skip = 1;
    } else if (kind == FETCH_LINK_REPORT && k.held && !c->o->refresh) {
        c->st->skipped_held++;
        skip = 1;
    }
    if (skip) {
        free(k.etag);
        free(k.last_modified);
        free(u);
        return 0;
    }
    if (kind == FETCH_LINK_REPORT && !k.held && new_report)
        *new_report = 1;
    fetch_xfer *x = xfer_new(c, u, kind, depth, entry, k.etag,
                             k.last_modified);
    free(u);
    if (!x || list_insert(&c->queue, c->queue.n, x) < 0) {
        fetch_xfer_free(x, NULL);
        crawl_fail(c, "out of memory", NULL);
        return -1;
    }
    return 1;
}

/* Records robots.txt for host h (fetched or cached): its Crawl-delay raises
 * the host's delay up to the cap. */
static void robots_known(crawl *c, crawl_host *h, char *body, long status)
{
    h->robots = ROBOTS_KNOWN;
    free(h->robots_body);
    h->robots_body = body;
    h->robots_status = status;
    long cd = -1;
    fetch_robots_allowed(body, status, c->o->user_agent, "/", &cd);
    if (cd > c->o->crawl_delay_cap_ms)
        cd = c->o->crawl_delay_cap_ms;
    if (cd > h->delay_ms)
        h->delay_ms = cd;
}

/* First sight of a host: robots.txt from the cache hook, else a fetch
 * queued at the front. */
static void robots_begin(crawl *c, crawl_host *h, const char *page_url)
{
    char *body = NULL;
    long status = 0;
    if (c->h->robots_get &&
        c->h->robots_get(c->h->ctx, h->key, ROBOTS_MAX_AGE_S, &body,
                         &status) == 1) {
        robots_known(c, h, body, status);
        return;
    }
    free(body);
    char *url = fetch_url_robots(page_url);
    fetch_xfer *x = url ? xfer_new(c, url, FETCH_LINK_OTHER, 0, 0, NULL, NULL)
                        : NULL;
    free(url);
    if (!x || list_insert(&c->queue, 0, x) < 0) {
        fetch_xfer_free(x, NULL);
        crawl_fail(c, "out of memory", NULL);
        return;
    }
    x->is_robots = 1;
    h->robots = ROBOTS_PENDING;
}

/* Marks host h unreachable for the rest of the crawl, giving why (the
 * first reason is kept). */
static void host_mark_down(crawl *c, crawl_host *h, const char *why)
{
    if (h->down)
        return;
    h->down = kt_strdup0(why ? why : "unreachable");
    if (!h->down)
        crawl_fail(c, "out of memory", NULL);
    c->st->hosts_down++;
}

/* x will not be tried: its host is down. An entry, or a URL already tried
 * in this crawl, is saved as a failure of its host (robots.txt unavailable,
 * or the host unreachable); any other URL is dropped unsaved, for a later
 * run to try. */
static void drop_for_down_host(crawl *c, fetch_xfer *x)
{
    crawl_host *h = &c->hosts[x->host];
    if (!x->entry && x->attempts == 0) {
        h->down_not_tried++;
        c->st->not_tried++;
        fetch_xfer_free(x, NULL);
        return;
    }
    fetch_result r;
    memset(&r, 0, sizeof r);
    r.retry_after_s = -1;
    r.unreachable = 1;
    int by_robots = h->robots == ROBOTS_KNOWN && c->use_robots &&
                    (h->robots_status == 0 || h->robots_status >= 500);
    r.outcome = by_robots ? FETCH_ROBOTS_DENIED : FETCH_NETWORK_ERROR;
    r.http_status = by_robots ? h->robots_status : 0;
    kt_buf e = {0};
    kt_buf_printf(&e, "host unreachable: %s", h->down);
    r.error = kt_buf_take(&e);
    kt_buf_free(&e);
    h->down_failed++;
    finish(c, x, &r);
}

/* A robots.txt transfer ended with r: keep what it says for the host. An
 * unavailable robots.txt (no answer, or 5xx) means the host is not crawled
 * this run (RFC 9309 reads it as "disallow all"). */
static void robots_done(crawl *c, fetch_xfer *x, fetch_result *r)
{
    crawl_host *h = &c->hosts[x->host];
    long status = r->http_status;
    if (r->outcome == FETCH_REDIRECT_BLOCKED)
        status = 404; /* RFC 9309: an unfollowable redirect = unavailable */
    else if (r->outcome != FETCH_OK && r->outcome != FETCH_HTTP_ERROR)
        status = 0;   /* unreachable */
    char *body = r->outcome == FETCH_OK ? (char *)r->body : NULL;
    if (body)
        r->body = NULL;
    robots_known(c, h, body, status);
    if (status == 0 || status >= 500) {
        kt_buf why = {0};
        if (status)
            kt_buf_printf(&why, "robots.txt unavailable (HTTP %ld)", status);
        else
            kt_buf_printf(&why, "robots.txt unreachable: %s",
                          r->error ? r->error : "no answer");
        host_mark_down(c, h, why.data);
        kt_buf_free(&why);
    }
    if (c->h->robots_put && status != 0 && status < 500 &&
        c->h->robots_put(c->h->ctx, h->key, body ? body : "", status) != 0)
        crawl_fail(c, "robots_put hook failed", h->key);
    fetch_result_clear(r);
    fetch_xfer_free(x, NULL);
}

/* robots.txt disallows x: saved as FETCH_ROBOTS_DENIED with http_status
 * set to robots.txt's status (a rule, not a failure). */
static void robots_deny(crawl *c, fetch_xfer *x)
{
    const crawl_host *h = &c->hosts[x->host];
    fetch_result r;
    memset(&r, 0, sizeof r);
    r.outcome = FETCH_ROBOTS_DENIED;
    r.http_status = h->robots_status;
    r.retry_after_s = -1;
    r.error = kt_strdup0("disallowed by robots.txt");
    finish(c, x, &r);
}

/* 1 when robots.txt lets us fetch x's URL. */
static int robots_lets(crawl *c, const fetch_xfer *x)
{
    const crawl_host *h = &c->hosts[x->host];
    char *pq = fetch_url_path_query(x->url);
    int ok = fetch_robots_allowed(h->robots_body, h->robots_status,
                                  c->o->user_agent, pq ? pq : "/", NULL);
    free(pq);
    return ok;
}

/* Starts every queued xfer that may start now; lowers *wake to the earliest
 * time a waiting one could. */
static void start_ready(crawl *c, int64_t now, int64_t *wake)
{
    for (size_t i = 0; i < c->queue.n && !c->failed; i++) {
        fetch_xfer *x = c->queue.v[i];
        crawl_host *h = &c->hosts[x->host];
        if (x->ready_ms > now) {
            if (x->ready_ms < *wake)
                *wake = x->ready_ms;
            continue;
        }
        /* past max_pages, URLs not yet tried are dropped unsaved */
        int first = !x->is_robots && x->attempts == 0 && x->hops == 0;
        if (first && c->o->max_pages > 0 &&
            c->pages_started >= c->o->max_pages) {
            fetch_xfer_free(list_take(&c->queue, i--), NULL);
            continue;
        }
        if (!x->is_robots && h->down) {
            drop_for_down_host(c, list_take(&c->queue, i--));
            continue;
        }
        if (!x->is_robots) {
            if (h->robots == ROBOTS_UNKNOWN) {
                robots_begin(c, h, x->url);
                i = (size_t)-1; /* the queue changed: rescan from the top */
                continue;
            }
            if (h->robots == ROBOTS_PENDING)
                continue;
            if (c->use_robots && !robots_lets(c, x)) {
                robots_deny(c, list_take(&c->queue, i--));
                continue;
            }
        }
        if (h->active >= c->concurrency)
            continue;
        /* While a refused connection is retried, the host may be down:
         * nothing new starts there until the retry has settled it. */
        if (h->probing && x->attempts == 0 && !x->is_robots)
            continue;
        if (h->next_start_ms > now) {
            if (h->next_start_ms < *wake)
                *wake = h->next_start_ms;
            continue;
        }
        if (fetch_xfer_start(x, c->o, c->multi) < 0 ||
            list_insert(&c->running, c->running.n, x) < 0) {
            crawl_fail(c, "cannot start a transfer", x->url);
            return;
        }
        list_take(&c->queue, i--);
        if (first)
            c->pages_started++;
        if (!x->after_redirect)
            x->attempts++;
        x->after_redirect = 0;
        h->active++;
        h->next_start_ms = now + jitter(c, h->delay_ms, c->o->jitter_percent);
        c->st->requests++;
    }
}

/* Backoff before try number x->attempts + 1: base doubled per try, jittered,
 * capped, and at least the server's Retry-After (itself capped). */
static long backoff_ms(crawl *c, const fetch_xfer *x, long retry_after_s)
{
    long ms = c->o->retry_base_ms;
    for (int i = 1; i < x->attempts && ms < c->o->retry_max_ms; i++)
        ms *= 2;
    ms = jitter(c, ms, c->o->jitter_percent);
    if (ms > c->o->retry_max_ms)
        ms = c->o->retry_max_ms;
    if (retry_after_s > 0) {
        long ra = retry_after_s > c->o->retry_max_ms / 1000
                      ? c->o->retry_max_ms
                      : retry_after_s * 1000;
        if (ra > ms)
            ms = ra;
    }
    return ms;
}

/* A redirect from x to loc: follow it (x goes back to the queue's front
 * with its new URL) or, when it leaves the allowed hosts, is not http(s) or
 * exceeds max_redirects, finish x as FETCH_REDIRECT_BLOCKED. Takes loc. */
static void redirect(crawl *c, fetch_xfer *x, fetch_result *r, char *loc)
{
    const char *why = NULL;
    if (!fetch_url_is_web(loc))
        why = "redirect to a scheme other than http(s) refused";
    else if (!host_allowed(c, loc))
        why = "redirect to a host not allowed refused";
    else if (x->hops >= c->o->max_redirects)
        why = "too many redirects";
    if (why) {
        r->redirect_to = loc;
        free(r->error);
        r->error = kt_strdup0(why);
        if (x->is_robots)
            robots_done(c, x, r);
        else
            finish(c, x, r);
        return;
    }
    fetch_result_clear(r);
    char *u = fetch_url_defrag(loc);
    free(loc);
    size_t hi = u ? host_index(c, u) : (size_t)-1;
    if (hi == (size_t)-1) {
        free(u);
        fetch_xfer_free(x, NULL);
        crawl_fail(c, "out of memory", NULL);
        return;
    }
    if (!x->is_robots && seen_add(c, u) < 0)
        crawl_fail(c, "out of memory", NULL);
    free(x->url);
    x->url = u;
    if (!x->is_robots)
        x->host = hi; /* robots.txt stays accounted to the host it is for */
    x->hops++;
    x->after_redirect = 1;
    free(x->etag);
    free(x->last_modified);
    x->etag = x->last_modified = NULL; /* they belonged to the old URL */
    x->ready_ms = 0;
    if (list_insert(&c->queue, 0, x) < 0) {
        fetch_xfer_free(x, NULL);
        crawl_fail(c, "out of memory", NULL);
    }
}

/* A transfer of x ended with rc. */
static void transfer_done(crawl *c, fetch_xfer *x, CURLcode rc)
{
    c->hosts[x->host].active--;
    fetch_result r;
    char *loc = NULL;
    fetch_next next = fetch_xfer_finish(x, c->multi, rc, &r, &loc);
    if (next == FETCH_NEXT_REDIRECT) {
        redirect(c, x, &r, loc);
        return;
    }
    crawl_host *host = &c->hosts[x->host];
    host->probing = 0;
    if (next == FETCH_NEXT_RETRY && x->attempts < c->o->max_attempts) {
        host->probing = r.unreachable;
        x->ready_ms = now_ms() + backoff_ms(c, x, r.retry_after_s);
        fetch_result_clear(&r);
        if (list_insert(&c->queue, 0, x) < 0) {
            fetch_xfer_free(x, NULL);
            crawl_fail(c, "out of memory", NULL);
        }
        return;
    }
    if (x->is_robots) {
        robots_done(c, x, &r);
        return;
    }
    if (r.unreachable) {
        host_mark_down(c, host, r.error);
        host->down_failed++;
    }
    finish(c, x, &r);
}

/* Tells the caller about every host found unreachable. */
static void report_down_hosts(crawl *c)
{
    for (size_t i = 0; i < c->n_hosts && c->h->host_down; i++)
        if (c->hosts[i].down)
            c->h->host_down(c->h->ctx, c->hosts[i].key, c->hosts[i].down,
                            c->hosts[i].down_failed,
                            c->hosts[i].down_not_tried);
}

/* Runs the loop until the queue and the running set are empty or the crawl
 * failed. */
static void run(crawl *c)
{
    while (!c->failed && (c->queue.n > 0 || c->running.n > 0)) {
        int64_t now = now_ms();
        int64_t wake = now + 1000;
        start_ready(c, now, &wake);
        if (c->failed || (c->queue.n == 0 && c->running.n == 0))
            break;
        int still = 0;
        if (curl_multi_perform(c->multi, &still) != CURLM_OK) {
            crawl_fail(c, "libcurl multi interface failed", NULL);
            break;
        }
        CURLMsg *msg;
        int left, finished = 0;
        while (!c->failed && (msg = curl_multi_info_read(c->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURLcode rc = msg->data.result;
            char *priv = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            fetch_xfer *x = (fetch_xfer *)(void *)priv;
            for (size_t i = 0; i < c->running.n; i++)
                if (c->running.v[i] == x) {
                    list_take(&c->running, i);
                    break;
                }
            transfer_done(c, x, rc);
            finished = 1;
        }
        if (finished)
            continue; /* the queue changed: recompute what may start */
        long timeout = (long)(wake - now_ms());
        if (c->running.n == 0 && timeout > 0) {
            struct timespec ts = {timeout / 1000, (timeout % 1000) * 1000000L};
            nanosleep(&ts, NULL); /* nothing to watch: just wait */
        } else if (timeout > 0) {
            curl_multi_poll(c->multi, NULL, 0, (int)timeout, NULL);
        }
    }
}

/* Sets up c for options o (NULL hooks for fetch_one). Returns 0 or -1. */
static int crawl_init(crawl *c, const fetch_options *o, const fetch_hooks *h,
                      fetch_stats *st)
{
    memset(c, 0, sizeof *c);
    memset(st, 0, sizeof *st);
    c->o = o;
    c->h = h;
    c->st = st;
    c->concurrency = o->per_host_concurrency < 1 ? 1 : o->per_host_concurrency;
    if (!o->force_concurrency && c->concurrency > CONCURRENCY_CAP)
        c->concurrency = CONCURRENCY_CAP;
    c->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
             0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < o->n_allowed_hosts; i++) {
        char **v = realloc(c->allowed, (c->n_allowed + 1) * sizeof *v);
        if (!v)
            return -1;
        c->allowed = v;
        if (!(c->allowed[c->n_allowed] = kt_strdup0(o->allowed_hosts[i])))
            return -1;
        c->n_allowed++;
    }
    c->multi = curl_multi_init();
    if (!c->multi)
        return -1;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)c->concurrency);
    return 0;
}

static void crawl_free(crawl *c)
{
    for (size_t i = 0; i < c->running.n; i++)
        fetch_xfer_free(c->running.v[i], c->multi);
    for (size_t i = 0; i < c->queue.n; i++)
        fetch_xfer_free(c->queue.v[i], NULL);
    free(c->running.v);
    free(c->queue.v);
    for (size_t i = 0; i < c->n_hosts; i++) {
        free(c->hosts[i].key);
        free(c->hosts[i].robots_body);
        free(c->hosts[i].down);
    }
    free(c->hosts);
    for (size_t i = 0; i < c->n_allowed; i++)
        free(c->allowed[i]);
    free(c->allowed);
    for (size_t i = 0; i < c->seen_cap; i++)
        free(c->seen[i]);
    free(c->seen);
    if (c->multi)
        curl_multi_cleanup(c->multi);
}

int fetch_crawl(const fetch_options *o, const fetch_link *starts, size_t n,
                const fetch_hooks *hooks, fetch_stats *stats, char **err)
{
    crawl c;
    fetch_stats local;
    fetch_hooks none;
    memset(&none, 0, sizeof none);
    if (err)
        *err = NULL;
    int rc = crawl_init(&c, o, hooks ? hooks : &none, stats ? stats : &local);
    c.use_robots = !o->ignore_robots;
    if (rc == 0 && o->n_allowed_hosts == 0)
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = allow_host_of(&c, starts[i].url);
    if (rc < 0)
        crawl_fail(&c, "cannot start the crawl (memory or libcurl)", NULL);
    for (size_t i = 0; i < n && !c.failed; i++)
        offer(&c, starts[i].url, starts[i].kind, starts[i].depth,
              starts[i].entry, NULL);
    run(&c);
    if (!c.failed)
        report_down_hosts(&c);
    rc = c.failed ? -1 : 0;
    if (err && c.failed) {
        *err = c.err;
        c.err = NULL;
    }
    free(c.err);
    crawl_free(&c);
    return rc;
}

int fetch_one(const fetch_options *o, const char *url, const char *etag,
              const char *last_modified, fetch_result *out)
{
    crawl c;
    fetch_stats st;
    fetch_hooks none;
    memset(&none, 0, sizeof none);
    memset(out, 0, sizeof *out);
    int rc = crawl_init(&c, o, &none, &st);
    c.one_out = out;
    if (rc == 0 && o->n_allowed_hosts == 0)
        rc = allow_host_of(&c, url);
    fetch_xfer *x = NULL;
    if (rc == 0)
        x = xfer_new(&c, url, FETCH_LINK_OTHER, 0, 1, kt_strdup0(etag),
                     kt_strdup0(last_modified));
    if (!x || (etag && !x->etag) || (last_modified && !x->last_modified) ||
        list_insert(&c.queue, 0, x) < 0) {
        fetch_xfer_free(x, NULL);
        free(c.err);
        crawl_free(&c);
        return -1;
    }
    run(&c);
    rc = c.failed ? -1 : 0;
    free(c.err);
    crawl_free(&c);
    return rc;
}
