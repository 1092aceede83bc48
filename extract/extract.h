/*
 * extract: turns one HTML page into a document (title, date, dateline, body
 * paragraphs) using site profiles loaded from data files (rules/sites/*.site),
 * and lists a page's links with their kinds so the crawler can walk a site.
 * libxml2 only; no SQL, no network, nothing printed.
 *
 * Ownership: extract_document and its strings are malloc'd by extract_page
 * and freed by extract_document_clear. Profiles are loaded once and shared
 * read-only.
 */
#ifndef KT_EXTRACT_H
#define KT_EXTRACT_H

#include <stddef.h>

typedef struct extract_profiles extract_profiles; /* opaque */

/* Loads every *.site file in dir (sorted by name; "generic" is always
 * present as the fallback). Returns 0, or -1 with *err (malloc'd) as
 * "path:line: message". */
int extract_profiles_load(const char *dir, extract_profiles **out, char **err);
void extract_profiles_free(extract_profiles *p);
/* SHA-256 hex of the profile files' contents: documents extracted under
 * another hash are stale. Owned by p. */
const char *extract_profiles_hash(const extract_profiles *p);

typedef enum extract_kind {
    EXTRACT_ARTICLE = 0, /* a report: a document */
    EXTRACT_INDEX,       /* a list/index/calendar page: links only */
    EXTRACT_FOREIGN,     /* a story in another language: skipped */
    EXTRACT_EMPTY,       /* no text could be found */
} extract_kind;
const char *extract_kind_name(extract_kind k); /* "article", "index", ... */

typedef struct extract_link {
    char *url;  /* absolute */
    int kind;   /* 0 other, 1 list, 2 report, 3 skip (same numbers as
                   fetch_link_kind, so the CLI can pass them through) */
} extract_link;

typedef struct extract_document {
    extract_kind kind;
    char *profile;        /* name of the site profile used */
    char *url;
    char *title;          /* whitespace-normalised, UTF-8 */
    char *date;           /* publication date "YYYY-MM-DD", or NULL */
    char *date_source;    /* "page", "meta", "dateline", "url" or NULL */
    char *dateline_place; /* "Pyongyang" from "Pyongyang, May 24 (KCNA) --" */
    char *dateline_text;  /* "May 24" as printed, or NULL */
    char *language;       /* "en", or the detected other language */
    char **paragraphs;    /* body paragraphs, UTF-8, NBSP folded to space */
    size_t n_paragraphs;
    char *text;           /* paragraphs joined with "\n" (offsets for
                             classify matches refer to this string) */
    extract_link *links;  /* links the profile classifies (list/report/skip),
                             plus all same-host links as kind 0 */
    size_t n_links;
} extract_document;

/* Extracts the page body[0..len) fetched from url. charset is the HTTP
 * header's charset or NULL (then <meta> is used, then UTF-8 is tried before
 * ISO-8859-1). Returns 0 with *out filled (any kind), or -1 with *err
 * (malloc'd) naming the URL when the page cannot be parsed at all. */
int extract_page(const extract_profiles *p, const char *url,
                 const char *charset, const unsigned char *body, size_t len,
                 extract_document *out, char **err);

/* Frees everything inside d and zeroes it. */
void extract_document_clear(extract_document *d);

/* The document as one JSON object (malloc'd, caller frees); links omitted
 * unless with_links. */
char *extract_document_json(const extract_document *d, int with_links);

/* "Juche113.5.24." or "2024.5.24." inside s -> "2024-05-24". Returns 0 and
 * writes out[11], or -1. */
int extract_parse_stamp_date(const char *s, char out[11]);
/* Parses a dateline at the start of s: "Pyongyang, May 24 (KCNA) -- ".
 * Sets *place (malloc'd), *month, *day and *consumed (bytes up to the text
 * after "--"). Returns 0, or -1 when s does not open with a dateline. */
int extract_parse_dateline(const char *s, char **place, int *month, int *day,
                           size_t *consumed);

#endif
