/*
 * dates.c: turns the English date phrase a "date" rule captured into a
 * calendar date, relative to the report's publication date. Month and
 * weekday names are the English calendar, not domain knowledge, so they
 * live here; which phrases count as an event's date is up to the rules.
 */
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "kt_util.h"

#define DATES_MAX_TOK 48
/* A past-tense date more than this many days after publication is taken to
 * be last year's ("on December 30" in a January report). */
#define DATES_PAST_SLACK 61

typedef struct dates_tok {
    char kind;     /* 'w' word, 'n' number, else the punctuation byte */
    char text[16]; /* lowercased word (truncated) */
    int num;       /* value of a number */
    int digits;    /* digit count of a number */
} dates_tok;

static const char *const dates_months[] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"};
static const char *const dates_days[] = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday"};

/* Contract: splits phrase into at most DATES_MAX_TOK tokens; an ordinal
 * suffix (22nd) is folded into its number. Returns the count. */
static int dates_lex(const char *phrase, dates_tok *t)
{
    int n = 0;
    const unsigned char *p = (const unsigned char *)phrase;
    while (*p && n < DATES_MAX_TOK) {
        dates_tok *k = &t[n];
        memset(k, 0, sizeof *k);
        if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') {
            size_t l = 0;
            k->kind = 'w';
            while ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') {
                if (l + 1 < sizeof k->text)
                    k->text[l++] = (char)(*p | 0x20);
                p++;
            }
            if (n > 0 && t[n - 1].kind == 'n' &&
                (!strcmp(k->text, "st") || !strcmp(k->text, "nd") ||
                 !strcmp(k->text, "rd") || !strcmp(k->text, "th")) &&
                (p - (const unsigned char *)phrase) >= 3 &&
                p[-3] >= '0' && p[-3] <= '9')
                continue; /* "22nd": suffix glued to the number */
            n++;
        } else if (*p >= '0' && *p <= '9') {
            k->kind = 'n';
            while (*p >= '0' && *p <= '9') {
                if (k->digits < 6)
                    k->num = k->num * 10 + (*p - '0');
                k->digits++;
                p++;
            }
            n++;
        } else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            p++;
        } else {
            /* any other byte (an en dash's bytes too) is a separator */
            k->kind = *p < 0x80 ? (char)*p : '-';
            if (*p >= 0x80)
                while ((p[1] & 0xC0) == 0x80)
                    p++;
            p++;
            n++;
        }
    }
    return n;
}

/* Contract: month number (1..12) of an English month word or abbreviation
 * ("sep", "sept"), else 0. */
static int dates_month(const dates_tok *k)
{
    if (k->kind != 'w')
        return 0;
    size_t l = strlen(k->text);
    for (int i = 0; i < 12; i++) {
        if (!strcmp(k->text, dates_months[i]))
            return i + 1;
        if (l == 3 && !strncmp(k->text, dates_months[i], 3))
            return i + 1;
    }
    return strcmp(k->text, "sept") == 0 ? 9 : 0;
}

static int dates_is_word(const dates_tok *t, int n, int i, const char *w)
{
    return i < n && t[i].kind == 'w' && strcmp(t[i].text, w) == 0;
}

static int dates_is_day(const dates_tok *t, int n, int i)
{
    return i < n && t[i].kind == 'n' && t[i].digits <= 2 && t[i].num >= 1 &&
           t[i].num <= 31;
}

static int dates_month_len(int y, int m)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

static int dates_emit(long day, char out[11])
{
    int y, m, d;
    kt_civil_from_days(day, &y, &m, &d);
    if (y < 1 || y > 9999)
        return -1;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return 0;
}

/* Contract: resolves month m, day d, year y (0 = unknown: inferred from pub
 * as classify.h describes). Returns 0 with out set, or -1. */
static int dates_month_day(int y, int m, int d, int have_pub, long pub,
                           int future, char out[11])
{
    if (y == 0) {
        if (!have_pub)
            return -1;
        int py, pm, pd;
        kt_civil_from_days(pub, &py, &pm, &pd);
        y = py;
        /* compare on day 1 of the month when d does not exist this year */
        int dd = d <= dates_month_len(y, m) ? d : 1;
        long cand = kt_days_from_civil(y, m, dd);
        if (!future && cand > pub + DATES_PAST_SLACK)
            y--;
        else if (future && cand < pub)
            y++;
    }
    if (d > dates_month_len(y, m))
        return -1;
    return dates_emit(kt_days_from_civil(y, m, d), out);
}

