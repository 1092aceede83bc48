/*
 * Internals shared by the store's source files (not part of the API): the
 * store struct with its prepared-statement cache, and small helpers for
 * errors, statements and transactions. Every helper that can fail returns
 * -1 (or NULL) with a malloc'd message in *err, like the public API.
 */
#ifndef KT_STORE_INT_H
#define KT_STORE_INT_H

#include "store.h"

#include <sqlite3.h>

/* Enough for every distinct SQL text the module uses; a full cache is a
 * programming error reported as such, not a silent slowdown. */
#define STORE_STMT_CACHE 128

struct store {
    sqlite3 *db;
    char *path; /* owned copy, for error messages */
    struct {
        const char *sql;   /* a static string: the cache key is its address */
        sqlite3_stmt *st;  /* owned; finalised by store_close */
    } cache[STORE_STMT_CACHE];
    size_t n_cache;
};

/* Sets *err to a malloc'd printf-formatted message; returns -1 so callers
 * can write `return store_db_fail(...)`. err may be NULL. */
int store_db_fail(char **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same, with SQLite's current error message appended after `what`. */
int store_db_err(store *s, char **err, const char *what);

/* The cached prepared statement for sql (a string literal or other static
 * text: it is cached by address), reset and with bindings cleared. The
 * statement stays owned by the cache; callers sqlite3_reset it when done
 * so that no read stays open. NULL with *err on failure. */
sqlite3_stmt *store_db_stmt(store *s, const char *sql, char **err);
/* Steps a statement that returns no rows and resets it. */
int store_db_run(store *s, sqlite3_stmt *st, const char *what, char **err);
/* Runs SQL text (one or more statements, no parameters). */
int store_db_exec(store *s, const char *sql, char **err);
/* Runs a `SELECT count(*)`-like query with no parameters into *out. */
int store_db_count(store *s, const char *sql, long *out, char **err);

/* Opens a unit of work that is atomic whether or not the caller already
 * holds a transaction: BEGIN IMMEDIATE when none is open, a SAVEPOINT
 * inside the caller's. *own remembers which, for store_db_tx_end. */
int store_db_tx_begin(store *s, int *own, char **err);
/* Ends it: commits/releases when ok, otherwise rolls back to where it
 * began. Returns -1 (with *err, if not already set) when the commit failed. */
int store_db_tx_end(store *s, int own, int ok, char **err);

/* Column text as a malloc'd copy (NULL for SQL NULL). *oom is set to 1
 * when a non-NULL value could not be copied. */
char *store_db_col_dup(sqlite3_stmt *st, int col, int *oom);
/* Grows the array *v of elements of size bytes, whose capacity is *cap, so
 * that it holds at least need elements (doubling, from 16). Returns 0, or
 * -1 when memory runs out (*v and *cap unchanged). */
int store_db_reserve(void *v, size_t *cap, size_t need, size_t size);

/* The value of key in the meta table as a malloc'd string (*value NULL when
 * absent). */
int store_meta_get(store *s, const char *key, char **value, char **err);
/* Sets key to value in the meta table. */
int store_meta_set(store *s, const char *key, const char *value, char **err);

/* ---- events.c, for incremental consolidation (incremental.c) ---- */
/* Loads the events whose ids are in temp.region_events, by id. */
int store_db_events_load_region(store *s, store_event **out, size_t *n,
                                char **err);
/* 1 when the two events would be stored identically (every column and the
 * ordered report ids), else 0. */
int store_db_events_equal(const store_event *a, const store_event *b);
/* Inserts one event and its report links / deletes one by id. */
int store_db_event_insert(store *s, const store_event *e, char **err);
int store_db_event_delete(store *s, const char *event_id, char **err);
/* ---- docs.c ---- */
/* Loads the mentions of the documents in temp.region, as
 * store_mentions_load does for all. */
int store_db_mentions_load_region(store *s, store_mention **out, size_t *n,
                                  char **err);

/* Collects the int64 first column of a prepared, bound query into *ids
 * (malloc'd, caller frees); resets st. */
int store_db_ids(store *s, sqlite3_stmt *st, int64_t **ids, size_t *n,
                 char **err);

#endif
