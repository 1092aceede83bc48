/* Printing labelled-report scores as text, CSV or JSON: see labels.h. */
#include "labels.h"
#include "cli.h"

#include <string.h>

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* The order disagreements are listed and counted in. */
static const int disagreements[] = {
    CLI_LABEL_WRONG_TABLE,      CLI_LABEL_WRONG_COUNTRY,
    CLI_LABEL_WRONG_LOCATION,   CLI_LABEL_WRONG_MONTH,
    CLI_LABEL_WRONG_SECTOR,     CLI_LABEL_LEFT_OUT_WRONGLY,
    CLI_LABEL_KEPT_WRONGLY,     CLI_LABEL_SPLIT,
    CLI_LABEL_MERGED,
};
#define N_DISAGREEMENTS (sizeof disagreements / sizeof disagreements[0])

static size_t n_disagreeing(const cli_label_scores *s)
{
    size_t n = 0;
    for (size_t k = 0; k < N_DISAGREEMENTS; k++)
        n += s->counts[disagreements[k]];
    return n;
}

/* "FIELD: row VALUE, event VALUE" for field d (CLI_DIFF_*), "-" for an
 * empty value. */
static void diff_text(kt_buf *b, int d, const cli_ref_row *r,
                      const store_event *e)
{
    if (d == CLI_DIFF_TABLE) {
        kt_buf_printf(b, "table: row %d, event %d", r->table, e->table);
        return;
    }
    const char *name = d == CLI_DIFF_COUNTRY    ? "country"
                       : d == CLI_DIFF_LOCATION ? "location"
                       : d == CLI_DIFF_MONTH    ? "month"
                                                : "sector";
    const char *rv = d == CLI_DIFF_COUNTRY    ? r->country
                     : d == CLI_DIFF_LOCATION ? r->location
                     : d == CLI_DIFF_MONTH    ? r->month
                                              : r->sector;
    const char *ev = d == CLI_DIFF_COUNTRY    ? e->country
                     : d == CLI_DIFF_LOCATION ? e->location
                     : d == CLI_DIFF_MONTH    ? e->month
                                              : e->sector;
    kt_buf_printf(b, "%s: row %s, event %s", name, *nz(rv) ? rv : "-",
                  *nz(ev) ? ev : "-");
}

/* What a disagreement's detail says, beyond the row and the event: the
 * left-out reason, the differing values, the other event or row. */
static void detail(kt_buf *b, const cli_labels_input *in,
                   const cli_label *l, const cli_label_result *r)
{
    const store_event *e = r->event < in->n_ev ? &in->ev[r->event] : NULL;
    switch (r->outcome) {
    case CLI_LABEL_WRONG_TABLE:
    case CLI_LABEL_WRONG_COUNTRY:
    case CLI_LABEL_WRONG_LOCATION:
    case CLI_LABEL_WRONG_MONTH:
    case CLI_LABEL_WRONG_SECTOR:
        /* The outcomes follow the CLI_DIFF_* order. */
        diff_text(b, r->outcome - CLI_LABEL_WRONG_TABLE + CLI_DIFF_TABLE,
                  &in->ref[r->row], e);
        break;
    case CLI_LABEL_LEFT_OUT_WRONGLY:
        if (e)
            kt_buf_printf(b, "left out: %s", nz(e->leftout));
        else
            kt_buf_printf(b, "in no event: %s",
                          l->why_no_event ? l->why_no_event : "?");
        break;
    case CLI_LABEL_SPLIT:
        if (r->row_event < in->n_ev)
            kt_buf_printf(b, "its row's event is %s",
                          in->ev[r->row_event].event_id);
        else
            kt_buf_puts(b, "its row's events are others like it");
        break;
    case CLI_LABEL_MERGED:
        kt_buf_printf(b, "the event also holds reports of %s",
                      in->ref[r->other_row].row_id);
        if (r->n_other_rows > 1)
            kt_buf_printf(b, " and of %zu other row%s", r->n_other_rows - 1,
                          r->n_other_rows == 2 ? "" : "s");
        break;
    default:
        break;
    }
}

