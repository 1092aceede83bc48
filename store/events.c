/*
 * Stored events: replace (only when something differs, so a repeated run
 * leaves the file untouched), load in export order, clear, and explain an
 * event by the decisive matches behind its fields.
 */
#include "store_int.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>

#define EVENT_COLUMNS                                                      \
    "SELECT event_id, tbl, leftout, month, country, location, sector, "    \
    "event_type, direction, delegation, event_name, title, first_date, "   \
    "last_date FROM events "
static const char sql_events_select[] =
    EVENT_COLUMNS
    "ORDER BY tbl=0, tbl, month DESC, country, location, event_id";
static const char sql_event_one[] = EVENT_COLUMNS "WHERE event_id=?1";
static const char sql_region_events_select[] =
    EVENT_COLUMNS "WHERE event_id IN (SELECT event_id FROM temp.region_events) "
    "ORDER BY event_id";
static const char sql_reports_select[] =
    "SELECT er.document_id, d.url, d.title, er.how FROM event_reports er "
    "JOIN documents d ON d.id=er.document_id "
    "WHERE er.event_id=? ORDER BY er.position";

static int load_events_bound(store *s, const char *sql, const char *id,
                             store_event **out, size_t *n, char **err);

static int load_reports(store *s, store_event *e, char **err)
{
    sqlite3_stmt *st = store_db_stmt(s, sql_reports_select, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, e->event_id, -1, SQLITE_STATIC);
    size_t cap_ids = 0, cap_urls = 0, cap_titles = 0, cap_how = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* Four parallel arrays, one capacity each. */
        size_t need = e->n_reports + 1;
        if (store_db_reserve(&e->document_ids, &cap_ids, need,
                             sizeof *e->document_ids) ||
            store_db_reserve(&e->urls, &cap_urls, need, sizeof *e->urls) ||
            store_db_reserve(&e->titles, &cap_titles, need,
                             sizeof *e->titles) ||
            store_db_reserve(&e->how, &cap_how, need, sizeof *e->how)) {
            oom = 1;
            break;
        }
        size_t i = e->n_reports++;
        e->document_ids[i] = sqlite3_column_int64(st, 0);
        e->urls[i] = store_db_col_dup(st, 1, &oom);
        e->titles[i] = store_db_col_dup(st, 2, &oom);
        e->how[i] = store_db_col_dup(st, 3, &oom);
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom)
        return store_db_fail(err, "out of memory");
    if (rc != SQLITE_DONE)
        return store_db_err(s, err, "event reports");
    return 0;
}

/* Loads the events a query (of EVENT_COLUMNS) selects, with their reports;
 * *out malloc'd (free with store_events_free). Opens no transaction of its
 * own. */
static int load_events_by(store *s, const char *sql, store_event **out,
                          size_t *n, char **err)
{
    return load_events_bound(s, sql, NULL, out, n, err);
}

