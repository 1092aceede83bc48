/* Matching events against reference rows: see compare.h. */
#include "compare.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kt_util.h"

void cli_reference_free(cli_ref_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].row_id);
        free(rows[i].month);
        free(rows[i].country);
        free(rows[i].location);
        free(rows[i].sector);
        free(rows[i].description);
    }
    free(rows);
}

static int column_of(char **header, const char *name)
{
    for (int i = 0; header[i]; i++)
        if (!strcasecmp(header[i], name))
            return i;
    return -1;
}

static const char *field_at(char **row, int col)
{
    if (col < 0)
        return "";
    for (int i = 0; i <= col; i++)
        if (!row[i])
            return "";
    return row[col];
}

static int set_err(char **err, const char *path, int line, const char *msg)
{
    kt_buf b = {0};
    kt_buf_printf(&b, "%s:%d: %s", path, line, msg);
    *err = kt_buf_take(&b);
    return -1;
}

/* A month "YYYY-MM", also accepting the commentary's "2024.7." style. */
static int normalise_month(const char *in, char out[8])
{
    int y, m;
    char sep;
    if (sscanf(in, "%4d%c%d", &y, &sep, &m) != 3 || (sep != '-' && sep != '.') ||
        y < 1900 || y > 2200 || m < 1 || m > 12)
        return -1;
    snprintf(out, 8, "%04d-%02d", y, m);
    return 0;
}

int cli_reference_load(const char *path, cli_ref_row **rows_out, size_t *n_out,
                       char **err)
{
    size_t len;
    char *text = kt_read_file(path, &len);
    if (!text)
        return set_err(err, path, 0, "cannot read the reference file");
    char ***rows = NULL;
    size_t nrows = 0;
    int line = 0;
    if (cli_csv_parse(text, &rows, &nrows, &line)) {
        free(text);
        return set_err(err, path, line, "malformed CSV record");
    }
    free(text);
    if (nrows == 0) {
        cli_csv_free(rows, nrows);
        return set_err(err, path, 1, "empty reference file");
    }
    int c_id = column_of(rows[0], "row_id"), c_tb = column_of(rows[0], "table"),
        c_mo = column_of(rows[0], "month"), c_co = column_of(rows[0], "country"),
        c_lo = column_of(rows[0], "location"),
        c_se = column_of(rows[0], "sector"),
        c_de = column_of(rows[0], "description");
    if (c_tb < 0 || c_mo < 0 || c_co < 0 || c_lo < 0 || c_se < 0) {
        cli_csv_free(rows, nrows);
        return set_err(err, path, 1,
                       "header must name table, month, country, location "
                       "and sector (row_id and description are optional)");
    }
    cli_ref_row *out = calloc(nrows, sizeof *out);
    size_t n = 0;
    for (size_t i = 1; out && i < nrows; i++) {
        char **r = rows[i];
        char month[8];
        const char *tb = field_at(r, c_tb);
        int table = atoi(tb);
        if ((table < 1 || table > 3) || normalise_month(field_at(r, c_mo), month)) {
            kt_buf b = {0};
            kt_buf_printf(&b, "row %zu: table must be 1-3 and month YYYY-MM "
                              "(got '%s', '%s')", i, tb, field_at(r, c_mo));
            int rc = set_err(err, path, (int)i + 1, b.data);
            kt_buf_free(&b);
            cli_reference_free(out, n);
            cli_csv_free(rows, nrows);
            return rc;
        }
        cli_ref_row *o = &out[n++];
        kt_buf id = {0};
        if (c_id >= 0 && *field_at(r, c_id))
            kt_buf_puts(&id, field_at(r, c_id));
        else
            kt_buf_printf(&id, "row%zu", i);
        o->row_id = kt_buf_take(&id);
        o->table = table;
        o->month = kt_strdup0(month);
        o->country = kt_strdup0(field_at(r, c_co));
        o->location = kt_strdup0(field_at(r, c_lo));
        o->sector = kt_strdup0(field_at(r, c_se));
        o->description = kt_strdup0(field_at(r, c_de));
    }
    cli_csv_free(rows, nrows);
    if (!out)
        return set_err(err, path, 0, "out of memory");
    *rows_out = out;
    *n_out = n;
    return 0;
}

static int same(const char *a, const char *b)
{
    return !strcasecmp(a ? a : "", b ? b : "");
}

