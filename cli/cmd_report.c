/*
 * The read-only commands: export, compare, status, explain. They take no
 * lock (SQLite's WAL lets them read while a run writes).
 */
#include "cli.h"
#include "audit.h"
#include "classify.h"
#include "compare.h"
#include "extract.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kt_util.h"

/* Reads "--name VALUE" pairs into slots; returns 0 or a usage error. */
typedef struct opt_slot {
    const char *name;
    const char **value;
} opt_slot;

static int parse_opts(const char *cmd, int argc, char **argv, int first,
                      opt_slot *slots, int *flag_all)
{
    for (int i = first; i < argc; i++) {
        if (flag_all && !strcmp(argv[i], "--all")) {
            *flag_all = 1;
            continue;
        }
        opt_slot *s = slots;
        while (s->name && strcmp(s->name, argv[i]))
            s++;
        if (!s->name) {
            cli_error("%s: unknown option '%s' (see kcnatrack %s --help)",
                      cmd, argv[i], cmd);
            return CLI_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            cli_error("%s: %s needs a value", cmd, argv[i]);
            return CLI_EXIT_USAGE;
        }
        *s->value = argv[++i];
    }
    return 0;
}

static int valid_month(const char *m)
{
    return !m || (strlen(m) == 7 && m[4] == '-' &&
                  strspn(m, "0123456789-") == 7);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void print_event_csv(const store_event *e)
{
    printf("%s,", e->event_id);
    if (e->table)
        printf("%d", e->table);
    putchar(',');
    const char *cells[] = {e->month, e->country, e->location, e->sector,
                           e->event_type, e->direction, e->title,
                           e->first_date, e->last_date};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        cli_csv_field(stdout, cells[i]);
        putchar(',');
    }
    printf("%zu,", e->n_reports);
    kt_buf src = {0};
    for (size_t r = 0; r < e->n_reports; r++)
        kt_buf_printf(&src, "%s%s", r ? " " : "", e->urls[r]);
    cli_csv_field(stdout, src.data ? src.data : "");
    kt_buf_free(&src);
    putchar('\n');
}

static void json_field(kt_buf *b, const char *key, const char *value, int comma)
{
    kt_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    kt_buf_json_cstr(b, value);
}

void cli_event_json(kt_buf *b, const store_event *e)
{
    kt_buf_puts(b, "{");
    json_field(b, "event_id", e->event_id, 0);
    if (e->table)
        kt_buf_printf(b, ",\"table\":%d", e->table);
    else
        kt_buf_puts(b, ",\"table\":null");
    json_field(b, "month", e->month, 1);
    json_field(b, "country", e->country, 1);
    json_field(b, "location", e->location, 1);
    json_field(b, "sector", e->sector, 1);
    json_field(b, "event_type", e->event_type, 1);
    json_field(b, "direction", e->direction, 1);
    json_field(b, "title", e->title, 1);
    json_field(b, "first_date", e->first_date, 1);
    json_field(b, "last_date", e->last_date, 1);
    json_field(b, "left_out", e->leftout, 1);
    kt_buf_printf(b, ",\"reports\":%zu,\"sources\":[", e->n_reports);
    for (size_t r = 0; r < e->n_reports; r++) {
        kt_buf_puts(b, r ? ",{" : "{");
        json_field(b, "url", e->urls[r], 0);
        json_field(b, "title", e->titles[r], 1);
        kt_buf_puts(b, "}");
    }
    kt_buf_puts(b, "]}");
}

