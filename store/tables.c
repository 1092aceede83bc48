/*
 * Parsing rules/tables.conf: the data that drives consolidation (kinds with
 * their category, rank and left-out reason; table rules; the gap; the
 * DPRK's own names). The format is documented in the file itself.
 */
#include "store_int.h"
#include "tables.h"

#include "kt_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_tables_free(store_tables *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_kinds; i++) {
        free(t->kinds[i].name);
        free(t->kinds[i].reason);
    }
    free(t->kinds);
    for (size_t i = 0; i < t->n_examples; i++) {
        store_mentions_free(t->examples[i].mentions,
                            t->examples[i].n_mentions);
        free(t->examples[i].name);
        free(t->examples[i].want_tables);
    }
    free(t->examples);
    for (size_t i = 0; i < t->n_rules; i++) {
        free(t->rules[i].country);
        free(t->rules[i].kind);
        free(t->rules[i].direction);
    }
    free(t->rules);
    store_strings_free(t->not_held, t->n_not_held);
    store_strings_free(t->under_way, t->n_under_way);
    store_strings_free(t->absorb_kinds, t->n_absorb_kinds);
    free(t->not_held_reason);
    free(t->home_country);
    free(t->home_location);
    free(t->home_direction);
    free(t->undirected_reason);
    free(t->unplaced_reason);
    free(t->unsectored_reason);
    free(t->unnamed_reason);
    for (int i = 0; i < 4; i++)
        free(t->titles[i]);
    for (size_t i = 0; i < t->n_restarts; i++) {
        free(t->restarts[i].direction);
        free(t->restarts[i].status);
        store_strings_free(t->restarts[i].after, t->restarts[i].n_after);
    }
    free(t->restarts);
    free(t);
}

int store_tables_category(const char *word)
{
    if (strcmp(word, "bilateral") == 0)
        return STORE_CAT_BILATERAL;
    if (strcmp(word, "multilateral") == 0)
        return STORE_CAT_MULTILATERAL;
    if (strcmp(word, "leftout") == 0)
        return STORE_CAT_LEFTOUT;
    return -1;
}

const store_tables_kind *store_tables_kind_find(const store_tables *t,
                                                const char *name)
{
    for (size_t i = 0; name && i < t->n_kinds; i++)
        if (strcmp(t->kinds[i].name, name) == 0)
            return &t->kinds[i];
    return NULL;
}

/* Cuts the next token from *p: a run of non-blanks, where a `"` opens a
 * quoted stretch that may hold blanks (quotes are removed). Returns NULL at
 * the end of the line. Writes into the line in place. */
static char *next_token(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return NULL;
    char *tok = s, *w = s;
    int quoted = 0;
    while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
        if (*s == '"')
            quoted = !quoted;
        else
            *w++ = *s;
        s++;
    }
    if (*s)
        s++;
    *w = 0;
    *p = s;
    return tok;
}