/* load_events_by with ?1 bound to id when id is not NULL. */
static int load_events_bound(store *s, const char *sql, const char *id,
                             store_event **out, size_t *n, char **err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    if (id)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    size_t cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(out, &cap, *n + 1, sizeof **out)) {
            oom = 1;
            break;
        }
        store_event *e = &(*out)[(*n)++];
        memset(e, 0, sizeof *e);
        e->event_id = store_db_col_dup(st, 0, &oom);
        e->table = sqlite3_column_int(st, 1);
        char **f[] = {&e->leftout,   &e->month,      &e->country,
                      &e->location,  &e->sector,     &e->event_type,
                      &e->direction, &e->delegation, &e->event_name,
                      &e->title,     &e->first_date, &e->last_date};
        for (int i = 0; i < 12; i++)
            *f[i] = store_db_col_dup(st, i + 2, &oom);
        if (oom || !e->event_id)
            break;
    }
    sqlite3_reset(st);
    int bad = oom || rc != SQLITE_DONE;
    if (bad && oom)
        store_db_fail(err, "out of memory");
    else if (bad)
        store_db_err(s, err, "events load");
    for (size_t i = 0; !bad && i < *n; i++)
        bad = load_reports(s, &(*out)[i], err) < 0;
    if (bad) {
        store_events_free(*out, *n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

static int load_events(store *s, store_event **out, size_t *n, char **err)
{
    return load_events_by(s, sql_events_select, out, n, err);
}

int store_db_events_load_region(store *s, store_event **out, size_t *n,
                                char **err)
{
    return load_events_by(s, sql_region_events_select, out, n, err);
}

int store_events_load(store *s, store_event **out, size_t *n, char **err)
{
    /* One read transaction (deferred: no write lock), so events and links
     * come from one snapshot. Inside the caller's transaction, use it. */
    int own = sqlite3_get_autocommit(s->db);
    if (own && store_db_exec(s, "BEGIN", err) < 0)
        return -1;
    int rc = load_events(s, out, n, err);
    if (own)
        sqlite3_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
                     NULL);
    return rc;
}

static int cmp_event_id(const void *pa, const void *pb)
{
    const store_event *a = *(const store_event *const *)pa,
                      *b = *(const store_event *const *)pb;
    return strcmp(a->event_id ? a->event_id : "",
                  b->event_id ? b->event_id : "");
}

static void put_field(kt_buf *b, const char *v)
{
    kt_buf_puts(b, v ? v : "\x01");
    kt_buf_puts(b, "\x1f");
}

/* Appends the canonical text of one event's stored columns and links. */
static int canonical_one(kt_buf *b, const store_event *x)
{
    int bad = kt_buf_printf(b, "%d\x1f", x->table);
    const char *f[] = {x->event_id,  x->leftout,   x->month,
                       x->country,   x->location,  x->sector,
                       x->event_type, x->direction, x->delegation,
                       x->event_name, x->title,    x->first_date,
                       x->last_date};
    for (size_t j = 0; j < sizeof f / sizeof f[0]; j++)
        put_field(b, f[j]);
    for (size_t j = 0; j < x->n_reports; j++) {
        bad |= kt_buf_printf(b, "%lld,", (long long)x->document_ids[j]);
        put_field(b, x->how ? x->how[j] : NULL);
    }
    bad |= kt_buf_puts(b, "\x1e");
    return bad;
}

int store_db_events_equal(const store_event *a, const store_event *b)
{
    kt_buf x = {0}, y = {0};
    int bad = canonical_one(&x, a) | canonical_one(&y, b);
    int same = !bad && x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    kt_buf_free(&x);
    kt_buf_free(&y);
    return same;
}

/* A canonical text of the events' stored columns and links, independent
 * of array order, for comparing what is stored with what would be. NULL
 * on OOM. */
static char *canonical(const store_event *e, size_t n)
{
    const store_event **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = &e[i];
    qsort(v, n, sizeof *v, cmp_event_id);
    kt_buf b = {0};
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= canonical_one(&b, v[i]);
    free(v);
    if (bad) {
        kt_buf_free(&b);
        return NULL;
    }
    return kt_buf_take(&b);
}

static const char sql_event_insert[] =
    "INSERT INTO events(event_id, tbl, leftout, month, country, location, "
    "sector, event_type, direction, delegation, event_name, title, "
    "first_date, last_date) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_link_insert[] =
    "INSERT INTO event_reports(event_id, document_id, position, how) "
    "VALUES(?,?,?,?)";

int store_db_event_insert(store *s, const store_event *e, char **err)
{
    if (!e->event_id || !e->month || !e->first_date || !e->last_date)
        return store_db_fail(err, "event without id or dates");
    sqlite3_stmt *st = store_db_stmt(s, sql_event_insert, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, e->event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, e->table);
    const char *f[] = {e->leftout,    e->month,     e->country,
                       e->location,   e->sector,    e->event_type,
                       e->direction,  e->delegation, e->event_name,
                       e->title,      e->first_date, e->last_date};
    for (int i = 0; i < 12; i++)
        sqlite3_bind_text(st, i + 3, f[i], -1, SQLITE_STATIC);
    if (store_db_run(s, st, "event insert", err) < 0)
        return store_db_fail(err, "%s: event %s: %s", s->path, e->event_id,
                             sqlite3_errmsg(s->db));
    for (size_t j = 0; j < e->n_reports; j++) {
        if (!(st = store_db_stmt(s, sql_link_insert, err)))
            return -1;
        sqlite3_bind_text(st, 1, e->event_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, e->document_ids[j]);
        sqlite3_bind_int64(st, 3, (int64_t)j);
        sqlite3_bind_text(st, 4, e->how ? e->how[j] : NULL, -1,
                          SQLITE_STATIC);
        if (store_db_run(s, st, "event report insert", err) < 0)
            return store_db_fail(err, "%s: event %s report %lld: %s",
                                 s->path, e->event_id,
                                 (long long)e->document_ids[j],
                                 sqlite3_errmsg(s->db));
    }
    return 0;
}

int store_events_replace(store *s, const store_event *e, size_t n,
                         int *changed, char **err)
{
    *changed = 0;
    int own;
    if (store_db_tx_begin(s, &own, err) < 0)
        return -1;
    int ok = 0;
    store_event *old = NULL;
    size_t n_old = 0;
    char *a = NULL, *b = NULL;
    if (load_events(s, &old, &n_old, err) < 0)
        goto out;
    a = canonical(old, n_old);
    b = canonical(e, n);
    if (!a || !b) {
        store_db_fail(err, "out of memory");
        goto out;
    }
    if (strcmp(a, b) != 0) {
        /* Links first: events deleted by a tool that left foreign keys
         * off (the sqlite3 shell does) leave orphaned links behind. */
        if (store_db_exec(s, "DELETE FROM event_reports; DELETE FROM events",
                          err) < 0)
            goto out;
        for (size_t i = 0; i < n; i++)
            if (store_db_event_insert(s, &e[i], err) < 0)
                goto out;
        *changed = 1;
    }
    ok = 1;
out:
    free(a);
    free(b);
    store_events_free(old, n_old);
    if (store_db_tx_end(s, own, ok, err) < 0) {
        *changed = 0;
        return -1;
    }
    return 0;
}

int store_db_event_delete(store *s, const char *event_id, char **err)
{
    static const char sql_links[] = "DELETE FROM event_reports WHERE event_id=?";
    static const char sql_event[] = "DELETE FROM events WHERE event_id=?";
    const char *const sqls[] = {sql_links, sql_event};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_db_stmt(s, sqls[i], err);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
        if (store_db_run(s, st, "event delete", err) < 0)
            return -1;
    }
    return 0;
}

int store_events_clear(store *s, char **err)
{
    return store_db_exec(s, "DELETE FROM event_reports; DELETE FROM events",
                         err);
}


int store_event_get(store *s, const char *event_id, store_event *e,
                    char **err)
{
    store_event *v = NULL;
    size_t n = 0;
    memset(e, 0, sizeof *e);
    if (load_events_bound(s, sql_event_one, event_id, &v, &n, err) < 0)
        return -1;
    if (n)
        *e = v[0];
    free(v);
    return n ? 1 : 0;
}