int cli_cmd_export(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "events")) {
        cli_error("export: say what to export: kcnatrack export events ...");
        return CLI_EXIT_USAGE;
    }
    const char *format = "csv", *table = NULL, *from = NULL, *to = NULL;
    int all = 0;
    opt_slot slots[] = {{"--format", &format}, {"--table", &table},
                        {"--from", &from}, {"--to", &to}, {NULL, NULL}};
    int rc = parse_opts("export", argc, argv, 2, slots, &all);
    if (rc)
        return rc;
    int want_table = -1;
    if (table) {
        if (strlen(table) != 1 || table[0] < '0' || table[0] > '3') {
            cli_error("export: --table takes 1, 2, 3 or 0 (left out)");
            return CLI_EXIT_USAGE;
        }
        want_table = table[0] - '0';
    }
    if (strcmp(format, "csv") && strcmp(format, "json")) {
        cli_error("export: --format takes csv or json");
        return CLI_EXIT_USAGE;
    }
    if (!valid_month(from) || !valid_month(to)) {
        cli_error("export: --from and --to take YYYY-MM");
        return CLI_EXIT_USAGE;
    }
    if ((rc = cli_open_db_readonly(ctx)))
        return rc;
    store_event *ev = NULL;
    size_t n = 0;
    char *err = NULL;
    if (store_events_load(ctx->db, &ev, &n, &err))
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    int json = !strcmp(format, "json");
    kt_buf out = {0};
    if (json)
        kt_buf_puts(&out, "[");
    else
        printf("event_id,table,month,country,location,sector,event_type,"
               "direction,title,first_date,last_date,reports,sources\n");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        const store_event *e = &ev[i];
        if (want_table >= 0 ? e->table != want_table : (!all && !e->table))
            continue;
        if ((from && strcmp(nz(e->month), from) < 0) ||
            (to && strcmp(nz(e->month), to) > 0))
            continue;
        if (json) {
            if (shown)
                kt_buf_puts(&out, ",\n");
            cli_event_json(&out, e);
        } else {
            print_event_csv(e);
        }
        shown++;
    }
    if (json) {
        kt_buf_puts(&out, "]\n");
        fputs(out.data, stdout);
    }
    kt_buf_free(&out);
    store_events_free(ev, n);
    return CLI_EXIT_OK;
}

/* ---- compare ---- */

static void print_reports_text(const store_event *e)
{
    for (size_t r = 0; r < e->n_reports; r++)
        printf("        - %s <%s>\n", nz(e->titles[r]), nz(e->urls[r]));
}

static void print_ref_text(const char *tag, const cli_ref_row *r)
{
    printf("  %-7s %-6s %s  %s / %s / %s", tag, r->row_id, r->month,
           r->country, r->location, r->sector);
    if (r->description && *r->description)
        printf("  -- %s", r->description);
    putchar('\n');
}

static void print_event_text(const char *tag, const store_event *e)
{
    printf("  %-7s %-6s %s  %s / %s / %s  [%s, %zu report%s] %s\n", tag, "",
           nz(e->month), nz(e->country), nz(e->location), nz(e->sector),
           e->event_id, e->n_reports, e->n_reports == 1 ? "" : "s",
           nz(e->event_type));
}