static void row_text(kt_buf *b, const cli_ref_row *r)
{
    kt_buf_printf(b, "%s  Table %d %s  %s / %s / %s", r->row_id, r->table,
                  r->month, r->table == 3 && !*nz(r->country) ? "-"
                                                              : r->country,
                  r->location, r->sector);
}

static void event_text(kt_buf *b, const cli_labels_input *in,
                       const cli_label_scores *s, size_t e)
{
    const store_event *ev = &in->ev[e];
    if (ev->table)
        kt_buf_printf(b, "%s  Table %d %s", ev->event_id, ev->table,
                      nz(ev->month));
    else
        kt_buf_printf(b, "%s  left out %s", ev->event_id, nz(ev->month));
    kt_buf_printf(b, "  %s / %s / %s  (%s, %zu report%s", *nz(ev->country)
                  ? ev->country : "-", *nz(ev->location) ? ev->location : "-",
                  *nz(ev->sector) ? ev->sector : "-", nz(ev->event_type),
                  ev->n_reports, ev->n_reports == 1 ? "" : "s");
    /* The row the pairing gave it, if any. */
    for (size_t r = 0; r < in->n_ref; r++)
        if (s->row_event[r] == e)
            kt_buf_printf(b, "; matches %s", in->ref[r].row_id);
    kt_buf_puts(b, ")");
}

static void score_line(kt_buf *b, const char *name, const cli_class_score *c)
{
    double p, r, f;
    cli_scores(c->agree, c->labelled - c->agree, c->given - c->agree, &p, &r,
               &f);
    kt_buf_printf(b, "%-14s %8zu %6zu %6zu %9.3f %6.3f %5.3f\n", name,
                  c->labelled, c->given, c->agree, p, r, f);
}

static void format_text(const cli_labels_input *in,
                        const cli_label_scores *s, kt_buf *b)
{
    size_t nf = s->counts[CLI_LABEL_NOT_FOUND], nd = n_disagreeing(s);
    kt_buf_printf(b, "Labels %s scored against %s\n", in->labels_path,
                  in->ref_path);
    kt_buf_printf(b, "%zu label%s: %zu report%s found, %zu not in the "
                  "database; %zu agree, %zu disagree\n\n", in->n_labels,
                  in->n_labels == 1 ? "" : "s", in->n_labels - nf,
                  in->n_labels - nf == 1 ? "" : "s", nf,
                  s->counts[CLI_LABEL_AGREE], nd);
    kt_buf_puts(b, "Scores         labelled  given  agree precision recall"
                   "    F1\n");
    for (size_t c = 0; c < 3; c++)
        score_line(b, s->classes[c].name, &s->classes[c]);
    score_line(b, s->tables.name, &s->tables);
    score_line(b, s->leftout.name, &s->leftout);
    for (size_t c = 3; c < s->n_classes; c++) {
        char name[64];
        snprintf(name, sizeof name, "  %s", s->classes[c].name);
        score_line(b, name, &s->classes[c]);
    }
    kt_buf_puts(b, "\nDisagreements by class\n");
    for (size_t k = 0; k < N_DISAGREEMENTS; k++)
        kt_buf_printf(b, "  %-28s %5zu\n",
                      cli_label_outcome_name(disagreements[k]),
                      s->counts[disagreements[k]]);
    kt_buf_printf(b, "  %-28s %5zu\n", "all", nd);
    kt_buf_printf(b, "  %-28s %5zu\n", "not in the database", nf);
    if (nd)
        kt_buf_puts(b, "\nDisagreements\n");
    for (size_t k = 0; k < N_DISAGREEMENTS; k++) {
        for (size_t i = 0; i < in->n_labels; i++) {
            const cli_label *l = &in->labels[i];
            const cli_label_result *r = &s->results[i];
            if (r->outcome != disagreements[k])
                continue;
            kt_buf_printf(b, "line %d: %s\n  report  %s\n  label   ", l->line,
                          cli_label_outcome_name(r->outcome), l->report);
            if (r->row < in->n_ref)
                row_text(b, &in->ref[r->row]);
            else
                kt_buf_puts(b, l->label);
            if (l->n_rows > 1)
                kt_buf_printf(b, "  (labelled %s)", l->label);
            kt_buf_puts(b, "\n  event   ");
            if (r->event < in->n_ev)
                event_text(b, in, s, r->event);
            else
                kt_buf_puts(b, "none");
            kt_buf_puts(b, "\n");
            kt_buf why = {0};
            detail(&why, in, l, r);
            if (why.len)
                kt_buf_printf(b, "  why     %s\n", why.data);
            kt_buf_free(&why);
        }
    }
    if (nf)
        kt_buf_puts(b, "\nNot in the database\n");
    for (size_t i = 0; i < in->n_labels; i++)
        if (s->results[i].outcome == CLI_LABEL_NOT_FOUND)
            kt_buf_printf(b, "  line %d: %s\n", in->labels[i].line,
                          in->labels[i].report);
}

