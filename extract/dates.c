/*
 * Dates as KCNA pages print them: the kcna.kp stamp "Juche113.5.24.", the
 * co.jp line "May 24. 2024 Juche 113", KCNA Watch's "May 24, 2024", meta
 * ISO dates, dates in URLs and the story dateline "Pyongyang, May 24 (KCNA)
 * --". Everything here is plain string scanning: no allocation except the
 * dateline's place.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

/* The Juche calendar counts from 1912 (Juche 1). */
#define JUCHE_OFFSET 1911

static const char *const month_names[12] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"};

int ex_format_date(int y, int m, int d, char out[11])
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    /* Written by hand: the ranges are checked above, which snprintf's
     * truncation warning cannot see. */
    int v[3] = {y, m, d}, w[3] = {4, 2, 2};
    char *o = out;
    for (int k = 0; k < 3; k++) {
        for (int i = w[k] - 1, x = v[k]; i >= 0; i--, x /= 10)
            o[i] = (char)('0' + x % 10);
        o += w[k];
        *o++ = k < 2 ? '-' : '\0';
    }
    return 0;
}

/* Reads 1..maxd decimal digits at s into *v; returns how many were read
 * (0 when s does not start with a digit or the run is longer than maxd). */
static size_t read_num(const char *s, size_t maxd, int *v)
{
    size_t i = 0;
    int n = 0;
    while (isdigit((unsigned char)s[i])) {
        if (i == maxd)
            return 0;
        n = n * 10 + (s[i] - '0');
        i++;
    }
    *v = n;
    return i;
}

/* A month name (full, or abbreviated to 3+ letters with an optional dot:
 * "Sept.") at s, not glued to a following letter. Returns its length and
 * sets *month, or 0. */
static size_t read_month(const char *s, int *month)
{
    size_t n = 0;
    while (isalpha((unsigned char)s[n]))
        n++;
    if (n < 3)
        return 0;
    for (int m = 0; m < 12; m++) {
        size_t full = strlen(month_names[m]);
        if (n > full)
            continue;
        size_t i = 0;
        while (i < n && tolower((unsigned char)s[i]) == month_names[m][i])
            i++;
        /* "Sept" is the one four-letter abbreviation in use. */
        if (i == n && (n == full || n == 3 || (m == 8 && n == 4))) {
            *month = m + 1;
            return (n < full && s[n] == '.') ? n + 1 : n;
        }
    }
    return 0;
}

/* "Juche113.5.24." (optionally "Juche 113") or "2024.5.24." at s exactly. */
static int stamp_at(const char *s, char out[11])
{
    int y, m, d;
    size_t k;
    if (strncmp(s, "Juche", 5) == 0 || strncmp(s, "juche", 5) == 0) {
        s += 5;
        if (*s == ' ')
            s++;
        if ((k = read_num(s, 3, &y)) == 0)
            return -1;
        y += JUCHE_OFFSET;
    } else {
        if ((k = read_num(s, 4, &y)) != 4)
            return -1;
    }
    s += k;
    if (*s++ != '.' || (k = read_num(s, 2, &m)) == 0)
        return -1;
    s += k;
    if (*s++ != '.' || (k = read_num(s, 2, &d)) == 0)
        return -1;
    /* A digit after the day means this was some other dotted number. */
    if (isdigit((unsigned char)s[k]) ||
        (s[k] == '.' && isdigit((unsigned char)s[k + 1])))
        return -1;
    return ex_format_date(y, m, d, out);
}

int extract_parse_stamp_date(const char *s, char out[11])
{
    if (s == NULL)
        return -1;
    for (size_t i = 0; s[i]; i++) {
        /* Start only at a boundary so "12024.5.1" or "1.2024.5.1" fail. */
        if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.'))
            continue;
        if (stamp_at(s + i, out) == 0)
            return 0;
    }
    return -1;
}

/* "May 24, 2024" / "May 24. 2024" / "May 24. 2024 Juche 113" / "May 24
 * Juche 113": the first month name in s that is followed by a day and a
 * year (Gregorian, else Juche). */