/* Contract: skips a range's second day ("-24", "to 24", "and 24") after
 * token i; returns the index after it (i when there is none). */
static int dates_skip_range(const dates_tok *t, int n, int i)
{
    if (i + 1 < n && (t[i].kind == '-' || dates_is_word(t, n, i, "to") ||
                      dates_is_word(t, n, i, "and") ||
                      dates_is_word(t, n, i, "through")) &&
        dates_is_day(t, n, i + 1))
        return i + 2;
    return i;
}

/* Contract: a four-digit year at token i, optionally after a comma; sets
 * *y (0 when none). */
static void dates_year(const dates_tok *t, int n, int i, int *y)
{
    *y = 0;
    if (i < n && t[i].kind == ',')
        i++;
    if (i < n && t[i].kind == 'n' && t[i].digits == 4)
        *y = t[i].num;
}

/* Contract: see classify.h. The phrase is searched in this order: ISO date,
 * "Month D[, YYYY]", "D Month [YYYY]", today/that day/same day, yesterday,
 * tomorrow, a weekday name; the first form found anywhere in the phrase
 * wins. Ranges resolve to their first day. */
int classify_resolve_date(const char *phrase, const char *pub, int future,
                          char out[11])
{
    if (!phrase)
        return -1;
    dates_tok t[DATES_MAX_TOK];
    int n = dates_lex(phrase, t);
    int py, pm, pd;
    int have_pub = pub && kt_date_parse(pub, &py, &pm, &pd) == 0;
    long p = have_pub ? kt_days_from_civil(py, pm, pd) : 0;

    for (int i = 0; i + 4 < n; i++) {
        if (t[i].kind == 'n' && t[i].digits == 4 && t[i + 1].kind == '-' &&
            t[i + 2].kind == 'n' && t[i + 3].kind == '-' &&
            t[i + 4].kind == 'n' && t[i + 2].num >= 1 && t[i + 2].num <= 12 &&
            t[i + 4].num >= 1 &&
            t[i + 4].num <= dates_month_len(t[i].num, t[i + 2].num))
            return dates_emit(
                kt_days_from_civil(t[i].num, t[i + 2].num, t[i + 4].num), out);
    }
    for (int i = 0; i + 1 < n; i++) {
        int m = dates_month(&t[i]);
        int j = i + 1 < n && t[i + 1].kind == '.' ? i + 2 : i + 1; /* Sept. */
        if (m && dates_is_day(t, n, j)) {
            int y;
            dates_year(t, n, dates_skip_range(t, n, j + 1), &y);
            return dates_month_day(y, m, t[j].num, have_pub, p, future, out);
        }
    }
    for (int i = 0; i + 1 < n; i++) {
        if (!dates_is_day(t, n, i))
            continue;
        int j = dates_skip_range(t, n, i + 1);
        int m = j < n ? dates_month(&t[j]) : 0;
        if (m) {
            int y;
            dates_year(t, n, j + 1, &y);
            return dates_month_day(y, m, t[i].num, have_pub, p, future, out);
        }
    }
    if (!have_pub)
        return -1;
    for (int i = 0; i < n; i++) {
        if (dates_is_word(t, n, i, "today") ||
            ((dates_is_word(t, n, i, "that") || dates_is_word(t, n, i, "same")) &&
             dates_is_word(t, n, i + 1, "day")))
            return dates_emit(p, out);
        if (dates_is_word(t, n, i, "yesterday"))
            return dates_emit(p - 1, out);
        if (dates_is_word(t, n, i, "tomorrow"))
            return dates_emit(p + 1, out);
    }
    for (int i = 0; i < n; i++) {
        for (int wd = 0; wd < 7; wd++) {
            if (!dates_is_word(t, n, i, dates_days[wd]))
                continue;
            int pwd = kt_weekday(py, pm, pd);
            long delta = future ? (wd - pwd + 7) % 7 : (pwd - wd + 7) % 7;
            if (future && delta == 0)
                delta = 7;
            return dates_emit(future ? p + delta : p - delta, out);
        }
    }
    return -1;
}
