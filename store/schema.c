/*
 * Opening, the schema and its forward migrations, transactions and runs.
 * Migrations are append-only: migration i (1-based) brings user_version
 * from i-1 to i, each in its own transaction, so a crash mid-way leaves the
 * database at the last completed version.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 'KCNA' in ASCII: marks the file as a kcnatrack database. */
#define STORE_APPLICATION_ID 0x4B434E41

static const char *const migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  command TEXT NOT NULL,"
    "  args TEXT,"
    "  pid INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  outcome TEXT,"
    "  exit_status INTEGER,"
    "  counts TEXT"
    ") STRICT;"
    /* One row per URL ever attempted: its fetch state across runs. */
    "CREATE TABLE urls ("
    "  url TEXT PRIMARY KEY,"
    "  link_kind INTEGER NOT NULL DEFAULT 0,"
    "  first_seen INTEGER NOT NULL,"
    "  last_attempt INTEGER,"
    "  last_success INTEGER,"
    "  last_status INTEGER,"
    "  last_outcome TEXT,"
    "  last_error TEXT,"
    "  retryable INTEGER NOT NULL DEFAULT 0,"
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  failing_since INTEGER,"
    "  etag TEXT,"
    "  last_modified TEXT"
    ") STRICT;"
    /* Page versions: the raw bodies, so parsing can be redone offline.
     * fetched_at is when this version first arrived, checked_at when a
     * fetch last confirmed it. */
    "CREATE TABLE pages ("
    "  id INTEGER PRIMARY KEY,"
    "  url TEXT NOT NULL REFERENCES urls(url),"
    "  final_url TEXT NOT NULL,"
    "  content_type TEXT,"
    "  charset TEXT,"
    "  http_status INTEGER,"
    "  body BLOB NOT NULL,"
    "  content_hash TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL,"
    "  checked_at INTEGER NOT NULL,"
    "  UNIQUE (url, content_hash)"
    ") STRICT;"
    "CREATE INDEX pages_url_id ON pages(url, id);"
    "CREATE TABLE robots ("
    "  host TEXT PRIMARY KEY,"
    "  body TEXT,"
    "  status INTEGER NOT NULL,"
    "  fetched_at INTEGER NOT NULL"
    ") STRICT;"
    /* ON UPDATE CASCADE: a page version that becomes the latest again is
     * renumbered (see pages.c) and keeps its document. */
    "CREATE TABLE documents ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id INTEGER NOT NULL UNIQUE REFERENCES pages(id)"
    "    ON DELETE CASCADE ON UPDATE CASCADE,"
    "  url TEXT NOT NULL,"
    "  profile TEXT,"
    "  profiles_hash TEXT,"
    "  kind TEXT NOT NULL,"
    "  title TEXT,"
    "  pub_date TEXT,"
    "  date_source TEXT,"
    "  dateline_place TEXT,"
    "  language TEXT,"
    "  body TEXT,"
    "  lead_len INTEGER NOT NULL DEFAULT 0,"
    "  n_paragraphs INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX documents_kind ON documents(kind);"
    "CREATE TABLE rulesets ("
    "  hash TEXT PRIMARY KEY,"
    "  n_rules INTEGER NOT NULL,"
    "  dir TEXT,"
    "  first_used INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE classifications ("
    "  document_id INTEGER PRIMARY KEY REFERENCES documents(id)"
    "    ON DELETE CASCADE,"
    "  rules_hash TEXT NOT NULL,"
    "  classified_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE matches ("
    "  document_id INTEGER NOT NULL REFERENCES documents(id)"
    "    ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  rule_id TEXT NOT NULL,"
    "  rule_file TEXT NOT NULL,"
    "  rule_line INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value TEXT,"
    "  field INTEGER NOT NULL,"
    "  start_byte INTEGER NOT NULL,"
    "  end_byte INTEGER NOT NULL,"
    "  text TEXT,"
    "  weight INTEGER NOT NULL,"
    "  decisive INTEGER NOT NULL,"
    "  masked INTEGER NOT NULL,"
    "  PRIMARY KEY (document_id, seq)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE tags ("
    "  document_id INTEGER NOT NULL REFERENCES documents(id)"
    "    ON DELETE CASCADE,"
    "  key TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  match_seq INTEGER,"
    "  PRIMARY KEY (document_id, key, value)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE mentions ("
    "  document_id INTEGER PRIMARY KEY REFERENCES documents(id)"
    "    ON DELETE CASCADE,"
    "  kind TEXT, direction TEXT, status TEXT, country TEXT, location TEXT,"
    "  delegation TEXT, actor TEXT, dprk_actor TEXT, event_name TEXT,"
    "  sector TEXT, event_date TEXT"
    ") STRICT;"
    "CREATE TABLE events ("
    "  event_id TEXT PRIMARY KEY,"
    "  tbl INTEGER NOT NULL,"
    "  leftout TEXT,"
    "  month TEXT NOT NULL,"
    "  country TEXT, location TEXT, sector TEXT, event_type TEXT,"
    "  direction TEXT, delegation TEXT, event_name TEXT, title TEXT,"
    "  first_date TEXT NOT NULL,"
    "  last_date TEXT NOT NULL"
    ") STRICT;"
    /* The key's columns come first: SQLite 3.40's integrity_check
     * misreports NOT NULL on a WITHOUT ROWID table whose declared column
     * order differs from its stored (key first) order. */
    "CREATE TABLE event_reports ("
    "  event_id TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  document_id INTEGER NOT NULL REFERENCES documents(id)"
    "    ON DELETE CASCADE,"
    "  PRIMARY KEY (event_id, position)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX event_reports_document ON event_reports(document_id);",

    /* 2: daily runs that cost the same on any archive, and fetch outcomes
     * that mean what they say. */
    /* A start URL or a site's entry list (never given up), and a URL given
     * up after --give-up consecutive failures (until --retry-given-up). */
    "ALTER TABLE urls ADD COLUMN entry INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE urls ADD COLUMN given_up INTEGER NOT NULL DEFAULT 0;"
    /* Version 1 recorded 304s, non-HTML pages and robots.txt rules as
     * failures: they are not. */
    "UPDATE urls SET failures=0, failing_since=NULL, last_error=NULL, "
    "  retryable=0 WHERE last_outcome IN ('not_modified', 'not_html') OR "
    "  (last_outcome='robots_denied' AND last_status BETWEEN 1 AND 499);"
    "UPDATE urls SET given_up=1 WHERE failures>=5 AND NOT entry;"
    "CREATE INDEX urls_failing ON urls(url) WHERE failures>0;"
    /* Links a crawl queued and has not yet brought to an end (fetched,
     * found unwanted, or given up): what the next run starts from, so a
     * killed run's half-walked lists are finished. */
    "CREATE TABLE frontier ("
    "  url TEXT PRIMARY KEY,"
    "  link_kind INTEGER NOT NULL,"
    "  depth INTEGER NOT NULL,"
    "  queued_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    /* Work queues: what each stage has left to do, kept by triggers in the
     * same transactions as the changes that cause the work, so that a daily
     * run looks at what changed, not at the whole archive. */
    "CREATE TABLE extract_queue (page_id INTEGER PRIMARY KEY) STRICT;"
    "CREATE TABLE classify_queue (document_id INTEGER PRIMARY KEY) STRICT;"
    /* Documents whose mention may differ from what the events were built
     * from (no foreign key: a document may be gone). */
    "CREATE TABLE consolidate_queue (document_id INTEGER PRIMARY KEY) STRICT;"
    /* Where each mention the stored events were built from sits for
     * consolidation (see store_consolidate_position): the mentions a
     * changed one can affect are found through it. */
    "CREATE TABLE mention_index ("
    "  document_id INTEGER PRIMARY KEY,"
    "  grp TEXT NOT NULL,"
    "  link TEXT,"
    "  day INTEGER NOT NULL,"
    "  quiet INTEGER NOT NULL,"
    "  fingerprint TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX mention_index_grp ON mention_index(grp, quiet, day);"
    "CREATE INDEX mention_index_link ON mention_index(link, day) "
    "  WHERE link IS NOT NULL;"
    /* Facts about the whole database (which profiles, rules and table
     * rules its queues are complete for). */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "CREATE TRIGGER pages_added AFTER INSERT ON pages BEGIN"
    "  INSERT OR IGNORE INTO extract_queue(page_id) VALUES (NEW.id);"
    /* the URL's older versions' documents leave consolidation */
    "  INSERT OR IGNORE INTO consolidate_queue(document_id)"
    "    SELECT d.id FROM pages p JOIN documents d ON d.page_id=p.id"
    "    WHERE p.url=NEW.url AND p.id<>NEW.id;"
    "END;"
    "CREATE TRIGGER pages_renumbered AFTER UPDATE OF id ON pages BEGIN"
    "  INSERT OR IGNORE INTO extract_queue(page_id) VALUES (NEW.id);"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id)"
    "    SELECT d.id FROM pages p JOIN documents d ON d.page_id=p.id"
    "    WHERE p.url=NEW.url"
    "    UNION SELECT id FROM documents WHERE page_id IN (OLD.id, NEW.id);"
    "END;"
    "CREATE TRIGGER documents_added AFTER INSERT ON documents BEGIN"
    "  INSERT OR IGNORE INTO classify_queue(document_id) VALUES (NEW.id);"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id) VALUES (NEW.id);"
    "END;"
    "CREATE TRIGGER documents_changed AFTER UPDATE ON documents BEGIN"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id) VALUES (OLD.id);"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id) VALUES (NEW.id);"
    "END;"
    "CREATE TRIGGER documents_removed AFTER DELETE ON documents BEGIN"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id) VALUES (OLD.id);"
    "END;"
    "CREATE TRIGGER mentions_added AFTER INSERT ON mentions BEGIN"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id)"
    "    VALUES (NEW.document_id);"
    "END;"
    "CREATE TRIGGER mentions_changed AFTER UPDATE ON mentions BEGIN"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id)"
    "    VALUES (OLD.document_id);"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id)"
    "    VALUES (NEW.document_id);"
    "END;"
    "CREATE TRIGGER mentions_removed AFTER DELETE ON mentions BEGIN"
    "  INSERT OR IGNORE INTO consolidate_queue(document_id)"
    "    VALUES (OLD.document_id);"
    "END;",

    /* 3: audit. How each report joined its event; the rule files of every
     * rule set used, so a classification can be traced to the exact rules
     * and an old rule set replayed (audit diff --against). */
    "ALTER TABLE event_reports ADD COLUMN how TEXT;"
    /* the stored events lack it: the next store rebuilds them all */
    "DELETE FROM meta WHERE key='store.tables';"
    "CREATE TABLE ruleset_files ("
    "  hash TEXT NOT NULL REFERENCES rulesets(hash),"
    "  name TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  PRIMARY KEY (hash, name)"
    ") STRICT, WITHOUT ROWID;",

    /* 4: finding reports by their words (kcnatrack search) and by URL
     * (compare --labels). documents_fts is an external-content FTS5 index
     * of each document's title and body: it holds the index only, the text
     * stays in documents (never stored twice), and the triggers keep the
     * two in step in the same transactions as the documents' own changes.
     * An external-content index must be told the exact old text to forget
     * ('delete' with OLD's values), so every document is indexed, whatever
     * its kind; search filters. Porter stemming over unicode61: "visit"
     * finds "visited" and "visits", diacritics ignored. */
    "CREATE VIRTUAL TABLE documents_fts USING fts5("
    "  title, body, content='documents', content_rowid='id',"
    "  tokenize='porter unicode61 remove_diacritics 2');"
    "CREATE TRIGGER documents_fts_added AFTER INSERT ON documents BEGIN"
    "  INSERT INTO documents_fts(rowid, title, body)"
    "    VALUES (NEW.id, NEW.title, NEW.body);"
    "END;"
    "CREATE TRIGGER documents_fts_removed AFTER DELETE ON documents BEGIN"
    "  INSERT INTO documents_fts(documents_fts, rowid, title, body)"
    "    VALUES ('delete', OLD.id, OLD.title, OLD.body);"
    "END;"
    /* Only these columns are indexed; a renumbered page (page_id cascaded)
     * leaves the index alone. */
    "CREATE TRIGGER documents_fts_changed AFTER UPDATE OF id, title, body"
    "  ON documents BEGIN"
    "  INSERT INTO documents_fts(documents_fts, rowid, title, body)"
    "    VALUES ('delete', OLD.id, OLD.title, OLD.body);"
    "  INSERT INTO documents_fts(rowid, title, body)"
    "    VALUES (NEW.id, NEW.title, NEW.body);"
    "END;"
    /* The documents stored before this version. */
    "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');"
    /* A page's final URL is its document's: labels name reports by it. */
    "CREATE INDEX documents_url ON documents(url);",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static int pragma_int(store *s, const char *sql, int *out, char **err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, sql);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : store_db_err(s, err, sql);
}

