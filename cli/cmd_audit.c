/*
 * audit: the auditor's questions, answered from what the stages stored.
 *
 *   audit event ID      an event, its reports, and for each value the rule
 *                       matches that produced it and those overridden
 *   audit report URL    everything the rules found in one report and what
 *                       became of its mention
 *   audit rule ID       where a rule lives, what it matched, what it decided
 *   audit missing       reference rows with no event, and the reports that
 *                       come closest with what stopped each
 *   audit diff          (audit_diff.c) what another rule set would change
 *
 * Text by default (matches marked [[like this]], or in colour on a
 * terminal); --format json for scripts. Read-only.
 */
#include "cli.h"
#include "audit.h"
#include "classify.h"
#include "compare.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kt_util.h"

/* The keys an event is explained by, with the event's own value for each. */
static const char *const event_keys[] = {
    "country", "location", "sector", "kind", "direction", "status",
    "delegation", "event_name", "date", NULL};

static const char *event_value(const store_event *e, const char *key)
{
    return !strcmp(key, "country")      ? e->country
           : !strcmp(key, "location")   ? e->location
           : !strcmp(key, "sector")     ? e->sector
           : !strcmp(key, "kind")       ? e->event_type
           : !strcmp(key, "direction")  ? e->direction
           : !strcmp(key, "delegation") ? e->delegation
           : !strcmp(key, "event_name") ? e->event_name
                                        : NULL;
}

/* A report's own value for a key, from its mention. */
static const char *mention_value(const store_mention *m, const char *key)
{
    return !strcmp(key, "country")      ? m->country
           : !strcmp(key, "location")   ? m->location
           : !strcmp(key, "sector")     ? m->sector
           : !strcmp(key, "kind")       ? m->kind
           : !strcmp(key, "direction")  ? m->direction
           : !strcmp(key, "status")     ? m->status
           : !strcmp(key, "delegation") ? m->delegation
           : !strcmp(key, "event_name") ? m->event_name
           : !strcmp(key, "date")       ? m->event_date
                                        : NULL;
}

void cli_audit_init(cli_audit *a, int json)
{
    memset(a, 0, sizeof *a);
    a->json = json;
    /* colour only for a person at a terminal (and not when NO_COLOR) */
    a->colour = !json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
}

void cli_audit_sentence(const cli_audit *a, kt_buf *b, const char *text,
                        size_t start, size_t end)
{
    size_t len = text ? strlen(text) : 0;
    if (!text || start > end || end > len) {
        kt_buf_puts(b, "(text not stored)");
        return;
    }
    /* back to the sentence's start, forward to its end, at most ~160 bytes
     * each way */
    size_t s = start;
    while (s > 0 && start - s < 160 && text[s - 1] != '\n' &&
           !(s >= 2 && (text[s - 2] == '.' || text[s - 2] == '?' ||
                        text[s - 2] == '!') &&
             text[s - 1] == ' '))
        s--;
    size_t e = end;
    while (e < len && e - end < 160 && text[e] != '\n' &&
           !((text[e] == '.' || text[e] == '?' || text[e] == '!') &&
             (e + 1 == len || text[e + 1] == ' ' || text[e + 1] == '\n')))
        e++;
    if (e < len && text[e] != '\n')
        e++; /* keep the full stop */
    kt_buf_puts(b, s > 0 && text[s - 1] != '\n' && start - s >= 160 ? "..." : "");
    kt_buf_append(b, text + s, start - s);
    kt_buf_puts(b, a->colour ? "\033[1;31m" : "[[");
    kt_buf_append(b, text + start, end - start);
    kt_buf_puts(b, a->colour ? "\033[0m" : "]]");
    kt_buf_append(b, text + end, e - end);
}

/* The text a match lies in. */
static const char *field_text(const store_document_row *d, int field)
{
    return field == 0 ? d->title : d->body;
}

/* Why m (not decisive) lost, into why; *by is the match that beat it, or
 * NULL when none could be found. */
static void overridden_why(const store_match_row *m, const store_match_row *v,
                           size_t n, kt_buf *why, const store_match_row **by)
{
    *by = NULL;
    if (m->masked) {
        for (size_t i = 0; i < n; i++)
            if (!strcmp(v[i].key, "mask") && v[i].field == m->field &&
                v[i].start < m->end && m->start < v[i].end) {
                *by = &v[i];
                break;
            }
        kt_buf_printf(why, "masked by %s (%s:%d)",
                      *by ? (*by)->rule_id : "a mask rule",
                      *by ? (*by)->rule_file : "?", *by ? (*by)->rule_line : 0);
        return;
    }
    for (size_t i = 0; i < n && !*by; i++)
        if (v[i].decisive && !strcmp(v[i].key, m->key))
            *by = &v[i];
    if (!*by) {
        kt_buf_puts(why, "not decisive (no winner recorded)");
        return;
    }
    const store_match_row *w = *by;
    if (w->weight != m->weight)
        kt_buf_printf(why, "outranked by %s (%s:%d): weight %d > %d",
                      w->rule_id, w->rule_file, w->rule_line, w->weight,
                      m->weight);
    else if (w->field != m->field)
        kt_buf_printf(why, "lost to %s (%s:%d): equal weight, the title "
                      "wins", w->rule_id, w->rule_file, w->rule_line);
    else if (w->start != m->start)
        kt_buf_printf(why, "lost to %s (%s:%d): equal weight, the earlier "
                      "match wins", w->rule_id, w->rule_file, w->rule_line);
    else
        kt_buf_printf(why, "lost to %s (%s:%d): equal weight and place, the "
                      "earlier rule wins", w->rule_id, w->rule_file,
                      w->rule_line);
}