/* The rest of the line, blanks trimmed; NULL when empty. */
static char *rest_of_line(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        p[--n] = 0;
    return n ? p : NULL;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int grow(void **v, size_t n, size_t size)
{
    void *p = realloc(*v, (n + 1) * size);
    if (!p)
        return -1;
    *v = p;
    return 0;
}

/* Sets *slot to a copy of text unless already set. */
static const char *set_once(char **slot, const char *text)
{
    if (!text)
        return "needs a value";
    if (*slot)
        return "given twice";
    if (!(*slot = strdup(text)))
        return "out of memory";
    return NULL;
}

static const char *parse_kind(store_tables *t, char *p)
{
    char *name = next_token(&p), *cat = next_token(&p),
         *rank = next_token(&p), *reason = rest_of_line(p);
    long r;
    if (!name || !cat || !rank)
        return "expected: kind NAME CATEGORY RANK [REASON]";
    if (store_tables_kind_find(t, name))
        return "kind listed twice";
    int c = store_tables_category(cat);
    if (c < 0)
        return "category must be bilateral, multilateral or leftout";
    if (parse_int(rank, 0, 1000000, &r) < 0)
        return "rank must be a number 0..1000000";
    if (c == STORE_CAT_LEFTOUT && !reason)
        return "a leftout kind needs a reason";
    if (c != STORE_CAT_LEFTOUT && reason)
        return "only leftout kinds take a reason";
    if (grow((void **)&t->kinds, t->n_kinds, sizeof *t->kinds) < 0)
        return "out of memory";
    store_tables_kind *k = &t->kinds[t->n_kinds];
    memset(k, 0, sizeof *k);
    k->category = c;
    k->rank = (int)r;
    k->line = t->parse_line;
    k->name = strdup(name);
    k->reason = reason ? strdup(reason) : NULL;
    t->n_kinds++;
    if (!k->name || (reason && !k->reason))
        return "out of memory";
    return NULL;
}

static const char *parse_table(store_tables *t, char *p)
{
    char *num = next_token(&p), *cat = next_token(&p);
    long n;
    if (!num || !cat)
        return "expected: table N CATEGORY [key=value ...]";
    if (parse_int(num, 1, 99, &n) < 0)
        return "table number must be 1..99";
    int c = store_tables_category(cat);
    if (c < 0 || c == STORE_CAT_LEFTOUT)
        return "a table takes bilateral or multilateral events";
    if (grow((void **)&t->rules, t->n_rules, sizeof *t->rules) < 0)
        return "out of memory";
    store_tables_rule *r = &t->rules[t->n_rules++];
    memset(r, 0, sizeof *r);
    r->table = (int)n;
    r->category = c;
    char *tok;
    while ((tok = next_token(&p))) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1])
            return "conditions are key=value";
        *eq = 0;
        char **slot = strcmp(tok, "country") == 0     ? &r->country
                      : strcmp(tok, "kind") == 0      ? &r->kind
                      : strcmp(tok, "direction") == 0 ? &r->direction
                                                       : NULL;
        if (!slot)
            return "condition keys are country, kind, direction";
        const char *e = set_once(slot, eq + 1);
        if (e)
            return e;
    }
    return NULL;
}


/* Appends the remaining words of a directive to a list (not_held,
 * under_way). Returns NULL or an error message. */
static const char *parse_words(char **p, char ***list, size_t *n)
{
    char *tok;
    while ((tok = next_token(p))) {
        if (grow((void **)list, *n, sizeof **list) < 0 ||
            !((*list)[*n] = strdup(tok)))
            return "out of memory";
        (*n)++;
    }
    return NULL;
}

/* "mention KEY=VALUE ..." under an example: one mention (the keys are the
 * mention's fields; date is the event date, pub the publication date). */
static const char *parse_example_mention(store_tables *t, char *p)
{
    if (!t->n_examples)
        return "a mention line belongs under an example line";
    store_tables_example *x = &t->examples[t->n_examples - 1];
    if (x->expect_line)
        return "mention after the example's expect line";
    if (grow((void **)&x->mentions, x->n_mentions, sizeof *x->mentions) < 0)
        return "out of memory";
    store_mention *m = &x->mentions[x->n_mentions++];
    memset(m, 0, sizeof *m);
    m->document_id = (int64_t)x->n_mentions;
    char url[32];
    snprintf(url, sizeof url, "example:%zu", x->n_mentions);
    m->url = strdup(url);
    char *tok;
    while ((tok = next_token(&p))) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1])
            return "expected KEY=VALUE";
        *eq = 0;
        struct {
            const char *key;
            char **slot;
        } keys[] = {{"date", &m->event_date},   {"pub", &m->pub_date},
                    {"kind", &m->kind},         {"direction", &m->direction},
                    {"status", &m->status},     {"country", &m->country},
                    {"location", &m->location}, {"delegation", &m->delegation},
                    {"event_name", &m->event_name}, {"sector", &m->sector},
                    {"title", &m->title}};
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k].key, tok))
            k++;
        if (k == sizeof keys / sizeof keys[0])
            return "unknown mention key (date pub kind direction status "
                   "country location delegation event_name sector title)";
        const char *e = set_once(keys[k].slot, eq + 1);
        if (e)
            return e;
    }
    return m->url ? NULL : "out of memory";
}

