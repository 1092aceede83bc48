/*
 * fetch, import and run: the commands that bring pages in. The fetch
 * library is wired to the database through hooks (what is held, keep this
 * result, robots cache) and to extract for a page's links, so the crawler
 * itself knows neither SQL nor HTML.
 */
#include "cli.h"
#include "extract.h"
#include "fetch.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kt_util.h"

struct cli_fetch_args {
    fetch_options opt;
    char **starts;
    size_t n_starts;
    char **hosts;
    size_t n_hosts;
    const char *site;
    const char *base_url;
    int give_up;
    char *user_agent;
    long from_day, to_day; /* --from/--to as day numbers; 0 = open */
    int full;              /* --full: walk every list page of a site */
    int retry_given_up;    /* --retry-given-up: clear the given-up marks */
};

void cli_fetch_args_free(cli_fetch_args *a)
{
    if (!a)
        return;
    store_strings_free(a->starts, a->n_starts);
    store_strings_free(a->hosts, a->n_hosts);
    free(a->user_agent);
    free(a);
}

static int push_string(char ***v, size_t *n, const char *s)
{
    char **p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *v = p;
    p[*n] = kt_strdup0(s);
    if (!p[*n])
        return -1;
    (*n)++;
    return 0;
}

cli_fetch_args *cli_fetch_args_parse(int argc, char **argv)
{
    enum { O_START = 256, O_SITE, O_BASE, O_HOST, O_DEPTH, O_MAXP, O_DELAY,
           O_CONC, O_FORCE, O_CTO, O_TO, O_SIZE, O_RETRIES, O_GIVEUP,
           O_REFRESH, O_IGNROB, O_UA, O_FROM, O_TO_DATE, O_FULL, O_LSL,
           O_LST, O_RETRY_GIVEN_UP };
    static const struct option longopts[] = {
        {"start", required_argument, 0, O_START},
        {"site", required_argument, 0, O_SITE},
        {"base-url", required_argument, 0, O_BASE},
        {"allow-host", required_argument, 0, O_HOST},
        {"depth", required_argument, 0, O_DEPTH},
        {"max-pages", required_argument, 0, O_MAXP},
        {"delay-ms", required_argument, 0, O_DELAY},
        {"concurrency", required_argument, 0, O_CONC},
        {"force-concurrency", no_argument, 0, O_FORCE},
        {"connect-timeout", required_argument, 0, O_CTO},
        {"timeout", required_argument, 0, O_TO},
        {"max-size", required_argument, 0, O_SIZE},
        {"retries", required_argument, 0, O_RETRIES},
        {"give-up", required_argument, 0, O_GIVEUP},
        {"refresh", no_argument, 0, O_REFRESH},
        {"ignore-robots", no_argument, 0, O_IGNROB},
        {"user-agent", required_argument, 0, O_UA},
        {"from", required_argument, 0, O_FROM},
        {"full", no_argument, 0, O_FULL},
        {"low-speed-limit", required_argument, 0, O_LSL},
        {"low-speed-time", required_argument, 0, O_LST},
        {"to", required_argument, 0, O_TO_DATE},
        {"retry-given-up", no_argument, 0, O_RETRY_GIVEN_UP},
        {0, 0, 0, 0}};
    cli_fetch_args *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    fetch_options_default(&a->opt);
    a->give_up = 5;
    int depth_given = 0;
    optind = 0; /* glibc: fully reinitialise for this argv */
    opterr = 0;
    int ch;
    long v;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        const char *o = argv[optind - 1];
        switch (ch) {
        case O_START:
            if (push_string(&a->starts, &a->n_starts, optarg))
                goto bad;
            break;
        case O_SITE: a->site = optarg; break;
        case O_BASE: a->base_url = optarg; break;
        case O_HOST:
            if (push_string(&a->hosts, &a->n_hosts, optarg))
                goto bad;
            break;
        case O_DEPTH:
            if ((v = cli_parse_long(o, optarg, 0, 100000)) < 0) goto bad;
            a->opt.max_depth = (int)v;
            depth_given = 1;
            break;
        case O_MAXP:
            if ((v = cli_parse_long(o, optarg, 0, 100000000)) < 0) goto bad;
            a->opt.max_pages = v;
            break;
        case O_DELAY:
            if ((v = cli_parse_long(o, optarg, 0, 3600000)) < 0) goto bad;
            a->opt.delay_ms = v;
            break;
        case O_CONC:
            if ((v = cli_parse_long(o, optarg, 1, 64)) < 0) goto bad;
            a->opt.per_host_concurrency = (int)v;
            break;
        case O_FORCE: a->opt.force_concurrency = 1; break;
        case O_CTO:
            if ((v = cli_parse_long(o, optarg, 1, 3600)) < 0) goto bad;
            a->opt.connect_timeout_ms = v * 1000;
            break;
        case O_TO:
            if ((v = cli_parse_long(o, optarg, 1, 86400)) < 0) goto bad;
            a->opt.total_timeout_ms = v * 1000;
            break;
        case O_SIZE:
            if ((v = cli_parse_long(o, optarg, 1024, 1L << 30)) < 0) goto bad;
            a->opt.max_body_bytes = (size_t)v;
            break;
        case O_RETRIES:
            if ((v = cli_parse_long(o, optarg, 0, 20)) < 0) goto bad;
            a->opt.max_attempts = (int)v + 1;
            break;
        case O_GIVEUP:
            if ((v = cli_parse_long(o, optarg, 1, 1000)) < 0) goto bad;
            a->give_up = (int)v;
            break;
        case O_REFRESH: a->opt.refresh = 1; break;
        case O_RETRY_GIVEN_UP: a->retry_given_up = 1; break;
        case O_FULL: a->full = 1; break;
        case O_LSL:
            if ((v = cli_parse_long(o, optarg, 0, 1L << 30)) < 0) goto bad;
            a->opt.low_speed_bytes = v;
            break;
        case O_LST:
            if ((v = cli_parse_long(o, optarg, 1, 3600)) < 0) goto bad;
            a->opt.low_speed_seconds = v;
            break;
        case O_IGNROB: a->opt.ignore_robots = 1; break;
        case O_FROM:
        case O_TO_DATE: {
            int y, m, d;
            if (kt_date_parse(optarg, &y, &m, &d)) {
                cli_error("fetch: %s takes a date YYYY-MM-DD", o);
                goto bad;
            }
            *(ch == O_FROM ? &a->from_day : &a->to_day) =
                kt_days_from_civil(y, m, d);
            break;
        }
        case O_UA:
            free(a->user_agent);
            a->user_agent = kt_strdup0(optarg);
            break;
        default:
            cli_error("fetch: unknown option or missing value: '%s' (see "
                      "kcnatrack fetch --help)", o);
            goto bad;
        }
    }
    if (optind < argc) {
        cli_error("fetch: unexpected argument '%s'", argv[optind]);
        goto bad;
    }
    if (a->opt.per_host_concurrency > 3 && !a->opt.force_concurrency) {
        cli_error("fetch: --concurrency above 3 risks a ban from KCNA's "
                  "servers; add --force-concurrency for your own mirror");
        goto bad;
    }
    if (a->base_url && !a->site) {
        cli_error("fetch: --base-url goes with --site");
        goto bad;
    }
    if (!a->user_agent) {
        const char *contact = getenv("KCNATRACK_CONTACT");
        kt_buf ua = {0};
        kt_buf_printf(&ua, "kcnatrack/%s (+%s)", KT_VERSION,
                      contact && *contact ? contact
                                          : "set KCNATRACK_CONTACT to a URL");
        a->user_agent = kt_buf_take(&ua);
    }
    /* A site's lists page on and on (kcna.kp's "next" links): a --site
     * walk is bounded by its period and its stop rule, not by hops. */
    if (a->site && !depth_given)
        a->opt.max_depth = 100000;
    /* A daily --site run stops paging back through a site's lists once a
     * list page brings nothing new; a period or --full walks them all. */
    a->opt.incremental = a->site && !a->full && !a->from_day && !a->to_day;
    a->opt.user_agent = a->user_agent;
    a->opt.allowed_hosts = (const char *const *)a->hosts;
    a->opt.n_allowed_hosts = a->n_hosts;
    return a;
