/* Scoring labelled reports against the events: see labels.h. */
#include "labels.h"
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const outcome_names[CLI_LABEL_N] = {
    "agree",         "wrong table",      "wrong country",
    "wrong direction or location",       "wrong month",
    "wrong sector",  "left out wrongly", "kept wrongly",
    "split",         "merged",           "not in the database",
};

static const char *const table_names[4] = {"none", "Table 1", "Table 2",
                                           "Table 3"};

const char *cli_label_outcome_name(int outcome)
{
    return outcome >= 0 && outcome < CLI_LABEL_N ? outcome_names[outcome]
                                                 : "?";
}

void cli_labels_free(cli_label *labels, size_t n)
{
    for (size_t i = 0; labels && i < n; i++) {
        free(labels[i].report);
        free(labels[i].label);
        free(labels[i].rows);
        free(labels[i].kind);
        free(labels[i].why_no_event);
    }
    free(labels);
}

static int has_row(const cli_label *l, size_t row)
{
    for (size_t k = 0; k < l->n_rows; k++)
        if (l->rows[k] == row)
            return 1;
    return 0;
}

/* ---- loading ---- */

/* Sets *err to "path:line: " and the formatted message; returns -1. */
static int fail_at(char **err, const char *path, int line, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static int fail_at(char **err, const char *path, int line, const char *fmt,
                   ...)
{
    kt_buf b = {0};
    kt_buf_printf(&b, "%s:%d: ", path, line);
    va_list ap;
    va_start(ap, fmt);
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kt_buf_puts(&b, msg);
    *err = kt_buf_take(&b);
    return -1;
}

/* A copy of s[0..n) without blanks at either end. */
static char *trimmed(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return kt_strndup(s, n);
}

/* A left-out kind is one lower-case word: row ids are not. */
static int is_kind_word(const char *s)
{
    if (*s < 'a' || *s > 'z')
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz_-") == strlen(s);
}

static int find_row(const cli_ref_row *ref, size_t n_ref, const char *id)
{
    for (size_t i = 0; i < n_ref; i++)
        if (!strcmp(ref[i].row_id, id))
            return (int)i;
    return -1;
}

/* Reads l->label into l->rows (each row once) or l->kind. Returns 0, or -1
 * with *bad (malloc'd) the part that is neither a row nor a kind ("" for an
 * empty part, NULL when memory ran out). */
static int parse_label(cli_label *l, const cli_ref_row *ref, size_t n_ref,
                       char **bad)
{
    *bad = NULL;
    if (!strchr(l->label, ';') && find_row(ref, n_ref, l->label) < 0 &&
        is_kind_word(l->label))
        return (l->kind = kt_strdup0(l->label)) ? 0 : -1;
    size_t parts = 1;
    for (const char *p = l->label; *p; p++)
        parts += *p == ';';
    if (!(l->rows = calloc(parts, sizeof *l->rows)))
        return -1;
    for (const char *p = l->label;; p++) {
        size_t len = strcspn(p, ";");
        char *id = trimmed(p, len);
        int r = id && *id ? find_row(ref, n_ref, id) : -1;
        if (r < 0) {
            *bad = id;
            return -1;
        }
        free(id);
        if (!has_row(l, (size_t)r))
            l->rows[l->n_rows++] = (size_t)r;
        p += len;
        if (!*p)
            return 0;
    }
}

/* Parses "#ID" into l->named_id: 0, or -1 when it is no id. */
static int parse_named_id(cli_label *l)
{
    char *end;
    long long id = strtoll(l->report + 1, &end, 10);
    if (l->report[1] < '0' || l->report[1] > '9' || *end || id <= 0)
        return -1;
    l->named_id = (int64_t)id;
    return 0;
}

static const char *field(char **row, int col)
{
    for (int i = 0; i <= col; i++)
        if (!row[i])
            return "";
    return row[col];
}

/* Fills l from one record; returns 0 or -1 with *err. Earlier labels
 * (prev, n_prev) are checked for the same report. */
static int load_one(cli_label *l, char **row, int line, const char *path,
                    const char *ref_path, const cli_ref_row *ref,
                    size_t n_ref, const cli_label *prev, size_t n_prev,
                    char **err)
{
    l->line = line;
    l->report = trimmed(field(row, 0), strlen(field(row, 0)));
    l->label = trimmed(field(row, 1), strlen(field(row, 1)));
    if (!l->report || !l->label)
        return fail_at(err, path, line, "out of memory");
    if (!*l->report || !*l->label)
        return fail_at(err, path, line, "a report (its URL, or #ID) and a "
                       "label are needed");
    if (l->report[0] == '#' && parse_named_id(l))
        return fail_at(err, path, line, "'%s' is not a document id (#ID)",
                       l->report);
    for (size_t j = 0; j < n_prev; j++)
        if (!strcmp(prev[j].report, l->report))
            return fail_at(err, path, line, "%s is labelled twice (also "
                           "line %d)", l->report, prev[j].line);
    char *bad = NULL;
    if (parse_label(l, ref, n_ref, &bad) == 0)
        return 0;
    int rc = !bad ? fail_at(err, path, line, "out of memory")
             : !*bad
                 ? fail_at(err, path, line, "an empty row id in '%s'",
                           l->label)
                 : fail_at(err, path, line, "'%s' is neither a row id of %s "
                           "nor a left-out kind (one lower-case word)",
                           bad, ref_path);
    free(bad);
    return rc;
}

int cli_labels_load(const char *path, const char *ref_path,
                    const cli_ref_row *ref, size_t n_ref, cli_label **labels,
                    size_t *n, char **err)
{
    *labels = NULL;
    *n = 0;
    size_t len;
    char *text = kt_read_file(path, &len);
    if (!text) {
        kt_buf b = {0};
        kt_buf_printf(&b, "%s: cannot read the labels file: %s", path,
                      strerror(errno));
        *err = kt_buf_take(&b);
        return -2;
    }
    char ***rows = NULL;
    size_t nrows = 0;
    int *lines = NULL, line = 0;
    int rc = cli_csv_parse_lines(text, &rows, &nrows, &lines, &line);
    free(text);
    if (rc)
        return fail_at(err, path, line, "malformed CSV record");
    cli_label *out = NULL;
    size_t k = 0;
    if (!nrows || strcasecmp(field(rows[0], 0), "url") ||
        strcasecmp(field(rows[0], 1), "label")) {
        rc = fail_at(err, path, nrows ? lines[0] : 1,
                     "the header must begin with url,label");
    } else if (!(out = calloc(nrows, sizeof *out))) {
        rc = fail_at(err, path, 0, "out of memory");
    } else {
        for (size_t i = 1; i < nrows && rc == 0; i++, k++)
            rc = load_one(&out[k], rows[i], lines[i], path, ref_path, ref,
                          n_ref, out, k, err);
    }
    cli_csv_free(rows, nrows);
    free(lines);
    if (rc) {
        cli_labels_free(out, k);
        return -1;
    }
    *labels = out;
    *n = k;
    return 0;
}

/* ---- scoring ---- */

/* Working state of one scoring: the report -> event index and, per event,
 * its labelled reports. */
typedef struct scorer {
    const cli_labels_input *in;
    size_t *ev_start;  /* labels of event e: ev_labels[ev_start[e] ..
                          ev_start[e + 1]) */
    size_t *ev_labels;
    size_t *event_row; /* per event, its row after pairing (n_ref: none) */
} scorer;

typedef struct doc_event {
    int64_t doc;
    size_t ev;
    int untabled;
} doc_event;

static int tabled(const store_event *e)
{
    return e->table >= 1 && e->table <= 3;
}

static int doc_event_cmp(const void *a, const void *b)
{
    const doc_event *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->untabled != y->untabled)
        return x->untabled - y->untabled;
    return x->ev < y->ev ? -1 : x->ev > y->ev;
}