/* "expect events=N [tables=T,T,...]": what the example must give. */
static const char *parse_example_expect(store_tables *t, char *p)
{
    if (!t->n_examples)
        return "an expect line belongs under an example line";
    store_tables_example *x = &t->examples[t->n_examples - 1];
    if (x->expect_line)
        return "the example has an expect line already";
    x->expect_line = t->parse_line;
    char *tok;
    while ((tok = next_token(&p))) {
        if (!strncmp(tok, "events=", 7)) {
            if (parse_int(tok + 7, 0, 1000, &x->want_events) < 0)
                return "events=N wants a number";
        } else if (!strncmp(tok, "tables=", 7)) {
            for (char *q = tok + 7; *q;) {
                long v;
                char *c = strchr(q, ',');
                if (c)
                    *c = 0;
                if (parse_int(q, 0, 3, &v) < 0)
                    return "tables= wants table numbers 0..3, comma-separated";
                if (grow((void **)&x->want_tables, x->n_want_tables,
                         sizeof *x->want_tables) < 0)
                    return "out of memory";
                x->want_tables[x->n_want_tables++] = (int)v;
                q = c ? c + 1 : q + strlen(q);
            }
        } else {
            return "expected events=N or tables=T,T,...";
        }
    }
    return NULL;
}

static const char *parse_line(store_tables *t, char *line)
{
    char *p = line;
    char *word = next_token(&p);
    if (!word || word[0] == '#')
        return NULL;
    if (strcmp(word, "kind") == 0)
        return parse_kind(t, p);
    if (strcmp(word, "example") == 0) {
        if (grow((void **)&t->examples, t->n_examples,
                 sizeof *t->examples) < 0)
            return "out of memory";
        store_tables_example *x = &t->examples[t->n_examples++];
        memset(x, 0, sizeof *x);
        x->line = t->parse_line;
        x->want_events = -1;
        const char *name = rest_of_line(p);
        if (!name)
            return "an example needs a name: example TEXT";
        return (x->name = strdup(name)) ? NULL : "out of memory";
    }
    if (strcmp(word, "mention") == 0)
        return parse_example_mention(t, p);
    if (strcmp(word, "expect") == 0)
        return parse_example_expect(t, p);
    if (strcmp(word, "table") == 0)
        return parse_table(t, p);
    if (strcmp(word, "gap") == 0) {
        if (t->gap >= 0)
            return "given twice";
        if (parse_int(next_token(&p), 0, 3650, &t->gap) < 0 || next_token(&p))
            return "expected: gap DAYS (0..3650)";
        return NULL;
    }
    if (strcmp(word, "leftout_gap") == 0) {
        if (t->leftout_gap >= 0)
            return "given twice";
        if (parse_int(next_token(&p), 0, 3650, &t->leftout_gap) < 0 ||
            next_token(&p))
            return "expected: leftout_gap DAYS (0..3650)";
        return NULL;
    }
    if (strcmp(word, "not_held") == 0)
        return parse_words(&p, &t->not_held, &t->n_not_held);
    if (strcmp(word, "under_way") == 0)
        return parse_words(&p, &t->under_way, &t->n_under_way);
    if (strcmp(word, "absorb") == 0) {
        if (t->absorb >= 0)
            return "given twice";
        if (parse_int(next_token(&p), 0, 365, &t->absorb) < 0)
            return "expected: absorb DAYS KIND ... (DAYS 0..365)";
        const char *msg = parse_words(&p, &t->absorb_kinds,
                                      &t->n_absorb_kinds);
        if (!msg && t->n_absorb_kinds == 0)
            return "expected: absorb DAYS KIND ... (at least one kind)";
        return msg;
    }
    if (strcmp(word, "unplaced_reason") == 0) {
        t->unplaced_line = t->parse_line;
        return set_once(&t->unplaced_reason, rest_of_line(p));
    }
    if (strcmp(word, "title") == 0) {
        long n;
        if (parse_int(next_token(&p), 1, 3, &n) < 0)
            return "expected: title N TEXT (N 1..3)";
        return set_once(&t->titles[n], rest_of_line(p));
    }
    if (strcmp(word, "unnamed_reason") == 0) {
        t->unnamed_line = t->parse_line;
        return set_once(&t->unnamed_reason, rest_of_line(p));
    }
    if (strcmp(word, "unsectored_reason") == 0) {
        t->unsectored_line = t->parse_line;
        return set_once(&t->unsectored_reason, rest_of_line(p));
    }
    if (strcmp(word, "undirected_reason") == 0) {
        t->undirected_line = t->parse_line;
        return set_once(&t->undirected_reason, rest_of_line(p));
    }
    if (strcmp(word, "not_held_reason") == 0) {
        t->not_held_line = t->parse_line;
        return set_once(&t->not_held_reason, rest_of_line(p));
    }
    if (strcmp(word, "home_country") == 0)
        return set_once(&t->home_country, rest_of_line(p));
    if (strcmp(word, "home_location") == 0)
        return set_once(&t->home_location, rest_of_line(p));
    if (strcmp(word, "restart") == 0) {
        char *dir = next_token(&p), *status = next_token(&p),
             *after = next_token(&p);
        if (!dir || !status || !after || strcmp(after, "after") != 0)
            return "expected: restart DIRECTION STATUS after STATUS ...";
        if (grow((void **)&t->restarts, t->n_restarts,
                 sizeof *t->restarts) < 0)
            return "out of memory";
        store_tables_restart *r = &t->restarts[t->n_restarts++];
        memset(r, 0, sizeof *r);
        if (!(r->direction = strdup(dir)) || !(r->status = strdup(status)))
            return "out of memory";
        const char *msg = parse_words(&p, &r->after, &r->n_after);
        if (!msg && r->n_after == 0)
            return "restart needs at least one status after 'after'";
        return msg;
    }
    if (strcmp(word, "home_direction") == 0)
        return set_once(&t->home_direction, rest_of_line(p));
    return "unknown directive";
}