/* One RFC 4180 field into b. */
static void csv_field(kt_buf *b, const char *s)
{
    s = nz(s);
    if (!strpbrk(s, ",\"\r\n")) {
        kt_buf_puts(b, s);
        return;
    }
    kt_buf_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"')
            kt_buf_puts(b, "\"");
        kt_buf_append(b, s, 1);
    }
    kt_buf_puts(b, "\"");
}

static void format_csv(const cli_labels_input *in, const cli_label_scores *s,
                       kt_buf *b)
{
    kt_buf_puts(b, "line,report,document_id,label,outcome,class,given,"
                   "row_id,event_id,event_table,month,country,location,"
                   "sector,event_type,detail\n");
    for (size_t i = 0; i < in->n_labels; i++) {
        const cli_label *l = &in->labels[i];
        const cli_label_result *r = &s->results[i];
        const store_event *e = r->event < in->n_ev ? &in->ev[r->event] : NULL;
        kt_buf_printf(b, "%d,", l->line);
        csv_field(b, l->report);
        kt_buf_puts(b, ",");
        if (l->document_id)
            kt_buf_printf(b, "%lld", (long long)l->document_id);
        kt_buf_puts(b, ",");
        csv_field(b, l->label);
        kt_buf_printf(b, ",%s,", cli_label_outcome_name(r->outcome));
        if (r->outcome != CLI_LABEL_NOT_FOUND) {
            csv_field(b, r->truth);
            kt_buf_puts(b, ",");
            csv_field(b, r->given);
        } else {
            kt_buf_puts(b, ",");
        }
        kt_buf_puts(b, ",");
        if (r->row < in->n_ref && r->outcome != CLI_LABEL_NOT_FOUND)
            csv_field(b, in->ref[r->row].row_id);
        kt_buf_puts(b, ",");
        if (e) {
            csv_field(b, e->event_id);
            kt_buf_puts(b, ",");
            if (e->table)
                kt_buf_printf(b, "%d", e->table);
            const char *cells[] = {e->month, e->country, e->location,
                                   e->sector, e->event_type};
            for (size_t c = 0; c < 5; c++) {
                kt_buf_puts(b, ",");
                csv_field(b, cells[c]);
            }
        } else {
            kt_buf_puts(b, ",,,,,,");
        }
        kt_buf_puts(b, ",");
        kt_buf d = {0};
        detail(&d, in, l, r);
        csv_field(b, d.data);
        kt_buf_free(&d);
        kt_buf_puts(b, "\n");
    }
}

