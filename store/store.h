/*
 * store: the only module that speaks SQL. One SQLite database (WAL, foreign
 * keys, STRICT tables, PRAGMA user_version migrations) holding runs, pages
 * and their fetch state, documents, rule sets, matches, tags, mentions,
 * events and event<->report links. Also the consolidation of mentions into
 * events (store_consolidate, a pure function over plain structs, testable
 * without a database).
 *
 * Every struct here is the module's own; the CLI converts stage outputs into
 * them. Ownership: structs filled by a store_*_load function are freed with
 * the matching _clear or _free function; structs passed to _save functions
 * stay the caller's. Functions return 0 on success and -1 on failure with a
 * malloc'd message in *err (caller frees) naming what failed.
 */
#ifndef KT_STORE_H
#define KT_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct store store; /* one open database */

/* Opens (creating if needed) and migrates the database at path. Sets WAL,
 * synchronous=NORMAL, foreign_keys=ON, busy_timeout 5000 ms. Refuses a
 * file with another application_id, or one whose user_version is newer
 * than this binary's migrations (the error names path and both versions).
 * Every write function below works inside a store_begin batch (it then
 * uses a SAVEPOINT, so a failed call leaves the batch as it was) or
 * outside one (it then commits on its own). */
int store_open(const char *path, store **out, char **err);
/* store_open with flags (STORE_OPEN_*), telling failures apart for the
 * caller's exit status: 0, or STORE_OPEN_FAILED (an I/O or SQLite error),
 * STORE_OPEN_BAD (a file that is not a kcnatrack database this binary can
 * use: another application_id, a user_version outside 0..known), or
 * STORE_OPEN_MISSING (read-only: no file at path, or an empty one). With
 * STORE_OPEN_READONLY the file is opened SQLITE_OPEN_READONLY, never
 * created and never migrated (an older schema is STORE_OPEN_BAD). */
enum {
    STORE_OPEN_READONLY = 1,
    STORE_OPEN_FAILED = -1,
    STORE_OPEN_BAD = -2,
    STORE_OPEN_MISSING = -3,
};
int store_open_mode(const char *path, int flags, store **out, char **err);
void store_close(store *s);
/* Schema version after migration (PRAGMA user_version). */
int store_schema_version(store *s);

/* Transactions for batching: BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int store_begin(store *s, char **err);
int store_commit(store *s, char **err);
void store_rollback(store *s);

/* ---- runs ---- */
/* Records a command's start; *run_id identifies it for store_run_end. */
int store_run_begin(store *s, const char *command, const char *args,
                    int64_t *run_id, char **err);
/* Records its end: outcome ("ok", "partial", "failed", "interrupted"),
 * exit status and a counts summary (free text, e.g. JSON). */
int store_run_end(store *s, int64_t run_id, const char *outcome,
                  int exit_status, const char *counts, char **err);

/* ---- pages (fetch state) ---- */
typedef struct store_fetch {
    const char *requested_url;
    const char *final_url;
    int link_kind;              /* 0 other, 1 list, 2 report, 3 skip */
    long http_status;
    const char *outcome;        /* fetch_outcome_name(), or "imported" */
    const char *error;          /* the failure's (or skip's) reason, or NULL */
    int failed;                 /* a real failure (fetch_outcome_is_failure) */
    int retryable;              /* transient (informational) */
    int entry;                  /* a start URL or a site's entry list */
    int give_up;                /* consecutive failures after which a URL that
                                   is no entry is given up; 0 = never */
    const char *content_type;
    const char *charset;
    const char *etag;
    const char *last_modified;
    const unsigned char *body;  /* NULL unless outcome is ok/imported */
    size_t body_len;
    int64_t fetched_at;
    int attempts;
} store_fetch;

/* Records one fetch: updates the URL's fetch state (last status, outcome,
 * error, consecutive failures, validators, times) and, for a body, stores
 * a page version unless the URL's latest version has the same content
 * hash. *new_page is set to 1 when a new version was stored.
 * Anything but a failure (f->failed == 0: a page, a 304, a page not worth
 * keeping) ends the URL's run of failures: failures=0, not given up. A
 * failure adds one to failures (failing_since kept from the first) and
 * gives the URL up when failures reaches f->give_up, unless it is an entry
 * (f->entry now or ever); pages are not touched. The URL leaves the
 * frontier on a success and when it is given up.
 * A body equal to an older (not the latest) version makes that version the
 * latest again (it is renumbered; *new_page = 1; its document follows).
 * A 304 keeps the held validators unless it sends new ones. Timestamps are
 * f->fetched_at. Pages are keyed by requested_url. */
