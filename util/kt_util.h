/*
 * kt_util: the few helpers every stage needs (growable buffers, JSON string
 * escaping, SHA-256, whole-file reads). Plain C, no library dependencies, so
 * any stage may link it without learning about the others.
 */
#ifndef KT_UTIL_H
#define KT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. data is always NUL-terminated when non-NULL.
 * Zero-initialise ({0}) before use; kt_buf_free releases it. */
typedef struct kt_buf {
    char *data;
    size_t len;
    size_t cap;
} kt_buf;

/* Appends n bytes. Returns 0, or -1 when memory runs out (buffer unchanged). */
int kt_buf_append(kt_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. Same return as kt_buf_append. */
int kt_buf_puts(kt_buf *b, const char *s);
/* Appends printf-formatted text. Same return as kt_buf_append. */
int kt_buf_printf(kt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s (n bytes) as a JSON string literal, quotes included. Invalid
 * UTF-8 bytes are written as U+FFFD so the output is always valid JSON. */
int kt_buf_json_string(kt_buf *b, const char *s, size_t n);
/* Same for a NUL-terminated string; NULL is written as JSON null. */
int kt_buf_json_cstr(kt_buf *b, const char *s);
/* Gives the caller the data (malloc'd, caller frees) and resets b.
 * Returns an empty malloc'd string when b is empty. NULL on OOM. */
char *kt_buf_take(kt_buf *b);
/* Releases the buffer's memory and resets it. */
void kt_buf_free(kt_buf *b);

/* Writes the lowercase hex SHA-256 of p[0..n) into out (65 bytes incl NUL). */
void kt_sha256_hex(const void *p, size_t n, char out[65]);

/* Incremental SHA-256, for hashing several files as one. */
typedef struct kt_sha256 {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t used;
} kt_sha256;
void kt_sha256_init(kt_sha256 *s);
void kt_sha256_update(kt_sha256 *s, const void *p, size_t n);
void kt_sha256_final_hex(kt_sha256 *s, char out[65]);

/* Reads a whole file. Returns a malloc'd buffer (NUL-terminated, caller
 * frees) and sets *len; NULL with errno set on failure. */
char *kt_read_file(const char *path, size_t *len);

/* malloc'd copy of s[0..n) with a NUL appended; NULL on OOM. */
char *kt_strndup(const char *s, size_t n);
/* malloc'd copy of s, or NULL when s is NULL or memory runs out. */
char *kt_strdup0(const char *s);

/* Days-from-civil helpers on the proleptic Gregorian calendar.
 * kt_date_parse accepts "YYYY-MM-DD" and returns 0, else -1. */
int kt_date_parse(const char *iso, int *y, int *m, int *d);
/* Day number (days since 1970-01-01) of a civil date. */
long kt_days_from_civil(int y, int m, int d);
/* Inverse of kt_days_from_civil. */
void kt_civil_from_days(long z, int *y, int *m, int *d);
/* Day of week of a civil date: 0 = Sunday .. 6 = Saturday. */
int kt_weekday(int y, int m, int d);

#endif