bad:
    cli_fetch_args_free(a);
    return NULL;
}

/* What the hooks need: the database, the site profiles, the give-up cap and
 * the counts. */
typedef struct hook_ctx {
    cli_ctx *cli;
    const cli_fetch_args *args;
    extract_profiles *profiles;
    int give_up;
    cli_stage_counts *counts;
    int db_failed;
    int hosts_down;
} hook_ctx;

static int hook_lookup(void *p, const char *url, fetch_known *out)
{
    hook_ctx *h = p;
    store_url_state st = {0};
    char *err = NULL;
    if (store_url_state_get(h->cli->db, url, &st, &err)) {
        cli_error("%s", err ? err : "database lookup failed");
        free(err);
        h->db_failed = 1;
        return -1;
    }
    out->held = st.held;
    out->given_up = st.given_up;
    out->etag = st.etag;
    out->last_modified = st.last_modified;
    st.etag = st.last_modified = NULL; /* handed to the crawler */
    store_url_state_clear(&st);
    return 0;
}

static int hook_save(void *p, const fetch_result *r)
{
    hook_ctx *h = p;
    store_fetch f = {0};
    f.requested_url = r->requested_url;
    f.final_url = r->final_url;
    f.link_kind = r->link_kind;
    f.http_status = r->http_status;
    f.outcome = fetch_outcome_name(r->outcome);
    f.error = r->error;
    f.failed = fetch_outcome_is_failure(r->outcome, r->http_status);
    f.retryable = fetch_outcome_retryable(r->outcome, r->http_status);
    f.entry = r->entry;
    f.give_up = h->give_up;
    f.content_type = r->content_type;
    f.charset = r->charset;
    f.etag = r->etag;
    f.last_modified = r->last_modified;
    if (r->outcome == FETCH_OK) {
        f.body = r->body;
        f.body_len = r->body_len;
    }
    f.fetched_at = r->fetched_at;
    f.attempts = r->attempts;
    int new_page = 0;
    char *err = NULL;
    if (store_fetch_save(h->cli->db, &f, &new_page, &err)) {
        cli_error("%s", err ? err : "could not save a page");
        free(err);
        h->db_failed = 1;
        return -1;
    }
    switch (r->outcome) {
    case FETCH_OK:
        if (new_page)
            h->counts->done++;
        else
            h->counts->unchanged++;
        break;
    case FETCH_NOT_MODIFIED:
        h->counts->unchanged++;
        break;
    default:
        if (!f.failed) {
            /* not HTML, or disallowed by robots.txt: known, not wanted */
            h->counts->skipped++;
            cli_debug(h->cli, "skipped %s: %s", r->requested_url,
                      r->error ? r->error : fetch_outcome_name(r->outcome));
            break;
        }
        h->counts->failed++;
        /* Printed even when quiet: quiet means silent only on success. A
         * host that is down gets one line for all its URLs (hook_host_down)
         * instead of one per URL. */
        if (!r->unreachable)
            cli_error("%s: %s", r->requested_url,
                      r->error ? r->error : fetch_outcome_name(r->outcome));
        break;
    }
    cli_debug(h->cli, "fetch %s: %s %ld", r->requested_url,
              fetch_outcome_name(r->outcome), r->http_status);
    return 0;
}

