/*
 * Keeping the events up to date without consolidating the whole archive.
 *
 * Triggers (schema.c) put on consolidate_queue every document whose mention
 * may have changed: a new or replaced classification, a new page version
 * that makes an older document stale, a deleted document. mention_index
 * remembers where every mention the stored events were built from sat
 * (store_consolidate_position) and a fingerprint of its fields.
 *
 * A daily run takes the queue, keeps the documents whose mention really
 * changed (fingerprint or presence), and walks outwards from both their old
 * and their new positions through the mentions within the interaction
 * window of the same group or link. Consolidation never relates mentions
 * further apart than that, so the walk's closure (the region) is a union
 * of independent pieces of both the old and the new mention sets: the
 * events built from the region's current mentions replace exactly the
 * stored events that had a report in it, and the result equals a full
 * consolidation, which `store --all` (and any change of tables.conf) still
 * does.
 */
#include "store_int.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>

#define META_TABLES "store.tables"

/* Regions beyond these sizes are not worth walking: consolidate all. */
#define MAX_CHANGED 2000
#define MAX_REGION 50000

/* An open-addressing set of document ids (ids are positive; 0 = empty). */
typedef struct idset {
    int64_t *v;
    size_t cap, n;
} idset;

/* Adds id: 1 when new, 0 when present, -1 when memory ran out. */
static int idset_add(idset *s, int64_t id)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int64_t *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i])
                continue;
            size_t j = (size_t)s->v[i] * 0x9e3779b97f4a7c15ULL & (cap - 1);
            while (v[j])
                j = (j + 1) & (cap - 1);
            v[j] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t j = (size_t)id * 0x9e3779b97f4a7c15ULL & (s->cap - 1);
    for (; s->v[j]; j = (j + 1) & (s->cap - 1))
        if (s->v[j] == id)
            return 0;
    s->v[j] = id;
    s->n++;
    return 1;
}

/* A document whose mention changed, with its new position (if any). */
typedef struct changed_doc {
    int64_t id;
    int has_pos;
    store_position pos;
} changed_doc;

/* The walk over positions: what has been reached and what is left to
 * expand. Strings of the work list are owned. */
typedef struct walk {
    store *s;
    const store_tables *t;
    idset seen;          /* documents in the region */
    int64_t *docs;       /* the same, in the order reached */
    size_t n_docs, cap_docs;
    store_position *work;
    size_t n_work, cap_work;
    changed_doc *changed;
    size_t n_changed;
    int oom;
} walk;

static void push_pos(walk *w, const char *group, const char *link, long day,
                     int quiet)
{
    if (w->oom)
        return;
    if (store_db_reserve(&w->work, &w->cap_work, w->n_work + 1,
                         sizeof *w->work)) {
        w->oom = 1;
        return;
    }
    store_position *p = &w->work[w->n_work];
    p->group = kt_strdup0(group);
    p->link = kt_strdup0(link);
    p->day = day;
    p->quiet = quiet;
    if (!p->group || (link && !p->link)) {
        store_position_clear(p);
        w->oom = 1;
        return;
    }
    w->n_work++;
}

