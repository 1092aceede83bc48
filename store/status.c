/* Status summaries for `kcnatrack status` and idempotence checks. */
#include "store_int.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int store_status_get(store *s, const char *profiles_hash,
                     const char *rules_hash, int max_failures,
                     store_status *st_out, char **err)
{
    memset(st_out, 0, sizeof *st_out);
    static const char *const sqls[] = {
        "SELECT count(DISTINCT url) FROM pages",
        "SELECT count(*) FROM pages",
        "SELECT count(*) FROM documents",
        "SELECT count(*) FROM classifications",
        "SELECT count(*) FROM mentions",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM urls WHERE failures>0",
    };
    long *dst[] = {&st_out->pages,     &st_out->page_versions,
                   &st_out->documents, &st_out->classified,
                   &st_out->mentions,  &st_out->events,
                   &st_out->failing_urls};
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++)
        if (store_db_count(s, sqls[i], dst[i], err) < 0)
            return -1;
    static const char sql_given_up[] =
        "SELECT count(*) FROM urls WHERE failures>0 "
        "AND (failures>=? OR retryable=0)";
    sqlite3_stmt *st = store_db_stmt(s, sql_given_up, err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, max_failures);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return store_db_err(s, err, "status");
    }
    st_out->given_up_urls = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    /* The pending sets are exactly what extract/classify would pick up. */
    int64_t *ids = NULL;
    size_t n = 0;
    if (store_pages_pending(s, 0, profiles_hash, &ids, &n, err) < 0)
        return -1;
    free(ids);
    st_out->pending_extract = (long)n;
    if (store_documents_pending(s, 0, rules_hash, &ids, &n, err) < 0)
        return -1;
    free(ids);
    st_out->pending_classify = (long)n;
    return 0;
}

/* "YYYY-MM-DD HH:MM:SSZ" in UTC, or "-" for an absent time. */
static void fmt_time(sqlite3_stmt *st, int col, char out[32])
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        strcpy(out, "-");
        return;
    }
    time_t t = (time_t)sqlite3_column_int64(st, col);
    struct tm tm;
    if (!gmtime_r(&t, &tm) ||
        !strftime(out, 32, "%Y-%m-%d %H:%M:%SZ", &tm))
        strcpy(out, "?");
}

static const char *col_or(sqlite3_stmt *st, int col, const char *dflt)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    return v ? v : dflt;
}

int store_status_report(store *s, int n_runs, int max_failures, char **text,
                        char **err)
{
    static const char sql_runs[] =
        "SELECT id, command, args, started_at, ended_at, outcome, "
        "exit_status, counts FROM runs ORDER BY id DESC LIMIT ?";
    static const char sql_failing[] =
        "SELECT url, failures, failing_since, last_error, retryable "
        "FROM urls WHERE failures>0 ORDER BY failures DESC, url";
    *text = NULL;
    kt_buf b = {0};
    int bad = 0, rc;
    sqlite3_stmt *st = store_db_stmt(s, sql_runs, err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, n_runs);
    bad |= kt_buf_puts(&b, "Recent runs (newest first):\n");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char started[32], ended[32];
        fmt_time(st, 3, started);
        fmt_time(st, 4, ended);
        const char *args = col_or(st, 2, "");
        bad |= kt_buf_printf(
            &b, "  run %lld: %s%s%s  started %s  ended %s  outcome %s",
            (long long)sqlite3_column_int64(st, 0), col_or(st, 1, "?"),
            *args ? " " : "", args, started, ended,
            col_or(st, 5, "unfinished"));
        if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            bad |= kt_buf_printf(&b, "  exit %d", sqlite3_column_int(st, 6));
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
            bad |= kt_buf_printf(&b, "  counts %s", col_or(st, 7, ""));
        bad |= kt_buf_puts(&b, "\n");
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        kt_buf_free(&b);
        return store_db_err(s, err, "status runs");
    }
    if (!(st = store_db_stmt(s, sql_failing, err))) {
        kt_buf_free(&b);
        return -1;
    }
    bad |= kt_buf_puts(&b, "Failing URLs:\n");
    long n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char since[32];
        fmt_time(st, 2, since);
        int failures = sqlite3_column_int(st, 1);
        int gave_up = failures >= max_failures || !sqlite3_column_int(st, 4);
        bad |= kt_buf_printf(&b, "  %s  failures %d since %s%s\n    %s\n",
                             col_or(st, 0, "?"), failures, since,
                             gave_up ? "  [given up]" : "",
                             col_or(st, 3, "(no error text)"));
        n++;
    }
    sqlite3_reset(st);
    if (!n)
        bad |= kt_buf_puts(&b, "  none\n");
    if (rc != SQLITE_DONE || bad) {
        kt_buf_free(&b);
        return rc != SQLITE_DONE ? store_db_err(s, err, "status urls")
                                 : store_db_fail(err, "out of memory");
    }
    *text = kt_buf_take(&b);
    return *text ? 0 : store_db_fail(err, "out of memory");
}

int store_table_counts(store *s, char **text, char **err)
{
    /* runs last: it grows with every command, so idempotence checks cut
     * it off. */
    static const char *const names[] = {
        "urls",    "pages",  "robots",        "documents",
        "rulesets", "classifications", "matches", "tags",
        "mentions", "events", "event_reports", "runs",
    };
    static const char *const sqls[] = {
        "SELECT count(*) FROM urls",
        "SELECT count(*) FROM pages",
        "SELECT count(*) FROM robots",
        "SELECT count(*) FROM documents",
        "SELECT count(*) FROM rulesets",
        "SELECT count(*) FROM classifications",
        "SELECT count(*) FROM matches",
        "SELECT count(*) FROM tags",
        "SELECT count(*) FROM mentions",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM event_reports",
        "SELECT count(*) FROM runs",
    };
    *text = NULL;
    kt_buf b = {0};
    int bad = 0;
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        long c;
        if (store_db_count(s, sqls[i], &c, err) < 0) {
            kt_buf_free(&b);
            return -1;
        }
        bad |= kt_buf_printf(&b, "%s%s=%ld", i ? " " : "", names[i], c);
    }
    if (bad) {
        kt_buf_free(&b);
        return store_db_fail(err, "out of memory");
    }
    *text = kt_buf_take(&b);
    return *text ? 0 : store_db_fail(err, "out of memory");
}
