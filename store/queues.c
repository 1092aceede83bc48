/*
 * What extract and classify have left to do. Triggers (schema.c) put every
 * new page version on the extract queue and every new document on the
 * classify queue in the same transaction that adds them; a stage takes its
 * work from the queue and removes each item as it saves its result, so a
 * daily run touches what changed, not the archive, and a killed run leaves
 * exactly the unfinished items behind.
 *
 * A queue is complete only for the profiles (or rules) it was kept under:
 * the meta table remembers which. When the hash differs (profiles or rules
 * were changed, or --all), the queue is first refilled from the whole
 * archive with everything not done under the new hash, and the new hash is
 * recorded in the same transaction.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define LATEST_PAGE "p.id=(SELECT max(id) FROM pages q WHERE q.url=p.url)"

/* One stage's queue: its table's SQL and the meta key of its hash. */
typedef struct queue_sql {
    const char *meta_key;
    const char *clear;
    const char *refill;   /* ?1 all, ?2 hash */
    const char *prune;    /* drops items no longer to be done */
    const char *list;
    const char *count_queued;
    const char *count_all; /* ?1 hash: the queue after a refill */
} queue_sql;

static const queue_sql extract_sql = {
    "extract.profiles",
    "DELETE FROM extract_queue",
    "INSERT OR IGNORE INTO extract_queue(page_id) "
    "SELECT p.id FROM pages p LEFT JOIN documents d ON d.page_id=p.id "
    "WHERE " LATEST_PAGE " AND (?1 OR d.id IS NULL "
    "OR (?2 IS NOT NULL AND d.profiles_hash IS NOT ?2))",
    /* older versions have been superseded: only the latest is extracted */
    "DELETE FROM extract_queue WHERE NOT EXISTS (SELECT 1 FROM pages p "
    "WHERE p.id=extract_queue.page_id AND " LATEST_PAGE ")",
    "SELECT page_id FROM extract_queue ORDER BY page_id",
    "SELECT count(*) FROM extract_queue x JOIN pages p ON p.id=x.page_id "
    "WHERE " LATEST_PAGE,
    "SELECT count(*) FROM pages p LEFT JOIN documents d ON d.page_id=p.id "
    "WHERE " LATEST_PAGE " AND (d.id IS NULL "
    "OR (?1 IS NOT NULL AND d.profiles_hash IS NOT ?1))",
};

static const queue_sql classify_sql = {
    "classify.rules",
    "DELETE FROM classify_queue",
    "INSERT OR IGNORE INTO classify_queue(document_id) "
    "SELECT d.id FROM documents d JOIN pages p ON p.id=d.page_id "
    "LEFT JOIN classifications c ON c.document_id=d.id "
    "WHERE d.kind='article' AND " LATEST_PAGE " "
    "AND (?1 OR c.document_id IS NULL OR c.rules_hash IS NOT ?2)",
    /* only articles of each URL's latest version are classified */
    "DELETE FROM classify_queue WHERE NOT EXISTS (SELECT 1 FROM documents d "
    "JOIN pages p ON p.id=d.page_id WHERE d.id=classify_queue.document_id "
    "AND d.kind='article' AND " LATEST_PAGE ")",
    "SELECT document_id FROM classify_queue ORDER BY document_id",
    "SELECT count(*) FROM classify_queue x JOIN documents d "
    "ON d.id=x.document_id JOIN pages p ON p.id=d.page_id "
    "WHERE d.kind='article' AND " LATEST_PAGE,
    "SELECT count(*) FROM documents d JOIN pages p ON p.id=d.page_id "
    "LEFT JOIN classifications c ON c.document_id=d.id "
    "WHERE d.kind='article' AND " LATEST_PAGE " "
    "AND (c.document_id IS NULL OR c.rules_hash IS NOT ?1)",
};

/* 1 when the queue of q was kept under hash, 0 when not, -1 on error. */
static int queue_current(store *s, const queue_sql *q, const char *hash,
                         char **err)
{
    char *kept = NULL;
    if (store_meta_get(s, q->meta_key, &kept, err) < 0)
        return -1;
    int same = kept && hash && strcmp(kept, hash) == 0;
    free(kept);
    return same;
}

/* Refills q's queue when it was not kept under hash (or all is set), then
 * prunes it and lists it, in id order. */
static int queue_take(store *s, const queue_sql *q, int all, const char *hash,
                      int64_t **ids, size_t *n, char **err)
{
    *ids = NULL;
    *n = 0;
    int own;
    if (store_db_tx_begin(s, &own, err) < 0)
        return -1;
    int ok = 0;
    int current = queue_current(s, q, hash, err);
    if (current < 0)
        goto out;
    if (all || !current) {
        /* Everything still to do under the new hash is what the refill
         * finds (new items have no result at all), so the old queue goes. */
        sqlite3_stmt *st = store_db_stmt(s, q->clear, err);
        if (!st || store_db_run(s, st, "queue clear", err) < 0 ||
            !(st = store_db_stmt(s, q->refill, err)))
            goto out;
        sqlite3_bind_int(st, 1, all ? 1 : 0);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        if (store_db_run(s, st, "queue refill", err) < 0 ||
            (hash && store_meta_set(s, q->meta_key, hash, err) < 0))
            goto out;
    }
    sqlite3_stmt *st = store_db_stmt(s, q->prune, err);
    if (!st || store_db_run(s, st, "queue prune", err) < 0)
        goto out;
    if (!(st = store_db_stmt(s, q->list, err)))
        goto out;
    ok = store_db_ids(s, st, ids, n, err) == 0;
out:
    if (store_db_tx_end(s, own, ok, err) < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

/* What queue_take would list, without changing anything. */
static int queue_count(store *s, const queue_sql *q, const char *hash,
                       long *out, char **err)
{
    *out = 0;
    int current = queue_current(s, q, hash, err);
    if (current < 0)
        return -1;
    if (current)
        return store_db_count(s, q->count_queued, out, err);
    /* Not kept under this hash: the queue would be refilled. */
    sqlite3_stmt *st = store_db_stmt(s, q->count_all, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : store_db_err(s, err, "queue count");
}

int store_pages_pending(store *s, int all, const char *profiles_hash,
                        int64_t **ids, size_t *n, char **err)
{
    return queue_take(s, &extract_sql, all, profiles_hash, ids, n, err);
}

int store_documents_pending(store *s, int all, const char *rules_hash,
                            int64_t **ids, size_t *n, char **err)
{
    return queue_take(s, &classify_sql, all, rules_hash, ids, n, err);
}

int store_pending_counts(store *s, const char *profiles_hash,
                         const char *rules_hash, long *extract,
                         long *classify, char **err)
{
    if (queue_count(s, &extract_sql, profiles_hash, extract, err) < 0)
        return -1;
    return queue_count(s, &classify_sql, rules_hash, classify, err);
}
