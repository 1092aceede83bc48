/*
 * The read-only commands: export, compare, status, explain. They take no
 * lock (SQLite's WAL lets them read while a run writes).
 */
#include "cli.h"
#include "classify.h"
#include "compare.h"
#include "extract.h"

#include <stdlib.h>
#include <string.h>

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

/* Appends one event as a JSON object (the export's fields plus its
 * reports' titles). */
static void event_json(kt_buf *b, const store_event *e)
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
    if ((rc = cli_open_db(ctx)))
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
            event_json(&out, e);
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
            event_json(&b, &ev[tr->matched_ev[i]]);
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
            event_json(&b, &ev[tr->extra[i]]);
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
    const char *refpath = NULL, *from = NULL, *to = NULL, *format = "text";
    opt_slot slots[] = {{"--reference", &refpath}, {"--from", &from},
                        {"--to", &to}, {"--format", &format}, {NULL, NULL}};
    int rc = parse_opts("compare", argc, argv, 1, slots, NULL);
    if (rc)
        return rc;
    if (strcmp(format, "text") && strcmp(format, "csv") &&
        strcmp(format, "json")) {
        cli_error("compare: --format takes text, csv or json");
        return CLI_EXIT_USAGE;
    }
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
    if ((rc = cli_load_tables(ctx, &tables))) {
        /* message printed */
    } else if ((rc = cli_open_db(ctx))) {
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

int cli_cmd_status(cli_ctx *ctx, int argc, char **argv)
{
    const char *runs = "10";
    opt_slot slots[] = {{"--runs", &runs}, {NULL, NULL}};
    int rc = parse_opts("status", argc, argv, 1, slots, NULL);
    if (rc)
        return rc;
    long nruns = cli_parse_long("--runs", runs, 1, 1000);
    if (nruns < 0)
        return CLI_EXIT_USAGE;
    if ((rc = cli_open_db(ctx)))
        return rc;
    char *text = NULL, *err = NULL;
    if (store_status_report(ctx->db, (int)nruns, 5, &text, &err))
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    fputs(text, stdout);
    free(text);
    /* Pending work depends on the current profiles and rules, which only
     * the stages can hash; a broken rule set is reported, not fatal here. */
    char *sites = cli_rules_path(ctx, "sites");
    extract_profiles *prof = NULL;
    classify_rules *rules = NULL;
    classify_error cerr = {0};
    int have_prof = extract_profiles_load(sites, &prof, &err) == 0;
    if (!have_prof) {
        printf("Site profiles: %s\n", err ? err : "cannot load");
        free(err);
        err = NULL;
    }
    int have_rules = classify_rules_load(ctx->rules_dir, &rules, &cerr) == 0;
    if (!have_rules) {
        char *msg = classify_error_format(&cerr);
        printf("Rules: %s\n", msg ? msg : "cannot load");
        free(msg);
        classify_error_clear(&cerr);
    }
    store_status st;
    if (store_status_get(ctx->db, have_prof ? extract_profiles_hash(prof) : "",
                         have_rules ? classify_rules_hash(rules) : "", 5, &st,
                         &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    } else {
        printf("Database: %ld URLs with pages (%ld versions), %ld documents, "
               "%ld classified, %ld events\n",
               st.pages, st.page_versions, st.documents, st.classified,
               st.events);
        printf("Pending: extract %ld page%s, classify %ld document%s; "
               "failing URLs %ld (given up %ld)\n",
               st.pending_extract, st.pending_extract == 1 ? "" : "s",
               st.pending_classify, st.pending_classify == 1 ? "" : "s",
               st.failing_urls, st.given_up_urls);
    }
    free(sites);
    extract_profiles_free(prof);
    classify_rules_free(rules);
    return rc;
}

int cli_cmd_explain(cli_ctx *ctx, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        cli_error("explain: give one EVENT_ID (see kcnatrack export events)");
        return CLI_EXIT_USAGE;
    }
    int rc = cli_open_db(ctx);
    if (rc)
        return rc;
    char *json = NULL, *err = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    if (store_events_load(ctx->db, &ev, &n, &err))
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    const store_event *e = NULL;
    for (size_t i = 0; i < n && !e; i++)
        if (!strcmp(ev[i].event_id, argv[1]))
            e = &ev[i];
    if (!e) {
        store_events_free(ev, n);
        cli_error("explain: no event '%s' (see kcnatrack export events "
                  "--all)", argv[1]);
        return CLI_EXIT_DATAERR;
    }
    if (store_event_explain(ctx->db, argv[1], &json, &err)) {
        store_events_free(ev, n);
        return cli_fail(err, CLI_EXIT_DATAERR);
    }
    /* The event as exported, then the evidence behind each of its values. */
    kt_buf b = {0};
    kt_buf_puts(&b, "{\"event\":");
    event_json(&b, e);
    kt_buf_printf(&b, ",\n\"evidence\":%s}\n", json);
    fputs(b.data, stdout);
    kt_buf_free(&b);
    free(json);
    store_events_free(ev, n);
    return CLI_EXIT_OK;
}
