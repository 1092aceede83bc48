/*
 * audit diff: the analyst's preview of a rule change. Every article is
 * classified and consolidated in memory with another rule folder (or with
 * a rule set recorded in the database), nothing stored is touched, and the
 * events that would appear, disappear or change are listed value by value
 * with the reports behind each change.
 *
 *   audit diff --rules DIR         stored events  vs  DIR's rules
 *   audit diff --against HASH      recorded set HASH  vs  the current rules
 *   audit diff --against HASH --rules DIR          HASH  vs  DIR
 */
#include "audit.h"
#include "classify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kt_util.h"

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The weight of the match that decided the sector, as store reads it. */
static int sector_weight(const classify_result *res)
{
    for (size_t i = 0; i < res->n_tags; i++)
        if (!strcmp(res->tags[i].key, "sector") &&
            res->tags[i].match < res->n_matches)
            return res->matches[res->tags[i].match].weight;
    return 0;
}

/* Classifies every article with rules into mentions (as store would load
 * them). *out malloc'd (free with store_mentions_free); *n_docs counts the
 * articles. Returns 0 or an exit code after printing the error. */
static int classify_all(cli_ctx *ctx, const classify_rules *rules,
                        store_mention **out, size_t *n, size_t *n_docs)
{
    int64_t *ids = NULL;
    size_t nid = 0;
    char *err = NULL;
    *out = NULL;
    *n = 0;
    if (store_article_ids(ctx->db, &ids, &nid, &err))
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    *n_docs = nid;
    store_mention *m = calloc(nid ? nid : 1, sizeof *m);
    if (!m) {
        free(ids);
        return cli_fail(kt_strdup0("out of memory"), CLI_EXIT_SOFTWARE);
    }
    int rc = 0;
    size_t k = 0;
    for (size_t i = 0; i < nid && !rc; i++) {
        store_document_row d;
        if (store_document_load(ctx->db, ids[i], &d, &err)) {
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            break;
        }
        classify_input in = {d.title, d.body, d.lead_len, d.pub_date};
        classify_result res = {0};
        classify_error cerr = {0};
        if (classify_document(rules, &in, &res, &cerr)) {
            /* a rule fault: the report keeps no mention, as a run would
             * leave it unclassified */
            char *msg = classify_error_format(&cerr);
            cli_error("%s (in %s)", msg ? msg : "rule fault", d.url);
            free(msg);
            classify_error_clear(&cerr);
        } else {
            store_mention *x = &m[k++];
            const classify_mention *cm = &res.mention;
            x->document_id = d.id;
            x->url = kt_strdup0(d.url);
            x->title = kt_strdup0(d.title);
            x->pub_date = kt_strdup0(d.pub_date);
            x->kind = kt_strdup0(cm->kind);
            x->direction = kt_strdup0(cm->direction);
            x->status = kt_strdup0(cm->status);
            x->country = kt_strdup0(cm->country);
            x->location = kt_strdup0(cm->location);
            x->delegation = kt_strdup0(cm->delegation);
            x->actor = kt_strdup0(cm->actor);
            x->dprk_actor = kt_strdup0(cm->dprk_actor);
            x->event_name = kt_strdup0(cm->event_name);
            x->sector = kt_strdup0(cm->sector);
            x->event_date = kt_strdup0(cm->event_date);
            x->sector_weight = sector_weight(&res);
        }
        classify_result_clear(&res);
        store_document_row_clear(&d);
    }
    free(ids);
    if (rc) {
        store_mentions_free(m, k);
        return rc;
    }
    *out = m;
    *n = k;
    return 0;
}

/* Writes a recorded rule set's files into a new folder under the temporary
 * directory; *dir malloc'd. Returns 0 or an exit code. */