int store_tables_parse(const char *path, const char *text, store_tables **out,
                       char **err)
{
    *out = NULL;
    store_tables *t = calloc(1, sizeof *t);
    if (!t)
        return store_db_fail(err, "%s: out of memory", path);
    t->gap = -1;
    t->absorb = -1;
    t->leftout_gap = -1;
    const char *p = text ? text : "";
    int line = 0;
    while (*p) {
        line++;
        size_t n = strcspn(p, "\n");
        char *copy = kt_strndup(p, n);
        if (!copy) {
            store_tables_free(t);
            return store_db_fail(err, "%s: out of memory", path);
        }
        size_t cl = strlen(copy);
        if (cl && copy[cl - 1] == '\r')
            copy[cl - 1] = 0;
        t->parse_line = line;
        const char *e = parse_line(t, copy);
        free(copy);
        if (e) {
            store_tables_free(t);
            return store_db_fail(err, "%s:%d: %s", path, line, e);
        }
        p += n;
        if (*p)
            p++;
    }
    const char *missing = t->gap < 0                  ? "gap"
                          : !t->home_country          ? "home_country"
                          : !t->home_location         ? "home_location"
                          : !t->home_direction        ? "home_direction"
                          : !t->not_held_reason       ? "not_held_reason"
                          : t->n_kinds == 0           ? "kind"
                                                      : NULL;
    if (missing) {
        store_tables_free(t);
        return store_db_fail(err, "%s: no '%s' line", path, missing);
    }
    if (t->leftout_gap < 0 || t->leftout_gap > t->gap)
        t->leftout_gap = t->gap;
    *out = t;
    return 0;
}

const char *store_tables_title(const store_tables *t, int table)
{
    return t && table >= 1 && table <= 3 ? t->titles[table] : NULL;
}