/* The day a URL is dated by, when its path carries a date the way news
 * archives write them: YYYYMMDD, or YYYY/YYYYMM/newsDD. Returns -1 when it
 * carries none; such links are always followed. */
static long url_day(const char *url)
{
    for (const char *p = url; *p; p++) {
        int y, m, d, n = 0;
        if (sscanf(p, "%4d/%*4d%2d/news%2d%n", &y, &m, &d, &n) == 3 && n &&
            y >= 1990 && m >= 1 && m <= 12 && d >= 1 && d <= 31)
            return kt_days_from_civil(y, m, d);
        if (strspn(p, "0123456789") == 8 && (p == url || !isdigit((unsigned char)p[-1])) &&
            sscanf(p, "%4d%2d%2d", &y, &m, &d) == 3 && y >= 1990 &&
            y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31)
            return kt_days_from_civil(y, m, d);
    }
    return -1;
}

/* 1 when --from/--to exclude the link. */
static int outside_period(const cli_fetch_args *a, const char *url)
{
    if (!a->from_day && !a->to_day)
        return 0;
    long day = url_day(url);
    if (day < 0)
        return 0;
    return (a->from_day && day < a->from_day) || (a->to_day && day > a->to_day);
}

static int hook_links(void *p, const fetch_result *r, fetch_link **out,
                      size_t *n)
{
    hook_ctx *h = p;
    *out = NULL;
    *n = 0;
    extract_document d = {0};
    char *err = NULL;
    const char *url = r->final_url ? r->final_url : r->requested_url;
    const unsigned char *body = r->body;
    size_t len = r->body_len;
    const char *charset = r->charset;
    store_page stored = {0};
    if (r->outcome == FETCH_NOT_MODIFIED) {
        /* Unchanged: its links are those of the copy we hold. */
        int64_t id = 0;
        int found = store_page_find_latest(h->cli->db, r->requested_url, &id,
                                           &err);
        if (found < 0 ||
            (found && store_page_load(h->cli->db, id, &stored, &err))) {
            cli_error("%s", err ? err : "database lookup failed");
            free(err);
            h->db_failed = 1;
            return -1;
        }
        if (!found)
            return 0;
        body = stored.body;
        len = stored.body_len;
        charset = stored.charset;
    }
    int bad = extract_page(h->profiles, url, charset, body, len, &d, &err);
    store_page_clear(&stored);
    if (bad) {
        /* An unparsable page has no links; extract will record it. */
        cli_debug(h->cli, "no links from %s: %s", url, err ? err : "");
        free(err);
        return 0;
    }
    if (d.n_links) {
        *out = calloc(d.n_links, sizeof **out);
        if (!*out) {
            extract_document_clear(&d);
            return -1;
        }
        size_t k = 0;
        for (size_t i = 0; i < d.n_links; i++) {
            if (outside_period(h->args, d.links[i].url))
                continue;
            (*out)[k].url = d.links[i].url;
            (*out)[k].kind = d.links[i].kind;
            d.links[i].url = NULL; /* moved */
            k++;
        }
        *n = k;
    }
    extract_document_clear(&d);
    return 0;
}