/* The changed document id, or NULL (w->changed is in id order). */
static const changed_doc *find_changed(const walk *w, int64_t id)
{
    size_t lo = 0, hi = w->n_changed;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->changed[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->n_changed && w->changed[lo].id == id ? &w->changed[lo]
                                                        : NULL;
}

/* Takes document id into the region (once), queueing the positions to
 * expand from it: where it was (group/link/day, if indexed) and, for a
 * changed document, where it is now. */
static void reach(walk *w, int64_t id, const char *group, const char *link,
                  long day, int quiet, int indexed)
{
    int fresh = idset_add(&w->seen, id);
    if (fresh < 0 || store_db_reserve(&w->docs, &w->cap_docs, w->n_docs + 1,
                                      sizeof *w->docs)) {
        w->oom = 1;
        return;
    }
    if (!fresh)
        return;
    w->docs[w->n_docs++] = id;
    if (indexed)
        push_pos(w, group, link, day, quiet);
    const changed_doc *c = find_changed(w, id);
    if (c && c->has_pos)
        push_pos(w, c->pos.group, c->pos.link, c->pos.day, c->pos.quiet);
}

static const char sql_near_group[] =
    "SELECT document_id, grp, link, day, quiet FROM mention_index "
    "WHERE grp=?1 AND quiet=?4 AND day BETWEEN ?2 AND ?3";
static const char sql_near_link[] =
    "SELECT document_id, grp, link, day, quiet FROM mention_index "
    "WHERE link=?1 AND ?4>=0 AND day BETWEEN ?2 AND ?3";

/* Reaches every indexed mention a query finds within window days of
 * (key, day); quiet is the quiet flag the query asks for. */
static int reach_indexed(walk *w, const char *sql, const char *key, long day,
                         long window, int quiet, char **err)
{
    sqlite3_stmt *st = store_db_stmt(w->s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, day - window);
    sqlite3_bind_int64(st, 3, day + window);
    sqlite3_bind_int(st, 4, quiet);
    /* Collect first: reach() may need the statement cache again. */
    typedef struct row {
        int64_t id;
        char *grp, *link;
        long day;
        int quiet;
    } row;
    row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc, oom = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_db_reserve(&rows, &cap, n + 1, sizeof *rows)) {
            oom = 1;
            break;
        }
        rows[n].id = sqlite3_column_int64(st, 0);
        rows[n].grp = store_db_col_dup(st, 1, &oom);
        rows[n].link = store_db_col_dup(st, 2, &oom);
        rows[n].day = (long)sqlite3_column_int64(st, 3);
        rows[n].quiet = sqlite3_column_int(st, 4);
        n++;
        if (oom)
            break;
    }
    sqlite3_reset(st);
    for (size_t i = 0; i < n; i++) {
        if (!oom)
            reach(w, rows[i].id, rows[i].grp, rows[i].link, rows[i].day,
                  rows[i].quiet, 1);
        free(rows[i].grp);
        free(rows[i].link);
    }
    free(rows);
    if (oom || w->oom)
        return store_db_fail(err, "out of memory");
    return rc == SQLITE_DONE ? 0 : store_db_err(w->s, err, "region walk");
}

/* Expands every queued position until none is left: the region is then
 * closed under "within the interaction window, same group or link" over
 * the old positions (the index) and the changed documents' new ones.
 * Every changed document is a seed, so its new position is expanded from
 * the start and the index alone must be searched. */
static int walk_run(walk *w, char **err)
{
    while (w->n_work > 0 && !w->oom) {
        store_position p = w->work[--w->n_work];
        long loud = store_consolidate_window(w->t, p.quiet, 0);
        long quiet = store_consolidate_window(w->t, p.quiet, 1);
        int rc = reach_indexed(w, sql_near_group, p.group, p.day, loud, 0,
                               err);
        if (!rc)
            rc = reach_indexed(w, sql_near_group, p.group, p.day, quiet, 1,
                               err);
        if (!rc && p.link)
            rc = reach_indexed(w, sql_near_link, p.link, p.day, loud, 0,
                               err);
        store_position_clear(&p);
        if (rc)
            return -1;
    }
    return w->oom ? store_db_fail(err, "out of memory") : 0;
}

static void walk_free(walk *w)
{
    free(w->seen.v);
    free(w->docs);
    for (size_t i = 0; i < w->n_work; i++)
        store_position_clear(&w->work[i]);
    free(w->work);
    for (size_t i = 0; i < w->n_changed; i++)
        store_position_clear(&w->changed[i].pos);
    free(w->changed);
}

