/*
 * search: full-text search over the stored reports (store_search), so that
 * a report no rule caught can be found by its words. Read-only, no lock.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt_util.h"

/* Marks around each hit: colour on a terminal (unless NO_COLOR is set or
 * TERM is dumb), [[...]] otherwise and always in JSON, so that a pipe or a
 * script sees plain text. */
static void pick_marks(int json, const char **open, const char **close)
{
    const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");
    if (!json && isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
        !(term && !strcmp(term, "dumb"))) {
        *open = "\033[1;31m";
        *close = "\033[0m";
    } else {
        *open = "[[";
        *close = "]]";
    }
}

/* A date YYYY-MM-DD (only its shape: it bounds a string comparison). */
static int valid_day(const char *d)
{
    if (!d)
        return 1;
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return 0;
    return 1;
}

/* Prints s with its line breaks as spaces: a snippet may span paragraphs. */
static void put_flat(const char *s)
{
    for (; s && *s; s++)
        putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
}

static void search_text(const char *query, const store_search_result *r)
{
    if (!r->total) {
        printf("No report matches '%s'.\n", query);
        return;
    }
    printf("%ld report%s match%s '%s'", r->total, r->total == 1 ? "" : "s",
           r->total == 1 ? "es" : "", query);
    if ((long)r->n < r->total)
        printf(", the best %zu shown (--limit)", r->n);
    printf(":\n");
    for (size_t i = 0; i < r->n; i++) {
        const store_search_hit *h = &r->hits[i];
        printf("\n%zu. %s  ", i + 1, h->pub_date ? h->pub_date : "(undated)");
        put_flat(h->marked_title && *h->marked_title ? h->marked_title
                                                     : "(no title)");
        printf("\n   %s\n   ", h->url);
        if (!h->event_id)
            printf("in no event");
        else if (h->table)
            printf("event %s (Table %d)", h->event_id, h->table);
        else
            printf("event %s (left out: %s)", h->event_id,
                   h->leftout ? h->leftout : "?");
        printf("  #%lld\n   ", (long long)h->document_id);
        put_flat(h->snippet);
        putchar('\n');
    }
}

static void search_json(const store_search_query *q,
                        const store_search_result *r)
{
    kt_buf b = {0};
    kt_buf_puts(&b, "{\"query\":");
    kt_buf_json_cstr(&b, q->text);
    kt_buf_puts(&b, ",\"from\":");
    kt_buf_json_cstr(&b, q->from);
    kt_buf_puts(&b, ",\"to\":");
    kt_buf_json_cstr(&b, q->to);
    kt_buf_printf(&b, ",\"total\":%ld,\"hits\":[", r->total);
    for (size_t i = 0; i < r->n; i++) {
        const store_search_hit *h = &r->hits[i];
        kt_buf_printf(&b, "%s\n{\"rank\":%zu,\"document_id\":%lld,\"url\":",
                      i ? "," : "", i + 1, (long long)h->document_id);
        kt_buf_json_cstr(&b, h->url);
        kt_buf_puts(&b, ",\"title\":");
        kt_buf_json_cstr(&b, h->title);
        kt_buf_puts(&b, ",\"date\":");
        kt_buf_json_cstr(&b, h->pub_date);
        kt_buf_printf(&b, ",\"score\":%.6g,\"marked_title\":", h->score);
        kt_buf_json_cstr(&b, h->marked_title);
        kt_buf_puts(&b, ",\"snippet\":");
        kt_buf_json_cstr(&b, h->snippet);
        kt_buf_puts(&b, ",\"event\":");
        if (h->event_id) {
            kt_buf_puts(&b, "{\"event_id\":");
            kt_buf_json_cstr(&b, h->event_id);
            if (h->table)
                kt_buf_printf(&b, ",\"table\":%d", h->table);
            else
                kt_buf_puts(&b, ",\"table\":null");
            kt_buf_puts(&b, ",\"left_out\":");
            kt_buf_json_cstr(&b, h->leftout);
            kt_buf_puts(&b, "}");
        } else {
            kt_buf_puts(&b, "null");
        }
        kt_buf_puts(&b, "}");
    }
    kt_buf_puts(&b, "]}\n");
    fputs(b.data, stdout);
    kt_buf_free(&b);
}

int cli_cmd_search(cli_ctx *ctx, int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *format = "text", *limit = "20";
    kt_buf query = {0};
    int options = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !options                 ? NULL
                            : !strcmp(a, "--from")   ? &from
                            : !strcmp(a, "--to")     ? &to
                            : !strcmp(a, "--format") ? &format
                            : !strcmp(a, "--limit")  ? &limit
                                                     : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                cli_error("search: %s needs a value", a);
                kt_buf_free(&query);
                return CLI_EXIT_USAGE;
            }
            *slot = argv[++i];
        } else if (options && !strcmp(a, "--")) {
            options = 0;
        } else if (options && a[0] == '-' && a[1] == '-') {
            cli_error("search: unknown option '%s' (see kcnatrack search "
                      "--help)", a);
            kt_buf_free(&query);
            return CLI_EXIT_USAGE;
        } else {
            /* Several words are one query, as if quoted together. */
            kt_buf_printf(&query, "%s%s", query.len ? " " : "", a);
        }
    }
    int rc = CLI_EXIT_USAGE;
    long n = -1;
    if (!query.len)
        cli_error("search: give the words to look for, e.g. kcnatrack "
                  "search \"Primorsky\"");
    else if (strcmp(format, "text") && strcmp(format, "json"))
        cli_error("search: --format takes text or json");
    else if (!valid_day(from) || !valid_day(to))
        cli_error("search: --from and --to take YYYY-MM-DD");
    else if ((n = cli_parse_long("--limit", limit, 1, 100000)) >= 0)
        rc = 0;
    if (rc || (rc = cli_open_db_readonly(ctx))) {
        kt_buf_free(&query);
        return rc;
    }
    int json = !strcmp(format, "json");
    store_search_query q = {query.data, from, to, (size_t)n, NULL, NULL};
    pick_marks(json, &q.mark_open, &q.mark_close);
    store_search_result r;
    char *err = NULL;
    int s = store_search(ctx->db, &q, &r, &err);
    if (s == -2) {
        /* The analyst's query, not the program, is at fault. */
        cli_error("search: %s", err ? err : "bad query");
        cli_error("search: FTS5 syntax: words (all must occur), \"a "
                  "phrase\", OR, NOT, prefix*, NEAR(a b); put words with "
                  "punctuation in double quotes");
        free(err);
        rc = CLI_EXIT_DATAERR;
    } else if (s) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    } else {
        if (json)
            search_json(&q, &r);
        else
            search_text(q.text, &r);
        store_search_clear(&r);
    }
    kt_buf_free(&query);
    return rc;
}