static int materialise(cli_ctx *ctx, const char *hash, char **dir)
{
    char **names = NULL, **texts = NULL;
    size_t n = 0;
    char *err = NULL;
    *dir = NULL;
    if (store_ruleset_files_load(ctx->db, hash, &names, &texts, &n, &err))
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    if (!n) {
        cli_error("audit diff: no rule set %s is recorded in %s (classify "
                  "records each set it uses)", hash, ctx->db_path);
        return CLI_EXIT_DATAERR;
    }
    const char *tmp = getenv("TMPDIR");
    kt_buf d = {0};
    kt_buf_printf(&d, "%s/kcnatrack-rules-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int rc = 0;
    if (!mkdtemp(d.data)) {
        cli_error("audit diff: %s: %s", d.data, strerror(errno));
        rc = CLI_EXIT_UNAVAILABLE;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        kt_buf p = {0};
        kt_buf_printf(&p, "%s/%s", d.data, names[i]);
        FILE *f = fopen(p.data, "w");
        if (!f || fputs(texts[i], f) < 0 || fclose(f) != 0) {
            cli_error("audit diff: cannot write %s", p.data);
            rc = CLI_EXIT_UNAVAILABLE;
        }
        kt_buf_free(&p);
    }
    store_strings_free(names, n);
    store_strings_free(texts, n);
    if (rc) {
        kt_buf_free(&d);
        return rc;
    }
    *dir = kt_buf_take(&d);
    return 0;
}

static void remove_dir(const char *dir)
{
    kt_buf c = {0};
    kt_buf_printf(&c, "rm -rf '%s'", dir);
    if (system(c.data) != 0)
        cli_error("audit diff: could not remove %s", dir);
    kt_buf_free(&c);
}

/* Loads a rule folder, printing a broken rule as file:line:column. */
static int load_rules_at(const char *dir, classify_rules **r)
{
    classify_error cerr = {0};
    if (classify_rules_load(dir, r, &cerr) == 0)
        return 0;
    char *msg = classify_error_format(&cerr);
    cli_error("%s", msg ? msg : "cannot load the rules");
    free(msg);
    classify_error_clear(&cerr);
    return CLI_EXIT_DATAERR;
}

/* The events a rule folder gives: classified and consolidated in memory,
 * with dir's tables.conf when it has one (else the current one). */
static int events_with(cli_ctx *ctx, const char *dir, store_event **ev,
                       size_t *nev, size_t *n_docs)
{
    classify_rules *rules = NULL;
    int rc = load_rules_at(dir, &rules);
    if (rc)
        return rc;
    kt_buf tp = {0};
    kt_buf_printf(&tp, "%s/tables.conf", dir);
    struct stat st;
    cli_ctx other = *ctx;
    if (stat(tp.data, &st) == 0)
        other.rules_dir = dir;
    kt_buf_free(&tp);
    store_tables *t = NULL;
    store_mention *m = NULL;
    size_t nm = 0;
    char *err = NULL;
    if (!(rc = cli_load_tables(&other, &t, NULL)) &&
        !(rc = classify_all(ctx, rules, &m, &nm, n_docs)) &&
        store_consolidate(t, m, nm, ev, nev, &err))
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    store_mentions_free(m, nm);
    store_tables_free(t);
    classify_rules_free(rules);
    return rc;
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* How many reports two events share. */
static size_t shared(const store_event *a, const store_event *b)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_reports; i++)
        for (size_t j = 0; j < b->n_reports; j++)
            n += a->document_ids[i] == b->document_ids[j];
    return n;
}

/* Appends what differs between old and new, field by field. */
static void field_changes(const cli_audit *a, kt_buf *b,
                          const store_event *o, const store_event *n)
{
    const struct {
        const char *name, *was, *now;
    } f[] = {
        {"month", o->month, n->month},
        {"country", o->country, n->country},
        {"location", o->location, n->location},
        {"sector", o->sector, n->sector},
        {"kind", o->event_type, n->event_type},
        {"direction", o->direction, n->direction},
        {"left_out", o->leftout, n->leftout},
    };
    int k = 0;
    if (o->table != n->table) {
        if (a->json)
            kt_buf_printf(b, "{\"field\":\"table\",\"old\":%d,\"new\":%d}",
                          o->table, n->table);
        else
            kt_buf_printf(b, "    table: %d -> %d\n", o->table, n->table);
        k++;
    }
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (same_text(f[i].was, f[i].now))
            continue;
        if (a->json) {
            kt_buf_printf(b, "%s{\"field\":\"%s\",\"old\":", k ? "," : "",
                          f[i].name);
            kt_buf_json_cstr(b, f[i].was);
            kt_buf_puts(b, ",\"new\":");
            kt_buf_json_cstr(b, f[i].now);
            kt_buf_puts(b, "}");
        } else {
            kt_buf_printf(b, "    %s: %s -> %s\n", f[i].name,
                          f[i].was ? f[i].was : "-", f[i].now ? f[i].now : "-");
        }
        k++;
    }
}