/* The event of each label (in->n_ev: none) into ev_of. */
static int events_of_labels(const cli_labels_input *in, size_t *ev_of)
{
    size_t n = 0;
    for (size_t e = 0; e < in->n_ev; e++)
        n += in->ev[e].n_reports;
    doc_event *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return -1;
    n = 0;
    for (size_t e = 0; e < in->n_ev; e++)
        for (size_t r = 0; r < in->ev[e].n_reports; r++)
            v[n++] = (doc_event){in->ev[e].document_ids[r], e,
                                 !tabled(&in->ev[e])};
    qsort(v, n, sizeof *v, doc_event_cmp);
    for (size_t i = 0; i < in->n_labels; i++) {
        ev_of[i] = in->n_ev;
        int64_t doc = in->labels[i].document_id;
        size_t lo = 0, hi = n;
        while (doc && lo < hi) { /* the first entry of doc */
            size_t mid = lo + (hi - lo) / 2;
            if (v[mid].doc < doc)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (doc && lo < n && v[lo].doc == doc)
            ev_of[i] = v[lo].ev;
    }
    free(v);
    return 0;
}

/* How many labelled reports in event e name row r. */
static size_t votes(const scorer *s, size_t e, size_t r)
{
    size_t v = 0;
    if (e >= s->in->n_ev || r >= s->in->n_ref)
        return 0;
    for (size_t k = s->ev_start[e]; k < s->ev_start[e + 1]; k++)
        v += has_row(&s->in->labels[s->ev_labels[k]], r);
    return v;
}

/* Gives rows that share their matched values to the events whose reports
 * name them: swaps pairs while a swap raises the number of labelled
 * reports in their row's event (so it ends). Every row stays matched with
 * an event that matches it. */
static void pair_by_labels(scorer *s, size_t *row_event)
{
    const cli_labels_input *in = s->in;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t e = 0; e < in->n_ev && !changed; e++) {
            size_t r0 = s->event_row[e];
            if (r0 == in->n_ref)
                continue;
            for (size_t k = s->ev_start[e]; k < s->ev_start[e + 1] && !changed;
                 k++) {
                const cli_label *l = &in->labels[s->ev_labels[k]];
                for (size_t j = 0; j < l->n_rows && !changed; j++) {
                    size_t r = l->rows[j];
                    if (r == r0 || !cli_ref_matches(&in->ref[r], &in->ev[e]))
                        continue;
                    size_t e1 = row_event[r];
                    long gain = (long)votes(s, e, r) - (long)votes(s, e, r0) +
                                (long)votes(s, e1, r0) - (long)votes(s, e1, r);
                    if (gain <= 0)
                        continue;
                    s->event_row[e] = r;
                    row_event[r] = e;
                    row_event[r0] = e1;
                    if (e1 < in->n_ev)
                        s->event_row[e1] = r0;
                    changed = 1;
                }
            }
        }
    }
}

