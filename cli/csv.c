/* RFC 4180 CSV: writing fields for export, reading reference tables. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "kt_util.h"

void cli_csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Appends field (taking ownership) to a growing NULL-terminated row. */
static int row_push(char ***row, size_t *n, char *field)
{
    char **r = realloc(*row, (*n + 2) * sizeof *r);
    if (!r) {
        free(field);
        return -1;
    }
    r[(*n)++] = field;
    r[*n] = NULL;
    *row = r;
    return 0;
}

static void row_free(char **row)
{
    if (!row)
        return;
    for (size_t i = 0; row[i]; i++)
        free(row[i]);
    free(row);
}

int cli_csv_parse(const char *text, char ****rows_out, size_t *n_rows,
                  int *line)
{
    return cli_csv_parse_lines(text, rows_out, n_rows, NULL, line);
}

int cli_csv_parse_lines(const char *text, char ****rows_out, size_t *n_rows,
                        int **lines_out, int *line)
{
    char ***rows = NULL;
    int *lines = NULL;
    size_t nrows = 0;
    const char *p = text;
    int lineno = 1;
    *line = 0;
    /* A UTF-8 byte order mark is not part of the first field. */
    if (!strncmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (*p) {
        char **row = NULL;
        size_t nf = 0;
        int record_line = lineno;
        for (;;) {
            kt_buf field = {0};
            kt_buf_append(&field, "", 0);
            if (*p == '"') {
                p++;
                for (;;) {
                    if (!*p) {
                        kt_buf_free(&field);
                        row_free(row);
                        cli_csv_free(rows, nrows);
                        free(lines);
                        *line = record_line;
                        return -1;
                    }
                    if (*p == '"' && p[1] == '"') {
                        kt_buf_append(&field, "\"", 1);
                        p += 2;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        if (*p == '\n')
                            lineno++;
                        kt_buf_append(&field, p++, 1);
                    }
                }
                if (*p && *p != ',' && *p != '\n' && *p != '\r') {
                    kt_buf_free(&field);
                    row_free(row);
                    cli_csv_free(rows, nrows);
                    free(lines);
                    *line = lineno;
                    return -1;
                }
            } else {
                size_t n = strcspn(p, ",\r\n");
                kt_buf_append(&field, p, n);
                p += n;
            }
            if (row_push(&row, &nf, kt_buf_take(&field))) {
                row_free(row);
                cli_csv_free(rows, nrows);
                free(lines);
                return -1;
            }
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\r')
                p++;
            if (*p == '\n') {
                p++;
                lineno++;
            }
            break;
        }
        /* Blank lines carry no record. */
        if (nf == 1 && row[0][0] == '\0') {
            row_free(row);
            continue;
        }
        char ***r = realloc(rows, (nrows + 1) * sizeof *r);
        int *l = lines_out ? realloc(lines, (nrows + 1) * sizeof *l) : NULL;
        if (r)
            rows = r;
        if (l)
            lines = l;
        if (!r || (lines_out && !l)) {
            row_free(row);
            cli_csv_free(rows, nrows);
            free(lines);
            return -1;
        }
        if (lines)
            lines[nrows] = record_line;
        rows[nrows++] = row;
    }
    *rows_out = rows;
    *n_rows = nrows;
    if (lines_out)
        *lines_out = lines;
    return 0;
}

void cli_csv_free(char ***rows, size_t n_rows)
{
    for (size_t i = 0; i < n_rows; i++)
        row_free(rows[i]);
    free(rows);
}