/* Appends a match as a JSON object (explain's field order first). */
static void match_json(const cli_audit *a, kt_buf *b, const store_match_row *m,
                       const store_document_row *d)
{
    kt_buf_puts(b, "{\"report\":");
    kt_buf_json_cstr(b, d->url);
    kt_buf_puts(b, ",\"title\":");
    kt_buf_json_cstr(b, d->title);
    kt_buf_puts(b, ",\"field\":");
    kt_buf_json_cstr(b, m->key);
    kt_buf_puts(b, ",\"value\":");
    kt_buf_json_cstr(b, m->value);
    kt_buf_puts(b, ",\"rule\":");
    kt_buf_json_cstr(b, m->rule_id);
    kt_buf_puts(b, ",\"file\":");
    kt_buf_json_cstr(b, m->rule_file);
    kt_buf_printf(b, ",\"line\":%d,\"in\":\"%s\",\"start\":%zu,\"end\":%zu,"
                  "\"text\":", m->rule_line, m->field ? "body" : "title",
                  m->start, m->end);
    kt_buf_json_cstr(b, m->text);
    kt_buf_printf(b, ",\"weight\":%d,\"decisive\":%s,\"masked\":%s",
                  m->weight, m->decisive ? "true" : "false",
                  m->masked ? "true" : "false");
    kt_buf sent = {0};
    cli_audit plain = *a;
    plain.colour = 0;
    cli_audit_sentence(&plain, &sent, field_text(d, m->field), m->start,
                       m->end);
    kt_buf_puts(b, ",\"sentence\":");
    kt_buf_json_cstr(b, sent.data);
    kt_buf_free(&sent);
    kt_buf_puts(b, "}");
}

/* One match as a text line (indented). */
static void match_text(const cli_audit *a, kt_buf *b, const char *indent,
                       const store_match_row *m, const store_document_row *d)
{
    kt_buf_printf(b, "%s%s=%s  %s (%s:%d, weight %d) %s %zu-%zu: ", indent,
                  m->key, m->value ? m->value : "", m->rule_id, m->rule_file,
                  m->rule_line, m->weight, m->field ? "body" : "title",
                  m->start, m->end);
    cli_audit_sentence(a, b, field_text(d, m->field), m->start, m->end);
    kt_buf_puts(b, "\n");
}

/* The loaded facts about one report of an event. */
typedef struct report_facts {
    store_document_row doc;
    store_match_row *m;
    size_t nm;
    store_mention mention;
    int has_mention;
} report_facts;

static void facts_clear(report_facts *f)
{
    store_document_row_clear(&f->doc);
    store_match_rows_free(f->m, f->nm);
    store_mention_clear(&f->mention);
    memset(f, 0, sizeof *f);
}

static int facts_load(store *db, int64_t id, report_facts *f, char **err)
{
    memset(f, 0, sizeof *f);
    if (store_document_load(db, id, &f->doc, err) ||
        store_matches_load(db, id, &f->m, &f->nm, err))
        return -1;
    int r = store_mention_get(db, id, &f->mention, err);
    if (r < 0)
        return -1;
    f->has_mention = r;
    return 0;
}

/* Evidence for key in one report: decisive matches, then the overridden
 * ones with why; text or JSON into b. */
static void key_evidence(const cli_audit *a, kt_buf *b, const report_facts *f,
                         const char *key, const char *event_val, int first)
{
    const char *mine = f->has_mention ? mention_value(&f->mention, key) : NULL;
    int agrees = mine && event_val && !strcmp(mine, event_val);
    if (a->json) {
        kt_buf_printf(b, "%s{\"key\":\"%s\",\"value\":", first ? "" : ",",
                      key);
        kt_buf_json_cstr(b, mine);
        kt_buf_printf(b, ",\"agrees\":%s,\"decided_by\":[",
                      !mine || !event_val ? "null" : agrees ? "true" : "false");
    } else if (mine) {
        kt_buf_printf(b, "     %s: %s%s\n", key, mine,
                      !event_val || agrees ? ""
                                           : "  (the event's is another)");
    }
    int k = 0;
    for (size_t i = 0; i < f->nm; i++) {
        const store_match_row *m = &f->m[i];
        if (strcmp(m->key, key) || !m->decisive || m->masked)
            continue;
        if (a->json) {
            kt_buf_puts(b, k++ ? "," : "");
            match_json(a, b, m, &f->doc);
        } else {
            match_text(a, b, "       by ", m, &f->doc);
        }
    }
    if (a->json)
        kt_buf_puts(b, "],\"overridden\":[");
    k = 0;
    for (size_t i = 0; i < f->nm; i++) {
        const store_match_row *m = &f->m[i];
        if (strcmp(m->key, key) || (m->decisive && !m->masked))
            continue;
        kt_buf why = {0};
        const store_match_row *by = NULL;
        overridden_why(m, f->m, f->nm, &why, &by);
        if (a->json) {
            kt_buf_puts(b, k++ ? "," : "");
            match_json(a, b, m, &f->doc);
            b->len--; /* reopen the object */
            b->data[b->len] = 0;
            kt_buf_puts(b, ",\"why\":");
            kt_buf_json_cstr(b, why.data);
            kt_buf_puts(b, ",\"by\":");
            kt_buf_json_cstr(b, by ? by->rule_id : NULL);
            kt_buf_puts(b, "}");
        } else {
            match_text(a, b, "       overridden ", m, &f->doc);
            kt_buf_printf(b, "         -- %s\n", why.data);
        }
        kt_buf_free(&why);
    }
    if (a->json)
        kt_buf_puts(b, "]}");
}

