/*
 * The parsed tables.conf, shared by tables.c (parser) and consolidate.c.
 * Internal to the store module. All strings are owned by the struct and
 * released by store_tables_free.
 */
#ifndef KT_STORE_TABLES_H
#define KT_STORE_TABLES_H

#include "store.h"

#include <stddef.h>

enum { STORE_CAT_BILATERAL, STORE_CAT_MULTILATERAL, STORE_CAT_LEFTOUT };

typedef struct store_tables_kind {
    char *name;     /* tag "kind" value */
    int category;   /* STORE_CAT_* */
    int rank;       /* higher names a mixed event */
    char *reason;   /* left-out reason (leftout kinds only) */
    int line;       /* in tables.conf */
} store_tables_kind;

typedef struct store_tables_rule {
    int table;
    int category;                     /* bilateral or multilateral */
    char *country, *kind, *direction; /* NULL: any */
} store_tables_rule;

/* "restart DIRECTION STATUS after STATUS ...": a report of that direction
 * and status opens a new event of its delegation when the event so far has
 * a report with one of the after statuses (a second trip, a second visit). */
typedef struct store_tables_restart {
    char *direction;
    char *status;
    char **after;
    size_t n_after;
} store_tables_restart;

/* "example NAME" with its "mention K=V ..." lines and its "expect" line:
 * a few mentions in, the events consolidation must give out. */
typedef struct store_tables_example {
    char *name;
    int line;                 /* of the example line */
    int expect_line;          /* of its expect line (0: none yet) */
    store_mention *mentions;  /* owned (strings too) */
    size_t n_mentions;
    long want_events;         /* -1: not checked */
    int *want_tables;         /* owned: the events' tables, sorted */
    size_t n_want_tables;     /* 0: not checked */
} store_tables_example;

struct store_tables {
    store_tables_kind *kinds;
    size_t n_kinds;
    store_tables_rule *rules; /* first match wins */
    size_t n_rules;
    long gap;                 /* days */
    long leftout_gap;         /* days between left-out reports that name no
                                 delegation or event and still make one
                                 event (at most gap; gap when not given) */
    long absorb;              /* days; -1: lone reports are never absorbed */
    char **absorb_kinds;      /* kinds of lone reports that may be */
    size_t n_absorb_kinds;
    char **not_held;          /* status values meaning "did not happen" */
    size_t n_not_held;
    char **under_way;         /* status values meaning "is happening": the
                                 event starts at the first such report */
    size_t n_under_way;
    char *not_held_reason;
    char *unplaced_reason;    /* when set: an event with no country or host
                                 is left out with it */
    char *unsectored_reason;  /* when set: an event with no sector is left
                                 out with it */
    char *unnamed_reason;     /* when set: a bilateral event with no
                                 delegation, or a multilateral one with no
                                 event name, is left out with it */
    char *undirected_reason;  /* when set: a bilateral event none of whose
                                 reports says who travelled is left out */
    char *home_country;       /* export country of events held in the DPRK */
    char *home_location;      /* location when an inbound event names none */
    char *home_direction;     /* direction value meaning "came to the DPRK" */
    char *titles[4];          /* "title N TEXT": what table N holds */
    store_tables_restart *restarts;
    size_t n_restarts;
    /* lines of the reason directives, for audit (0: not given) */
    int not_held_line, unplaced_line, unsectored_line, unnamed_line,
        undirected_line;
    int parse_line;           /* the line being parsed */
    store_tables_example *examples; /* "example" blocks, in file order */
    size_t n_examples;
};

/* STORE_CAT_* for a category word, or -1. */
int store_tables_category(const char *word);
/* The kind entry named name, or NULL. */
const store_tables_kind *store_tables_kind_find(const store_tables *t,
                                                const char *name);

#endif