/* The row of l its event e comes closest to: the one whose first
 * difference comes latest (ties: the first named). */
static size_t closest_row(const cli_labels_input *in, const cli_label *l,
                          size_t e, int *diff)
{
    size_t best = l->rows[0];
    *diff = -1;
    for (size_t k = 0; k < l->n_rows; k++) {
        int d = cli_ref_event_diff(&in->ref[l->rows[k]], &in->ev[e]);
        if (d > *diff) {
            *diff = d;
            best = l->rows[k];
        }
    }
    return best;
}

/* How many rows the labels of event e name that l does not, each counted
 * once (a label names each of its rows once). */
static size_t other_rows(const scorer *s, size_t e, const cli_label *l)
{
    size_t n = 0;
    for (size_t k = s->ev_start[e]; k < s->ev_start[e + 1]; k++) {
        const cli_label *o = &s->in->labels[s->ev_labels[k]];
        for (size_t j = 0; j < o->n_rows; j++) {
            size_t r = o->rows[j], q = s->ev_start[e];
            while (q < k && !has_row(&s->in->labels[s->ev_labels[q]], r))
                q++;
            n += !has_row(l, r) && q == k;
        }
    }
    return n;
}

static int disjoint(const cli_label *a, const cli_label *b)
{
    for (size_t k = 0; k < a->n_rows; k++)
        if (has_row(b, a->rows[k]))
            return 0;
    return 1;
}