static void compare_text(const char *refpath, const cli_comparison *c,
                         const cli_ref_row *ref, const store_event *ev,
                         const store_tables *tables)
{
    printf("Comparison with %s, %s to %s\n", refpath, c->from, c->to);
    size_t tm = 0, tmi = 0, te = 0;
    for (int t = 0; t < 3; t++) {
        const cli_table_result *tr = &c->tables[t];
        double p, r, f;
        cli_scores(tr->n_matched, tr->n_missed, tr->n_extra, &p, &r, &f);
        const char *title = store_tables_title(tables, t + 1);
        printf("\nTable %d%s%s\n  %zu matched, %zu missed, %zu extra: "
               "precision %.2f, recall %.2f, F1 %.2f\n", t + 1,
               title ? ": " : "", title ? title : "", tr->n_matched,
               tr->n_missed, tr->n_extra, p, r, f);
        for (size_t i = 0; i < tr->n_matched; i++) {
            print_ref_text("matched", &ref[tr->matched_ref[i]]);
            const store_event *e = &ev[tr->matched_ev[i]];
            printf("        = %s %s (%zu report%s)\n", e->event_id,
                   nz(e->event_type), e->n_reports,
                   e->n_reports == 1 ? "" : "s");
            print_reports_text(e);
        }
        for (size_t i = 0; i < tr->n_missed; i++)
            print_ref_text("MISSED", &ref[tr->missed[i]]);
        for (size_t i = 0; i < tr->n_extra; i++) {
            print_event_text("EXTRA", &ev[tr->extra[i]]);
            print_reports_text(&ev[tr->extra[i]]);
        }
        tm += tr->n_matched;
        tmi += tr->n_missed;
        te += tr->n_extra;
    }
    printf("\nScores        matched missed extra precision recall    F1\n");
    for (int t = 0; t <= 3; t++) {
        size_t m = t < 3 ? c->tables[t].n_matched : tm;
        size_t mi = t < 3 ? c->tables[t].n_missed : tmi;
        size_t e = t < 3 ? c->tables[t].n_extra : te;
        double p, r, f;
        cli_scores(m, mi, e, &p, &r, &f);
        char label[16];
        snprintf(label, sizeof label, t < 3 ? "Table %d" : "Overall", t + 1);
        printf("%-13s %7zu %6zu %5zu %9.3f %6.3f %5.3f\n", label, m, mi, e, p,
               r, f);
    }
}

static void compare_csv_row(int table, const char *status,
                            const cli_ref_row *r, const store_event *e)
{
    printf("%d,%s,", table, status);
    const char *cells[] = {
        r ? r->row_id : "", e ? e->event_id : "",
        r ? r->month : e->month, r ? r->country : e->country,
        r ? r->location : e->location, r ? r->sector : e->sector,
        r ? r->description : "", e ? e->title : ""};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        cli_csv_field(stdout, cells[i]);
        putchar(',');
    }
    kt_buf src = {0};
    for (size_t k = 0; e && k < e->n_reports; k++)
        kt_buf_printf(&src, "%s%s", k ? " " : "", e->urls[k]);
    cli_csv_field(stdout, src.data ? src.data : "");
    kt_buf_free(&src);
    putchar('\n');
}

static void compare_csv(const cli_comparison *c, const cli_ref_row *ref,
                        const store_event *ev)
{
    printf("table,status,row_id,event_id,month,country,location,sector,"
           "description,title,sources\n");
    for (int t = 0; t < 3; t++) {
        const cli_table_result *tr = &c->tables[t];
        for (size_t i = 0; i < tr->n_matched; i++)
            compare_csv_row(t + 1, "matched", &ref[tr->matched_ref[i]],
                            &ev[tr->matched_ev[i]]);
        for (size_t i = 0; i < tr->n_missed; i++)
            compare_csv_row(t + 1, "missed", &ref[tr->missed[i]], NULL);
        for (size_t i = 0; i < tr->n_extra; i++)
            compare_csv_row(t + 1, "extra", NULL, &ev[tr->extra[i]]);
    }
}

static void ref_json(kt_buf *b, const cli_ref_row *r)
{
    kt_buf_puts(b, "{");
    json_field(b, "row_id", r->row_id, 0);
    json_field(b, "month", r->month, 1);
    json_field(b, "country", r->country, 1);
    json_field(b, "location", r->location, 1);
    json_field(b, "sector", r->sector, 1);
    json_field(b, "description", r->description, 1);
    kt_buf_puts(b, "}");
}

static void scores_json(kt_buf *b, size_t m, size_t mi, size_t e)
{
    double p, r, f;
    cli_scores(m, mi, e, &p, &r, &f);
    kt_buf_printf(b, "\"matched\":%zu,\"missed\":%zu,\"extra\":%zu,"
                     "\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f",
                  m, mi, e, p, r, f);
}