/* The reports of x missing from y, as URLs. */
static void reports_not_in(const cli_audit *a, kt_buf *b, const store_event *x,
                           const store_event *y, const char *sign)
{
    int k = 0;
    for (size_t i = 0; i < x->n_reports; i++) {
        int found = 0;
        for (size_t j = 0; y && j < y->n_reports && !found; j++)
            found = x->document_ids[i] == y->document_ids[j];
        if (found)
            continue;
        if (a->json) {
            kt_buf_puts(b, k++ ? "," : "");
            kt_buf_json_cstr(b, x->urls[i]);
        } else {
            kt_buf_printf(b, "    %s %s  %s\n", sign, x->urls[i],
                          x->titles[i] ? x->titles[i] : "");
        }
    }
}

static void event_line(const cli_audit *a, kt_buf *b, const store_event *e)
{
    if (a->json) {
        cli_event_json(b, e);
        return;
    }
    if (e->table)
        kt_buf_printf(b, "  %s  table %d", e->event_id, e->table);
    else
        kt_buf_printf(b, "  %s  left out (%s)", e->event_id, e->leftout);
    kt_buf_printf(b, "  %s %s %s %s %s  %s\n", e->month,
                  e->country ? e->country : "-",
                  e->location ? e->location : "-",
                  e->sector ? e->sector : "-",
                  e->event_type ? e->event_type : "-",
                  e->title ? e->title : "");
}

/* Lists what differs between old and new events. */
static void diff_events(const cli_audit *a, kt_buf *b, const store_event *o,
                        size_t no, const store_event *n, size_t nn,
                        size_t *appear, size_t *disappear, size_t *change)
{
    size_t *pair = malloc((nn ? nn : 1) * sizeof *pair); /* new -> old */
    char *taken = calloc(no ? no : 1, 1);
    if (!pair || !taken) {
        free(pair);
        free(taken);
        return;
    }
    /* the same id first, then the old event sharing most reports */
    for (size_t j = 0; j < nn; j++) {
        pair[j] = no;
        for (size_t i = 0; i < no && pair[j] == no; i++)
            if (!taken[i] && !strcmp(o[i].event_id, n[j].event_id)) {
                pair[j] = i;
                taken[i] = 1;
            }
    }
    for (size_t j = 0; j < nn; j++) {
        size_t best = no, most = 0;
        for (size_t i = 0; pair[j] == no && i < no; i++) {
            size_t s = taken[i] ? 0 : shared(&o[i], &n[j]);
            if (s > most) {
                most = s;
                best = i;
            }
        }
        if (pair[j] == no && best < no) {
            pair[j] = best;
            taken[best] = 1;
        }
    }
    *appear = *disappear = *change = 0;
    kt_buf ap = {0}, dis = {0}, ch = {0};
    for (size_t j = 0; j < nn; j++) {
        kt_buf *t = pair[j] == no ? &ap : &ch;
        if (pair[j] == no) {
            if (a->json && *appear)
                kt_buf_puts(t, ",");
            (*appear)++;
            event_line(a, t, &n[j]);
            if (!a->json)
                reports_not_in(a, t, &n[j], NULL, "+");
            continue;
        }
        const store_event *x = &o[pair[j]];
        kt_buf fields = {0}, added = {0}, removed = {0};
        field_changes(a, &fields, x, &n[j]);
        reports_not_in(a, &added, &n[j], x, "+");
        reports_not_in(a, &removed, x, &n[j], "-");
        if (!fields.len && !added.len && !removed.len &&
            !strcmp(x->event_id, n[j].event_id)) {
            kt_buf_free(&fields);
            continue;
        }
        if (a->json) {
            kt_buf_printf(t, "%s{\"old\":", *change ? "," : "");
            (*change)++;
            cli_event_json(t, x);
            kt_buf_puts(t, ",\"new\":");
            cli_event_json(t, &n[j]);
            kt_buf_printf(t, ",\"fields\":[%s],\"reports_added\":[%s],"
                          "\"reports_removed\":[%s]}",
                          fields.data ? fields.data : "",
                          added.data ? added.data : "",
                          removed.data ? removed.data : "");
        } else {
            (*change)++;
            if (strcmp(x->event_id, n[j].event_id))
                kt_buf_printf(t, "  %s (was %s)\n", n[j].event_id,
                              x->event_id);
            else
                kt_buf_printf(t, "  %s\n", n[j].event_id);
            kt_buf_puts(t, fields.data ? fields.data : "");
            kt_buf_puts(t, added.data ? added.data : "");
            kt_buf_puts(t, removed.data ? removed.data : "");
        }
        kt_buf_free(&fields);
        kt_buf_free(&added);
        kt_buf_free(&removed);
    }
    for (size_t i = 0; i < no; i++) {
        if (taken[i])
            continue;
        if (a->json && *disappear)
            kt_buf_puts(&dis, ",");
        (*disappear)++;
        event_line(a, &dis, &o[i]);
        if (!a->json)
            reports_not_in(a, &dis, &o[i], NULL, "-");
    }
    if (a->json) {
        kt_buf_printf(b, "\"appear\":[%s],\"disappear\":[%s],\"change\":[%s]",
                      ap.data ? ap.data : "", dis.data ? dis.data : "",
                      ch.data ? ch.data : "");
    } else {
        kt_buf_printf(b, "%zu event%s appear, %zu disappear, %zu change\n",
                      *appear, *appear == 1 ? "" : "s", *disappear, *change);
        if (*appear)
            kt_buf_printf(b, "Appear:\n%s", ap.data);
        if (*disappear)
            kt_buf_printf(b, "Disappear:\n%s", dis.data);
        if (*change)
            kt_buf_printf(b, "Change:\n%s", ch.data);
    }
    kt_buf_free(&ap);
    kt_buf_free(&dis);
    kt_buf_free(&ch);
    free(pair);
    free(taken);
}