/* The links a crawl queued go to the frontier before their page is saved,
 * so a run killed at any point leaves the next one knowing what to fetch. */
static int hook_queued(void *p, const fetch_link *links, size_t n)
{
    hook_ctx *h = p;
    const char **urls = calloc(n ? n : 1, sizeof *urls);
    int *kinds = calloc(n ? n : 1, sizeof *kinds);
    int *depths = calloc(n ? n : 1, sizeof *depths);
    char *err = NULL;
    int rc = -1;
    if (urls && kinds && depths) {
        for (size_t i = 0; i < n; i++) {
            urls[i] = links[i].url;
            kinds[i] = links[i].kind;
            depths[i] = links[i].depth;
        }
        rc = store_frontier_add(h->cli->db, urls, kinds, depths, n,
                                (int64_t)time(NULL), &err);
    }
    if (rc) {
        cli_error("%s", err ? err : "out of memory");
        h->db_failed = 1;
    }
    free(err);
    free(urls);
    free(kinds);
    free(depths);
    return rc;
}

/* One line for a host that could not be reached, however many URLs it
 * cost: a day when the server is down reads as one clear message. */
static void hook_host_down(void *p, const char *host, const char *error,
                           long failed, long not_tried)
{
    hook_ctx *h = p;
    h->hosts_down++;
    cli_error("host %s unreachable (%s); %ld URL%s failed, %ld not tried "
              "(all retried by the next run)", host, error, failed,
              failed == 1 ? "" : "s", not_tried);
}

static int hook_robots_get(void *p, const char *host, long max_age_s,
                           char **body, long *status)
{
    hook_ctx *h = p;
    char *err = NULL;
    int rc = store_robots_get(h->cli->db, host, max_age_s, body, status, &err);
    if (rc < 0) {
        cli_debug(h->cli, "robots cache: %s", err ? err : "");
        free(err);
        return 0;
    }
    return rc;
}

static int hook_robots_put(void *p, const char *host, const char *body,
                           long status)
{
    hook_ctx *h = p;
    char *err = NULL;
    if (store_robots_put(h->cli->db, host, body, status, &err)) {
        cli_debug(h->cli, "robots cache: %s", err ? err : "");
        free(err);
    }
    return 0;
}

/* Appends a start link (taking a copy of url). */
static int push_start(fetch_link **v, size_t *n, const char *url, int kind,
                      int depth, int entry)
{
    fetch_link *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *v = p;
    p[*n].url = kt_strdup0(url);
    p[*n].kind = kind;
    p[*n].depth = depth;
    p[*n].entry = entry;
    if (!p[*n].url)
        return -1;
    (*n)++;
    return 0;
}