int store_tables_kind_line(const store_tables *t, const char *name)
{
    const store_tables_kind *k = name ? store_tables_kind_find(t, name) : NULL;
    return k ? k->line : 0;
}

int store_tables_reason_line(const store_tables *t, const store_event *e)
{
    if (!e->leftout)
        return 0;
    const struct {
        const char *text;
        int line;
    } reasons[] = {
        {t->not_held_reason, t->not_held_line},
        {t->undirected_reason, t->undirected_line},
        {t->unplaced_reason, t->unplaced_line},
        {t->unsectored_reason, t->unsectored_line},
        {t->unnamed_reason, t->unnamed_line},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].text && !strcmp(reasons[i].text, e->leftout))
            return reasons[i].line;
    /* a left-out kind's own reason */
    const store_tables_kind *k =
        e->event_type ? store_tables_kind_find(t, e->event_type) : NULL;
    if (k && k->reason && !strcmp(k->reason, e->leftout))
        return k->line;
    return 0;
}

const char *store_tables_home_country(const store_tables *t)
{
    return t->home_country;
}

int store_tables_kind_tabled(const store_tables *t, const char *kind)
{
    const store_tables_kind *k = t ? store_tables_kind_find(t, kind) : NULL;
    return k && k->category != STORE_CAT_LEFTOUT;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int store_tables_test(const store_tables *t, char ***msgs, size_t *n_msgs,
                      size_t *n_run)
{
    *msgs = NULL;
    *n_msgs = 0;
    *n_run = 0;
    for (size_t i = 0; i < t->n_examples; i++) {
        const store_tables_example *x = &t->examples[i];
        store_event *ev = NULL;
        size_t ne = 0;
        char *err = NULL;
        char msg[512] = "";
        (*n_run)++;
        if (!x->expect_line) {
            snprintf(msg, sizeof msg, "%d: example '%s' has no expect line",
                     x->line, x->name);
        } else if (store_consolidate(t, x->mentions, x->n_mentions, &ev, &ne,
                                     &err) < 0) {
            snprintf(msg, sizeof msg, "%d: example '%s': %s", x->line,
                     x->name, err ? err : "failed");
        } else if (x->want_events >= 0 && (long)ne != x->want_events) {
            snprintf(msg, sizeof msg, "%d: example '%s' gives %zu event%s, "
                     "not %ld", x->expect_line, x->name, ne,
                     ne == 1 ? "" : "s", x->want_events);
        } else if (x->n_want_tables) {
            int *got = calloc(ne ? ne : 1, sizeof *got);
            int *want = malloc(x->n_want_tables * sizeof *want);
            if (got && want) {
                for (size_t k = 0; k < ne; k++)
                    got[k] = ev[k].table;
                memcpy(want, x->want_tables, x->n_want_tables * sizeof *want);
                qsort(got, ne, sizeof *got, cmp_int);
                qsort(want, x->n_want_tables, sizeof *want, cmp_int);
                int same = ne == x->n_want_tables;
                for (size_t k = 0; same && k < ne; k++)
                    same = got[k] == want[k];
                if (!same) {
                    int o = snprintf(msg, sizeof msg, "%d: example '%s' gives "
                                     "tables", x->expect_line, x->name);
                    for (size_t k = 0; k < ne && o > 0 && (size_t)o < sizeof msg;
                         k++)
                        o += snprintf(msg + o, sizeof msg - (size_t)o, "%s%d",
                                      k ? "," : " ", got[k]);
                    if (ne && ev[0].leftout && o > 0 && (size_t)o < sizeof msg)
                        snprintf(msg + o, sizeof msg - (size_t)o,
                                 " (first left out: %s)", ev[0].leftout);
                }
            }
            free(got);
            free(want);
        }
        free(err);
        store_events_free(ev, ne);
        if (msg[0]) {
            char **v = realloc(*msgs, (*n_msgs + 1) * sizeof *v);
            if (v)
                *msgs = v;
            if (!v || !(v[*n_msgs] = strdup(msg)))
                return -1;
            *msgs = v;
            (*n_msgs)++;
        }
    }
    return 0;
}