/* Loads an event, reporting an unknown id as exit 65. */
static int load_event(cli_ctx *ctx, const char *id, store_event *e)
{
    char *err = NULL;
    int r = store_event_get(ctx->db, id, e, &err);
    if (r < 0)
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    if (r == 0) {
        cli_error("audit: no event '%s' (see kcnatrack export events --all)",
                  id);
        return CLI_EXIT_DATAERR;
    }
    return 0;
}

int cli_audit_event(cli_ctx *ctx, const cli_audit *a, const char *id,
                    kt_buf *b)
{
    store_event e;
    int rc = load_event(ctx, id, &e);
    if (rc)
        return rc;
    store_tables *t = NULL;
    if ((rc = cli_load_tables(ctx, &t, NULL))) {
        store_event_clear(&e);
        return rc;
    }
    int line = store_tables_reason_line(t, &e);
    const char *title = e.table ? store_tables_title(t, e.table) : NULL;
    if (a->json) {
        kt_buf_puts(b, "{\"event\":");
        cli_event_json(b, &e);
        kt_buf_puts(b, ",\"table_title\":");
        kt_buf_json_cstr(b, title);
        kt_buf_puts(b, ",\"delegation\":");
        kt_buf_json_cstr(b, e.delegation);
        kt_buf_puts(b, ",\"event_name\":");
        kt_buf_json_cstr(b, e.event_name);
        kt_buf_printf(b, ",\"left_out_line\":%d,\"report_details\":[", line);
    } else {
        kt_buf_printf(b, "Event %s\n", e.event_id);
        if (e.table)
            kt_buf_printf(b, "  table %d (%s)\n", e.table, title ? title : "");
        else
            kt_buf_printf(b, "  left out: %s (tables.conf:%d)\n",
                          e.leftout ? e.leftout : "?", line);
        kt_buf_printf(b, "  month %s, country %s, location %s, sector %s\n"
                      "  kind %s, direction %s, dates %s .. %s\n",
                      e.month, e.country ? e.country : "-",
                      e.location ? e.location : "-",
                      e.sector ? e.sector : "-",
                      e.event_type ? e.event_type : "-",
                      e.direction ? e.direction : "-", e.first_date,
                      e.last_date);
        if (e.delegation || e.event_name)
            kt_buf_printf(b, "  %s%s%s\n",
                          e.delegation ? "delegation: " : "event: ",
                          e.delegation ? e.delegation : e.event_name, "");
        kt_buf_printf(b, "Reports (%zu):\n", e.n_reports);
    }
    kt_buf flat = {0}; /* explain's evidence list */
    size_t n_flat = 0;
    char *err = NULL;
    for (size_t r = 0; r < e.n_reports && !rc; r++) {
        report_facts f;
        if (facts_load(ctx->db, e.document_ids[r], &f, &err)) {
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            facts_clear(&f);
            break;
        }
        if (a->json) {
            kt_buf_printf(b, "%s{\"document_id\":%lld,\"url\":", r ? "," : "",
                          (long long)f.doc.id);
            kt_buf_json_cstr(b, f.doc.url);
            kt_buf_puts(b, ",\"title\":");
            kt_buf_json_cstr(b, f.doc.title);
            kt_buf_puts(b, ",\"date\":");
            kt_buf_json_cstr(b, f.doc.pub_date);
            kt_buf_puts(b, ",\"how\":");
            kt_buf_json_cstr(b, e.how ? e.how[r] : NULL);
            kt_buf_puts(b, ",\"values\":[");
        } else {
            kt_buf_printf(b, "  %zu. %s  %s\n     %s\n     joined: %s\n",
                          r + 1, f.doc.pub_date ? f.doc.pub_date : "-",
                          f.doc.title ? f.doc.title : "", f.doc.url,
                          e.how && e.how[r] ? e.how[r] : "-");
        }
        for (int k = 0; event_keys[k]; k++)
            key_evidence(a, b, &f, event_keys[k],
                         event_value(&e, event_keys[k]), k == 0);
        if (a->json)
            kt_buf_puts(b, "]}");
        for (int k = 0; a->json && event_keys[k]; k++)
            for (size_t i = 0; i < f.nm; i++)
                if (!strcmp(f.m[i].key, event_keys[k]) && f.m[i].decisive &&
                    !f.m[i].masked) {
                    kt_buf_puts(&flat, n_flat++ ? ",\n " : "\n ");
                    match_json(a, &flat, &f.m[i], &f.doc);
                }
        facts_clear(&f);
    }
    if (a->json)
        kt_buf_printf(b, "],\n\"evidence\":[%s%s]}\n",
                      flat.data ? flat.data : "", n_flat ? "\n" : "");
    kt_buf_free(&flat);
    store_event_clear(&e);
    store_tables_free(t);
    return rc;
}

