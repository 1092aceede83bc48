/*
 * The audit commands' shared pieces (cmd_audit.c, audit_diff.c): how a
 * match is shown in its sentence, and each command as a function that
 * appends its text or JSON output to a buffer and returns an exit code
 * (after printing any error), so `explain` and the tests reuse them.
 */
#ifndef KT_CLI_AUDIT_H
#define KT_CLI_AUDIT_H

#include "cli.h"
#include "kt_util.h"

typedef struct cli_audit {
    int json;   /* --format json */
    int colour; /* mark matches with ANSI colour instead of [[...]] */
} cli_audit;

/* Text output, colour when stdout is a terminal and NO_COLOR is unset. */
void cli_audit_init(cli_audit *a, int json);
/* Appends the sentence of text around [start, end) with the match marked. */
void cli_audit_sentence(const cli_audit *a, kt_buf *b, const char *text,
                        size_t start, size_t end);

/* The database must be open. Each appends to b and returns an exit code. */
int cli_audit_event(cli_ctx *ctx, const cli_audit *a, const char *id,
                    kt_buf *b);
int cli_audit_report(cli_ctx *ctx, const cli_audit *a, const char *what,
                     kt_buf *b);
int cli_audit_rule(cli_ctx *ctx, const cli_audit *a, const char *rule_id,
                   long samples, kt_buf *b);
int cli_audit_missing(cli_ctx *ctx, const cli_audit *a, const char *refpath,
                      const char *from, const char *to, kt_buf *b);
/* `audit diff ...` whole (parses its own options). */
int cli_audit_diff_cmd(cli_ctx *ctx, int argc, char **argv);

#endif