static void compare_json(const char *refpath, const cli_comparison *c,
                         const cli_ref_row *ref, const store_event *ev)
{
    kt_buf b = {0};
    kt_buf_puts(&b, "{\"reference\":");
    kt_buf_json_cstr(&b, refpath);
    kt_buf_printf(&b, ",\"from\":\"%s\",\"to\":\"%s\",\"tables\":[", c->from,
                  c->to);
    size_t tm = 0, tmi = 0, te = 0;
    for (int t = 0; t < 3; t++) {
        const cli_table_result *tr = &c->tables[t];
        kt_buf_printf(&b, "%s{\"table\":%d,", t ? "," : "", t + 1);
        scores_json(&b, tr->n_matched, tr->n_missed, tr->n_extra);
        kt_buf_puts(&b, ",\"matched_rows\":[");
        for (size_t i = 0; i < tr->n_matched; i++) {
            kt_buf_puts(&b, i ? ",{\"reference\":" : "{\"reference\":");
            ref_json(&b, &ref[tr->matched_ref[i]]);
            kt_buf_puts(&b, ",\"event\":");
            cli_event_json(&b, &ev[tr->matched_ev[i]]);
            kt_buf_puts(&b, "}");
        }
        kt_buf_puts(&b, "],\"missed_rows\":[");
        for (size_t i = 0; i < tr->n_missed; i++) {
            if (i)
                kt_buf_puts(&b, ",");
            ref_json(&b, &ref[tr->missed[i]]);
        }
        kt_buf_puts(&b, "],\"extra_rows\":[");
        for (size_t i = 0; i < tr->n_extra; i++) {
            if (i)
                kt_buf_puts(&b, ",");
            cli_event_json(&b, &ev[tr->extra[i]]);
        }
        kt_buf_puts(&b, "]}");
        tm += tr->n_matched;
        tmi += tr->n_missed;
        te += tr->n_extra;
    }
    kt_buf_puts(&b, "],\"overall\":{");
    scores_json(&b, tm, tmi, te);
    kt_buf_puts(&b, "}}\n");
    fputs(b.data, stdout);
    kt_buf_free(&b);
}