/* Start links for --site: the profile's entry paths under the base URL. */
static int site_starts(const extract_profiles *prof, const cli_fetch_args *a,
                       fetch_link **v, size_t *n)
{
    const char *const *paths = NULL;
    const char *base = NULL;
    size_t np = 0;
    if (extract_profile_entries(prof, a->site, &paths, &np) || !np) {
        cli_error("fetch: site profile '%s' not found or has no entry pages",
                  a->site);
        return CLI_EXIT_USAGE;
    }
    base = a->base_url ? a->base_url : extract_profile_base(prof, a->site);
    if (!base) {
        cli_error("fetch: site profile '%s' has no base URL; give --base-url",
                  a->site);
        return CLI_EXIT_USAGE;
    }
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    for (size_t i = 0; i < np; i++) {
        kt_buf u = {0};
        kt_buf_append(&u, base, bl);
        kt_buf_printf(&u, "%s%s", paths[i][0] == '/' ? "" : "/", paths[i]);
        int bad = push_start(v, n, u.data, FETCH_LINK_LIST, 0, 1);
        kt_buf_free(&u);
        if (bad)
            return CLI_EXIT_SOFTWARE;
    }
    return 0;
}

/* Adds todo URLs (failed before, or left in the frontier) as starts. A
 * retried report does not spread (its depth is the limit); a list does,
 * from where it was queued. */
static int push_todos(fetch_link **starts, size_t *n,
                      const store_url_todo *t, size_t nt, int max_depth)
{
    for (size_t i = 0; i < nt; i++) {
        int depth = t[i].kind == FETCH_LINK_REPORT ? max_depth : t[i].depth;
        if (push_start(starts, n, t[i].url, t[i].kind, depth, t[i].entry))
            return -1;
    }
    return 0;
}

int cli_stage_fetch(cli_ctx *ctx, const cli_fetch_args *a, cli_stage_counts *c)
{
    memset(c, 0, sizeof *c);
    char *sites = cli_rules_path(ctx, "sites");
    hook_ctx h = {ctx, a, NULL, a->give_up, c, 0, 0};
    char *err = NULL;
    fetch_link *starts = NULL;
    size_t n = 0;
    store_url_todo *retry = NULL, *frontier = NULL;
    size_t nr = 0, nf = 0;
    int rc = CLI_EXIT_OK;
    if (extract_profiles_load(sites, &h.profiles, &err)) {
        free(sites);
        return cli_fail(err, CLI_EXIT_DATAERR);
    }
    free(sites);
    /* A start URL the profiles know as a report is fetched once like any
     * report; anything else is a list to walk. Start URLs are entries:
     * never given up. */
    for (size_t i = 0; i < a->n_starts; i++)
        if (push_start(&starts, &n, a->starts[i],
                       extract_link_kind(h.profiles, a->starts[i]) ==
                               FETCH_LINK_REPORT
                           ? FETCH_LINK_REPORT
                           : FETCH_LINK_LIST,
                       0, 1)) {
            rc = CLI_EXIT_SOFTWARE;
            goto out;
        }
    if (a->site && (rc = site_starts(h.profiles, a, &starts, &n)))
        goto out;
    long cleared = 0;
    if (a->retry_given_up &&
        store_urls_retry_given_up(ctx->db, &cleared, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
        goto out;
    }
    if (cleared)
        cli_debug(ctx, "retrying %ld given-up URL%s", cleared,
                  cleared == 1 ? "" : "s");
    /* Then the pages that failed last time, and what earlier runs queued
     * but never finished (a run killed mid-walk, a host that was down). */
    if (store_urls_to_retry(ctx->db, &retry, &nr, &err) ||
        store_frontier_load(ctx->db, &frontier, &nf, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
        goto out;
    }
    if (push_todos(&starts, &n, retry, nr, a->opt.max_depth) ||
        push_todos(&starts, &n, frontier, nf, a->opt.max_depth)) {
        rc = CLI_EXIT_SOFTWARE;
        goto out;
    }
    fetch_hooks hooks = {.ctx = &h,
                         .lookup = hook_lookup,
                         .save = hook_save,
                         .links = hook_links,
                         .robots_get = hook_robots_get,
                         .robots_put = hook_robots_put,
                         .queued = hook_queued,
                         .host_down = hook_host_down};
    fetch_stats st = {0};
    if (fetch_crawl(&a->opt, starts, n, &hooks, &st, &err)) {
        rc = cli_fail(err, h.db_failed ? CLI_EXIT_SOFTWARE
                                        : CLI_EXIT_UNAVAILABLE);
        goto out;
    }
    c->skipped += st.skipped_held + st.skipped_given_up +
                  st.skipped_language;
    c->not_tried = st.not_tried;
    if (c->failed || h.hosts_down)
        rc = CLI_EXIT_PARTIAL;
out:
    store_url_todos_free(retry, nr);
    store_url_todos_free(frontier, nf);
    fetch_links_free(starts, n);
    extract_profiles_free(h.profiles);
    return rc;
}

int cli_cmd_fetch(cli_ctx *ctx, int argc, char **argv)
{
    cli_fetch_args *a = cli_fetch_args_parse(argc, argv);
    if (!a)
        return CLI_EXIT_USAGE;
    /* Without start URLs or a site, fetch retries what failed before. */
    int rc = cli_lock(ctx, "fetch");
    if (!rc)
        rc = cli_open_db(ctx);
    if (!rc) {
        cli_run_begin(ctx, "fetch", argc, argv);
        cli_stage_counts c;
        rc = cli_stage_fetch(ctx, a, &c);
        char line[256];
        cli_counts_format("fetch", &c, line, sizeof line);
        cli_run_end(ctx, rc, line);
        if (rc != CLI_EXIT_OK || !ctx->quiet)
            fprintf(stderr, "%s\n", line);
    }
    cli_fetch_args_free(a);
    return rc;
}

/* ---- import ---- */

static const char *media_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (!strcmp(dot, ".html") || !strcmp(dot, ".htm") ||
                !strcmp(dot, ".kcmsf")))
        return "text/html";
    return NULL;
}