int cli_audit_report(cli_ctx *ctx, const cli_audit *a, const char *what,
                     kt_buf *b)
{
    int64_t id = 0;
    char *err = NULL;
    int r = store_document_find(ctx->db, what, &id, &err);
    if (r < 0)
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    if (r == 0) {
        cli_error("audit: no report '%s' (give its URL or #DOCUMENT_ID)",
                  what);
        return CLI_EXIT_DATAERR;
    }
    report_facts f;
    store_tables *t = NULL;
    int rc = cli_load_tables(ctx, &t, NULL);
    if (rc)
        return rc;
    if (facts_load(ctx->db, id, &f, &err)) {
        facts_clear(&f);
        store_tables_free(t);
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    }
    char *event_id = NULL;
    store_event e;
    memset(&e, 0, sizeof e);
    int has_event = store_document_event(ctx->db, id, &event_id, &err);
    if (has_event > 0)
        has_event = store_event_get(ctx->db, event_id, &e, &err);
    if (has_event < 0) {
        facts_clear(&f);
        store_tables_free(t);
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    }
    const char *dropped = f.has_mention
                              ? store_consolidate_dropped_reason(t, &f.mention)
                              : "not classified (or not the latest version "
                                "of its page)";
    size_t pos = 0;
    for (size_t i = 0; has_event > 0 && i < e.n_reports; i++)
        if (e.document_ids[i] == id)
            pos = i;
    if (a->json) {
        kt_buf_printf(b, "{\"document_id\":%lld,\"url\":", (long long)id);
        kt_buf_json_cstr(b, f.doc.url);
        kt_buf_puts(b, ",\"title\":");
        kt_buf_json_cstr(b, f.doc.title);
        kt_buf_puts(b, ",\"date\":");
        kt_buf_json_cstr(b, f.doc.pub_date);
        kt_buf_puts(b, ",\"matches\":[");
        for (size_t i = 0; i < f.nm; i++) {
            kt_buf_puts(b, i ? ",\n " : "\n ");
            match_json(a, b, &f.m[i], &f.doc);
        }
        kt_buf_puts(b, "],\"mention\":");
        if (f.has_mention) {
            kt_buf_puts(b, "{");
            for (int k = 0; event_keys[k]; k++) {
                kt_buf_printf(b, "%s\"%s\":", k ? "," : "", event_keys[k]);
                kt_buf_json_cstr(b, mention_value(&f.mention, event_keys[k]));
            }
            kt_buf_puts(b, "}");
        } else {
            kt_buf_puts(b, "null");
        }
        kt_buf_puts(b, ",\"event\":");
        if (has_event > 0) {
            cli_event_json(b, &e);
            kt_buf_puts(b, ",\"how\":");
            kt_buf_json_cstr(b, e.how ? e.how[pos] : NULL);
            kt_buf_printf(b, ",\"left_out_line\":%d",
                          store_tables_reason_line(t, &e));
        } else {
            kt_buf_puts(b, "null,\"dropped\":");
            kt_buf_json_cstr(b, dropped);
        }
        kt_buf_puts(b, "}\n");
    } else {
        kt_buf_printf(b, "Report #%lld  %s\n  %s\n  %s\n", (long long)id,
                      f.doc.pub_date ? f.doc.pub_date : "-",
                      f.doc.title ? f.doc.title : "", f.doc.url);
        kt_buf_printf(b, "Matches in text order (%zu):\n", f.nm);
        for (size_t i = 0; i < f.nm; i++) {
            const store_match_row *m = &f.m[i];
            const char *mark = m->masked     ? "masked  "
                               : m->decisive ? "decisive"
                                             : "        ";
            kt_buf_printf(b, "  %s ", mark);
            match_text(a, b, "", m, &f.doc);
        }
        kt_buf_puts(b, "Mention:");
        for (int k = 0; f.has_mention && event_keys[k]; k++) {
            const char *v = mention_value(&f.mention, event_keys[k]);
            if (v)
                kt_buf_printf(b, " %s=%s", event_keys[k], v);
        }
        kt_buf_puts(b, f.has_mention ? "\n" : " none\n");
        if (has_event > 0) {
            kt_buf_printf(b, "Became: event %s, ", e.event_id);
            if (e.table)
                kt_buf_printf(b, "table %d (%s)\n", e.table,
                              store_tables_title(t, e.table));
            else
                kt_buf_printf(b, "left out: %s (tables.conf:%d)\n",
                              e.leftout, store_tables_reason_line(t, &e));
            kt_buf_printf(b, "  joined it as: %s\n",
                          e.how ? e.how[pos] : "-");
            kt_buf_printf(b, "  its %zu report%s: see kcnatrack audit event "
                          "%s\n", e.n_reports, e.n_reports == 1 ? "" : "s",
                          e.event_id);
        } else {
            kt_buf_printf(b, "Became: no event: %s\n",
                          dropped ? dropped : "not consolidated yet (run "
                                              "kcnatrack store)");
        }
    }
    free(event_id);
    store_event_clear(&e);
    facts_clear(&f);
    store_tables_free(t);
    return 0;
}

