/*
 * compare --labels: scoring an analyst's labelled reports one by one
 * against the events. Pure functions over plain structs (like compare.h),
 * so every way a report can disagree with its label is testable without a
 * database; the command (cmd_labels.c) only loads and finds things.
 *
 * A label names a report and either the reference row(s) it tells of or
 * the left-out kind it is. The events are paired with the reference rows by
 * cli_compare (the one matcher); rows that share all their matched values
 * are interchangeable to it, so among such rows each event takes the row
 * its labelled reports name most (no count of plain compare changes).
 */
#ifndef KT_CLI_LABELS_H
#define KT_CLI_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "kt_util.h"
#include "store.h"

/* What became of one labelled report: agreement, one class of
 * disagreement, or not found. The order is the report's order. */
enum {
    CLI_LABEL_AGREE,          /* joined the event of its row, or (a
                                 left-out label) is in no tabled event */
    CLI_LABEL_WRONG_TABLE,    /* in a tabled event that differs from its
                                 row first in the table, */
    CLI_LABEL_WRONG_COUNTRY,  /* ... the country (Tables 1-2), */
    CLI_LABEL_WRONG_LOCATION, /* ... the location (the direction), */
    CLI_LABEL_WRONG_MONTH,    /* ... the month, */
    CLI_LABEL_WRONG_SECTOR,   /* ... the sector */
    CLI_LABEL_LEFT_OUT_WRONGLY, /* a row's report in no tabled event */
    CLI_LABEL_KEPT_WRONGLY,   /* a left-out label in a tabled event */
    CLI_LABEL_SPLIT,          /* its row has its event, and the report is
                                 in another with the row's values, or in
                                 one paired with no row while the row's
                                 holds reports of it (one row, several
                                 events) */
    CLI_LABEL_MERGED,         /* its event also holds reports of another
                                 row (several rows, one event) */
    CLI_LABEL_NOT_FOUND,      /* the database holds no such report */
    CLI_LABEL_N
};
/* "agree", "wrong table", ..., "merged", "not in the database". */
const char *cli_label_outcome_name(int outcome);

/* One line of a labels file. Strings malloc'd; freed by cli_labels_free. */
typedef struct cli_label {
    int line;              /* where it is in the file */
    char *report;          /* the URL, or "#ID", as written */
    int64_t named_id;      /* ID of "#ID", else 0 */
    char *label;           /* as written */
    size_t *rows;          /* the rows named (indexes into the reference),
                              n_rows long; NULL for a left-out kind */
    size_t n_rows;
    char *kind;            /* the left-out kind, or NULL */
    /* Filled by the caller from the database before scoring: */
    int64_t document_id;   /* 0: not in the database */
    /* ... and after, for a report the scores put in no event: */
    char *why_no_event;    /* why it is in none (malloc'd), or NULL */
} cli_label;

/* Loads a labels CSV: a header whose first two columns are url and label
 * (more columns are allowed and ignored), then one report a line: its URL
 * or "#" and a document id, and either row ids of ref joined by ";" or a
 * left-out kind (lower-case letters, "-" and "_": message, embassy, none
 * ...). Returns 0, or -1 with *err (malloc'd) as "path:line: message" for
 * the first bad line (a row id not in ref, read from ref_path; an empty
 * field; a report labelled twice ...), or -2 when the file cannot be read
 * (*err names it and why). */
int cli_labels_load(const char *path, const char *ref_path,
                    const cli_ref_row *ref, size_t n_ref, cli_label **labels,
                    size_t *n, char **err);
void cli_labels_free(cli_label *labels, size_t n);

/* What scoring reads. Nothing here is changed or kept. */
typedef struct cli_labels_input {
    const char *labels_path, *ref_path;   /* for the output's header */
    const cli_label *labels;
    size_t n_labels;
    const cli_ref_row *ref;
    size_t n_ref;
    const store_event *ev;
    size_t n_ev;
    const char *const *table_kinds;       /* kinds tables.conf puts in a
                                             table (bilateral, multilateral) */
    size_t n_table_kinds;
} cli_labels_input;

/* One labelled report's result. Indexes equal to n_ev or n_ref mean none. */
typedef struct cli_label_result {
    int outcome;           /* CLI_LABEL_* */
    size_t event;          /* the event the report is in */
    size_t row;            /* the row it is compared with: the one it
                              agrees with; for several rows and a
                              disagreement, the one its event comes closest
                              to (differing latest in the order above); for
                              split, the row that has another event */
    size_t row_event;      /* split: the event paired with that row */
    size_t other_row;      /* merged: a row other reports in its event are
                              labelled with (the one the event is paired
                              with, else the one most of them name) */
    size_t n_other_rows;   /* merged: how many rows besides its own */
    const char *truth;     /* its class: "Table N" of its row, or its
                              left-out kind */
    const char *given;     /* the class the events give it: its tabled
                              event's "Table N"; else its left-out event's
                              kind, unless tables.conf puts that kind in a
                              table (the event is left out for another
                              reason: "none"); else "none" */
} cli_label_result;

/* Precision, recall and F1 of one class: a report counts as labelled when
 * its class is this one, as given when the events give it this one, and
 * agrees when both hold and, for a table, it joined its row's event. */
typedef struct cli_class_score {
    const char *name;
    size_t labelled, given, agree;
} cli_class_score;

typedef struct cli_label_scores {
    cli_label_result *results;  /* one per label, in file order */
    cli_class_score *classes;   /* Table 1, 2, 3, then the kinds that are
                                   labelled or given, by name */
    size_t n_classes;
    cli_class_score tables;     /* any table: agree = joined its row's
                                   event */
    cli_class_score leftout;    /* any left-out kind against any table:
                                   agree = a left-out label in no tabled
                                   event */
    size_t counts[CLI_LABEL_N]; /* labels per outcome */
    size_t *row_event;          /* per reference row, its event after
                                   pairing (n_ev: none); n_ref long */
} cli_label_scores;

/* Scores every label whose document_id is set (the others are
 * CLI_LABEL_NOT_FOUND). A report in several events counts in its first
 * tabled one (else its first). For a row label, the first that applies:
 * agree; left out wrongly (no tabled event); merged; split; the first
 * field in which its event differs from its row. Names in the result point
 * into the input or static storage. Returns 0, -1 when memory ran out.
 * Free with cli_label_scores_free. */
int cli_labels_score(const cli_labels_input *in, cli_label_scores *out);
void cli_label_scores_free(cli_label_scores *s);

/* Appends the scores in format "text", "csv" or "json" to out (see
 * `kcnatrack compare --help`). Returns 0, -1 for an unknown format. */
int cli_labels_format(const cli_labels_input *in, const cli_label_scores *s,
                      const char *format, kt_buf *out);

#endif