int cli_ref_event_diff(const cli_ref_row *r, const store_event *e)
{
    if (r->table != e->table)
        return CLI_DIFF_TABLE;
    if (r->table != 3 && !same(r->country, e->country))
        return CLI_DIFF_COUNTRY;
    if (!same(r->location, e->location))
        return CLI_DIFF_LOCATION;
    if (!same(r->month, e->month))
        return CLI_DIFF_MONTH;
    if (!same(r->sector, e->sector))
        return CLI_DIFF_SECTOR;
    return CLI_DIFF_NONE;
}

int cli_ref_matches(const cli_ref_row *r, const store_event *e)
{
    return cli_ref_event_diff(r, e) == CLI_DIFF_NONE;
}

static int in_period(const char *month, const char *from, const char *to)
{
    return month && strcmp(month, from) >= 0 && strcmp(month, to) <= 0;
}

static int push_index(size_t **v, size_t *n, size_t x)
{
    size_t *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    p[(*n)++] = x;
    *v = p;
    return 0;
}

int cli_compare(const cli_ref_row *ref, size_t n_ref, const store_event *ev,
                size_t n_ev, const char *from, const char *to,
                cli_comparison *out)
{
    memset(out, 0, sizeof *out);
    char lo[8] = "9999-99", hi[8] = "0000-00";
    for (size_t i = 0; i < n_ref; i++) {
        if (strcmp(ref[i].month, lo) < 0)
            snprintf(lo, sizeof lo, "%s", ref[i].month);
        if (strcmp(ref[i].month, hi) > 0)
            snprintf(hi, sizeof hi, "%s", ref[i].month);
    }
    snprintf(out->from, sizeof out->from, "%s", from ? from : lo);
    snprintf(out->to, sizeof out->to, "%s", to ? to : hi);
    unsigned char *taken = calloc(n_ev + 1, 1);
    if (!taken)
        return -1;
    for (int t = 0; t < 3; t++)
        out->tables[t].table = t + 1;
    /* Greedy pairing is exact for many-to-many counts: every row of one key
     * is interchangeable with the others of that key. */
    for (size_t i = 0; i < n_ref; i++) {
        const cli_ref_row *r = &ref[i];
        if (!in_period(r->month, out->from, out->to))
            continue;
        cli_table_result *tr = &out->tables[r->table - 1];
        size_t found = n_ev;
        for (size_t j = 0; j < n_ev; j++) {
            if (!taken[j] && in_period(ev[j].month, out->from, out->to) &&
                cli_ref_matches(r, &ev[j]) &&
                (found == n_ev ||
                 strcmp(ev[j].first_date ? ev[j].first_date : "",
                        ev[found].first_date ? ev[found].first_date : "") < 0))
                found = j;
        }
        int bad;
        if (found < n_ev) {
            taken[found] = 1;
            size_t k = tr->n_matched;
            bad = push_index(&tr->matched_ref, &k, i);
            k = tr->n_matched;
            bad |= push_index(&tr->matched_ev, &k, found);
            tr->n_matched = k;
        } else {
            bad = push_index(&tr->missed, &tr->n_missed, i);
        }
        if (bad) {
            free(taken);
            cli_comparison_free(out);
            return -1;
        }
    }
    for (size_t j = 0; j < n_ev; j++) {
        if (taken[j] || ev[j].table < 1 || ev[j].table > 3 ||
            !in_period(ev[j].month, out->from, out->to))
            continue;
        cli_table_result *tr = &out->tables[ev[j].table - 1];
        if (push_index(&tr->extra, &tr->n_extra, j)) {
            free(taken);
            cli_comparison_free(out);
            return -1;
        }
    }
    free(taken);
    return 0;
}

void cli_comparison_free(cli_comparison *c)
{
    for (int t = 0; t < 3; t++) {
        free(c->tables[t].matched_ref);
        free(c->tables[t].matched_ev);
        free(c->tables[t].missed);
        free(c->tables[t].extra);
    }
    memset(c->tables, 0, sizeof c->tables);
}

void cli_scores(size_t matched, size_t missed, size_t extra, double *precision,
                double *recall, double *f1)
{
    *precision = matched + extra ? (double)matched / (double)(matched + extra)
                                 : 0.0;
    *recall = matched + missed ? (double)matched / (double)(matched + missed)
                               : 0.0;
    *f1 = *precision + *recall > 0
              ? 2 * *precision * *recall / (*precision + *recall)
              : 0.0;
}
