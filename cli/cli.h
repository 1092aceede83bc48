/*
 * The kcnatrack command: wiring between the stage libraries. Each command
 * lives in its own cmd_*.c file and has the signature cli_command_fn. The
 * CLI is the only place that prints, decides exit codes, and converts one
 * stage's structs into another's.
 */
#ifndef KT_CLI_H
#define KT_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

/* Exit codes (documented in --help and the README). sysexits.h values where
 * one fits. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_PARTIAL = 3,      /* the run completed but some pages failed */
    CLI_EXIT_USAGE = 64,       /* bad command line */
    CLI_EXIT_DATAERR = 65,     /* bad input data (a broken rule file ...) */
    CLI_EXIT_UNAVAILABLE = 69, /* a service or an input is unavailable */
    CLI_EXIT_SOFTWARE = 70,    /* internal error (database, memory ...) */
    CLI_EXIT_TEMPFAIL = 75,    /* another run holds the lock: retry later */
};

/* State shared by all commands: global options and the lazily opened
 * database. */
typedef struct cli_ctx {
    const char *db_path;
    const char *rules_dir;
    int quiet;
    int verbose;
    long lock_wait_s;       /* --wait: seconds to wait for the run lock */
    store *db;              /* opened by cli_open_db */
    int lock_fd;            /* held run lock, or -1 */
    int64_t run_id;         /* the current runs row, or 0 */
} cli_ctx;

typedef int (*cli_command_fn)(cli_ctx *ctx, int argc, char **argv);

/* Commands (argv[0] is the command name). */
int cli_cmd_fetch(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_import(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_extract(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_classify(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_store(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_run(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_export(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_compare(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_status(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_explain(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_rules(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_search(cli_ctx *ctx, int argc, char **argv);
/* compare --labels FILE (cmd_labels.c): scores labelled reports against
 * the reference at refpath (NULL: the commentary's) in format text, csv or
 * json; returns an exit code. */
int cli_compare_labels(cli_ctx *ctx, const char *labels_path,
                       const char *refpath, const char *format);

/* Opens ctx->db if not yet open. Returns 0, or an exit code after printing
 * the error (65 for a file that is not a usable kcnatrack database, 69 for
 * one that cannot be opened). */
int cli_open_db(cli_ctx *ctx);
/* The same for commands that only read: the file is opened read-only and
 * never created or migrated (a missing database is 69, naming it). */
int cli_open_db_readonly(cli_ctx *ctx);

/* Takes the run lock beside the database (DB.lock), waiting up to
 * ctx->lock_wait_s. Returns 0, or CLI_EXIT_TEMPFAIL after printing which
 * process holds it. Released at exit or by cli_unlock. */
int cli_lock(cli_ctx *ctx, const char *command);
void cli_unlock(cli_ctx *ctx);

/* Records the start/end of a command in the runs table (no-ops when the
 * database is not open). */
void cli_run_begin(cli_ctx *ctx, const char *command, int argc, char **argv);
void cli_run_end(cli_ctx *ctx, int exit_status, const char *counts);

/* Messages. cli_error always prints (stderr, "kcnatrack: ..."); cli_debug
 * only when verbose. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err (a library's malloc'd message) as an error, frees it, and
 * returns code: the usual end of a failed library call. */
int cli_fail(char *err, int code);
void cli_debug(const cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a command's manual page (from cli/help.c) to f. */
void cli_print_help(FILE *f, const char *command);
/* 1 when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Path of a file inside the rules folder (malloc'd, caller frees). */
char *cli_rules_path(const cli_ctx *ctx, const char *name);

/* Parses a non-negative integer option value; prints an error naming opt
 * and returns -1 when it is not one. */
long cli_parse_long(const char *opt, const char *value, long min, long max);


/* ---- stages, shared by their commands and by run ---- */

/* What a stage did, for the summary line and the runs table. */
typedef struct cli_stage_counts {
    long done;      /* pages fetched / documents made / classified / events */
    long unchanged; /* nothing new (304, same content, same events ...) */
    long skipped;   /* held, foreign, index, given up ... */
    long failed;    /* recorded failures (retried later) */
    long not_tried; /* fetch: URLs of unreachable hosts, left for the next
                       run */
} cli_stage_counts;

/* Parsed fetch options (cmd_fetch.c). */
typedef struct cli_fetch_args cli_fetch_args;
/* Parses fetch options from argv[1..argc); returns NULL after printing a
 * usage error. Without start URLs or a site, fetch only retries. */
cli_fetch_args *cli_fetch_args_parse(int argc, char **argv);
void cli_fetch_args_free(cli_fetch_args *a);

/* Each returns an exit code (CLI_EXIT_OK, CLI_EXIT_PARTIAL when items
 * failed but were recorded, or an error) and fills *c. The database must be
 * open and the lock held. */
int cli_stage_fetch(cli_ctx *ctx, const cli_fetch_args *a, cli_stage_counts *c);
int cli_stage_extract(cli_ctx *ctx, int all, cli_stage_counts *c);
int cli_stage_classify(cli_ctx *ctx, int all, cli_stage_counts *c);
/* store: incremental unless all (see store_consolidate_update). */
int cli_stage_store(cli_ctx *ctx, int all, cli_stage_counts *c);

/* Reads and parses rules/tables.conf into *t (freed with
 * store_tables_free) and, when hash is not NULL, the hex SHA-256 of its
 * text into hash. Returns 0, or an exit code after printing the error
 * (file:line for a bad line). */
int cli_load_tables(cli_ctx *ctx, store_tables **t, char hash[65]);

/* Formats counts as the runs table and the summary lines show them. */
void cli_counts_format(const char *stage, const cli_stage_counts *c,
                       char *buf, size_t size);

/* Appends one event as a JSON object: the export's fields, its left-out
 * reason and its reports' URLs and titles (cmd_report.c). */
struct kt_buf;
void cli_event_json(struct kt_buf *b, const store_event *e);

/* ---- CSV (csv.c) ---- */
/* Writes s as one RFC 4180 field (quoted when needed); NULL as empty. */
void cli_csv_field(FILE *f, const char *s);
/* Parses CSV text into rows of fields. *rows is malloc'd: rows[i] is a
 * NULL-terminated array of malloc'd strings; free with cli_csv_free.
 * Returns 0, or -1 with *line set to the line of a malformed record. */
int cli_csv_parse(const char *text, char ****rows, size_t *n_rows, int *line);
/* The same, and *lines (malloc'd, n_rows long; caller frees) gets the line
 * each record starts on. */
int cli_csv_parse_lines(const char *text, char ****rows, size_t *n_rows,
                        int **lines, int *line);
void cli_csv_free(char ***rows, size_t n_rows);

#endif
