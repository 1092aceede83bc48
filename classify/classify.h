/*
 * classify: applies the rule set in rules/NAME.rules to a document's title and
 * body. Every match is kept (rule, field, byte offsets, text), tags are
 * resolved per key from the matches, and the tags are folded into one event
 * mention per document. PCRE2 only; no SQL, no network, nothing printed.
 *
 * The C code knows the tag *keys* listed below (the mention's schema) and the
 * calendar; every value — countries, organisations, phrasings, sectors,
 * event kinds — comes from the rule files.
 *
 * Ownership: classify_rules is built by classify_rules_load and freed by
 * classify_rules_free; classify_result's arrays and strings are malloc'd by
 * classify_document and freed by classify_result_clear. Strings that point
 * into the rule set (rule ids, files) stay valid while the rules live.
 */
#ifndef KT_CLASSIFY_H
#define KT_CLASSIFY_H

#include <stddef.h>

typedef struct classify_rules classify_rules; /* opaque, read-only once built */

/* Where and why loading or matching failed. Fields malloc'd; clear with
 * classify_error_clear. line/column are 1-based; 0 when not applicable. */
typedef struct classify_error {
    char *file;
    int line;
    int column;
    char *message;
} classify_error;
void classify_error_clear(classify_error *e);
/* "file:line:column: message" (malloc'd, caller frees; NULL on OOM).
 * Without a column it is "file:line: message", without a line "file:
 * message" (e.g. a directory that cannot be read). Columns count UTF-8
 * characters, tabs as one. file is the rule file's path as dir + "/" +
 * base name, dir as given to classify_rules_load. */
char *classify_error_format(const classify_error *e);

/* Loads and compiles (with JIT) every *.rules file in dir, in name order.
 * Returns 0, or -1 with *err set to the first broken rule. */
int classify_rules_load(const char *dir, classify_rules **out,
                        classify_error *err);
void classify_rules_free(classify_rules *r);
/* SHA-256 hex of the rule files' names and contents: the rule set's
 * identity. A document classified under another hash is stale. */
const char *classify_rules_hash(const classify_rules *r);
size_t classify_rules_count(const classify_rules *r);

/* Turns the literal prefilter on (the default) or off. Off runs every rule's
 * regex over every field: results must be identical, only slower; it exists
 * for the equivalence test and the benchmark. Not thread-safe against
 * concurrent classify_document calls on the same rules. Returns the previous
 * setting. */
int classify_rules_set_prefilter(classify_rules *r, int on);

/* Sets PCRE2's match limit and (interpreter only) depth limit for every
 * rule; 0 leaves a limit unchanged. Defaults: CLASSIFY_MATCH_LIMIT,
 * CLASSIFY_DEPTH_LIMIT. Hitting a limit makes classify_document fail with
 * the rule's file:line (a rule fault, never a silent non-match). Same
 * thread caveat as above. */
#define CLASSIFY_MATCH_LIMIT 1000000u
#define CLASSIFY_DEPTH_LIMIT 100000u
void classify_rules_set_limits(classify_rules *r, unsigned match_limit,
                               unsigned depth_limit);

/* ---- rules as tested code ---- */

/* One finding of classify_rules_test or classify_rules_check. */
typedef struct classify_finding {
    char *path;     /* the rule file, dir/base */
    int line;       /* of the rule, or of the example concerned */
    int column;     /* 0 when not applicable */
    int error;      /* 1 an error, 0 a warning */
    char *rule_id;
    char *message;
} classify_finding;
typedef struct classify_findings {
    classify_finding *v; /* owned */
    size_t n;
    size_t errors;       /* findings with error set */
    size_t checked;      /* examples run (test) or rules checked (check) */
} classify_findings;
void classify_findings_clear(classify_findings *f);
/* "path:line[:column]: error|warning: message (rule ID)", malloc'd. */
char *classify_finding_format(const classify_finding *x);

/* Runs the examples written under each rule (rules/README.md, Examples):
 * the rule's pattern alone, whatever its in= and the masks: a positive
 * example's text must hold a match, and for each KEY=VALUE it lists, some
 * match giving KEY that VALUE; a negative one no match. A rule without a
 * positive example is an error too. Returns 0 (findings in *f, possibly
 * none), -1 when memory ran out. */
int classify_rules_test(const classify_rules *r, classify_findings *f);
/* Static checks: warnings for rules with no literal for the prefilter (they
 * run on every report) and rules shadowed by an earlier rule that sets the
 * same values over the same fields and matches every positive example of
 * the later one over the same span; errors for patterns that can never
 * match, or match none of their positive examples. Returns 0 or -1 (OOM). */
int classify_rules_check(const classify_rules *r, classify_findings *f);
/* Rule i (load order, 0 <= i < classify_rules_count): its id, file base
 * name, line, and whether it is a mask. Strings owned by the rule set. */