/* Stores one file as a page under url. */
static int import_file(cli_ctx *ctx, const char *path, const char *url,
                       cli_stage_counts *c)
{
    size_t len;
    char *body = kt_read_file(path, &len);
    if (!body) {
        cli_error("%s: cannot read: %s", path, strerror(errno));
        c->failed++;
        return 0;
    }
    struct stat st;
    store_fetch f = {0};
    f.requested_url = url;
    f.final_url = url;
    f.link_kind = 0;
    f.http_status = 200;
    f.outcome = "imported";
    f.content_type = "text/html";
    f.body = (unsigned char *)body;
    f.body_len = len;
    f.fetched_at = stat(path, &st) == 0 ? (int64_t)st.st_mtime
                                        : (int64_t)time(NULL);
    f.attempts = 1;
    int new_page = 0;
    char *err = NULL;
    int rc = store_fetch_save(ctx->db, &f, &new_page, &err);
    free(body);
    if (rc) {
        cli_error("%s: %s", path, err ? err : "cannot store");
        free(err);
        return -1;
    }
    if (new_page)
        c->done++;
    else
        c->unchanged++;
    cli_debug(ctx, "import %s as %s", path, url);
    return 0;
}

/* Imports path (file or folder tree); rel is its path below the root the
 * user named, used to build URLs from base_url. */
static int import_path(cli_ctx *ctx, const char *path, const char *rel,
                       const char *base_url, cli_stage_counts *c)
{
    struct stat st;
    if (stat(path, &st)) {
        cli_error("%s: %s", path, strerror(errno));
        c->failed++;
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **names;
        int n = scandir(path, &names, NULL, alphasort);
        if (n < 0) {
            cli_error("%s: %s", path, strerror(errno));
            c->failed++;
            return 0;
        }
        int rc = 0;
        for (int i = 0; i < n; i++) {
            const char *nm = names[i]->d_name;
            if (!rc && nm[0] != '.') {
                kt_buf child = {0}, crel = {0};
                kt_buf_printf(&child, "%s/%s", path, nm);
                kt_buf_printf(&crel, "%s%s%s", rel, *rel ? "/" : "", nm);
                rc = import_path(ctx, child.data, crel.data, base_url, c);
                kt_buf_free(&child);
                kt_buf_free(&crel);
            }
            free(names[i]);
        }
        free(names);
        return rc;
    }
    if (!media_type_of(path))
        return 0;
    kt_buf url = {0};
    if (base_url) {
        size_t bl = strlen(base_url);
        while (bl && base_url[bl - 1] == '/')
            bl--;
        kt_buf_append(&url, base_url, bl);
        kt_buf_printf(&url, "/%s", rel);
    } else {
        char *abs = realpath(path, NULL);
        kt_buf_printf(&url, "file://%s", abs ? abs : path);
        free(abs);
    }
    int rc = import_file(ctx, path, url.data, c);
    kt_buf_free(&url);
    return rc;
}