int store_fetch_save(store *s, const store_fetch *f, int *new_page,
                     char **err);

typedef struct store_url_state {
    int held;               /* a page version is stored */
    int failures;           /* consecutive failed fetches */
    int given_up;           /* not to be tried again (see store_fetch_save) */
    int entry;
    char *etag;             /* validators of the latest version, malloc'd */
    char *last_modified;
    int link_kind;
} store_url_state;
/* Fills *st for url (zeroes when unknown). */
int store_url_state_get(store *s, const char *url, store_url_state *st,
                        char **err);
void store_url_state_clear(store_url_state *st);

/* A URL a fetch should start from: one that failed (and is not given up)
 * or one left in the frontier. */
typedef struct store_url_todo {
    char *url;              /* malloc'd */
    int kind;               /* link kind */
    int depth;              /* hops from a start when it was queued (the
                               frontier), 0 for a failed URL */
    int entry;
} store_url_todo;
void store_url_todos_free(store_url_todo *v, size_t n);

/* URLs whose last fetch failed and which are not given up, in URL order.
 * *out malloc'd (free with store_url_todos_free). */
int store_urls_to_retry(store *s, store_url_todo **out, size_t *n,
                        char **err);
/* Adds links a crawl queued to the frontier (kept until they are fetched
 * or given up); a URL already there keeps its row. */
int store_frontier_add(store *s, const char *const *urls, const int *kinds,
                       const int *depths, size_t n, int64_t now, char **err);
/* The frontier, oldest first, after dropping the URLs that are held by
 * now (e.g. imported). *out malloc'd (free with store_url_todos_free). */
int store_frontier_load(store *s, store_url_todo **out, size_t *n,
                        char **err);
/* Clears the given-up mark of every URL, so the next fetch tries each of
 * them once more (a URL that fails again is given up again); *n = how
 * many. */
int store_urls_retry_given_up(store *s, long *n, char **err);
void store_strings_free(char **v, size_t n);

/* robots.txt cache. get returns 1 when a copy younger than max_age_s is
 * held (body malloc'd), 0 when not, -1 on error. */
int store_robots_get(store *s, const char *host, long max_age_s, char **body,
                     long *status, char **err);
int store_robots_put(store *s, const char *host, const char *body,
                     long status, char **err);

/* ---- extraction ---- */
typedef struct store_page {
    int64_t id;
    char *url;           /* final URL */
    char *content_type;
    char *charset;
    unsigned char *body;
    size_t body_len;
    char *content_hash;
    int64_t fetched_at;
} store_page;
void store_page_clear(store_page *p);

/* Ids of the latest page versions to extract, in id order: those on the
 * extract queue (new versions, unfinished work). When the queue was not
 * kept under profiles_hash (profiles changed) or all is set, it is first
 * refilled with every latest version with no document or one made under
 * another profiles_hash (all: every latest version). Superseded versions
 * leave the queue. *ids malloc'd. store_document_save takes a page off. */
int store_pages_pending(store *s, int all, const char *profiles_hash,
                        int64_t **ids, size_t *n, char **err);
int store_page_load(store *s, int64_t id, store_page *p, char **err);
/* Id of the latest stored version of url (the URL as requested): returns 1
 * and sets *id, 0 when none is stored, -1 on error. A crawl uses it to read
 * the links of a list page that answered 304 Not Modified. */
int store_page_find_latest(store *s, const char *url, int64_t *id,
                           char **err);

typedef struct store_document {
    int64_t id;          /* set by store_document_save / _load */
    int64_t page_id;
    const char *url;
    const char *profile;
    const char *profiles_hash;
    const char *kind;    /* "article", "index", "foreign", "empty" */
    const char *title;
    const char *pub_date;
    const char *date_source;
    const char *dateline_place;
    const char *language;
    const char *body;    /* paragraphs joined with "\n" */
    size_t lead_len;     /* bytes of the first paragraph */
    int n_paragraphs;
} store_document;

/* Replaces the document of page_id (and, through cascades, its
 * classification and event links) with *d; sets d->id. A document equal in
 * every field to the stored one is left alone (classification kept); a
 * replaced document keeps its old id. url and kind are required. */
