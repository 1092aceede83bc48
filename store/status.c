/* Status summaries for `kcnatrack status` and idempotence checks. */
#include "store_int.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int store_status_get(store *s, const char *profiles_hash,
                     const char *rules_hash, store_status *st_out,
                     char **err)
{
    memset(st_out, 0, sizeof *st_out);
    static const char *const sqls[] = {
        "SELECT count(DISTINCT url) FROM pages",
        "SELECT count(*) FROM pages",
        "SELECT count(*) FROM documents",
        "SELECT count(*) FROM classifications",
        "SELECT count(*) FROM mentions",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM urls",
        "SELECT count(*) FROM urls WHERE failures=0",
        "SELECT count(*) FROM urls WHERE failures>0 AND given_up=0",
        "SELECT count(*) FROM urls WHERE failures>0 AND given_up=0 AND entry",
        "SELECT count(*) FROM urls WHERE given_up=1",
        "SELECT count(*) FROM frontier",
        "SELECT count(*) FROM consolidate_queue",
    };
    long *dst[] = {&st_out->pages,     &st_out->page_versions,
                   &st_out->documents, &st_out->classified,
                   &st_out->mentions,  &st_out->events,
                   &st_out->urls,      &st_out->healthy,
                   &st_out->failing,   &st_out->entries_failing,
                   &st_out->given_up,  &st_out->frontier,
                   &st_out->pending_store};
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++)
        if (store_db_count(s, sqls[i], dst[i], err) < 0)
            return -1;
    return store_pending_counts(s, profiles_hash, rules_hash,
                                &st_out->pending_extract,
                                &st_out->pending_classify, err);
}

void store_health_clear(store_health *h)
{
    for (size_t i = 0; i < h->n_runs; i++) {
        free(h->runs[i].command);
        free(h->runs[i].args);
        free(h->runs[i].outcome);
        free(h->runs[i].counts);
    }
    free(h->runs);
    for (size_t i = 0; i < h->n_problems; i++) {
        free(h->problems[i].url);
        free(h->problems[i].last_error);
        free(h->problems[i].last_outcome);
    }
    free(h->problems);
    memset(h, 0, sizeof *h);
}

static int load_runs(store *s, int n_runs, store_health *h, char **err)
{
    static const char sql[] =
        "SELECT id, command, args, started_at, ended_at, outcome, "
        "exit_status, counts FROM runs ORDER BY id DESC LIMIT ?";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, n_runs);
    size_t cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(&h->runs, &cap, h->n_runs + 1,
                             sizeof *h->runs)) {
            oom = 1;
            break;
        }
        store_run_row *r = &h->runs[h->n_runs++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->command = store_db_col_dup(st, 1, &oom);
        r->args = store_db_col_dup(st, 2, &oom);
        r->started_at = sqlite3_column_int64(st, 3);
        r->ended_at = sqlite3_column_int64(st, 4);
        r->outcome = store_db_col_dup(st, 5, &oom);
        r->exit_status = sqlite3_column_type(st, 6) == SQLITE_NULL
                             ? -1
                             : sqlite3_column_int(st, 6);
        r->counts = store_db_col_dup(st, 7, &oom);
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom)
        return store_db_fail(err, "out of memory");
    return rc == SQLITE_DONE ? 0 : store_db_err(s, err, "status runs");
}

static int load_problems(store *s, store_health *h, char **err)
{
    /* Failing entries first: while one fails, a whole walk is lost. */
    static const char sql[] =
        "SELECT url, last_error, last_outcome, entry, given_up, failures, "
        "last_status, failing_since, last_attempt FROM urls "
        "WHERE failures>0 OR given_up=1 "
        "ORDER BY given_up, entry DESC, url";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    size_t cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(&h->problems, &cap, h->n_problems + 1,
                             sizeof *h->problems)) {
            oom = 1;
            break;
        }
        store_url_problem *p = &h->problems[h->n_problems++];
        memset(p, 0, sizeof *p);
        p->url = store_db_col_dup(st, 0, &oom);
        p->last_error = store_db_col_dup(st, 1, &oom);
        p->last_outcome = store_db_col_dup(st, 2, &oom);
        p->entry = sqlite3_column_int(st, 3);
        p->given_up = sqlite3_column_int(st, 4);
        p->failures = sqlite3_column_int(st, 5);
        p->last_status = (long)sqlite3_column_int64(st, 6);
        p->failing_since = sqlite3_column_int64(st, 7);
        p->last_attempt = sqlite3_column_int64(st, 8);
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom)
        return store_db_fail(err, "out of memory");
    return rc == SQLITE_DONE ? 0 : store_db_err(s, err, "status urls");
}

int store_health_load(store *s, int n_runs, store_health *h, char **err)
{
    memset(h, 0, sizeof *h);
    /* One snapshot for both lists. */
    int own = sqlite3_get_autocommit(s->db);
    if (own && store_db_exec(s, "BEGIN", err) < 0)
        return -1;
    int rc = load_runs(s, n_runs, h, err) < 0 || load_problems(s, h, err) < 0
                 ? -1
                 : 0;
    if (own)
        sqlite3_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
                     NULL);
    if (rc < 0)
        store_health_clear(h);
    return rc;
}

int store_table_counts(store *s, char **text, char **err)
{
    /* runs last: it grows with every command, so idempotence checks cut
     * it off. */
    static const char *const names[] = {
        "urls",    "pages",  "robots",        "documents",
        "rulesets", "classifications", "matches", "tags",
        "mentions", "events", "event_reports", "frontier", "runs",
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
        "SELECT count(*) FROM frontier",
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

int store_rule_stats(store *s, store_rule_stat **out, size_t *n, char **err)
{
    static const char sql[] =
        "SELECT rule_id, count(*), count(DISTINCT document_id), "
        "sum(decisive), sum(masked) FROM matches GROUP BY rule_id "
        "ORDER BY rule_id";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    size_t cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(out, &cap, *n + 1, sizeof **out)) {
            oom = 1;
            break;
        }
        store_rule_stat *r = &(*out)[(*n)++];
        r->rule_id = store_db_col_dup(st, 0, &oom);
        r->matches = (long)sqlite3_column_int64(st, 1);
        r->reports = (long)sqlite3_column_int64(st, 2);
        r->decisive = (long)sqlite3_column_int64(st, 3);
        r->masked = (long)sqlite3_column_int64(st, 4);
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom || rc != SQLITE_DONE) {
        store_rule_stats_free(*out, *n);
        *out = NULL;
        *n = 0;
        return oom ? store_db_fail(err, "out of memory")
                   : store_db_err(s, err, "rule stats");
    }
    return 0;
}

void store_rule_stats_free(store_rule_stat *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].rule_id);
    free(v);
}