int cli_cmd_import(cli_ctx *ctx, int argc, char **argv)
{
    const char *base_url = NULL;
    int first_path = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--base-url")) {
            if (i + 1 >= argc) {
                cli_error("import: --base-url needs a value");
                return CLI_EXIT_USAGE;
            }
            base_url = argv[++i];
        } else if (argv[i][0] == '-') {
            cli_error("import: unknown option '%s'", argv[i]);
            return CLI_EXIT_USAGE;
        } else if (!first_path) {
            first_path = i;
        }
    }
    if (!first_path) {
        cli_error("import: give at least one file or folder");
        return CLI_EXIT_USAGE;
    }
    int rc = cli_lock(ctx, "import");
    if (rc || (rc = cli_open_db(ctx)))
        return rc;
    cli_run_begin(ctx, "import", argc, argv);
    cli_stage_counts c = {0};
    char *err = NULL;
    if (store_begin(ctx->db, &err))
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    for (int i = 1; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--base-url")) {
            i++;
            continue;
        }
        /* A single file's URL is the base URL plus its name. */
        struct stat st;
        const char *slash = strrchr(argv[i], '/');
        const char *rel = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)
                              ? ""
                              : (slash ? slash + 1 : argv[i]);
        if (import_path(ctx, argv[i], rel, base_url, &c))
            rc = CLI_EXIT_SOFTWARE;
    }
    if (rc)
        store_rollback(ctx->db);
    else if (store_commit(ctx->db, &err))
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    if (!rc && c.failed)
        rc = CLI_EXIT_UNAVAILABLE;
    char line[256];
    cli_counts_format("import", &c, line, sizeof line);
    cli_run_end(ctx, rc, line);
    if (rc != CLI_EXIT_OK || !ctx->quiet)
        fprintf(stderr, "%s\n", line);
    return rc;
}

/* ---- run ---- */

int cli_cmd_run(cli_ctx *ctx, int argc, char **argv)
{
    cli_fetch_args *a = cli_fetch_args_parse(argc, argv);
    if (!a)
        return CLI_EXIT_USAGE;
    int rc = cli_lock(ctx, "run");
    if (!rc)
        rc = cli_open_db(ctx);
    if (rc) {
        cli_fetch_args_free(a);
        return rc;
    }
    cli_run_begin(ctx, "run", argc, argv);
    kt_buf summary = {0}, lines = {0};
    int worst = CLI_EXIT_OK;
    static const char *const names[] = {"fetch", "extract", "classify",
                                        "store"};
    /* Fetch always runs: without start URLs it still retries the pages
     * that failed in earlier runs. */
    for (int s = 0; s < 4; s++) {
        cli_stage_counts c;
        int r = s == 0   ? cli_stage_fetch(ctx, a, &c)
                : s == 1 ? cli_stage_extract(ctx, 0, &c)
                : s == 2 ? cli_stage_classify(ctx, 0, &c)
                         : cli_stage_store(ctx, 0, &c);
        char line[256];
        cli_counts_format(names[s], &c, line, sizeof line);
        kt_buf_printf(&summary, "%s%s", summary.len ? "; " : "", line);
        kt_buf_printf(&lines, "%s\n", line);
        if (!ctx->quiet)
            fprintf(stderr, "%s\n", line);
        if (r == CLI_EXIT_PARTIAL) {
            worst = worst == CLI_EXIT_OK ? r : worst;
        } else if (r != CLI_EXIT_OK) {
            /* A stage that could not do its work stops the run: the later
             * stages would only see stale input. */
            worst = r;
            break;
        }
    }
    /* Quiet runs say nothing on success, and everything on trouble: one
     * summary line per stage after the errors. */
    if (ctx->quiet && worst != CLI_EXIT_OK && lines.data)
        fputs(lines.data, stderr);
    cli_run_end(ctx, worst, summary.data);
    kt_buf_free(&summary);
    kt_buf_free(&lines);
    cli_fetch_args_free(a);
    return worst;
}