/* Replaces temp.region's contents with ids. */
static int fill_region(store *s, const int64_t *ids, size_t n, char **err)
{
    static const char sql_ins[] =
        "INSERT OR IGNORE INTO temp.region(document_id) VALUES(?)";
    if (store_db_exec(s, "DELETE FROM temp.region", err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = store_db_stmt(s, sql_ins, err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, ids[i]);
        if (store_db_run(s, st, "region", err) < 0)
            return -1;
    }
    return 0;
}

/* Writes the positions of the mentions in m (those taking part). */
static int index_mentions(store *s, const store_tables *t,
                          const store_mention *m, size_t n, char **err)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO mention_index(document_id, grp, link, day, "
        "fingerprint, quiet) VALUES(?,?,?,?,?,?)";
    for (size_t i = 0; i < n; i++) {
        store_position p;
        int r = store_consolidate_position(t, &m[i], &p);
        if (r < 0)
            return store_db_fail(err, "out of memory");
        if (r == 0)
            continue;
        char fp[65];
        store_mention_fingerprint(&m[i], fp);
        sqlite3_stmt *st = store_db_stmt(s, sql, err);
        if (!st) {
            store_position_clear(&p);
            return -1;
        }
        sqlite3_bind_int64(st, 1, m[i].document_id);
        sqlite3_bind_text(st, 2, p.group, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, p.link, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, p.day);
        sqlite3_bind_text(st, 5, fp, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 6, p.quiet);
        r = store_db_run(s, st, "mention index", err);
        store_position_clear(&p);
        if (r < 0)
            return -1;
    }
    return 0;
}

static void count_written(const store_event *e, store_update_stats *st)
{
    if (e->table)
        st->tabled++;
    else
        st->leftout++;
}

/* Consolidates every mention and replaces all events; rebuilds the index,
 * empties the queue and records the table rules' hash. */
static int update_full(store *s, const store_tables *t, const char *hash,
                       store_update_stats *st, char **err)
{
    store_mention *m = NULL;
    store_event *ev = NULL;
    size_t nm = 0, ne = 0;
    int changed = 0, rc = -1;
    memset(st, 0, sizeof *st);
    st->full = 1;
    if (store_mentions_load(s, &m, &nm, err) < 0 ||
        store_consolidate(t, m, nm, &ev, &ne, err) < 0 ||
        store_events_replace(s, ev, ne, &changed, err) < 0 ||
        store_db_exec(s, "DELETE FROM mention_index", err) < 0 ||
        index_mentions(s, t, m, nm, err) < 0 ||
        store_db_exec(s, "DELETE FROM consolidate_queue", err) < 0 ||
        store_meta_set(s, META_TABLES, hash, err) < 0)
        goto out;
    st->mentions = (long)nm;
    for (size_t i = 0; i < ne; i++) {
        if (changed)
            count_written(&ev[i], st);
        else
            st->unchanged++;
    }
    rc = 0;
out:
    store_events_free(ev, ne);
    store_mentions_free(m, nm);
    return rc;
}

/* The queued documents whose mention really changed, with their new
 * positions, into w->changed; and the walk's seeds. Returns 0, -1 on
 * error; *too_many when there are so many that a full pass is cheaper. */
static int take_changes(store *s, const store_tables *t, walk *w,
                        int *too_many, char **err)
{
    int64_t *q = NULL;
    size_t nq = 0;
    store_mention *m = NULL;
    size_t nm = 0;
    int rc = -1;
    *too_many = 0;
    sqlite3_stmt *st = store_db_stmt(
        s, "SELECT document_id FROM consolidate_queue ORDER BY document_id",
        err);
    if (!st || store_db_ids(s, st, &q, &nq, err) < 0)
        goto out;
    if (nq > MAX_CHANGED) {
        *too_many = 1;
        rc = 0;
        goto out;
    }
    if (fill_region(s, q, nq, err) < 0 ||
        store_db_mentions_load_region(s, &m, &nm, err) < 0)
        goto out;
    w->changed = calloc(nq ? nq : 1, sizeof *w->changed);
    if (!w->changed) {
        store_db_fail(err, "out of memory");
        goto out;
    }
    static const char sql_old[] =
        "SELECT grp, link, day, fingerprint, quiet FROM mention_index "
        "WHERE document_id=?";
    for (size_t i = 0; i < nq; i++) {
        const store_mention *now = NULL;
        for (size_t j = 0; j < nm && !now; j++)
            if (m[j].document_id == q[i])
                now = &m[j];
        changed_doc c = {q[i], 0, {0}};
        if (now) {
            int r = store_consolidate_position(t, now, &c.pos);
            if (r < 0) {
                store_db_fail(err, "out of memory");
                goto out;
            }
            c.has_pos = r;
        }
        char fp[65] = "";
        if (c.has_pos)
            store_mention_fingerprint(now, fp);
        if (!(st = store_db_stmt(s, sql_old, err))) {
            store_position_clear(&c.pos);
            goto out;
        }
        sqlite3_bind_int64(st, 1, q[i]);
        int r = sqlite3_step(st);
        int was = r == SQLITE_ROW, oom = 0;
        char *grp = was ? store_db_col_dup(st, 0, &oom) : NULL;
        char *link = was ? store_db_col_dup(st, 1, &oom) : NULL;
        long day = was ? (long)sqlite3_column_int64(st, 2) : 0;
        int quiet = was ? sqlite3_column_int(st, 4) : 0;
        int same = was && c.has_pos &&
                   !strcmp((const char *)sqlite3_column_text(st, 3), fp);
        sqlite3_reset(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE) {
            store_db_err(s, err, "mention index");
            oom = -1;
        }
        if (oom || same || (!was && !c.has_pos)) {
            /* unchanged, or never part of any event: nothing to redo */
            free(grp);
            free(link);
            store_position_clear(&c.pos);
            if (oom) {
                if (oom > 0)
                    store_db_fail(err, "out of memory");
                goto out;
            }
            continue;
        }
        w->changed[w->n_changed++] = c;
        reach(w, q[i], grp, link, day, quiet, was);
        free(grp);
        free(link);
        if (w->oom) {
            store_db_fail(err, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    store_mentions_free(m, nm);
    free(q);
    return rc;
}

/* Replaces the stored events of the region (temp.region) with those built
 * from its current mentions. Sets *collision when a new event's id is taken
 * by an event outside the region (then nothing is written: the caller does
 * a full pass). */
static int update_region(store *s, const store_tables *t, const walk *w,
                         store_update_stats *st, int *collision, char **err)
{
    static const char sql_region_events[] =
        "INSERT OR IGNORE INTO temp.region_events(event_id) "
        "SELECT event_id FROM event_reports "
        "WHERE document_id IN (SELECT document_id FROM temp.region)";
    static const char sql_taken[] =
        "SELECT 1 FROM events WHERE event_id=?1 AND event_id NOT IN "
        "(SELECT event_id FROM temp.region_events)";
    static const char sql_unindex[] =
        "DELETE FROM mention_index WHERE document_id IN "
        "(SELECT document_id FROM temp.region)";
    store_mention *m = NULL;
    store_event *ev = NULL, *old = NULL;
    size_t nm = 0, ne = 0, no = 0;
    int rc = -1;
    *collision = 0;
    sqlite3_stmt *q;
    if (fill_region(s, w->docs, w->n_docs, err) < 0 ||
        store_db_exec(s, "DELETE FROM temp.region_events", err) < 0 ||
        !(q = store_db_stmt(s, sql_region_events, err)) ||
        store_db_run(s, q, "region events", err) < 0 ||
        store_db_mentions_load_region(s, &m, &nm, err) < 0 ||
        store_consolidate(t, m, nm, &ev, &ne, err) < 0 ||
        store_db_events_load_region(s, &old, &no, err) < 0)
        goto out;
    st->mentions = (long)nm;
    for (size_t i = 0; i < ne; i++) {
        if (!(q = store_db_stmt(s, sql_taken, err)))
            goto out;
        sqlite3_bind_text(q, 1, ev[i].event_id, -1, SQLITE_STATIC);
        int r = sqlite3_step(q);
        sqlite3_reset(q);
        if (r == SQLITE_ROW) {
            *collision = 1;
            rc = 0;
            goto out;
        }
        if (r != SQLITE_DONE) {
            store_db_err(s, err, "event ids");
            goto out;
        }
    }
    /* Old events gone or changed are deleted; new or changed ones are
     * written; equal ones stay as they are. Both lists are small. */
    for (size_t i = 0; i < no; i++) {
        const store_event *now = NULL;
        for (size_t j = 0; j < ne && !now; j++)
            if (!strcmp(ev[j].event_id, old[i].event_id))
                now = &ev[j];
        if (now && store_db_events_equal(now, &old[i]))
            continue;
        if (!now)
            st->removed++;
        if (store_db_event_delete(s, old[i].event_id, err) < 0)
            goto out;
    }
    for (size_t j = 0; j < ne; j++) {
        const store_event *was = NULL;
        for (size_t i = 0; i < no && !was; i++)
            if (!strcmp(ev[j].event_id, old[i].event_id))
                was = &old[i];
        if (was && store_db_events_equal(&ev[j], was)) {
            st->unchanged++;
            continue;
        }
        if (store_db_event_insert(s, &ev[j], err) < 0)
            goto out;
        count_written(&ev[j], st);
    }
    if (!(q = store_db_stmt(s, sql_unindex, err)) ||
        store_db_run(s, q, "mention index", err) < 0 ||
        index_mentions(s, t, m, nm, err) < 0 ||
        store_db_exec(s, "DELETE FROM consolidate_queue", err) < 0)
        goto out;
    rc = 0;
out:
    store_events_free(old, no);
    store_events_free(ev, ne);
    store_mentions_free(m, nm);
    return rc;
}

/* The incremental pass; *full_needed when a full one must be done. */
static int update_changes(store *s, const store_tables *t,
                          store_update_stats *st, int *full_needed,
                          char **err)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.t = t;
    int too_many = 0, rc = -1;
    *full_needed = 0;
    memset(st, 0, sizeof *st);
    if (store_db_exec(s, "CREATE TEMP TABLE IF NOT EXISTS region "
                         "(document_id INTEGER PRIMARY KEY); "
                         "CREATE TEMP TABLE IF NOT EXISTS region_events "
                         "(event_id TEXT PRIMARY KEY)", err) < 0 ||
        take_changes(s, t, &w, &too_many, err) < 0)
        goto out;
    if (too_many) {
        *full_needed = 1;
        rc = 0;
        goto out;
    }
    if (w.n_changed == 0) {
        /* nothing that mattered changed: the queue is done with */
        rc = store_db_exec(s, "DELETE FROM consolidate_queue", err);
        goto out;
    }
    if (walk_run(&w, err) < 0)
        goto out;
    if (w.n_docs > MAX_REGION) {
        *full_needed = 1;
        rc = 0;
        goto out;
    }
    int collision = 0;
    if (update_region(s, t, &w, st, &collision, err) < 0)
        goto out;
    *full_needed = collision;
    rc = 0;
out:
    walk_free(&w);
    return rc;
}

int store_consolidate_update(store *s, const store_tables *t,
                             const char *tables_hash, int full,
                             store_update_stats *st, char **err)
{
    memset(st, 0, sizeof *st);
    int own;
    if (store_db_tx_begin(s, &own, err) < 0)
        return -1;
    int ok = 0, full_needed = full;
    if (!full_needed) {
        char *kept = NULL;
        if (store_meta_get(s, META_TABLES, &kept, err) < 0)
            goto out;
        /* other table rules, or never consolidated with an index */
        full_needed = !kept || !tables_hash || strcmp(kept, tables_hash);
        free(kept);
    }
    if (!full_needed && update_changes(s, t, st, &full_needed, err) < 0)
        goto out;
    if (full_needed && update_full(s, t, tables_hash ? tables_hash : "", st,
                                   err) < 0)
        goto out;
    ok = 1;
out:
    return store_db_tx_end(s, own, ok, err);
}