int store_document_save(store *s, store_document *d, char **err);

/* A loaded document: same fields, owned strings. */
typedef struct store_document_row {
    int64_t id, page_id;
    char *url, *kind, *title, *pub_date, *body;
    size_t lead_len;
} store_document_row;
void store_document_row_clear(store_document_row *d);

/* Ids of article documents to classify (those of each URL's latest page
 * version), in id order: the classify queue, refilled as for
 * store_pages_pending with every article not classified under rules_hash
 * when the queue was kept under other rules (all: every article).
 * store_classification_save takes a document off. */
int store_documents_pending(store *s, int all, const char *rules_hash,
                            int64_t **ids, size_t *n, char **err);
int store_document_load(store *s, int64_t id, store_document_row *d,
                        char **err);

/* ---- classification ---- */
/* Records a rule set (hash, rule count, directory) if new. */
int store_ruleset_register(store *s, const char *hash, size_t n_rules,
                           const char *dir, char **err);

typedef struct store_match {
    const char *rule_id, *rule_file;
    int rule_line;
    const char *key, *value;
    int field;             /* 0 title, 1 body */
    size_t start, end;
    const char *text;
    int weight, decisive, masked;
} store_match;

typedef struct store_tag {
    const char *key, *value;
    size_t match;          /* index into the matches passed alongside */
} store_tag;

typedef struct store_mention_in {
    const char *kind, *direction, *status, *country, *location, *delegation,
        *actor, *dprk_actor, *event_name, *sector, *event_date;
} store_mention_in;

/* Replaces document_id's classification with this one (matches, tags,
 * mention) under rules_hash. Matches are stored with seq = array index;
 * a tag's match index >= n_matches is stored as NULL. Saving the same
 * thing twice leaves identical rows (classified_at is kept while the
 * rules_hash is unchanged). mention may be NULL (no mention row). */
int store_classification_save(store *s, int64_t document_id,
                              const char *rules_hash,
                              const store_match *m, size_t n_matches,
                              const store_tag *t, size_t n_tags,
                              const store_mention_in *mention, char **err);

/* ---- consolidation ---- */
/* A mention as consolidation sees it (owned strings). */
typedef struct store_mention {
    int64_t document_id;
    char *url, *title, *pub_date;
    char *kind, *direction, *status, *country, *location, *delegation,
        *actor, *dprk_actor, *event_name, *sector, *event_date;
    int sector_weight; /* weight of the rule that decided sector (0: none
                          known); an event's sector is the one with the
                          most weight across its reports */
} store_mention;

/* Loads the mentions of every classified article document of each URL's
 * latest page version, ordered by event_date then url. *out malloc'd;
 * free with store_mentions_free. */
int store_mentions_load(store *s, store_mention **out, size_t *n, char **err);
void store_mentions_free(store_mention *m, size_t n);

/* The table rules (rules/tables.conf), parsed by store_tables_parse. */
typedef struct store_tables store_tables;
/* Parses the text of a tables.conf (format: comments in rules/tables.conf);
 * *err names path:line on failure. */
int store_tables_parse(const char *path, const char *text, store_tables **out,
                       char **err);
void store_tables_free(store_tables *t);
/* What table N (1..3) holds ("title" lines), owned by t; NULL if untold. */
const char *store_tables_title(const store_tables *t, int table);

typedef struct store_event {
    char *event_id;        /* stable: derived from its first report */
    int table;             /* 1, 2, 3, or 0 for a left-out event */
    char *leftout;         /* why it has no table, or NULL */
    char *month;           /* "YYYY-MM" of first_date */
    char *country, *location, *sector, *event_type, *direction;
    char *delegation, *event_name;
    char *title;           /* title of the report that best names it */
    char *first_date, *last_date;
    int64_t *document_ids; /* its reports, by date */
    char **urls;
    char **titles;
    char **how;            /* how each report joined the event, for audit
                              (e.g. "same delegation ... within the gap") */
    size_t n_reports;
} store_event;
void store_events_free(store_event *e, size_t n);

/* Groups mentions into events by the rules in t: one event per delegation
 * (or named event) per counterpart and direction, split where reports lie
 * more than t's gap apart; assigns tables and left-out reasons. Pure:
 * no database; the result does not depend on the input order. Mentions
 * without kind or usable date (event_date, else pub_date), and bilateral
 * ones without country, are dropped. Kinds tables.conf does not list become
 * left-out events ("kind not listed in tables.conf"). *out malloc'd, in
 * export order (see store_events_sort). */