int cli_audit_rule(cli_ctx *ctx, const cli_audit *a, const char *rule_id,
                   long samples, kt_buf *b)
{
    classify_rules *rules = NULL;
    classify_error cerr = {0};
    if (classify_rules_load(ctx->rules_dir, &rules, &cerr)) {
        char *msg = classify_error_format(&cerr);
        cli_error("%s", msg ? msg : "cannot load the rules");
        free(msg);
        classify_error_clear(&cerr);
        return CLI_EXIT_DATAERR;
    }
    size_t ri = classify_rules_count(rules);
    for (size_t i = 0; i < classify_rules_count(rules); i++)
        if (!strcmp(classify_rule_id(rules, i), rule_id))
            ri = i;
    store_match_row *m = NULL;
    size_t nm = 0;
    long total = 0, reports = 0, decisive = 0;
    char **events = NULL;
    size_t ne = 0;
    char *err = NULL, *source = NULL;
    int rc = 0;
    if (store_rule_matches(ctx->db, rule_id, samples, &m, &nm, &total,
                           &reports, &decisive, &err) ||
        store_rule_events(ctx->db, rule_id, &events, &ne, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
        goto out;
    }
    if (ri == classify_rules_count(rules) && total == 0) {
        cli_error("audit: no rule '%s' in %s, and none in the database",
                  rule_id, ctx->rules_dir);
        rc = CLI_EXIT_DATAERR;
        goto out;
    }
    int known = ri < classify_rules_count(rules);
    source = known ? classify_rule_source(rules, ri) : NULL;
    if (a->json) {
        kt_buf_puts(b, "{\"rule\":");
        kt_buf_json_cstr(b, rule_id);
        kt_buf_puts(b, ",\"file\":");
        kt_buf_json_cstr(b, known ? classify_rule_file(rules, ri) : NULL);
        kt_buf_printf(b, ",\"line\":%d,\"pattern\":",
                      known ? classify_rule_line(rules, ri) : 0);
        kt_buf_json_cstr(b, known ? classify_rule_pattern(rules, ri) : NULL);
        kt_buf_puts(b, ",\"source\":");
        kt_buf_json_cstr(b, source);
        kt_buf_printf(b, ",\"matches\":%ld,\"reports\":%ld,\"decisive\":%ld,"
                      "\"events_decided\":[", total, reports, decisive);
        for (size_t i = 0; i < ne; i++) {
            kt_buf_puts(b, i ? "," : "");
            kt_buf_json_cstr(b, events[i]);
        }
        kt_buf_puts(b, "],\"samples\":[");
    } else {
        if (known)
            kt_buf_printf(b, "Rule %s  %s/%s:%d\n  %s\n", rule_id,
                          ctx->rules_dir, classify_rule_file(rules, ri),
                          classify_rule_line(rules, ri),
                          source ? source : "");
        else
            kt_buf_printf(b, "Rule %s  (no longer in %s)\n", rule_id,
                          ctx->rules_dir);
        kt_buf_printf(b, "  %ld match%s in %ld report%s; decided a tag %ld "
                      "time%s; in %zu event%s\n",
                      total, total == 1 ? "" : "es", reports,
                      reports == 1 ? "" : "s", decisive,
                      decisive == 1 ? "" : "s", ne, ne == 1 ? "" : "s");
        if (nm)
            kt_buf_printf(b, "Samples:\n");
    }
    for (size_t i = 0; i < nm; i++) {
        store_document_row d;
        if (store_document_load(ctx->db, m[i].document_id, &d, &err)) {
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            goto out;
        }
        if (a->json) {
            kt_buf_puts(b, i ? "," : "");
            match_json(a, b, &m[i], &d);
        } else {
            kt_buf_printf(b, "  %s\n", d.url);
            match_text(a, b, "    ", &m[i], &d);
        }
        store_document_row_clear(&d);
    }
    if (a->json) {
        kt_buf_puts(b, "]}\n");
    } else if (ne) {
        kt_buf_puts(b, "Events it decided (a report's winning match):\n");
        for (size_t i = 0; i < ne; i++) {
            store_event e;
            if (store_event_get(ctx->db, events[i], &e, &err) > 0) {
                if (e.table)
                    kt_buf_printf(b, "  %s  table %d", e.event_id, e.table);
                else
                    kt_buf_printf(b, "  %s  left out", e.event_id);
                kt_buf_printf(b, "  %s %s  %s\n", e.month,
                              e.country ? e.country : "-",
                              e.title ? e.title : "");
                store_event_clear(&e);
            }
            free(err);
            err = NULL;
        }
    }
out:
    free(source);
    store_match_rows_free(m, nm);
    store_strings_free(events, ne);
    classify_rules_free(rules);
    return rc;
}

/* An FTS5 query of the row description's distinctive words (five letters
 * or more, not in a short list of common words), joined by OR, or NULL
 * when it has none. malloc'd. */
static char *description_query(const char *desc)
{
    static const char *const common[] = {
        "about", "after", "their", "there", "these", "those", "which",
        "where", "while", "visit", "visited", "visits", "delegation",
        "party", "under", "other", "between", "during", "korea", "korean",
        "dprk", "pyongyang", NULL};
    kt_buf q = {0};
    const char *p = desc ? desc : "";
    int words = 0;
    while (*p && words < 8) {
        while (*p && !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
            p++;
        const char *w = p;
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
            p++;
        size_t n = (size_t)(p - w);
        if (n < 5)
            continue;
        int skip = 0;
        for (int i = 0; common[i] && !skip; i++)
            skip = strlen(common[i]) == n && !strncasecmp(common[i], w, n);
        if (skip)
            continue;
        kt_buf_printf(&q, "%s%.*s", words++ ? " OR " : "", (int)n, w);
    }
    if (!words) {
        kt_buf_free(&q);
        return NULL;
    }
    return kt_buf_take(&q);
}

/* What stopped a candidate report from giving a reference row its event. */
static void why_not(const store_tables *t, const cli_ref_row *row,
                    const store_mention *m, const store_event *e,
                    int has_event, const char *matched_row, kt_buf *why)
{
    if (!has_event) {
        const char *d = store_consolidate_dropped_reason(t, m);
        kt_buf_printf(why, "no event: %s", d ? d : "not consolidated yet");
        return;
    }
    if (!e->table) {
        kt_buf_printf(why, "left out: %s (tables.conf:%d)", e->leftout,
                      store_tables_reason_line(t, e));
        return;
    }
    if (matched_row) {
        kt_buf_printf(why, "merged: its event %s is %s's", e->event_id,
                      matched_row);
        return;
    }
    kt_buf_printf(why, "event %s:", e->event_id);
    if (e->table != row->table)
        kt_buf_printf(why, " another table (%d)", e->table);
    if (!e->month || strcmp(e->month, row->month))
        kt_buf_printf(why, " another month (%s)", e->month);
    if (row->table != 3 &&
        (!e->country || strcasecmp(e->country, row->country)))
        kt_buf_printf(why, " another country (%s)",
                      e->country ? e->country : "none");
    if (!e->location || strcasecmp(e->location, row->location))
        kt_buf_printf(why, " another location (%s)",
                      e->location ? e->location : "none");
    if (!e->sector || strcasecmp(e->sector, row->sector))
        kt_buf_printf(why, " another sector (%s)",
                      e->sector ? e->sector : "none");
}

int cli_audit_missing(cli_ctx *ctx, const cli_audit *a, const char *refpath,
                      const char *from, const char *to, kt_buf *b)
{
    cli_ref_row *ref = NULL;
    size_t nref = 0;
    char *err = NULL;
    if (cli_reference_load(refpath, &ref, &nref, &err))
        return cli_fail(err, CLI_EXIT_DATAERR);
    store_tables *t = NULL;
    store_event *ev = NULL;
    size_t nev = 0;
    cli_comparison cmp;
    int have_cmp = 0, rc = cli_load_tables(ctx, &t, NULL);
    if (!rc && store_events_load(ctx->db, &ev, &nev, &err))
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    if (!rc && cli_compare(ref, nref, ev, nev, from, to, &cmp))
        rc = cli_fail(kt_strdup0("out of memory"), CLI_EXIT_SOFTWARE);
    have_cmp = !rc;
    if (a->json && !rc)
        kt_buf_puts(b, "{\"missing\":[");
    size_t shown = 0;
    for (int tb = 0; !rc && tb < 3; tb++) {
        const cli_table_result *tr = &cmp.tables[tb];
        for (size_t k = 0; !rc && k < tr->n_missed; k++) {
            const cli_ref_row *row = &ref[tr->missed[k]];
            /* the reports of that month naming the counterpart (the host
             * for Table 3; reports in the DPRK name none) */
            const char *country =
                row->table == 3 &&
                        !strcasecmp(row->country, store_tables_home_country(t))
                    ? NULL
                    : row->country;
            store_mention *m = NULL;
            size_t nm = 0;
            if (store_mentions_near(ctx->db, row->month, country, &m, &nm,
                                    &err)) {
                rc = cli_fail(err, CLI_EXIT_SOFTWARE);
                break;
            }
            if (a->json) {
                kt_buf_printf(b, "%s{\"row\":", shown++ ? "," : "");
                kt_buf_json_cstr(b, row->row_id);
                kt_buf_printf(b, ",\"table\":%d,\"month\":", row->table);
                kt_buf_json_cstr(b, row->month);
                kt_buf_puts(b, ",\"country\":");
                kt_buf_json_cstr(b, row->country);
                kt_buf_puts(b, ",\"location\":");
                kt_buf_json_cstr(b, row->location);
                kt_buf_puts(b, ",\"sector\":");
                kt_buf_json_cstr(b, row->sector);
                kt_buf_puts(b, ",\"candidates\":[");
            } else {
                kt_buf_printf(b, "%s  table %d  %s  %s  %s  %s\n  %s\n",
                              row->row_id, row->table, row->month,
                              row->country, row->location, row->sector,
                              row->description ? row->description : "");
                if (!nm)
                    kt_buf_printf(b, "    no report of %s names %s\n",
                                  row->month, country ? country : "no "
                                                                  "country");
            }
            for (size_t i = 0; i < nm && i < 12; i++) {
                char *eid = NULL;
                store_event e;
                memset(&e, 0, sizeof e);
                int has = store_document_event(ctx->db, m[i].document_id,
                                               &eid, &err);
                if (has > 0)
                    has = store_event_get(ctx->db, eid, &e, &err);
                if (has < 0) {
                    rc = cli_fail(err, CLI_EXIT_SOFTWARE);
                    free(eid);
                    break;
                }
                /* the row its event matches, if any */
                const char *other = NULL;
                for (int x = 0; has && x < 3 && !other; x++)
                    for (size_t y = 0; y < cmp.tables[x].n_matched; y++)
                        if (!strcmp(ev[cmp.tables[x].matched_ev[y]].event_id,
                                    e.event_id))
                            other = ref[cmp.tables[x].matched_ref[y]].row_id;
                kt_buf why = {0};
                why_not(t, row, &m[i], &e, has > 0, other, &why);
                if (a->json) {
                    kt_buf_puts(b, i ? ",{\"url\":" : "{\"url\":");
                    kt_buf_json_cstr(b, m[i].url);
                    kt_buf_puts(b, ",\"title\":");
                    kt_buf_json_cstr(b, m[i].title);
                    kt_buf_puts(b, ",\"event\":");
                    kt_buf_json_cstr(b, has > 0 ? e.event_id : NULL);
                    kt_buf_puts(b, ",\"stopped_by\":");
                    kt_buf_json_cstr(b, why.data);
                    kt_buf_puts(b, "}");
                } else {
                    kt_buf_printf(b, "    %s  %s\n      %s\n      -> %s\n",
                                  m[i].event_date ? m[i].event_date : "",
                                  m[i].title ? m[i].title : "", m[i].url,
                                  why.data);
                }
                kt_buf_free(&why);
                free(eid);
                store_event_clear(&e);
            }
            /* reports whose words the description shares, that month,
             * not already listed */
            char *fq = description_query(row->description);
            char from_d[16], to_d[16];
            snprintf(from_d, sizeof from_d, "%.7s-01", row->month);
            snprintf(to_d, sizeof to_d, "%.7s-31", row->month);
            store_search_query sq = {fq, from_d, to_d, 5, "[[", "]]"};
            store_search_result sr;
            memset(&sr, 0, sizeof sr);
            int src = fq ? store_search(ctx->db, &sq, &sr, &err) : 0;
            if (src != 0) {
                free(err); /* a description FTS5 cannot read: no words */
                err = NULL;
            }
            size_t shown_fts = 0;
            for (size_t h = 0; src == 0 && h < sr.n; h++) {
                int dup = 0;
                for (size_t i = 0; i < nm && i < 12 && !dup; i++)
                    dup = m[i].document_id == sr.hits[h].document_id;
                if (dup)
                    continue;
                kt_buf why = {0};
                store_mention hm;
                int hmr = sr.hits[h].event_id
                              ? 0
                              : store_mention_get(ctx->db,
                                                  sr.hits[h].document_id, &hm,
                                                  &err);
                if (hmr < 0) {
                    free(err);
                    err = NULL;
                }
                if (!sr.hits[h].event_id) {
                    const char *d = hmr > 0
                                        ? store_consolidate_dropped_reason(
                                              t, &hm)
                                        : NULL;
                    kt_buf_printf(&why, "no event: %s",
                                  d ? d : hmr > 0 ? "not consolidated yet"
                                                  : "not classified");
                    if (hmr > 0)
                        store_mention_clear(&hm);
                }
                else if (!sr.hits[h].table)
                    kt_buf_printf(&why, "left out: %s", sr.hits[h].leftout);
                else
                    kt_buf_printf(&why, "in event %s (table %d): does not "
                                  "match the row", sr.hits[h].event_id,
                                  sr.hits[h].table);
                if (a->json) {
                    kt_buf_puts(b, nm || shown_fts ? ",{\"url\":"
                                                   : "{\"url\":");
                    kt_buf_json_cstr(b, sr.hits[h].url);
                    kt_buf_puts(b, ",\"title\":");
                    kt_buf_json_cstr(b, sr.hits[h].title);
                    kt_buf_puts(b, ",\"found_by\":\"words\",\"event\":");
                    kt_buf_json_cstr(b, sr.hits[h].event_id);
                    kt_buf_puts(b, ",\"stopped_by\":");
                    kt_buf_json_cstr(b, why.data);
                    kt_buf_puts(b, "}");
                } else {
                    for (char *c = sr.hits[h].snippet; c && *c; c++)
                        if (*c == '\n')
                            *c = ' ';
                    kt_buf_printf(b, "    %s  %s  (shares words: %s)\n"
                                  "      %s\n      -> %s\n",
                                  sr.hits[h].pub_date ? sr.hits[h].pub_date
                                                      : "",
                                  sr.hits[h].title ? sr.hits[h].title : "",
                                  sr.hits[h].snippet ? sr.hits[h].snippet
                                                     : "",
                                  sr.hits[h].url, why.data);
                }
                shown_fts++;
                kt_buf_free(&why);
            }
            store_search_clear(&sr);
            free(fq);
            if (a->json)
                kt_buf_puts(b, "]}");
            store_mentions_free(m, nm);
        }
    }
    if (a->json && !rc)
        kt_buf_puts(b, "]}\n");
    else if (!rc && !shown && !b->len)
        kt_buf_puts(b, "No reference row is missing.\n");
    if (have_cmp)
        cli_comparison_free(&cmp);
    store_events_free(ev, nev);
    store_tables_free(t);
    cli_reference_free(ref, nref);
    return rc;
}

/* Parses --format, --reference, --from, --to, --samples; the first plain
 * argument goes to *arg. Returns 0 or a usage error. */
static int audit_opts(const char *what, int argc, char **argv, int *json,
                      const char **arg, const char **ref, const char **from,
                      const char **to, long *samples, const char **rules)
{
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(o, "--format") && has) {
            const char *v = argv[++i];
            if (strcmp(v, "text") && strcmp(v, "json")) {
                cli_error("audit %s: --format is text or json", what);
                return CLI_EXIT_USAGE;
            }
            *json = !strcmp(v, "json");
        } else if (!strcmp(o, "--reference") && has && ref) {
            *ref = argv[++i];
        } else if (!strcmp(o, "--from") && has && from) {
            *from = argv[++i];
        } else if (!strcmp(o, "--to") && has && to) {
            *to = argv[++i];
        } else if (!strcmp(o, "--rules") && has && rules) {
            *rules = argv[++i];
        } else if (!strcmp(o, "--samples") && has && samples) {
            if ((*samples = cli_parse_long("--samples", argv[++i], 0,
                                           1000)) < 0)
                return CLI_EXIT_USAGE;
        } else if (o[0] != '-' && arg && !*arg) {
            *arg = o;
        } else {
            cli_error("audit %s: unexpected '%s' (see kcnatrack audit "
                      "--help)", what, o);
            return CLI_EXIT_USAGE;
        }
    }
    return 0;
}