static void json_score(kt_buf *b, const cli_class_score *c)
{
    double p, r, f;
    cli_scores(c->agree, c->labelled - c->agree, c->given - c->agree, &p, &r,
               &f);
    kt_buf_puts(b, "{\"class\":");
    kt_buf_json_cstr(b, c->name);
    kt_buf_printf(b, ",\"labelled\":%zu,\"given\":%zu,\"agree\":%zu,"
                     "\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f}",
                  c->labelled, c->given, c->agree, p, r, f);
}

static void json_key(kt_buf *b, const char *key, const char *value)
{
    kt_buf_printf(b, ",\"%s\":", key);
    kt_buf_json_cstr(b, value);
}

static void format_json(const cli_labels_input *in,
                        const cli_label_scores *s, kt_buf *b)
{
    size_t nf = s->counts[CLI_LABEL_NOT_FOUND];
    kt_buf_puts(b, "{\"labels\":");
    kt_buf_json_cstr(b, in->labels_path);
    json_key(b, "reference", in->ref_path);
    kt_buf_printf(b, ",\"counts\":{\"labels\":%zu,\"found\":%zu,"
                     "\"not_found\":%zu,\"agree\":%zu,\"disagree\":%zu},",
                  in->n_labels, in->n_labels - nf,
                  nf, s->counts[CLI_LABEL_AGREE], n_disagreeing(s));
    kt_buf_puts(b, "\"scores\":[");
    for (size_t c = 0; c < s->n_classes; c++) {
        if (c)
            kt_buf_puts(b, ",");
        json_score(b, &s->classes[c]);
    }
    kt_buf_puts(b, "],\"all_tables\":");
    json_score(b, &s->tables);
    kt_buf_puts(b, ",\"left_out\":");
    json_score(b, &s->leftout);
    kt_buf_puts(b, ",\"disagreements\":{");
    for (size_t k = 0; k < N_DISAGREEMENTS; k++)
        kt_buf_printf(b, "%s\"%s\":%zu", k ? "," : "",
                      cli_label_outcome_name(disagreements[k]),
                      s->counts[disagreements[k]]);
    kt_buf_puts(b, "},\"reports\":[");
    for (size_t i = 0; i < in->n_labels; i++) {
        const cli_label *l = &in->labels[i];
        const cli_label_result *r = &s->results[i];
        kt_buf_printf(b, "%s\n{\"line\":%d", i ? "," : "", l->line);
        json_key(b, "report", l->report);
        if (l->document_id)
            kt_buf_printf(b, ",\"document_id\":%lld",
                          (long long)l->document_id);
        else
            kt_buf_puts(b, ",\"document_id\":null");
        json_key(b, "label", l->label);
        json_key(b, "outcome", cli_label_outcome_name(r->outcome));
        int found = r->outcome != CLI_LABEL_NOT_FOUND;
        json_key(b, "class", found ? r->truth : NULL);
        json_key(b, "given", found ? r->given : NULL);
        json_key(b, "row", found && r->row < in->n_ref
                               ? in->ref[r->row].row_id : NULL);
        json_key(b, "event", r->event < in->n_ev
                                 ? in->ev[r->event].event_id : NULL);
        if (r->event < in->n_ev && in->ev[r->event].table)
            kt_buf_printf(b, ",\"event_table\":%d", in->ev[r->event].table);
        else
            kt_buf_puts(b, ",\"event_table\":null");
        kt_buf d = {0};
        detail(&d, in, l, r);
        json_key(b, "detail", d.data);
        kt_buf_free(&d);
        kt_buf_puts(b, "}");
    }
    kt_buf_puts(b, "]}\n");
}

int cli_labels_format(const cli_labels_input *in, const cli_label_scores *s,
                      const char *format, kt_buf *out)
{
    if (!strcmp(format, "text"))
        format_text(in, s, out);
    else if (!strcmp(format, "csv"))
        format_csv(in, s, out);
    else if (!strcmp(format, "json"))
        format_json(in, s, out);
    else
        return -1;
    return 0;
}