/* Scores one found row label i in event e (tabled). */
static void score_row_label(const scorer *s, const size_t *row_event,
                            size_t i, size_t e, cli_label_result *res)
{
    const cli_labels_input *in = s->in;
    const cli_label *l = &in->labels[i];
    size_t paired = s->event_row[e];
    if (paired < in->n_ref && has_row(l, paired)) {
        res->outcome = CLI_LABEL_AGREE;
        res->row = paired;
        return;
    }
    int diff;
    res->row = closest_row(in, l, e, &diff);
    /* Merged: other reports of this event tell of other rows. The row
     * named is the one the event went to, else the one most of them
     * name. */
    size_t best_votes = 0;
    for (size_t k = s->ev_start[e]; k < s->ev_start[e + 1]; k++) {
        const cli_label *o = &in->labels[s->ev_labels[k]];
        if (s->ev_labels[k] == i || !o->n_rows || !disjoint(l, o))
            continue;
        res->outcome = CLI_LABEL_MERGED;
        for (size_t j = 0; j < o->n_rows; j++) {
            size_t r = o->rows[j], v = votes(s, e, r);
            if (r == paired)
                v = (size_t)-1;
            if (v > best_votes) {
                best_votes = v;
                res->other_row = r;
            }
        }
    }
    if (res->outcome == CLI_LABEL_MERGED) {
        res->n_other_rows = other_rows(s, e, l);
        return;
    }
    /* Split: the row went to another event, and this one has the row's
     * values, or it is paired with no row while the other holds reports
     * of the row. (An event paired with another row is that row's
     * exchange: the report is in the wrong one, told by the values.) */
    for (size_t k = 0; k < l->n_rows; k++) {
        size_t r = l->rows[k], e0 = row_event[r];
        int same = cli_ref_matches(&in->ref[r], &in->ev[e]);
        if (e0 >= in->n_ev || e0 == e ||
            !(same || (paired == in->n_ref && votes(s, e0, r))))
            continue;
        res->outcome = CLI_LABEL_SPLIT;
        res->row = r;
        res->row_event = e0;
        return;
    }
    static const int by_diff[] = {CLI_LABEL_WRONG_TABLE,
                                  CLI_LABEL_WRONG_COUNTRY,
                                  CLI_LABEL_WRONG_LOCATION,
                                  CLI_LABEL_WRONG_MONTH,
                                  CLI_LABEL_WRONG_SECTOR};
    /* No value differs: the row's count is used up by events like this
     * one (several events, one row). */
    res->outcome = diff < CLI_DIFF_NONE ? by_diff[diff] : CLI_LABEL_SPLIT;
    if (res->outcome == CLI_LABEL_SPLIT)
        res->row_event = row_event[res->row];
}

static int is_table_kind(const cli_labels_input *in, const char *kind)
{
    for (size_t k = 0; kind && k < in->n_table_kinds; k++)
        if (!strcmp(in->table_kinds[k], kind))
            return 1;
    return 0;
}

