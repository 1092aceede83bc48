/*
 * error.c: the classify stage's error record and field names. Errors are
 * data (file, line, column, message) so the CLI decides how to show them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "classify_internal.h"
#include "kt_util.h"

/* Contract: frees e's strings and zeroes it; safe on a zeroed or NULL e. */
void classify_error_clear(classify_error *e)
{
    if (!e)
        return;
    free(e->file);
    free(e->message);
    e->file = NULL;
    e->message = NULL;
    e->line = 0;
    e->column = 0;
}

/* Contract: see classify.h. A missing file or message prints as "?" so a
 * half-filled error still says something. */
char *classify_error_format(const classify_error *e)
{
    kt_buf b = {0};
    const char *file = e->file ? e->file : "?";
    const char *msg = e->message ? e->message : "?";
    int rc;
    if (e->line > 0 && e->column > 0)
        rc = kt_buf_printf(&b, "%s:%d:%d: %s", file, e->line, e->column, msg);
    else if (e->line > 0)
        rc = kt_buf_printf(&b, "%s:%d: %s", file, e->line, msg);
    else
        rc = kt_buf_printf(&b, "%s: %s", file, msg);
    if (rc != 0) {
        kt_buf_free(&b);
        return NULL;
    }
    return kt_buf_take(&b);
}

/* Contract: replaces err's contents with the given place and a formatted
 * message; always returns -1. If memory runs out the message may be NULL,
 * which classify_error_format still prints. err may be NULL (ignored). */
int classify_fail(classify_error *err, const char *file, int line, int column,
                  const char *fmt, ...)
{
    if (!err)
        return -1;
    classify_error_clear(err);
    kt_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (kt_buf_puts(&b, tmp) == 0)
        err->message = kt_buf_take(&b);
    kt_buf_free(&b);
    err->file = kt_strdup0(file);
    err->line = line;
    err->column = column;
    return -1;
}

/* Contract: "title" or "body"; "?" for anything else. */
const char *classify_field_name(int field)
{
    switch (field) {
    case CLASSIFY_TITLE: return "title";
    case CLASSIFY_BODY: return "body";
    default: return "?";
    }
}