/* Reads the file's application_id and user_version; refuses (with
 * STORE_OPEN_BAD) files that are not ours or whose version is outside the
 * known range: a newer kcnatrack's, or a negative one no kcnatrack writes,
 * which would otherwise index the migrations before their start. */
static int check_version(store *s, int *app, int *version, char **err)
{
    if (pragma_int(s, "PRAGMA application_id", app, err) < 0 ||
        pragma_int(s, "PRAGMA user_version", version, err) < 0)
        return STORE_OPEN_FAILED;
    if (*app != 0 && *app != STORE_APPLICATION_ID) {
        store_db_fail(err, "%s: not a kcnatrack database (application_id %d)",
                      s->path, *app);
        return STORE_OPEN_BAD;
    }
    if (*version > N_MIGRATIONS) {
        store_db_fail(err, "%s: schema version %d is newer than this "
                      "kcnatrack knows (%d); use a newer binary",
                      s->path, *version, N_MIGRATIONS);
        return STORE_OPEN_BAD;
    }
    if (*version < 0) {
        store_db_fail(err, "%s: schema version %d is not one kcnatrack "
                      "writes (0 to %d); the file is damaged or not ours",
                      s->path, *version, N_MIGRATIONS);
        return STORE_OPEN_BAD;
    }
    return 0;
}