static const char *given_class(const cli_labels_input *in, size_t e)
{
    if (e >= in->n_ev)
        return "none";
    const store_event *ev = &in->ev[e];
    if (tabled(ev))
        return table_names[ev->table];
    if (!ev->event_type || !*ev->event_type ||
        is_table_kind(in, ev->event_type))
        return "none";
    return ev->event_type;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The classes: the three tables, then every kind labelled or given. */
static int make_classes(const cli_labels_input *in, cli_label_scores *out)
{
    const char **kinds = malloc((2 * in->n_labels + 1) * sizeof *kinds);
    if (!kinds)
        return -1;
    size_t nk = 0;
    for (size_t i = 0; i < in->n_labels; i++) {
        const cli_label_result *r = &out->results[i];
        if (r->outcome == CLI_LABEL_NOT_FOUND)
            continue;
        if (strncmp(r->truth, "Table ", 6))
            kinds[nk++] = r->truth;
        if (strncmp(r->given, "Table ", 6))
            kinds[nk++] = r->given;
    }
    qsort(kinds, nk, sizeof *kinds, name_cmp);
    out->classes = calloc(3 + nk, sizeof *out->classes);
    if (!out->classes) {
        free(kinds);
        return -1;
    }
    for (int t = 1; t <= 3; t++)
        out->classes[out->n_classes++].name = table_names[t];
    for (size_t k = 0; k < nk; k++)
        if (!k || strcmp(kinds[k], kinds[k - 1]))
            out->classes[out->n_classes++].name = kinds[k];
    free(kinds);
    out->tables.name = "All tables";
    out->leftout.name = "Left out";
    return 0;
}

static cli_class_score *class_named(cli_label_scores *s, const char *name)
{
    for (size_t c = 0; c < s->n_classes; c++)
        if (!strcmp(s->classes[c].name, name))
            return &s->classes[c];
    return NULL;
}

static void count_classes(const cli_labels_input *in, cli_label_scores *out)
{
    for (size_t i = 0; i < in->n_labels; i++) {
        const cli_label_result *r = &out->results[i];
        out->counts[r->outcome]++;
        if (r->outcome == CLI_LABEL_NOT_FOUND)
            continue;
        int truth_table = !strncmp(r->truth, "Table ", 6),
            given_table = !strncmp(r->given, "Table ", 6);
        int agree = r->outcome == CLI_LABEL_AGREE &&
                    !strcmp(r->truth, r->given);
        cli_class_score *t = class_named(out, r->truth),
                        *g = class_named(out, r->given);
        t->labelled++;
        g->given++;
        t->agree += agree;
        cli_class_score *side = truth_table ? &out->tables : &out->leftout;
        side->labelled++;
        side->agree += r->outcome == CLI_LABEL_AGREE;
        (given_table ? &out->tables : &out->leftout)->given++;
    }
}

void cli_label_scores_free(cli_label_scores *s)
{
    free(s->results);
    free(s->classes);
    free(s->row_event);
    memset(s, 0, sizeof *s);
}

int cli_labels_score(const cli_labels_input *in, cli_label_scores *out)
{
    memset(out, 0, sizeof *out);
    scorer s = {in, NULL, NULL, NULL};
    size_t *ev_of = malloc((in->n_labels + 1) * sizeof *ev_of);
    s.ev_start = calloc(in->n_ev + 2, sizeof *s.ev_start);
    s.ev_labels = malloc((in->n_labels + 1) * sizeof *s.ev_labels);
    s.event_row = malloc((in->n_ev + 1) * sizeof *s.event_row);
    out->row_event = malloc((in->n_ref + 1) * sizeof *out->row_event);
    out->results = calloc(in->n_labels + 1, sizeof *out->results);
    cli_comparison cmp;
    int rc = -1;
    if (!ev_of || !s.ev_start || !s.ev_labels || !s.event_row ||
        !out->row_event || !out->results || events_of_labels(in, ev_of) ||
        cli_compare(in->ref, in->n_ref, in->ev, in->n_ev, NULL, NULL, &cmp))
        goto out;
    /* Labels by event, in file order within one. */
    for (size_t i = 0; i < in->n_labels; i++)
        if (ev_of[i] < in->n_ev)
            s.ev_start[ev_of[i] + 2]++;
    for (size_t e = 0; e < in->n_ev; e++)
        s.ev_start[e + 2] += s.ev_start[e + 1];
    for (size_t i = 0; i < in->n_labels; i++)
        if (ev_of[i] < in->n_ev)
            s.ev_labels[s.ev_start[ev_of[i] + 1]++] = i;
    /* The pairing of cli_compare, then the labels' choice among rows of
     * one key. */
    for (size_t e = 0; e < in->n_ev; e++)
        s.event_row[e] = in->n_ref;
    for (size_t r = 0; r < in->n_ref; r++)
        out->row_event[r] = in->n_ev;
    for (int t = 0; t < 3; t++) {
        const cli_table_result *tr = &cmp.tables[t];
        for (size_t k = 0; k < tr->n_matched; k++) {
            out->row_event[tr->matched_ref[k]] = tr->matched_ev[k];
            s.event_row[tr->matched_ev[k]] = tr->matched_ref[k];
        }
    }
    cli_comparison_free(&cmp);
    pair_by_labels(&s, out->row_event);
    for (size_t i = 0; i < in->n_labels; i++) {
        const cli_label *l = &in->labels[i];
        cli_label_result *r = &out->results[i];
        size_t e = ev_of[i];
        *r = (cli_label_result){CLI_LABEL_AGREE, e, in->n_ref, in->n_ev,
                                in->n_ref, 0, NULL, given_class(in, e)};
        if (!l->document_id) {
            r->outcome = CLI_LABEL_NOT_FOUND;
            r->event = in->n_ev;
        } else if (!l->n_rows) {
            if (e < in->n_ev && tabled(&in->ev[e]))
                r->outcome = CLI_LABEL_KEPT_WRONGLY;
        } else if (e >= in->n_ev || !tabled(&in->ev[e])) {
            r->outcome = CLI_LABEL_LEFT_OUT_WRONGLY;
            r->row = l->rows[0];
        } else {
            score_row_label(&s, out->row_event, i, e, r);
        }
        r->truth = l->n_rows ? table_names[in->ref[r->row < in->n_ref
                                                       ? r->row
                                                       : l->rows[0]].table]
                             : l->kind;
    }
    if (make_classes(in, out) == 0) {
        count_classes(in, out);
        rc = 0;
    }
out:
    free(ev_of);
    free(s.ev_start);
    free(s.ev_labels);
    free(s.event_row);
    if (rc)
        cli_label_scores_free(out);
    return rc;
}
