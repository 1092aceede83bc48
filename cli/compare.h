/*
 * compare: matches events against a reference table (the commentary's, or a
 * user's own hand-coded one) and scores them. Pure functions over plain
 * structs, so the matching rule is testable without a database.
 */
#ifndef KT_CLI_COMPARE_H
#define KT_CLI_COMPARE_H

#include <stddef.h>

#include "store.h"

/* One reference row. Strings malloc'd; freed by cli_reference_free. */
typedef struct cli_ref_row {
    char *row_id;
    int table;
    char *month;       /* YYYY-MM */
    char *country;
    char *location;
    char *sector;      /* normalised */
    char *description;
} cli_ref_row;

/* Loads a reference CSV (header naming at least row_id, table, month,
 * country, location, sector; description optional). Returns 0, or -1 with
 * *err (malloc'd) as "path:line: message". */
int cli_reference_load(const char *path, cli_ref_row **rows, size_t *n,
                       char **err);
void cli_reference_free(cli_ref_row *rows, size_t n);

/* The first field in which event e differs from row r, checked in the
 * order table, country (Tables 1-2 only), location (which says the
 * direction: Pyongyang for a visit to the DPRK), month, sector, compared
 * without regard to case; CLI_DIFF_NONE when e matches r. This is the one
 * matching rule of compare: cli_ref_matches is "no difference". */
enum {
    CLI_DIFF_TABLE,
    CLI_DIFF_COUNTRY,
    CLI_DIFF_LOCATION,
    CLI_DIFF_MONTH,
    CLI_DIFF_SECTOR,
    CLI_DIFF_NONE
};
int cli_ref_event_diff(const cli_ref_row *r, const store_event *e);
int cli_ref_matches(const cli_ref_row *r, const store_event *e);

/* The result for one table. Arrays hold indexes into the inputs. */
typedef struct cli_table_result {
    int table;
    size_t *matched_ref, *matched_ev; /* pairs, n_matched long */
    size_t n_matched;
    size_t *missed;                   /* reference rows not found */
    size_t n_missed;
    size_t *extra;                    /* events not in the reference */
    size_t n_extra;
} cli_table_result;

typedef struct cli_comparison {
    char from[8], to[8];              /* the period compared, YYYY-MM */
    cli_table_result tables[3];       /* Tables 1, 2, 3 */
} cli_comparison;

/* Compares events with reference rows over [from, to] (NULL: the
 * reference's first and last months). Two rows match when table, month,
 * country (Tables 1-2 only), location and sector agree, compared without
 * regard to case; rows sharing one such key match as many-to-many counts,
 * paired in reference order and event date order. Events with no table are
 * ignored. Returns 0, -1 on memory failure. */
int cli_compare(const cli_ref_row *ref, size_t n_ref, const store_event *ev,
                size_t n_ev, const char *from, const char *to,
                cli_comparison *out);
void cli_comparison_free(cli_comparison *c);

/* Precision, recall and F1 from counts; 0 when undefined (no rows). */
void cli_scores(size_t matched, size_t missed, size_t extra, double *precision,
                double *recall, double *f1);

#endif