/* Applies the migrations the file lacks, after check_version. */
static int migrate(store *s, char **err)
{
    int app = 0, version = 0;
    int rc = check_version(s, &app, &version, err);
    if (rc < 0)
        return rc;
    for (int v = version + 1; v <= N_MIGRATIONS; v++) {
        char set[96];
        snprintf(set, sizeof set,
                 "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 STORE_APPLICATION_ID, v);
        int own;
        if (store_db_tx_begin(s, &own, err) < 0)
            return -1;
        int ok = store_db_exec(s, migrations[v - 1], err) == 0 &&
                 store_db_exec(s, set, err) == 0;
        if (store_db_tx_end(s, own, ok, err) < 0)
            return store_db_fail(err, "%s: migration to schema version %d "
                                 "failed: %s", s->path, v,
                                 err && *err ? *err : "?");
    }
    return 0;
}

int store_open(const char *path, store **out, char **err)
{
    return store_open_mode(path, 0, out, err) < 0 ? -1 : 0;
}

int store_open_mode(const char *path, int flags, store **out, char **err)
{
    *out = NULL;
    int readonly = (flags & STORE_OPEN_READONLY) != 0;
    /* SQLite would report a missing file as a generic "unable to open";
     * a reader is told plainly that there is no database at path. */
    struct stat sb;
    if (readonly && stat(path, &sb) != 0 && errno == ENOENT) {
        store_db_fail(err, "%s: no such database", path);
        return STORE_OPEN_MISSING;
    }
    store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return store_db_fail(err, "%s: out of memory", path);
    }
    int oflags = readonly ? SQLITE_OPEN_READONLY
                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
        store_db_err(s, err, "open");
        store_close(s);
        return STORE_OPEN_FAILED;
    }
    sqlite3_extended_result_codes(s->db, 1);
    /* busy_timeout first so the pragmas below already wait for a lock;
     * foreign_keys must be set outside any transaction to take effect. */
    int rc = STORE_OPEN_FAILED;
    if (sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK)
        goto fail;
    if (readonly) {
        /* A reader changes nothing: no journal mode, no migration. A file
         * an older kcnatrack wrote (or an empty one) lacks tables the
         * readers need, so it is refused rather than misread. */
        int app = 0, version = 0;
        if ((rc = check_version(s, &app, &version, err)) < 0)
            goto fail;
        if (version == 0) {
            store_db_fail(err, "%s: no kcnatrack database there (an empty "
                          "or foreign SQLite file)", path);
            rc = STORE_OPEN_MISSING;
            goto fail;
        }
        if (version < N_MIGRATIONS) {
            store_db_fail(err, "%s: schema version %d is older than this "
                          "kcnatrack's (%d); run a writing command (e.g. "
                          "kcnatrack store) to migrate it first", path,
                          version, N_MIGRATIONS);
            rc = STORE_OPEN_BAD;
            goto fail;
        }
        if (store_db_exec(s, "PRAGMA foreign_keys=ON;", err) < 0)
            goto fail;
    } else if (store_db_exec(s, "PRAGMA journal_mode=WAL; "
                                "PRAGMA synchronous=NORMAL; "
                                "PRAGMA foreign_keys=ON;", err) < 0 ||
               (rc = migrate(s, err)) < 0) {
        if (rc == 0)
            rc = STORE_OPEN_FAILED;
        goto fail;
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc < 0 ? rc : STORE_OPEN_FAILED;
}