const char *classify_rule_id(const classify_rules *r, size_t i);
const char *classify_rule_file(const classify_rules *r, size_t i);
int classify_rule_line(const classify_rules *r, size_t i);
int classify_rule_is_mask(const classify_rules *r, size_t i);
/* The rule set's files, in load order: base name and the text that was
 * loaded and hashed. Owned by the rule set. */
size_t classify_rules_file_count(const classify_rules *r);
const char *classify_rules_file_name(const classify_rules *r, size_t i);
const char *classify_rules_file_text(const classify_rules *r, size_t i);
/* Rule i's line as written in its file (malloc'd, caller frees; NULL when
 * memory ran out). */
char *classify_rule_source(const classify_rules *r, size_t i);
/* Rule i's pattern after macro expansion (owned by the rule set). */
const char *classify_rule_pattern(const classify_rules *r, size_t i);
/* Examples written in the rule set. */
size_t classify_rules_example_count(const classify_rules *r);

/* Which text a match was found in. Offsets are bytes into that field. */
typedef enum classify_field {
    CLASSIFY_TITLE = 0,
    CLASSIFY_BODY = 1,
} classify_field;
const char *classify_field_name(int field); /* "title" / "body" */

typedef struct classify_input {
    const char *title;     /* may be NULL */
    const char *body;      /* paragraphs joined by "\n"; may be NULL */
    size_t lead_len;       /* bytes of the first paragraph within body
                              (rules with in=lead look only there) */
    const char *pub_date;  /* "YYYY-MM-DD" publication/dateline date, or NULL;
                              relative event dates resolve against it */
} classify_input;

typedef struct classify_match {
    const char *rule_id;   /* points into the rule set */
    const char *file;      /* rule file's base name, points into the rule set */
    int line;              /* line of the rule in that file */
    char *key;             /* tag key the rule sets, e.g. "country" */
    char *value;           /* resolved value (captures substituted) */
    int field;             /* classify_field */
    size_t start, end;     /* byte offsets of the whole match in the field */
    char *text;            /* the matched bytes */
    int weight;            /* the rule's weight */
    int decisive;          /* 1 when this match decided its key's tag */
    int masked;            /* 1 when a mask rule suppressed it */
    int set_aside;         /* 1 when its key's resolve mode (head-first,
                              head-only) kept this body match from
                              deciding: the head said otherwise */
} classify_match;

typedef struct classify_tag {
    char *key;
    char *value;
    size_t match;          /* index of the deciding match in matches[] */
} classify_tag;

/* The event a report tells of, folded from the tags. Every field is a
 * malloc'd string or NULL when no rule set it. Keys of the tags: */
typedef struct classify_mention {
    char *kind;        /* tag "kind": visit, talks, summit, conference,
                          message, remote, tourism, ... (values from rules) */
    char *direction;   /* tag "direction": inbound / outbound */
    char *status;      /* tag "status": planned, departed, arrived, held,
                          returned, negated */
    char *country;     /* tag "country": the counterpart (or, for a
                          multilateral event, the host) country */
    char *location;    /* tag "location": a DPRK city or province */
    char *delegation;  /* tag "delegation": the visiting side's identity,
                          used to tell two delegations apart */
    char *actor;       /* tag "actor": foreign organisation */
    char *dprk_actor;  /* tag "dprk_actor": DPRK organisation */
    char *event_name;  /* tag "event_name": a named conference/festival */
    char *sector;      /* tag "sector" */
    char *event_date;  /* tag "date" resolved to "YYYY-MM-DD" against
                          pub_date; pub_date when no rule set it */
} classify_mention;

typedef struct classify_result {
    classify_match *matches;  /* ordered by field, then start offset */
    size_t n_matches;
    classify_tag *tags;       /* one per key that any unmasked match set */
    size_t n_tags;
    classify_mention mention;
} classify_result;

/* Classifies one document. Returns 0 with *out filled, or -1 with *err set
 * when a rule hit PCRE2's match or depth limit (a rule fault: the error names
 * the rule's file:line) or memory ran out. */
int classify_document(const classify_rules *r, const classify_input *in,
                      classify_result *out, classify_error *err);
void classify_result_clear(classify_result *res);

/* The result as JSON: {"matches":[...],"tags":{...},"mention":{...}}
 * (malloc'd, caller frees). */
char *classify_result_json(const classify_result *res);

/* Resolves a date phrase ("on Monday", "on May 22", "that day", "May 22,
 * 2024") against pub ("YYYY-MM-DD"). Past dates are preferred (KCNA reports
 * what happened) unless future is set (planned events). Returns 0 and writes
 * out[11], or -1 when the phrase holds no date. Exposed for tests. */
int classify_resolve_date(const char *phrase, const char *pub, int future,
                          char out[11]);

#endif