int cli_cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    int json = 0;
    const char *arg = NULL, *ref = NULL, *from = NULL, *to = NULL,
               *rules = NULL, *against = NULL;
    long samples = 5;
    int rc;
    if (!strcmp(what, "diff"))
        return cli_audit_diff_cmd(ctx, argc, argv);
    if (!strcmp(what, "missing"))
        rc = audit_opts(what, argc, argv, &json, NULL, &ref, &from, &to, NULL,
                        NULL);
    else if (!strcmp(what, "rule"))
        rc = audit_opts(what, argc, argv, &json, &arg, NULL, NULL, NULL,
                        &samples, NULL);
    else if (!strcmp(what, "event") || !strcmp(what, "report"))
        rc = audit_opts(what, argc, argv, &json, &arg, NULL, NULL, NULL, NULL,
                        NULL);
    else {
        cli_error("audit: say event, report, rule, missing or diff (see "
                  "kcnatrack audit --help)");
        return CLI_EXIT_USAGE;
    }
    (void)rules;
    (void)against;
    if (rc)
        return rc;
    if (strcmp(what, "missing") && !arg) {
        cli_error("audit %s: give the %s", what,
                  !strcmp(what, "event")    ? "EVENT_ID"
                  : !strcmp(what, "report") ? "report's URL or #DOCUMENT_ID"
                                            : "RULE_ID");
        return CLI_EXIT_USAGE;
    }
    if ((from && strlen(from) != 7) || (to && strlen(to) != 7)) {
        cli_error("audit missing: --from and --to take YYYY-MM");
        return CLI_EXIT_USAGE;
    }
    if ((rc = cli_open_db_readonly(ctx)))
        return rc;
    cli_audit a;
    cli_audit_init(&a, json);
    kt_buf b = {0};
    char *defref = NULL;
    if (!strcmp(what, "event"))
        rc = cli_audit_event(ctx, &a, arg, &b);
    else if (!strcmp(what, "report"))
        rc = cli_audit_report(ctx, &a, arg, &b);
    else if (!strcmp(what, "rule"))
        rc = cli_audit_rule(ctx, &a, arg, samples, &b);
    else {
        if (!ref)
            ref = defref = cli_rules_path(ctx,
                                          "../reference/commentary-2024.csv");
        rc = cli_audit_missing(ctx, &a, ref, from, to, &b);
    }
    if (!rc && b.data)
        fputs(b.data, stdout);
    kt_buf_free(&b);
    free(defref);
    return rc;
}