void store_close(store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_cache; i++)
        sqlite3_finalize(s->cache[i].st);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

int store_schema_version(store *s)
{
    int v = -1;
    if (pragma_int(s, "PRAGMA user_version", &v, NULL) < 0)
        return -1;
    return v;
}

int store_begin(store *s, char **err)
{
    return store_db_exec(s, "BEGIN IMMEDIATE", err);
}

int store_commit(store *s, char **err)
{
    return store_db_exec(s, "COMMIT", err);
}

void store_rollback(store *s)
{
    /* Safe to call after a failed COMMIT, which may already have ended the
     * transaction. */
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_run_begin(store *s, const char *command, const char *args,
                    int64_t *run_id, char **err)
{
    static const char sql[] =
        "INSERT INTO runs(command, args, pid, started_at) VALUES(?,?,?,?)";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, command, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, args, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)getpid());
    sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
    if (store_db_run(s, st, "run begin", err) < 0)
        return -1;
    *run_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int store_run_end(store *s, int64_t run_id, const char *outcome,
                  int exit_status, const char *counts, char **err)
{
    static const char sql[] =
        "UPDATE runs SET ended_at=?, outcome=?, exit_status=?, counts=? "
        "WHERE id=?";
    sqlite3_stmt *st = store_db_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
    sqlite3_bind_text(st, 2, outcome, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, exit_status);
    sqlite3_bind_text(st, 4, counts, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, run_id);
    if (store_db_run(s, st, "run end", err) < 0)
        return -1;
    if (sqlite3_changes(s->db) != 1)
        return store_db_fail(err, "%s: no run %lld", s->path,
                             (long long)run_id);
    return 0;
}