static int parse_mdy(const char *s, char out[11])
{
    for (size_t i = 0; s[i]; i++) {
        int m, d, y;
        if (i > 0 && isalpha((unsigned char)s[i - 1]))
            continue;
        size_t k = read_month(s + i, &m);
        if (k == 0)
            continue;
        const char *p = s + i + k;
        if (*p != ' ')
            continue;
        while (*p == ' ')
            p++;
        if ((k = read_num(p, 2, &d)) == 0)
            continue;
        p += k;
        if (*p == '.' || *p == ',')
            p++;
        while (*p == ' ')
            p++;
        if (read_num(p, 4, &y) == 4) {
            if (ex_format_date(y, m, d, out) == 0)
                return 0;
            continue;
        }
        if (strncmp(p, "Juche", 5) == 0) {
            p += 5;
            while (*p == ' ')
                p++;
            if (read_num(p, 3, &y) > 0 &&
                ex_format_date(y + JUCHE_OFFSET, m, d, out) == 0)
                return 0;
        }
    }
    return -1;
}

/* "2024-05-24" after optional blanks (the time part, if any, is ignored). */
static int parse_iso(const char *s, char out[11])
{
    int y, m, d;
    while (isspace((unsigned char)*s))
        s++;
    if (read_num(s, 4, &y) != 4 || s[4] != '-' || read_num(s + 5, 2, &m) != 2
        || s[7] != '-' || read_num(s + 8, 2, &d) != 2)
        return -1;
    return ex_format_date(y, m, d, out);
}

int ex_parse_date(const char *s, ex_date_format f, char out[11])
{
    if (s == NULL)
        return -1;
    switch (f) {
    case EX_DATE_ISO:
        return parse_iso(s, out);
    case EX_DATE_STAMP:
        return extract_parse_stamp_date(s, out);
    case EX_DATE_MDY:
        return parse_mdy(s, out);
    case EX_DATE_ANY:
        break;
    }
    if (parse_iso(s, out) == 0 || extract_parse_stamp_date(s, out) == 0)
        return 0;
    return parse_mdy(s, out);
}

/* Where the path starts: after "scheme://host", or s itself. */
static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL)
        return url;
    p = strchr(p + 3, '/');
    return p ? p : url + strlen(url);
}

/* Runs of exactly n digits bounded by non-digits, in order; *pos advances.
 * Returns a pointer to the next such run or NULL. */
static const char *next_digit_run(const char *s, size_t n, size_t *pos)
{
    while (s[*pos]) {
        size_t i = *pos, k = 0;
        if (!isdigit((unsigned char)s[i])) {
            (*pos)++;
            continue;
        }
        while (isdigit((unsigned char)s[i + k]))
            k++;
        *pos = i + k;
        if (k == n)
            return s + i;
    }
    return NULL;
}

int ex_url_date(const char *url, char out[11])
{
    const char *path = url_path(url), *r;
    size_t pos = 0;
    while ((r = next_digit_run(path, 8, &pos)) != NULL) {
        int y = (r[0] - '0') * 1000 + (r[1] - '0') * 100 + (r[2] - '0') * 10
                + (r[3] - '0');
        int m = (r[4] - '0') * 10 + (r[5] - '0');
        int d = (r[6] - '0') * 10 + (r[7] - '0');
        if (y >= 1990 && y <= 2099 && ex_format_date(y, m, d, out) == 0)
            return 0;
    }
    return -1;
}

int ex_url_year(const char *url)
{
    const char *path = url_path(url), *r;
    char tmp[11];
    size_t pos = 0;
    if (ex_url_date(url, tmp) == 0)
        return atoi(tmp);
    while ((r = next_digit_run(path, 4, &pos)) != NULL) {
        int y = atoi(r);
        if (r > path && r[-1] == '/' && r[4] == '/' && y >= 1990 && y <= 2099)
            return y;
    }
    return 0;
}

