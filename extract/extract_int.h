/*
 * Private to the extract stage: the loaded profile set and the helpers the
 * stage's files share. Nothing here is part of the public API.
 */
#ifndef KT_EXTRACT_INT_H
#define KT_EXTRACT_INT_H

#include <regex.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "extract.h"
#include "kt_util.h"

/* Date formats a profile's "date" line may name (see rules/sites/README.md). */
typedef enum ex_date_format {
    EX_DATE_ANY = 0, /* try ISO, stamp, then Month D YYYY */
    EX_DATE_ISO,     /* "2024-05-24..." (meta content) */
    EX_DATE_STAMP,   /* "www.kcna.kp (Juche113.5.24.)" / "(2024.5.24.)" */
    EX_DATE_MDY,     /* "May 24, 2024", "May 24. 2024 Juche 113" */
} ex_date_format;

typedef struct ex_xpath {
    char *src;                /* the expression as written, for messages */
    xmlXPathCompExprPtr comp; /* owned, xmlXPathFreeCompExpr */
} ex_xpath;

typedef struct ex_date_rule {
    ex_date_format format;
    ex_xpath xp;
} ex_date_rule;

typedef struct ex_regex {
    char *src;
    regex_t re; /* owned, regfree */
} ex_regex;

/* One site profile, exactly as its file says. Arrays are owned. */
typedef struct ex_profile {
    char *name;
    ex_regex *article, *list, *skip, *drop, *trim;
    size_t n_article, n_list, n_skip, n_drop, n_trim;
    ex_xpath *detect, *title, *body, *remove;
    size_t n_detect, n_title, n_body, n_remove;
    ex_date_rule *date;
    size_t n_date;
    int body_auto;          /* "body auto": pick the densest block */
    int body_from_dateline; /* drop body paragraphs before the dateline */
    char **entries;
    size_t n_entries;
    char *base_url;   /* "base": where the live site is served, or NULL */
} ex_profile;

/* Stop-word list of one language, for telling a story's language. */
typedef struct ex_lang {
    char code[8];
    char **words; /* sorted for bsearch */
    size_t n_words;
} ex_lang;

struct extract_profiles {
    ex_profile *v; /* load order; the generic profile is last */
    size_t n;
    ex_lang *langs;
    size_t n_langs;
    char hash[65];
};

/* Link kinds, same numbers as fetch_link_kind. */
enum { EX_LINK_OTHER = 0, EX_LINK_LIST = 1, EX_LINK_REPORT = 2,
       EX_LINK_SKIP = 3 };

/* profile.c */
/* Kind the profile's URL patterns give url (skip wins over report over
 * list), or -1 when none matches. */
int ex_profile_url_kind(const ex_profile *pr, const char *url);
/* The profile for a page: the first whose URL patterns match, else the first
 * whose detect XPath finds something in doc, else the generic one. */
const ex_profile *ex_profile_for(const extract_profiles *p, const char *url,
                                 xmlDocPtr doc);
/* Evaluates x on doc (relative to the root); NULL when it fails or finds
 * nothing. The caller frees the result with xmlXPathFreeObject. Errors are
 * swallowed (not printed) because a bad match is just "not found". */
xmlXPathObjectPtr ex_xpath_eval(const ex_xpath *x, xmlDocPtr doc);

/* text.c */
/* A growable list of malloc'd paragraph strings. */
typedef struct ex_paras {
    char **v;
    size_t n, cap;
} ex_paras;
void ex_paras_free(ex_paras *ps);
int ex_paras_push(ex_paras *ps, char *s); /* takes s; -1 on OOM (s freed) */
void ex_paras_remove(ex_paras *ps, size_t i); /* frees and closes the gap */

/* Nodes the profile's "remove" lines select: skipped by every text walk.
 * A sorted pointer array, so the tree itself is never modified (the parser
 * runs with HTML_PARSE_COMPACT, which forbids that). */
typedef struct ex_skipset {
    const xmlNode **v;
    size_t n;
} ex_skipset;
int ex_skipset_contains(const ex_skipset *s, const xmlNode *n);

/* Appends node's text to ps as paragraphs: block elements and <br> end a
 * paragraph, inline ones never split words; whitespace collapsed, NBSP
 * folded, invalid UTF-8 replaced by U+FFFD, empty blocks dropped. When
 * link_chars is not NULL it gains the number of bytes kept from inside
 * <a> elements and *n_anchors the number of <a> elements with text.
 * Returns 0 or -1 on OOM. */
int ex_walk_text(const xmlNode *node, const ex_skipset *skip, ex_paras *ps,
                 size_t *link_chars, size_t *n_anchors);
/* The node's text on one line (paragraphs joined by spaces): malloc'd,
 * NULL on OOM. Attribute nodes give their value. */
char *ex_node_line(const xmlNode *node, const ex_skipset *skip);
/* The element under root holding the most text in direct <p> children (or
 * text blocks ended by <br>), ignoring skipped nodes; NULL if none. */
const xmlNode *ex_densest_block(const xmlNode *root, const ex_skipset *skip);

/* dates.c */
/* Parses a date in the given format at/in s into out "YYYY-MM-DD". 0 / -1. */
int ex_parse_date(const char *s, ex_date_format f, char out[11]);
/* Writes "YYYY-MM-DD" if y/m/d is a real date in 1900..2199. 0 / -1. */
int ex_format_date(int y, int m, int d, char out[11]);
/* Date written YYYYMMDD in the URL's path, e.g. ".../20240524-01ee.html". */
int ex_url_date(const char *url, char out[11]);
/* A year in the URL's path: a "/YYYY/" segment or a YYYYMMDD run. 0 if
 * none. */
int ex_url_year(const char *url);
/* The first stand-alone year 1996..2099 in s, or 0. */
int ex_text_year(const char *s);
/* extract_parse_dateline that also gives where "May 24" is printed:
 * s[*date_off .. *date_off + *date_len). */
int ex_dateline(const char *s, char **place, int *month, int *day,
                size_t *consumed, size_t *date_off, size_t *date_len);

#endif
