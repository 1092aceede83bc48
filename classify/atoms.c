/*
 * atoms.c: finds, for one PCRE2 pattern, sets of lowercase ASCII literals
 * ("atoms") such that every match contains at least one atom of each set,
 * in the manner of YARA's atoms. Keeping several sets (an AND of ORs) lets
 * "(Russia|China)n delegation" wait for a nation's name, not run on every
 * "delegation". The prefilter runs a rule's regex only where one of its
 * atoms occurs, so the one rule here is: never claim a literal is required
 * when it is not. Whatever this small parser does not fully understand ends
 * a literal run (always safe) or gives up on the rule (it then always runs).
 *
 * Why ASCII only and lowercase: caseless UCP matching folds 'k' with U+212A
 * and 's' with U+017F and non-ASCII letters with their other cases; keeping
 * atoms ASCII and folding those two signs when scanning keeps the prefilter
 * a superset of what PCRE2 can match, for caseless and caseful rules alike.
 */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"

#define ATOMS_MAX_RUN 64 /* a prefix of a required literal is still required */

/* A set of atoms (an OR: one of them occurs in every match). */
typedef struct atoms_set {
    char **s;   /* owned strings */
    int n;
    size_t min; /* shortest atom's length: the set's selectivity */
} atoms_set;

/* Sets that are all required (an AND); n == 0 means "nothing known". */
typedef struct atoms_conj {
    atoms_set *v; /* owned */
    int n;
} atoms_conj;

typedef struct atoms_px {
    const unsigned char *p;
    size_t n, i;
    int ext;     /* x flag: whitespace and # comments are not pattern text */
    int giveup;  /* a construct we do not understand: always run the rule */
    int oom;
} atoms_px;

static void atoms_set_free(atoms_set *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->s[i]);
    free(a->s);
    a->s = NULL;
    a->n = 0;
    a->min = 0;
}