int cli_cmd_compare(cli_ctx *ctx, int argc, char **argv)
{
    const char *refpath = NULL, *from = NULL, *to = NULL, *format = "text",
               *labels = NULL;
    opt_slot slots[] = {{"--reference", &refpath}, {"--from", &from},
                        {"--to", &to}, {"--format", &format},
                        {"--labels", &labels}, {NULL, NULL}};
    int rc = parse_opts("compare", argc, argv, 1, slots, NULL);
    if (rc)
        return rc;
    if (strcmp(format, "text") && strcmp(format, "csv") &&
        strcmp(format, "json")) {
        cli_error("compare: --format takes text, csv or json");
        return CLI_EXIT_USAGE;
    }
    if (labels && (from || to)) {
        cli_error("compare: --labels scores the reports labelled, in any "
                  "month: it takes no --from or --to");
        return CLI_EXIT_USAGE;
    }
    if (labels)
        return cli_compare_labels(ctx, labels, refpath, format);
    if (!valid_month(from) || !valid_month(to)) {
        cli_error("compare: --from and --to take YYYY-MM");
        return CLI_EXIT_USAGE;
    }
    char *defpath = NULL;
    if (!refpath) {
        defpath = cli_rules_path(ctx, "../reference/commentary-2024.csv");
        refpath = defpath;
    }
    cli_ref_row *ref = NULL;
    size_t nref = 0;
    char *err = NULL;
    if (cli_reference_load(refpath, &ref, &nref, &err)) {
        free(defpath);
        return cli_fail(err, CLI_EXIT_DATAERR);
    }
    store_event *ev = NULL;
    size_t nev = 0;
    cli_comparison cmp;
    store_tables *tables = NULL;
    if ((rc = cli_load_tables(ctx, &tables, NULL))) {
        /* message printed */
    } else if ((rc = cli_open_db_readonly(ctx))) {
        /* message printed */
    } else if (store_events_load(ctx->db, &ev, &nev, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    } else if (cli_compare(ref, nref, ev, nev, from, to, &cmp)) {
        rc = cli_fail(kt_strdup0("out of memory"), CLI_EXIT_SOFTWARE);
    } else {
        if (!strcmp(format, "text"))
            compare_text(refpath, &cmp, ref, ev, tables);
        else if (!strcmp(format, "csv"))
            compare_csv(&cmp, ref, ev);
        else
            compare_json(refpath, &cmp, ref, ev);
        cli_comparison_free(&cmp);
    }
    store_events_free(ev, nev);
    store_tables_free(tables);
    cli_reference_free(ref, nref);
    free(defpath);
    return rc;
}

/* ---- status, explain ---- */

/* "YYYY-MM-DD HH:MM:SSZ" in UTC, or "-" for an absent time (0). */
static void fmt_utc(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (!t || !gmtime_r(&tt, &tm) ||
        !strftime(out, 32, "%Y-%m-%d %H:%M:%SZ", &tm))
        snprintf(out, 32, "-");
}

/* The hashes the stages would run under now (NULL when the profiles or the
 * rules do not load: then their pending counts assume everything). *why
 * gets the load error's text, malloc'd, for the report. */
static void current_hashes(cli_ctx *ctx, char **profiles_hash,
                           char **rules_hash, char **why_profiles,
                           char **why_rules)
{
    char *sites = cli_rules_path(ctx, "sites");
    extract_profiles *prof = NULL;
    classify_rules *rules = NULL;
    classify_error cerr = {0};
    char *err = NULL;
    *profiles_hash = *rules_hash = *why_profiles = *why_rules = NULL;
    if (extract_profiles_load(sites, &prof, &err) == 0)
        *profiles_hash = kt_strdup0(extract_profiles_hash(prof));
    else
        *why_profiles = err ? err : kt_strdup0("cannot load");
    if (classify_rules_load(ctx->rules_dir, &rules, &cerr) == 0)
        *rules_hash = kt_strdup0(classify_rules_hash(rules));
    else
        *why_rules = classify_error_format(&cerr);
    classify_error_clear(&cerr);
    extract_profiles_free(prof);
    classify_rules_free(rules);
    free(sites);
}

static const char *problem_state(const store_url_problem *p)
{
    return p->given_up ? "given_up" : p->entry ? "entry_failing" : "failing";
}

static void status_text(const char *db, const store_status *st,
                        const store_health *h, const char *why_profiles,
                        const char *why_rules)
{
    char t1[32], t2[32];
    printf("Database %s\n", db);
    size_t i = 0;
    int heading = 0;
    /* A failing entry loses a whole walk: it comes first. */
    for (; i < h->n_problems && !h->problems[i].given_up &&
           h->problems[i].entry; i++) {
        const store_url_problem *p = &h->problems[i];
        if (!heading++)
            printf("ENTRY PAGES FAILING (retried every run; runs exit 3 "
                   "until they answer):\n");
        fmt_utc(p->failing_since, t1);
        printf("  %s\n    failing since %s, %d tr%s, last: %s\n", p->url, t1,
               p->failures, p->failures == 1 ? "y" : "ies",
               p->last_error ? p->last_error : "?");
    }
    printf("Recent runs (newest first):\n");
    for (size_t r = 0; r < h->n_runs; r++) {
        const store_run_row *x = &h->runs[r];
        fmt_utc(x->started_at, t1);
        fmt_utc(x->ended_at, t2);
        printf("  run %lld: %s%s%s  started %s  ended %s  outcome %s",
               (long long)x->id, nz(x->command), x->args && *x->args ? " " : "",
               nz(x->args), t1, t2, x->outcome ? x->outcome : "unfinished");
        if (x->exit_status >= 0)
            printf("  exit %d", x->exit_status);
        if (x->counts && *x->counts)
            printf("  counts %s", x->counts);
        putchar('\n');
    }
    if (!h->n_runs)
        printf("  none\n");
    printf("Failing now (retried by the next run, given up after --give-up "
           "failures in a row):\n");
    heading = 0;
    for (; i < h->n_problems && !h->problems[i].given_up; i++) {
        const store_url_problem *p = &h->problems[i];
        fmt_utc(p->failing_since, t1);
        printf("  %s\n    since %s, %d tr%s, last: %s\n", p->url, t1,
               p->failures, p->failures == 1 ? "y" : "ies",
               p->last_error ? p->last_error : "?");
        heading++;
    }
    if (!heading)
        printf("  none\n");
    printf("Given up (not retried; `kcnatrack fetch --retry-given-up` tries "
           "them again):\n");
    heading = 0;
    for (; i < h->n_problems; i++) {
        const store_url_problem *p = &h->problems[i];
        fmt_utc(p->last_attempt, t1);
        printf("  %s\n    %d failures, last %s: %s\n", p->url, p->failures,
               t1, p->last_error ? p->last_error : "?");
        heading++;
    }
    if (!heading)
        printf("  none\n");
    printf("URLs: %ld healthy, %ld failing (%ld entr%s), %ld given up; "
           "%ld queued links not yet fetched\n",
           st->healthy, st->failing, st->entries_failing,
           st->entries_failing == 1 ? "y" : "ies", st->given_up,
           st->frontier);
    printf("Database: %ld URLs with pages (%ld versions), %ld documents, "
           "%ld classified, %ld events\n",
           st->pages, st->page_versions, st->documents, st->classified,
           st->events);
    printf("Pending: extract %ld page%s, classify %ld document%s, "
           "store %ld mention%s\n",
           st->pending_extract, st->pending_extract == 1 ? "" : "s",
           st->pending_classify, st->pending_classify == 1 ? "" : "s",
           st->pending_store, st->pending_store == 1 ? "" : "s");
    if (why_profiles)
        printf("Site profiles: %s\n", why_profiles);
    if (why_rules)
        printf("Rules: %s\n", why_rules);
}

static void json_time(kt_buf *b, const char *key, int64_t t)
{
    char when[32];
    fmt_utc(t, when);
    kt_buf_printf(b, ",\"%s\":", key);
    kt_buf_json_cstr(b, t ? when : NULL);
}

static void status_json(const char *db, const store_status *st,
                        const store_health *h, const char *why_profiles,
                        const char *why_rules)
{
    kt_buf b = {0};
    kt_buf_puts(&b, "{\"database\":");
    kt_buf_json_cstr(&b, db);
    kt_buf_printf(&b, ",\"urls\":{\"healthy\":%ld,\"failing\":%ld,"
                  "\"entries_failing\":%ld,\"given_up\":%ld,"
                  "\"frontier\":%ld}",
                  st->healthy, st->failing, st->entries_failing,
                  st->given_up, st->frontier);
    kt_buf_printf(&b, ",\"counts\":{\"pages\":%ld,\"page_versions\":%ld,"
                  "\"documents\":%ld,\"classified\":%ld,\"mentions\":%ld,"
                  "\"events\":%ld}",
                  st->pages, st->page_versions, st->documents,
                  st->classified, st->mentions, st->events);
    kt_buf_printf(&b, ",\"pending\":{\"extract\":%ld,\"classify\":%ld,"
                  "\"store\":%ld}",
                  st->pending_extract, st->pending_classify,
                  st->pending_store);
    kt_buf_puts(&b, ",\"problems\":[");
    for (size_t i = 0; i < h->n_problems; i++) {
        const store_url_problem *p = &h->problems[i];
        kt_buf_puts(&b, i ? ",{\"url\":" : "{\"url\":");
        kt_buf_json_cstr(&b, p->url);
        kt_buf_printf(&b, ",\"state\":\"%s\",\"entry\":%s,\"tries\":%d",
                      problem_state(p), p->entry ? "true" : "false",
                      p->failures);
        json_time(&b, "failing_since", p->failing_since);
        json_time(&b, "last_attempt", p->last_attempt);
        kt_buf_printf(&b, ",\"last_status\":%ld,\"last_outcome\":",
                      p->last_status);
        kt_buf_json_cstr(&b, p->last_outcome);
        kt_buf_puts(&b, ",\"last_error\":");
        kt_buf_json_cstr(&b, p->last_error);
        kt_buf_puts(&b, "}");
    }
    kt_buf_puts(&b, "],\"runs\":[");
    for (size_t r = 0; r < h->n_runs; r++) {
        const store_run_row *x = &h->runs[r];
        kt_buf_printf(&b, "%s{\"id\":%lld,\"command\":", r ? "," : "",
                      (long long)x->id);
        kt_buf_json_cstr(&b, x->command);
        kt_buf_puts(&b, ",\"args\":");
        kt_buf_json_cstr(&b, x->args);
        json_time(&b, "started", x->started_at);
        json_time(&b, "ended", x->ended_at);
        kt_buf_puts(&b, ",\"outcome\":");
        kt_buf_json_cstr(&b, x->outcome);
        if (x->exit_status >= 0)
            kt_buf_printf(&b, ",\"exit\":%d", x->exit_status);
        else
            kt_buf_puts(&b, ",\"exit\":null");
        kt_buf_puts(&b, ",\"counts\":");
        kt_buf_json_cstr(&b, x->counts);
        kt_buf_puts(&b, "}");
    }
    kt_buf_puts(&b, "],\"profiles_error\":");
    kt_buf_json_cstr(&b, why_profiles);
    kt_buf_puts(&b, ",\"rules_error\":");
    kt_buf_json_cstr(&b, why_rules);
    kt_buf_puts(&b, "}\n");
    fputs(b.data ? b.data : "null\n", stdout);
    kt_buf_free(&b);
}

int cli_cmd_status(cli_ctx *ctx, int argc, char **argv)
{
    const char *runs = "10", *format = "text";
    opt_slot slots[] = {{"--runs", &runs}, {"--format", &format},
                        {NULL, NULL}};
    int rc = parse_opts("status", argc, argv, 1, slots, NULL);
    if (rc)
        return rc;
    long nruns = cli_parse_long("--runs", runs, 1, 1000);
    if (nruns < 0)
        return CLI_EXIT_USAGE;
    if (strcmp(format, "text") && strcmp(format, "json")) {
        cli_error("status: --format is text or json, not '%s'", format);
        return CLI_EXIT_USAGE;
    }
    if ((rc = cli_open_db_readonly(ctx)))
        return rc;
    /* Pending work depends on the current profiles and rules, which only
     * the stages can hash; a broken rule set is reported, not fatal here. */
    char *ph, *rh, *why_p, *why_r, *err = NULL;
    current_hashes(ctx, &ph, &rh, &why_p, &why_r);
    store_status st;
    store_health h;
    if (store_status_get(ctx->db, ph, rh, &st, &err) ||
        store_health_load(ctx->db, (int)nruns, &h, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    } else {
        if (!strcmp(format, "json"))
            status_json(ctx->db_path, &st, &h, why_p, why_r);
        else
            status_text(ctx->db_path, &st, &h, why_p, why_r);
        store_health_clear(&h);
    }
    free(ph);
    free(rh);
    free(why_p);
    free(why_r);
    return rc;
}

int cli_cmd_explain(cli_ctx *ctx, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        cli_error("explain: give one EVENT_ID (see kcnatrack export events)");
        return CLI_EXIT_USAGE;
    }
    int rc = cli_open_db_readonly(ctx);
    if (rc)
        return rc;
    /* explain is the JSON form of `audit event` */
    cli_audit a;
    cli_audit_init(&a, 1);
    kt_buf b = {0};
    rc = cli_audit_event(ctx, &a, argv[1], &b);
    if (!rc)
        fputs(b.data, stdout);
    kt_buf_free(&b);
    return rc;
}