int store_consolidate(const store_tables *t, const store_mention *m, size_t n,
                      store_event **out, size_t *n_out, char **err);
/* Where a mention sits for consolidation: two mentions can change each
 * other's events only when their days lie within store_consolidate_window
 * of each other and they share the group (kind category, left-out reason,
 * host, direction) or the link (a multilateral event's name), directly or
 * through a chain of such mentions. Incremental consolidation uses it to
 * recompute just the chains a changed mention belongs to. */
typedef struct store_position {
    char *group;  /* malloc'd */
    char *link;   /* malloc'd, or NULL */
    long day;     /* day number of the mention's event date */
    int quiet;    /* a left-out report naming no delegation or event: it
                     reaches others of its kind only within leftout_gap */
} store_position;
/* Fills *p for m: returns 1, or 0 when m takes no part in consolidation
 * (no kind, no usable date, a bilateral report without counterpart), -1
 * when memory ran out. Clear with store_position_clear. */
int store_consolidate_position(const store_tables *t, const store_mention *m,
                               store_position *p);
void store_position_clear(store_position *p);
/* The interaction distance in days between two positions with these quiet
 * flags (see store_position). */
long store_consolidate_window(const store_tables *t, int quiet_a,
                              int quiet_b);
/* Hex SHA-256 of every field of m that consolidation reads (65 bytes with
 * the NUL): equal fingerprints, equal effect on the events. */
void store_mention_fingerprint(const store_mention *m, char out[65]);

/* Why m takes no part in consolidation (no kind, no usable date, a
 * bilateral report with no counterpart), or NULL when it does. Static text. */
const char *store_consolidate_dropped_reason(const store_tables *t,
                                             const store_mention *m);
/* The tables.conf line that gives event e its left-out reason (its kind's
 * line, or the *_reason directive's), or 0 when none does. */
int store_tables_reason_line(const store_tables *t, const store_event *e);
/* Runs the "example" blocks of tables.conf (a few mentions in, the number
 * and tables of the events out). Each failure is a message "LINE: ..."
 * (malloc'd strings, free with store_strings_free); *n_run counts the
 * examples. Returns 0, -1 when memory ran out. */
int store_tables_test(const store_tables *t, char ***msgs, size_t *n_msgs,
                      size_t *n_run);
/* home_country of tables.conf (the DPRK's name in the tables). */
const char *store_tables_home_country(const store_tables *t);
/* The tables.conf line of kind name, or 0. */
int store_tables_kind_line(const store_tables *t, const char *name);

/* Sorts events in export order: tables 1, 2, 3, then left-out (table 0);
 * within a table newest month first, then country, location, event_id
 * (NULL before any text). store_consolidate and store_events_load already
 * return this order. */
void store_events_sort(store_event *e, size_t n);

/* What store_consolidate_update did. */
typedef struct store_update_stats {
    int full;          /* every mention was consolidated */
    long mentions;     /* mentions consolidated (the region's, or all) */
    long tabled;       /* events in a table written (new or changed) */
    long leftout;      /* left-out events written */
    long unchanged;    /* events recomputed and found as stored */
    long removed;      /* events that no longer exist */
} store_update_stats;

/* Brings the stored events up to date with the mentions, using the table
 * rules t (whose text hashes to tables_hash), in one transaction. With
 * full, or when the events were last built under other table rules,
 * every mention is consolidated (store_consolidate) and the events
 * replaced; otherwise only the mentions that changed since (the
 * consolidate queue) and those within reach of them (see store_position)
 * are, and only the events that had a report among those are replaced.
 * Either way the stored events are exactly what a full consolidation of
 * all mentions gives. */
int store_consolidate_update(store *s, const store_tables *t,
                             const char *tables_hash, int full,
                             store_update_stats *st, char **err);

/* Replaces all events and links with these, in one transaction. Sets
 * *changed to 1 when anything differed from what was stored; when nothing
 * did, nothing is written. Compared: every stored column and the ordered
 * document ids (not urls/titles, which come from the documents). */
int store_events_replace(store *s, const store_event *e, size_t n,
                         int *changed, char **err);
/* Loads the stored events (and their reports) in export order. */
int store_events_load(store *s, store_event **out, size_t *n, char **err);
/* Deletes every event (for `store --all` rebuild tests). */
int store_events_clear(store *s, char **err);