int cli_audit_diff_cmd(cli_ctx *ctx, int argc, char **argv)
{
    const char *rules = NULL, *against = NULL;
    int json = 0;
    for (int i = 2; i < argc; i++) {
        int has = i + 1 < argc;
        if (!strcmp(argv[i], "--rules") && has)
            rules = argv[++i];
        else if (!strcmp(argv[i], "--against") && has)
            against = argv[++i];
        else if (!strcmp(argv[i], "--format") && has &&
                 (!strcmp(argv[i + 1], "json") || !strcmp(argv[i + 1], "text")))
            json = !strcmp(argv[++i], "json");
        else {
            cli_error("audit diff: unexpected '%s' (see kcnatrack audit "
                      "--help)", argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    if (!rules && !against) {
        cli_error("audit diff: give --rules DIR (preview a rule folder) or "
                  "--against HASH (a recorded rule set)");
        return CLI_EXIT_USAGE;
    }
    int rc = cli_open_db_readonly(ctx);
    if (rc)
        return rc;
    cli_audit a;
    cli_audit_init(&a, json);
    double t0 = seconds_now();
    store_event *old = NULL, *now = NULL;
    size_t no = 0, nn = 0, docs = 0, docs2 = 0;
    char *err = NULL, *olddir = NULL;
    /* the side compared against: a recorded set, or what is stored */
    if (against) {
        if (!(rc = materialise(ctx, against, &olddir)))
            rc = events_with(ctx, olddir, &old, &no, &docs);
    } else if (store_events_load(ctx->db, &old, &no, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    }
    if (!rc)
        rc = events_with(ctx, rules ? rules : ctx->rules_dir, &now, &nn,
                         &docs2);
    if (olddir) {
        remove_dir(olddir);
        free(olddir);
    }
    if (!rc) {
        kt_buf b = {0};
        size_t ap, dis, ch;
        double secs = seconds_now() - t0;
        if (json) {
            kt_buf_puts(&b, "{\"old\":");
            kt_buf_json_cstr(&b, against ? against : "stored events");
            kt_buf_puts(&b, ",\"new\":");
            kt_buf_json_cstr(&b, rules ? rules : ctx->rules_dir);
            kt_buf_printf(&b, ",\"reports\":%zu,\"seconds\":%.2f,", docs2,
                          secs);
            diff_events(&a, &b, old, no, now, nn, &ap, &dis, &ch);
            kt_buf_puts(&b, "}\n");
        } else {
            kt_buf_printf(&b, "audit diff: %s -> %s, %zu reports classified "
                          "in %.1f s\n",
                          against ? against : "stored events",
                          rules ? rules : ctx->rules_dir, docs2, secs);
            diff_events(&a, &b, old, no, now, nn, &ap, &dis, &ch);
        }
        fputs(b.data ? b.data : "", stdout);
        kt_buf_free(&b);
    }
    store_events_free(old, no);
    store_events_free(now, nn);
    (void)docs;
    return rc;
}
