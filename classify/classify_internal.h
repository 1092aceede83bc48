/*
 * classify_internal: the structures shared by the classify stage's source
 * files (loading, prefilter, matching, JSON). Not part of the public API:
 * only the .c files of classify/ include it.
 */
#ifndef KT_CLASSIFY_INTERNAL_H
#define KT_CLASSIFY_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"

/* Where a rule looks (bit set built from in=). */
enum {
    CLASSIFY_IN_TITLE = 1,
    CLASSIFY_IN_LEAD = 2,
    CLASSIFY_IN_BODY = 4,
};

/* One KEY=VALUE of a rule. group: -1 = value is literal text, 0 = the whole
 * match ($0), n > 0 = the named group's number ($name). */
typedef struct classify_kv {
    char *key;   /* owned */
    char *value; /* owned; literal text, or the group's name for $name */
    int group;
} classify_kv;

/* An example written under a rule: text the rule must match (positive),
 * with values some match must give its keys, or text it must not match. */
typedef struct classify_example {
    int line;
    int positive;
    char *text;        /* owned */
    classify_kv *want; /* owned: key and literal value (group -1) */
    size_t n_want;
} classify_example;

typedef struct classify_rule {
    char *id;          /* owned */
    const char *file;  /* base name, points into classify_rules.files */
    const char *path;  /* dir/base, points into classify_rules.paths */
    int line;
    classify_kv *kvs;  /* owned array */
    size_t n_kvs;
    int where;         /* CLASSIFY_IN_* bits */
    int weight;
    int is_mask;       /* the rule sets the key "mask" */
    pcre2_code *code;  /* owned */
    char *pattern;     /* owned: the pattern after macro expansion */
    uint32_t flags;    /* PCRE2_CASELESS / PCRE2_EXTENDED as given */
    classify_example *examples; /* owned array, in file order */
    size_t n_examples;
} classify_rule;

/* Aho-Corasick automaton over the rules' lowercased atoms. Byte values are
 * first mapped to a small alphabet (classes) so the transition table stays
 * compact: nodes x n_classes int32 entries. */
typedef struct classify_prefilter {
    uint8_t cls[256];     /* byte -> class; 0 = byte in no atom */
    int n_classes;
    int32_t *next;        /* owned: goto/fail-folded DFA, node*n_classes+c */
    int32_t *out_first;   /* owned: per node, start of its rule list in out */
    int32_t *out_count;   /* owned: per node, rules whose atom ends here */
    int32_t *dict;        /* owned: next node on the fail chain with output */
    int32_t *out;         /* owned: slot indices (see slot_base) */
    size_t n_nodes;
    uint8_t *always;      /* owned: per rule, 1 when it has no atoms and
                             so must always run */
    int32_t *slot_base;   /* owned: per rule, its first slot; a rule's
                             atom set k is slot slot_base[i] + k */
    uint8_t *n_sets;      /* owned: per rule, its number of atom sets */
    size_t n_slots;
    size_t n_atoms;       /* distinct (atom, rule) pairs, for benchmarks */
} classify_prefilter;

/* How a key's tag is decided (the "resolve KEY MODE" directive):
 * anywhere: every unmasked match competes (the default);
 * head-first: matches in the head (the title and the lead paragraph) decide
 *   when there are any; the rest of the body only when the head has none;
 * head-only: only head matches decide; body matches are recorded, never
 *   decisive. KCNA's title and first sentence say what happened; later
 *   paragraphs mention other things in passing. */
enum {
    CLASSIFY_RESOLVE_ANYWHERE = 0,
    CLASSIFY_RESOLVE_HEAD_FIRST = 1,
    CLASSIFY_RESOLVE_HEAD_ONLY = 2,
};
#define CLASSIFY_MAX_KEYS 16

struct classify_rules {
    char **files;         /* owned: base names, load order */
    char **paths;         /* owned: dir/base, parallel to files */
    char **texts;         /* owned: each file's text as hashed */
    size_t n_files;
    classify_rule *rules; /* owned array, file then line order */
    size_t n_rules;
    uint32_t max_pairs;   /* largest ovector need over all rules */
    char hash[65];
    pcre2_match_context *mctx; /* owned; limits live here */
    classify_prefilter pf;
    int prefilter_on;
    int resolve[CLASSIFY_MAX_KEYS];      /* CLASSIFY_RESOLVE_*, per key of
                                            classify_keys */
    const char *resolve_path[CLASSIFY_MAX_KEYS]; /* where set (into paths) */
    int resolve_line[CLASSIFY_MAX_KEYS];
    int head_paragraphs;  /* body paragraphs in the head ("head N"); 1 when
                             not given: the lead alone */
    const char *head_path; /* where "head" was given (into paths), or NULL */
    int head_line;
};

/* The tag keys in the mention's order (NULL-terminated). Rule lines may set
 * these and "mask"; tags are listed in this order. */
extern const char *const classify_keys[];

/* Sets err (fields malloc'd) from a printf format. Returns -1 so callers
 * can `return classify_fail(...)`. */
int classify_fail(classify_error *err, const char *file, int line, int column,
                  const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Builds r->pf from every rule's pattern text. patterns[i] is rule i's
 * expanded pattern, extended[i] whether the x flag was given. Returns 0, or
 * -1 when memory ran out. */
int classify_prefilter_build(classify_rules *r, char *const *patterns,
                             const int *extended);
void classify_prefilter_free(classify_prefilter *pf);

/* At most this many atom sets are kept per rule (the most selective). */
#define CLASSIFY_MAX_SETS 3

/* The atoms of one pattern: n_sets sets, every one of which must have at
 * least one of its atoms in any text the pattern matches. atom[i] (malloc'd
 * lowercase ASCII) belongs to set set[i]. */
typedef struct classify_atoms {
    char **atom;
    int *set;
    int n;
    int n_sets;
} classify_atoms;

/* Extracts the atoms of one pattern into *out: returns n_sets (>= 1); 0
 * when the pattern has no usable required literal (the rule must always
 * run); -1 on OOM. Free with classify_atoms_free. */
int classify_atoms_extract(const char *pattern, int extended,
                           classify_atoms *out);
void classify_atoms_free(classify_atoms *a);

/* Scans text[0..len) once and marks, per slot (a rule's atom set), the
 * smallest end offset of any of its atoms: first_end[s] is left untouched
 * (SIZE_MAX by the caller) when no atom of slot s occurs. seen is caller
 * scratch of n_nodes bytes, zeroed before each text. */
void classify_prefilter_scan(const classify_prefilter *pf, const char *text,
                             size_t len, size_t *first_end, uint8_t *seen);

#endif