/* ---- audit ---- */
/* A stored match (see store_match), owned strings. */
typedef struct store_match_row {
    int64_t document_id;
    int seq;
    char *rule_id, *rule_file;
    int rule_line;
    char *key, *value;
    int field;             /* 0 title, 1 body */
    size_t start, end;
    char *text;
    int weight, decisive, masked;
    char *url;             /* the document's (store_rule_matches only) */
} store_match_row;
void store_match_rows_free(store_match_row *v, size_t n);
/* The matches of one document in text order (field, start, seq). */
int store_matches_load(store *s, int64_t document_id, store_match_row **out,
                       size_t *n, char **err);
/* Up to limit matches of rule_id, by document (limit 0: none, just the
 * counts), with the documents' URLs; *total, *reports and *decisive count
 * all of its matches, the documents they are in, and how many decided. */
int store_rule_matches(store *s, const char *rule_id, long limit,
                       store_match_row **out, size_t *n, long *total,
                       long *reports, long *decisive, char **err);
/* The ids of the events with a report in which rule_id decided a tag
 * (malloc'd strings, free with store_strings_free). */
int store_rule_events(store *s, const char *rule_id, char ***ids, size_t *n,
                      char **err);
/* The document a user names: "#ID", or a URL (requested or final) of the
 * latest page version. Returns 1 with *id, 0 when none, -1 on error. */
int store_document_find(store *s, const char *what, int64_t *id, char **err);
/* The mention of one document as consolidation sees it: 1 and *m filled
 * (free with store_mention_clear), 0 when it has none (not classified, or
 * not the latest version). */
int store_mention_get(store *s, int64_t document_id, store_mention *m,
                      char **err);
void store_mention_clear(store_mention *m);
/* Mentions (latest versions) whose event date (else publication date) is
 * in month "YYYY-MM" and whose country is country (NULL: names none);
 * *out malloc'd. */
int store_mentions_near(store *s, const char *month, const char *country,
                        store_mention **out, size_t *n, char **err);
/* Ids of every article document of each URL's latest version, in id
 * order; changes nothing (unlike store_documents_pending). */
int store_article_ids(store *s, int64_t **ids, size_t *n, char **err);
/* The event a document belongs to: 1 and *event_id (malloc'd), 0 none. */
int store_document_event(store *s, int64_t document_id, char **event_id,
                         char **err);
/* One stored event by id: 1 and *e filled (free with store_event_clear),
 * 0 when there is none. */
int store_event_get(store *s, const char *event_id, store_event *e,
                    char **err);
void store_event_clear(store_event *e);
/* Saves the text of a rule set's files (once per hash and name). */
int store_ruleset_files_save(store *s, const char *hash,
                             const char *const *names,
                             const char *const *texts, size_t n, char **err);
/* The files of a recorded rule set: names and texts malloc'd (free with
 * store_strings_free); *n = 0 when the hash is unknown. */
int store_ruleset_files_load(store *s, const char *hash, char ***names,
                             char ***texts, size_t *n, char **err);


/* What one rule did over the stored classifications (current ones). */
typedef struct store_rule_stat {
    char *rule_id;
    long matches;   /* match records */
    long reports;   /* documents with at least one */
    long decisive;  /* matches that decided their tag */
    long masked;    /* matches a mask set aside */
} store_rule_stat;
/* Every rule id with matches stored, by id. *out malloc'd. */
int store_rule_stats(store *s, store_rule_stat **out, size_t *n, char **err);
void store_rule_stats_free(store_rule_stat *v, size_t n);

/* ---- status ---- */
typedef struct store_status {
    long pages, page_versions, documents, classified, mentions, events;
    long pending_extract, pending_classify, pending_store;
    long urls;            /* URLs ever tried */
    long healthy;         /* their last fetch did not fail */
    long failing;         /* failing now, to be retried (entries included) */
    long entries_failing; /* of those, start URLs and entry lists */
    long given_up;        /* failed too often: not retried until cleared */
    long frontier;        /* links queued by a crawl and not yet fetched */
} store_status;
/* Counts for `status`. pages = distinct URLs held, page_versions = stored
 * bodies; the pending counts are what the next extract (under
 * profiles_hash), classify (under rules_hash) and store would take up. */