static void atoms_conj_free(atoms_conj *c)
{
    for (int i = 0; i < c->n; i++)
        atoms_set_free(&c->v[i]);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

/* Contract: moves all of b's atoms into a (b emptied). Returns 0 or -1 on
 * OOM (b freed either way). */
static int atoms_set_merge(atoms_set *a, atoms_set *b)
{
    char **s = realloc(a->s, (size_t)(a->n + b->n) * sizeof *s);
    if (!s) {
        atoms_set_free(b);
        return -1;
    }
    a->s = s;
    for (int i = 0; i < b->n; i++)
        a->s[a->n + i] = b->s[i];
    if (a->n == 0 || b->min < a->min)
        a->min = b->min;
    a->n += b->n;
    free(b->s);
    b->s = NULL;
    b->n = 0;
    return 0;
}

/* Contract: 1 when set a selects better than b: a longer shortest atom,
 * then fewer atoms. */
static int atoms_better(const atoms_set *a, const atoms_set *b)
{
    return a->min > b->min || (a->min == b->min && a->n < b->n);
}

/* Contract: appends set s to conjunction c (s emptied); sets x->oom when
 * memory runs out. */
static void atoms_conj_add(atoms_px *x, atoms_conj *c, atoms_set *s)
{
    if (s->n == 0)
        return;
    atoms_set *v = realloc(c->v, (size_t)(c->n + 1) * sizeof *v);
    if (!v) {
        atoms_set_free(s);
        x->oom = 1;
        return;
    }
    c->v = v;
    c->v[c->n++] = *s;
    s->s = NULL;
    s->n = 0;
}

/* Contract: moves every set of b into a (b emptied). */
static void atoms_conj_join(atoms_px *x, atoms_conj *a, atoms_conj *b)
{
    for (int i = 0; i < b->n; i++)
        atoms_conj_add(x, a, &b->v[i]);
    atoms_conj_free(b);
}

/* Contract: removes and returns c's most selective set (empty if none);
 * ties go to the earliest set, so results do not depend on realloc. */
static atoms_set atoms_conj_take_best(atoms_conj *c)
{
    atoms_set none = {0};
    if (c->n == 0)
        return none;
    int b = 0;
    for (int i = 1; i < c->n; i++)
        if (atoms_better(&c->v[i], &c->v[b]))
            b = i;
    atoms_set best = c->v[b];
    memmove(c->v + b, c->v + b + 1, (size_t)(c->n - b - 1) * sizeof *c->v);
    c->n--;
    return best;
}

static void atoms_skip_ext(atoms_px *x)
{
    if (!x->ext)
        return;
    while (x->i < x->n) {
        unsigned char c = x->p[x->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            c == '\v')
            x->i++;
        else if (c == '#')
            x->i = x->n; /* patterns are one line: a comment ends it */
        else
            break;
    }
}

static size_t atoms_utf8_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

static int atoms_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Contract: parses an optional quantifier at x->i and returns its minimum
 * count (1 when there is none; *quantified tells). A '{' that is not {n},
 * {n,} or {n,m} makes us give up rather than guess how PCRE2 reads it. */
static long atoms_quant(atoms_px *x, int *quantified)
{
    atoms_skip_ext(x);
    *quantified = 0;
    if (x->i >= x->n)
        return 1;
    unsigned char c = x->p[x->i];
    long min;
    if (c == '?' || c == '*') {
        min = 0;
        x->i++;
    } else if (c == '+') {
        min = 1;
        x->i++;
    } else if (c == '{') {
        size_t j = x->i + 1;
        if (j >= x->n || !atoms_digit(x->p[j])) {
            x->giveup = 1;
            return 0;
        }
        min = 0;
        while (j < x->n && atoms_digit(x->p[j])) {
            if (min < 100000)
                min = min * 10 + (x->p[j] - '0');
            j++;
        }
        if (j < x->n && x->p[j] == ',')
            for (j++; j < x->n && atoms_digit(x->p[j]); j++)
                ;
        if (j >= x->n || x->p[j] != '}') {
            x->giveup = 1;
            return 0;
        }
        x->i = j + 1;
    } else {
        return 1;
    }
    *quantified = 1;
    if (x->i < x->n && (x->p[x->i] == '?' || x->p[x->i] == '+'))
        x->i++; /* lazy or possessive: same minimum */
    return min;
}

/* Contract: skips a [...] class starting at x->i ('['). */
static void atoms_skip_class(atoms_px *x)
{
    size_t i = x->i + 1;
    if (i < x->n && x->p[i] == '^')
        i++;
    if (i < x->n && x->p[i] == ']')
        i++;
    while (i < x->n) {
        unsigned char c = x->p[i];
        if (c == '\\') {
            if (i + 1 < x->n && (x->p[i + 1] == 'Q' || x->p[i + 1] == 'E')) {
                x->giveup = 1;
                return;
            }
            i += 2;
        } else if (c == '[' && i + 1 < x->n && x->p[i + 1] == ':') {
            const unsigned char *e = NULL;
            for (size_t k = i + 2; k + 1 < x->n; k++)
                if (x->p[k] == ':' && x->p[k + 1] == ']') {
                    e = x->p + k;
                    break;
                }
            if (!e) {
                x->giveup = 1;
                return;
            }
            i = (size_t)(e - x->p) + 2;
        } else if (c == ']') {
            x->i = i + 1;
            return;
        } else {
            i++;
        }
    }
    x->giveup = 1;
}

static atoms_conj atoms_alt(atoms_px *x);

/* Contract: parses a group at x->i ('('). Returns the sets its text must
 * satisfy; nothing for lookarounds, comments and option settings. Sets giveup for constructs we
 * do not model (recursion, conditionals, verbs, inline x). */
static atoms_conj atoms_group(atoms_px *x)
{
    atoms_conj none = {0};
    const unsigned char *p = x->p;
    size_t n = x->n;
    int keep = 1;
    x->i++;
    if (x->i < n && p[x->i] == '*') {
        x->giveup = 1;
        return none;
    }
    if (x->i < n && p[x->i] == '?') {
        unsigned char d = x->i + 1 < n ? p[x->i + 1] : 0;
        unsigned char e = x->i + 2 < n ? p[x->i + 2] : 0;
        if (d == ':' || d == '>' || d == '|') {
            x->i += 2;
        } else if (d == '=' || d == '!') {
            x->i += 2;
            keep = 0;
        } else if (d == '<' && (e == '=' || e == '!')) {
            x->i += 3;
            keep = 0;
        } else if (d == '<' || d == '\'' || (d == 'P' && e == '<')) {
            unsigned char close = d == '\'' ? '\'' : '>';
            size_t j = x->i + 2;
            while (j < n && p[j] != close)
                j++;
            if (j >= n) {
                x->giveup = 1;
                return none;
            }
            x->i = j + 1;
        } else if (d == '#') {
            while (x->i < n && p[x->i] != ')')
                x->i++;
            if (x->i >= n)
                x->giveup = 1;
            else
                x->i++;
            return none;
        } else {
            size_t j = x->i + 1;
            while (j < n && ((p[j] >= 'a' && p[j] <= 'z') ||
                             (p[j] >= 'A' && p[j] <= 'Z') || p[j] == '-' ||
                             p[j] == '^')) {
                if (p[j] == 'x') {
                    x->giveup = 1;
                    return none;
                }
                j++;
            }
            if (j == x->i + 1 || j >= n || (p[j] != ')' && p[j] != ':')) {
                x->giveup = 1;
                return none;
            }
            x->i = j + 1;
            if (p[j] == ')')
                return none;
        }
    }
    atoms_conj inner = atoms_alt(x);
    if (x->giveup || x->oom || x->i >= n || p[x->i] != ')') {
        atoms_conj_free(&inner);
        x->giveup = 1;
        return none;
    }
    x->i++;
    if (!keep)
        atoms_conj_free(&inner);
    return inner;
}

/* Contract: ends the current literal run, adding it as a required set. */
static void atoms_flush(atoms_px *x, char *run, size_t *rl, atoms_conj *all)
{
    if (*rl == 0)
        return;
    atoms_set c = {0};
    c.s = malloc(sizeof *c.s);
    if (!c.s || !(c.s[0] = malloc(*rl + 1))) {
        free(c.s);
        x->oom = 1;
        *rl = 0;
        return;
    }
    memcpy(c.s[0], run, *rl);
    c.s[0][*rl] = '\0';
    c.n = 1;
    c.min = *rl;
    *rl = 0;
    atoms_conj_add(x, all, &c);
}

/* Contract: parses a sequence up to '|', ')' or the end and returns every
 * set it requires: its literal runs and its mandatory groups' sets. */
static atoms_conj atoms_seq(atoms_px *x)
{
    atoms_conj best = {0};
    char run[ATOMS_MAX_RUN];
    size_t rl = 0;
    const unsigned char *p = x->p;
    for (;;) {
        atoms_skip_ext(x);
        if (x->giveup || x->oom || x->i >= x->n || p[x->i] == '|' ||
            p[x->i] == ')')
            break;
        unsigned char c = p[x->i];
        int lit = -1; /* the literal byte this item stands for, if any */
        atoms_conj group = {0};
        if (c == '(') {
            group = atoms_group(x);
        } else if (c == '[') {
            atoms_skip_class(x);
        } else if (c == '\\') {
            unsigned char d = x->i + 1 < x->n ? p[x->i + 1] : 0;
            if (d == 0) {
                x->giveup = 1;
            } else if (d >= 0x80) {
                x->i += 1 + atoms_utf8_len(d);
            } else if (!((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') ||
                         atoms_digit(d))) {
                lit = d;
                x->i += 2;
            } else if (strchr("dDsSwWhHvVRXAzZGKbBtnrfea", d) ||
                       (d == 'N' && !(x->i + 2 < x->n && p[x->i + 2] == '{'))) {
                x->i += 2;
            } else if (d == 'p' || d == 'P') {
                x->i += 2;
                if (x->i < x->n && p[x->i] == '{') {
                    while (x->i < x->n && p[x->i] != '}')
                        x->i++;
                    if (x->i >= x->n)
                        x->giveup = 1;
                    else
                        x->i++;
                } else {
                    x->i++;
                }
            } else {
                x->giveup = 1; /* \x, \o, \c, \g, \k, \Q, backrefs ... */
            }
        } else if (c == '.' || c == '^' || c == '$') {
            x->i++;
        } else if (c == '*' || c == '+' || c == '?' || c == '{') {
            x->giveup = 1;
        } else if (c >= 0x80) {
            x->i += atoms_utf8_len(c);
        } else {
            lit = c;
            x->i++;
        }
        if (x->giveup)
            break;
        int quantified;
        long min = atoms_quant(x, &quantified);
        if (x->giveup) {
            atoms_conj_free(&group);
            break;
        }
        if (lit >= 0 && min >= 1) {
            if (lit >= 'A' && lit <= 'Z')
                lit += 'a' - 'A';
            run[rl++] = (char)lit;
            /* after a repeated byte the next one need not be adjacent */
            if (quantified || rl == ATOMS_MAX_RUN)
                atoms_flush(x, run, &rl, &best);
            continue;
        }
        atoms_flush(x, run, &rl, &best);
        if (min >= 1)
            atoms_conj_join(x, &best, &group);
        else
            atoms_conj_free(&group);
    }
    atoms_flush(x, run, &rl, &best);
    if (x->giveup || x->oom)
        atoms_conj_free(&best);
    return best;
}

/* Contract: parses alternatives up to ')' or the end. One alternative
 * keeps all its sets; several give one set, the union of each one's best
 * set, or nothing when some alternative requires nothing. */
static atoms_conj atoms_alt(atoms_px *x)
{
    atoms_conj first = atoms_seq(x);
    if (x->giveup || x->oom || x->i >= x->n || x->p[x->i] != '|')
        return first;
    atoms_set all = atoms_conj_take_best(&first);
    int none = all.n == 0;
    atoms_conj_free(&first);
    while (!x->giveup && !x->oom && x->i < x->n && x->p[x->i] == '|') {
        x->i++;
        atoms_conj c = atoms_seq(x);
        atoms_set s = atoms_conj_take_best(&c);
        atoms_conj_free(&c);
        if (s.n == 0)
            none = 1;
        if (none)
            atoms_set_free(&s);
        else if (atoms_set_merge(&all, &s) != 0)
            x->oom = 1;
    }
    atoms_conj out = {0};
    if (none || x->giveup || x->oom)
        atoms_set_free(&all);
    else
        atoms_conj_add(x, &out, &all);
    return out;
}

/* Contract: see classify_internal.h. */
int classify_atoms_extract(const char *pattern, int extended,
                           classify_atoms *out)
{
    atoms_px x = {(const unsigned char *)pattern, strlen(pattern), 0,
                  extended, 0, 0};
    memset(out, 0, sizeof *out);
    atoms_conj c = atoms_alt(&x);
    if (x.oom) {
        atoms_conj_free(&c);
        return -1;
    }
    if (x.giveup || x.i != x.n || c.n == 0) {
        atoms_conj_free(&c);
        return 0;
    }
    /* keep the most selective few: each more set costs scan bookkeeping */
    int total = 0;
    atoms_set keep[CLASSIFY_MAX_SETS];
    while (out->n_sets < CLASSIFY_MAX_SETS && c.n > 0) {
        atoms_set best = atoms_conj_take_best(&c);
        /* an extra set of one- or two-byte atoms would fire on nearly
         * every text and cost more bookkeeping than it saves */
        if (out->n_sets > 0 && best.min < 3) {
            atoms_set_free(&best);
            break;
        }
        keep[out->n_sets] = best;
        total += best.n;
        out->n_sets++;
    }
    atoms_conj_free(&c);
    out->atom = malloc((size_t)total * sizeof *out->atom);
    out->set = malloc((size_t)total * sizeof *out->set);
    if (!out->atom || !out->set) {
        for (int k = 0; k < out->n_sets; k++)
            atoms_set_free(&keep[k]);
        free(out->atom);
        free(out->set);
        memset(out, 0, sizeof *out);
        return -1;
    }
    for (int k = 0; k < out->n_sets; k++) {
        for (int i = 0; i < keep[k].n; i++) {
            out->atom[out->n] = keep[k].s[i];
            out->set[out->n++] = k;
        }
        free(keep[k].s);
    }
    return out->n_sets;
}

/* Contract: frees what classify_atoms_extract filled; zeroes a. */
void classify_atoms_free(classify_atoms *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->atom[i]);
    free(a->atom);
    free(a->set);
    memset(a, 0, sizeof *a);
}