int ex_text_year(const char *s)
{
    const char *r;
    size_t pos = 0;
    while ((r = next_digit_run(s, 4, &pos)) != NULL) {
        int y = (r[0] - '0') * 1000 + (r[1] - '0') * 100 + (r[2] - '0') * 10
                + (r[3] - '0');
        if (y >= 1996 && y <= 2099)
            return y;
    }
    return 0;
}

int ex_dateline(const char *s, char **place, int *month, int *day,
                size_t *consumed, size_t *date_off, size_t *date_len)
{
    size_t i = 0, k;
    int m, d;
    if (s == NULL)
        return -1;
    while (s[i] == ' ')
        i++;
    size_t p0 = i;
    /* A place name: letters (any script), spaces, dots, hyphens,
     * apostrophes; it must open with a capital or a non-ASCII letter. */
    if (!(isupper((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80))
        return -1;
    while (s[i] && s[i] != ',') {
        unsigned char c = (unsigned char)s[i];
        if (!(isalpha(c) || c >= 0x80 || c == ' ' || c == '.' || c == '-' ||
              c == '\'') || i - p0 > 60)
            return -1;
        i++;
    }
    if (s[i] != ',')
        return -1;
    size_t p1 = i;
    while (p1 > p0 && s[p1 - 1] == ' ')
        p1--;
    i++;
    while (s[i] == ' ')
        i++;
    size_t d0 = i;
    if ((k = read_month(s + i, &m)) == 0)
        return -1;
    i += k;
    if (s[i] != ' ')
        return -1;
    while (s[i] == ' ')
        i++;
    if ((k = read_num(s + i, 2, &d)) == 0 || d < 1 || d > 31)
        return -1;
    i += k;
    size_t d1 = i;
    while (s[i] == ' ')
        i++;
    /* The agency tag: "(KCNA)" and its kin, capitals only. */
    if (s[i] != '(')
        return -1;
    i++;
    k = 0;
    while (isupper((unsigned char)s[i + k]) || s[i + k] == '-')
        k++;
    if (k == 0 || k > 16 || s[i + k] != ')')
        return -1;
    i += k + 1;
    while (s[i] == ' ')
        i++;
    /* "--", an em dash or an en dash. */
    if (s[i] == '-' && s[i + 1] == '-')
        i += 2;
    else if ((unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
             ((unsigned char)s[i + 2] == 0x94 ||
              (unsigned char)s[i + 2] == 0x93))
        i += 3;
    else
        return -1;
    while (s[i] == ' ')
        i++;
    if (place != NULL) {
        *place = kt_strndup(s + p0, p1 - p0);
        if (*place == NULL)
            return -1;
    }
    if (month)
        *month = m;
    if (day)
        *day = d;
    if (consumed)
        *consumed = i;
    if (date_off)
        *date_off = d0;
    if (date_len)
        *date_len = d1 - d0;
    return 0;
}

int extract_parse_dateline(const char *s, char **place, int *month, int *day,
                           size_t *consumed)
{
    return ex_dateline(s, place, month, day, consumed, NULL, NULL);
}

int extract_date_from_reference(extract_document *d, const char *ref_date)
{
    int ry, rm, rd, m, day;
    char out[11];
    if (d == NULL || d->date != NULL)
        return d == NULL ? -1 : 1;
    if (ref_date == NULL || kt_date_parse(ref_date, &ry, &rm, &rd) != 0 ||
        d->n_paragraphs == 0 ||
        extract_parse_dateline(d->paragraphs[0], NULL, &m, &day, NULL) != 0)
        return -1;
    /* A story is published on or before the day it was listed or fetched;
     * one day of slack absorbs time zones (KST is ahead of UTC). */
    long limit = kt_days_from_civil(ry, rm, rd) + 1;
    for (int y = ry + 1; y >= ry - 1; y--) {
        if (ex_format_date(y, m, day, out) != 0 ||
            kt_days_from_civil(y, m, day) > limit)
            continue;
        char *date = kt_strdup0(out), *src = kt_strdup0("dateline");
        if (date == NULL || src == NULL) {
            free(date);
            free(src);
            return -1;
        }
        free(d->date_source);
        d->date = date;
        d->date_source = src;
        return 0;
    }
    return -1;
}
