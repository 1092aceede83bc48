/*
 * extract: turns one HTML page into a document (title, date, dateline, body
 * paragraphs) using site profiles loaded from data files (rules/sites/NAME.site),
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

/* How many profiles are loaded, and the name of the i-th in load order
 * (sorted by file name, "generic" last; NULL when i is out of range).
 * Names are owned by p. */
size_t extract_profile_count(const extract_profiles *p);
const char *extract_profile_name(const extract_profiles *p, size_t i);
/* The crawler's entry paths of the profile called name ("/item/2024/
 * calendar-2024e.html"): site-relative, each starting with '/', to be
 * joined to the site's base URL (the real host, or the mirror's
 * "http://127.0.0.1:PORT/kcna.co.jp"). *paths is owned by p (possibly NULL
 * when *n is 0). Returns 0, or -1 when no profile has that name. */
int extract_profile_entries(const extract_profiles *p, const char *name,
                            const char *const **paths, size_t *n);
/* The live site's base URL of the profile called name ("base" line, e.g.
 * "http://www.kcna.co.jp"), owned by p; NULL when it has none or no
 * profile has that name. */
const char *extract_profile_base(const extract_profiles *p, const char *name);
/* The kind the profiles' URL patterns give url (0 other, 1 list, 2 report,
 * 3 skip), exactly as extract_page labels links; for start URLs. */
int extract_link_kind(const extract_profiles *p, const char *url);

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

/* Dates a story whose page gave only its dateline ("May 24", no year: the
 * newer kcna.kp scheme): when d->date is NULL and paragraph 0 opens with a
 * dateline, sets d->date to that month/day in the latest year that is not
 * after ref_date + 1 day, with date_source "dateline". ref_date
 * ("YYYY-MM-DD") is the date the list page gave the story, or else the
 * fetch date. Returns 0 when set, 1 when d already had a date, -1 when no
 * date can be made. */
int extract_date_from_reference(extract_document *d, const char *ref_date);

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