int store_status_get(store *s, const char *profiles_hash,
                     const char *rules_hash, store_status *st, char **err);
/* What store_pages_pending and store_documents_pending (all=0) would
 * return, counted without changing anything. */
int store_pending_counts(store *s, const char *profiles_hash,
                         const char *rules_hash, long *extract,
                         long *classify, char **err);

/* One run, as the runs table holds it. */
typedef struct store_run_row {
    int64_t id;
    char *command, *args, *outcome, *counts; /* outcome NULL: unfinished */
    int64_t started_at, ended_at;            /* ended_at 0: unfinished */
    int exit_status;                         /* -1: unfinished */
} store_run_row;

/* A URL whose last fetch failed. */
typedef struct store_url_problem {
    char *url, *last_error, *last_outcome;
    int entry, given_up, failures;
    long last_status;
    int64_t failing_since, last_attempt;
} store_url_problem;

/* What a cron user watches: the last runs, and the URLs not healthy --
 * failing entries first (they fail the whole walk), then other failing
 * URLs, then the given-up ones, each group by URL. */
typedef struct store_health {
    store_run_row *runs;           /* newest first */
    size_t n_runs;
    store_url_problem *problems;
    size_t n_problems;
} store_health;
int store_health_load(store *s, int n_runs, store_health *h, char **err);
void store_health_clear(store_health *h);

/* Counts rows of every table, "urls=.. pages=.. robots=.. documents=..
 * rulesets=.. classifications=.. matches=.. tags=.. mentions=.. events=..
 * event_reports=.. runs=.." (malloc'd), for idempotence checks; runs come
 * last so a caller can cut them off. */
int store_table_counts(store *s, char **text, char **err);


/* ---- finding reports ---- */
/* A full-text search over the reports (article documents of each URL's
 * latest page version): their titles and bodies, as FTS5 indexes them. */
typedef struct store_search_query {
    const char *text;       /* FTS5 query syntax: words (all must occur),
                               "a phrase", OR, NOT, prefix*, NEAR(...) */
    const char *from, *to;  /* publication dates YYYY-MM-DD, inclusive;
                               NULL: no bound (with a bound, undated
                               reports are left out) */
    size_t limit;           /* at most this many hits */
    const char *mark_open;  /* put before and after each matched word in */
    const char *mark_close; /* the marked title and the snippet */
} store_search_query;

typedef struct store_search_hit {
    int64_t document_id;
    char *url, *title, *pub_date; /* the document's */
    char *marked_title;     /* the title with its hits marked */
    char *snippet;          /* up to 24 words of the body around its best
                               hits, marked; "..." where text is cut */
    double score;           /* FTS5's bm25, a hit in the title weighing
                               twice one in the body: lower is better */
    char *event_id;         /* the event the report belongs to (a tabled
                               one first), or NULL */
    int table;              /* that event's table, 0 when left out */
    char *leftout;          /* its left-out reason, or NULL */
} store_search_hit;

typedef struct store_search_result {
    store_search_hit *hits; /* best first; malloc'd */
    size_t n;
    long total;             /* every report that matches, not just these */
} store_search_result;

/* Searches the reports. Returns 0; -2 when q->text is not a valid FTS5
 * query (*err: "'TEXT' is not a full-text query: " and FTS5's reason), -1
 * on any other failure. Free *r with store_search_clear. */
int store_search(store *s, const store_search_query *q,
                 store_search_result *r, char **err);
void store_search_clear(store_search_result *r);

/* A report as an analyst names it (compare --labels). */
typedef struct store_report_ref {
    int64_t document_id;
    char *url;              /* the document's (final) URL, malloc'd */
    char *kind;             /* "article", "index", "foreign", "empty" */
    char *title, *pub_date;
    int classified;         /* it holds a classification */
} store_report_ref;

/* Finds the document of url -- the URL its page was requested under or
 * finally served from; the latest page version's -- or, when url is NULL,
 * the document with id. Returns 1 and fills *r (clear with
 * store_report_ref_clear), 0 when there is none, -1 on failure. */
int store_report_find(store *s, const char *url, int64_t id,
                      store_report_ref *r, char **err);
void store_report_ref_clear(store_report_ref *r);

/* The kinds tables.conf puts in a table (bilateral or multilateral): 1
 * when kind is one, else 0 (left-out kinds, unlisted kinds, NULL). */
int store_tables_kind_tabled(const store_tables *t, const char *kind);

#endif
