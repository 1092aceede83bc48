/* Helpers of store_int.h: errors, the statement cache, transactions. */
#include "store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_db_fail(char **err, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    free(*err); /* a later, more precise message wins */
    *err = msg;
    return -1;
}

int store_db_err(store *s, char **err, const char *what)
{
    return store_db_fail(err, "%s: %s: %s", s->path, what,
                         sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_db_stmt(store *s, const char *sql, char **err)
{
    for (size_t i = 0; i < s->n_cache; i++) {
        if (s->cache[i].sql == sql) {
            sqlite3_stmt *st = s->cache[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    if (s->n_cache == STORE_STMT_CACHE) {
        store_db_fail(err, "store: statement cache full");
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
        store_db_err(s, err, "prepare");
        return NULL;
    }
    s->cache[s->n_cache].sql = sql;
    s->cache[s->n_cache].st = st;
    s->n_cache++;
    return st;
}

int store_db_run(store *s, sqlite3_stmt *st, const char *what, char **err)
{
    int rc = sqlite3_step(st);
    int ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (!ok)
        store_db_err(s, err, what);
    sqlite3_reset(st);
    return ok ? 0 : -1;
}

int store_db_exec(store *s, const char *sql, char **err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        store_db_fail(err, "%s: %s", s->path, msg ? msg : "exec failed");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_db_count(store *s, const char *sql, long *out, char **err)
{
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_db_err(s, err, "count");
        sqlite3_reset(st);
        return -1;
    }
    *out = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int store_db_tx_begin(store *s, int *own, char **err)
{
    /* IMMEDIATE takes the write lock up front: a deferred transaction that
     * later upgrades can fail with SQLITE_BUSY despite busy_timeout. */
    *own = sqlite3_get_autocommit(s->db);
    return store_db_exec(s, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT store_op",
                         err);
}

int store_db_tx_end(store *s, int own, int ok, char **err)
{
    if (ok) {
        if (store_db_exec(s, own ? "COMMIT" : "RELEASE store_op", err) == 0)
            return 0;
        ok = 0; /* fall through to undo what the failed commit left */
    }
    if (own) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        sqlite3_exec(s->db, "ROLLBACK TO store_op; RELEASE store_op", NULL,
                     NULL, NULL);
    }
    if (err && !*err)
        store_db_fail(err, "%s: transaction rolled back", s->path);
    return -1;
}

char *store_db_col_dup(sqlite3_stmt *st, int col, int *oom)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    if (!t)
        return NULL;
    char *c = strdup((const char *)t);
    if (!c)
        *oom = 1;
    return c;
}

int store_db_reserve(void *v, size_t *cap, size_t need, size_t size)
{
    void **pv = v;
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *p = realloc(*pv, c * size);
    if (!p)
        return -1;
    *pv = p;
    *cap = c;
    return 0;
}

int store_meta_get(store *s, const char *key, char **value, char **err)
{
    static const char sql[] = "SELECT value FROM meta WHERE key=?";
    *value = NULL;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW)
        *value = store_db_col_dup(st, 0, &oom);
    sqlite3_reset(st);
    if (oom)
        return store_db_fail(err, "out of memory");
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
                                                 : store_db_err(s, err, key);
}

int store_meta_set(store *s, const char *key, const char *value, char **err)
{
    static const char sql[] =
        "INSERT INTO meta(key, value) VALUES(?1, ?2) "
        "ON CONFLICT(key) DO UPDATE SET value=excluded.value";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return store_db_run(s, st, key, err);
}
