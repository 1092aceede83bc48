/*
 * Consolidation: many reports (mentions) of one real-world exchange become
 * one event. Pure C over the mention array; every word of domain knowledge
 * (kinds, categories, tables, the DPRK's names) comes from tables.conf.
 *
 * Steps: keep the mentions that can be events; cluster those that name
 * their delegation (or multilateral event) by key and date gaps; attach the
 * anonymous ones to the one cluster that covers them, or cluster them
 * among themselves; derive each event's fields by majority with
 * rank-based tie breaks; sort for export.
 */
#include "store_int.h"
#include "tables.h"

#include "kt_util.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reason for a mention whose kind tables.conf does not list: kept visible
 * as a left-out event so that a missing line is noticed, not lost. */
static const char unknown_kind_reason[] = "kind not listed in tables.conf";
static const char no_table_reason[] = "no table rule matches";

/* One mention taking part, with what consolidation derives from it. The
 * pointers borrow from the mention and from the tables. */
typedef struct item {
    const store_mention *m;
    long day;               /* event date as a day number */
    char date[11];          /* the same, "YYYY-MM-DD" */
    int rank;               /* INT_MIN for unknown kinds */
    int category;
    const char *reason;     /* left-out reason of the kind, or NULL */
    const char *host;       /* key country: counterpart or host */
    const char *ident;      /* delegation, or event_name (multilateral) */
    size_t cluster;
    const char *how;        /* how it joined its event (static text) */
} item;

typedef struct cluster {
    const item *key;        /* the item whose key the cluster has */
    int anonymous;          /* key's identity is ignored (pool cluster) */
    long first, last;       /* day range as first built */
    item **members;         /* in date order; owned array */
    size_t n;
} cluster;

static int cmp_str(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

static int eq_str(const char *a, const char *b) { return cmp_str(a, b) == 0; }

/* Date order, then URL and document id so that ties never depend on the
 * input order. */
static int cmp_item_date(const item *a, const item *b)
{
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    int c = cmp_str(a->m->url, b->m->url);
    if (c)
        return c;
    return (a->m->document_id > b->m->document_id) -
           (a->m->document_id < b->m->document_id);
}

/* The group key without the identity: category, reason, host, direction. */
static int cmp_base_key(const item *a, const item *b)
{
    if (a->category != b->category)
        return a->category - b->category;
    int c = cmp_str(a->reason, b->reason);
    if (!c)
        c = cmp_str(a->host, b->host);
    if (!c)
        c = cmp_str(a->m->direction, b->m->direction);
    return c;
}

static int cmp_key_then_date(const void *pa, const void *pb)
{
    const item *a = *(item *const *)pa, *b = *(item *const *)pb;
    int c = cmp_base_key(a, b);
    if (!c)
        c = cmp_str(a->ident, b->ident);
    return c ? c : cmp_item_date(a, b);
}

static int cmp_ptr_date(const void *pa, const void *pb)
{
    return cmp_item_date(*(item *const *)pa, *(item *const *)pb);
}

static int is_not_held(const store_tables *t, const char *status)
{
    for (size_t i = 0; status && i < t->n_not_held; i++)
        if (strcmp(t->not_held[i], status) == 0)
            return 1;
    return 0;
}

/* Fills *it from m; returns 0 when m cannot be an event (no kind, no
 * usable date, a bilateral exchange without a counterpart). */
static int item_init(const store_tables *t, const store_mention *m, item *it)
{
    memset(it, 0, sizeof *it);
    it->m = m;
    if (!m->kind)
        return 0;
    int y, mo, d;
    const char *date = m->event_date ? m->event_date : m->pub_date;
    if (!date || kt_date_parse(date, &y, &mo, &d) < 0)
        return 0;
    it->day = kt_days_from_civil(y, mo, d);
    snprintf(it->date, sizeof it->date, "%04d-%02d-%02d", y, mo, d);
    const store_tables_kind *k = store_tables_kind_find(t, m->kind);
    it->category = k ? k->category : STORE_CAT_LEFTOUT;
    it->rank = k ? k->rank : INT_MIN;
    it->reason = k ? k->reason : unknown_kind_reason;
    int in_dprk = m->location || eq_str(m->direction, t->home_direction);
    if (it->category == STORE_CAT_BILATERAL && !m->country)
        return 0;
    if (it->category == STORE_CAT_MULTILATERAL) {
        /* The host, not a participant, places a multilateral event. */
        it->host = in_dprk ? t->home_country : m->country;
        it->ident = m->event_name;
    } else {
        it->host = m->country;
        it->ident = m->delegation;
    }
    return 1;
}

static int cluster_add(cluster *c, item *it)
{
    item **v = realloc(c->members, (c->n + 1) * sizeof *v);
    if (!v)
        return -1;
    c->members = v;
    c->members[c->n++] = it;
    return 0;
}

/* 1 when it opens a new event of cluster c's delegation under a restart
 * rule: e.g. a DPRK delegation departing again after an earlier trip of
 * theirs was under way, within the gap. */
static int restarts(const store_tables *t, const cluster *c, const item *it)
{
    for (size_t r = 0; r < t->n_restarts; r++) {
        const store_tables_restart *rs = &t->restarts[r];
        if (!eq_str(it->m->status, rs->status) ||
            !eq_str(it->m->direction, rs->direction))
            continue;
        /* Strictly later: reports of one day come in no reliable order,
         * and a one-day visit's arrival and departure share a date. */
        for (size_t i = 0; i < c->n; i++)
            for (size_t a = 0; a < rs->n_after; a++)
                if (eq_str(c->members[i]->m->status, rs->after[a]) &&
                    c->members[i]->day < it->day)
                    return 1;
    }
    return 0;
}

/* How a report joined its event, for audit (event_reports.how). */
static const char how_opens[] = "first report of the event";
static const char how_chain[] =
    "same delegation (or event name), counterpart and direction, within the "
    "gap of the report before";
static const char how_restart[] =
    "opens a new event: its delegation set out again (restart rule)";
static const char how_pool[] =
    "names no delegation: within the gap of another such report of this "
    "counterpart and direction";
static const char how_placed[] =
    "names no delegation: placed in the only event of this counterpart and "
    "direction whose dates cover it";
static const char how_absorbed[] =
    "a lone activity report: joined the one visit of this counterpart, "
    "direction and sector covering its date (absorb)";
static const char how_hostless[] =
    "names no host: joined the event of that name held within the gap";

/* Days within which two consecutive items of one key stay one event: the
 * gap, but for left-out reports that name nobody (messages, statements,
 * embassy routine of one country) the shorter leftout_gap -- a year of
 * greetings to one country is not one exchange. */
static long chain_gap(const store_tables *t, const item *it, int anonymous)
{
    return anonymous && it->category == STORE_CAT_LEFTOUT ? t->leftout_gap
                                                          : t->gap;
}

/* Clusters the given items (all with or all without identity) by key and
 * date gaps, appending to *cl. Sorts v in place. */
static int cluster_run(const store_tables *t, item **v, size_t n,
                       int anonymous, cluster **cl, size_t *n_cl)
{
    qsort(v, n, sizeof *v, cmp_key_then_date);
    for (size_t i = 0; i < n; i++) {
        cluster *c = *n_cl ? &(*cl)[*n_cl - 1] : NULL;
        int same = c && i > 0 && cmp_base_key(v[i - 1], v[i]) == 0 &&
                   (anonymous || eq_str(v[i - 1]->ident, v[i]->ident)) &&
                   v[i]->day - v[i - 1]->day <= chain_gap(t, v[i], anonymous) &&
                   !restarts(t, c, v[i]);
        int restarted = c && i > 0 && cmp_base_key(v[i - 1], v[i]) == 0 &&
                        (anonymous || eq_str(v[i - 1]->ident, v[i]->ident)) &&
                        v[i]->day - v[i - 1]->day <=
                            chain_gap(t, v[i], anonymous) &&
                        !same;
        v[i]->how = same ? (anonymous ? how_pool : how_chain)
                    : restarted ? how_restart
                                : how_opens;
        if (!same) {
            cluster *nv = realloc(*cl, (*n_cl + 1) * sizeof *nv);
            if (!nv)
                return -1;
            *cl = nv;
            c = &nv[(*n_cl)++];
            memset(c, 0, sizeof *c);
            c->key = v[i];
            c->anonymous = anonymous;
            c->first = v[i]->day;
        }
        c->last = v[i]->day;
        v[i]->cluster = (size_t)(c - *cl);
        if (cluster_add(c, v[i]) < 0)
            return -1;
    }
    return 0;
}

/* Members in priority order: highest rank first, then date. */
static int cmp_priority(const void *pa, const void *pb)
{
    const item *a = *(item *const *)pa, *b = *(item *const *)pb;
    if (a->rank != b->rank)
        return a->rank > b->rank ? -1 : 1;
    return cmp_item_date(a, b);
}

/* The most common non-NULL value of the mention field at offset off among
 * the members; ties go to the value of the earliest member in priority
 * order (so the highest-ranked kind's report decides). NULL when none. */
static const char *majority(item **prio, size_t n, size_t off)
{
    const char *best = NULL;
    size_t best_count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = *(char *const *)((const char *)prio[i]->m + off);
        if (!v)
            continue;
        size_t count = 0;
        for (size_t j = 0; j < n; j++) {
            const char *w = *(char *const *)((const char *)prio[j]->m + off);
            count += w && strcmp(v, w) == 0;
        }
        if (count > best_count) { /* strict: the earlier one keeps ties */
            best = v;
            best_count = count;
        }
    }
    return best;
}

/* The sector with the most evidence: each report adds the weight of the
 * rule that decided its sector (at least 1), so one report's strong cue
 * ("intergovernmental commission") outweighs another's weak one (the head
 * of delegation's ministry). Ties go to the earlier report in priority
 * order. NULL when no report has a sector. */
static const char *weighted_sector(item **prio, size_t n)
{
    const char *best = NULL;
    long best_weight = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = prio[i]->m->sector;
        if (!v)
            continue;
        long weight = 0;
        for (size_t j = 0; j < n; j++) {
            const store_mention *w = prio[j]->m;
            if (w->sector && strcmp(v, w->sector) == 0)
                weight += w->sector_weight > 0 ? w->sector_weight : 1;
        }
        if (weight > best_weight) { /* strict: the earlier one keeps ties */
            best = v;
            best_weight = weight;
        }
    }
    return best;
}

static int table_of(const store_tables *t, int category, const store_event *e)
{
    for (size_t i = 0; i < t->n_rules; i++) {
        const store_tables_rule *r = &t->rules[i];
        if (r->category == category &&
            (!r->country || eq_str(r->country, e->country)) &&
            (!r->kind || eq_str(r->kind, e->event_type)) &&
            (!r->direction || eq_str(r->direction, e->direction)))
            return r->table;
    }
    return 0;
}

static const char *category_name(int c)
{
    return c == STORE_CAT_BILATERAL     ? "bilateral"
           : c == STORE_CAT_MULTILATERAL ? "multilateral"
                                         : "leftout";
}

/* "ev-" + 12 hex of SHA-256 over the group key and the first report's URL;
 * salt (>0) separates the rare events that would share an id. */
static void event_id(const cluster *c, int salt, char out[16])
{
    const item *k = c->key;
    kt_sha256 h;
    kt_sha256_init(&h);
    const char *parts[] = {category_name(k->category), k->reason, k->host,
                           k->m->direction, c->anonymous ? NULL : k->ident,
                           c->members[0]->m->url};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (parts[i])
            kt_sha256_update(&h, parts[i], strlen(parts[i]));
        kt_sha256_update(&h, "\x1f", 1);
    }
    if (salt) {
        char s[16];
        int n = snprintf(s, sizeof s, "#%d", salt);
        kt_sha256_update(&h, s, (size_t)n);
    }
    char hex[65];
    kt_sha256_final_hex(&h, hex);
    snprintf(out, 16, "ev-%.12s", hex);
}

static int dup_into(char **slot, const char *v)
{
    *slot = kt_strdup0(v);
    return v && !*slot ? -1 : 0;
}

/* The date the event started: the first report whose status says it is
 * under way (arrived, held ...), so that a delegation's departure on the
 * last day of a month does not date a conference opening the next month;
 * the first report when none says so. */
static const char *start_date(const store_tables *t, const cluster *c)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < t->n_under_way; j++)
            if (eq_str(c->members[i]->m->status, t->under_way[j]))
                return c->members[i]->date;
    return c->members[0]->date;
}

/* Builds event e from cluster c (members already in date order). */
static int build_event(const store_tables *t, cluster *c, store_event *e)
{
    memset(e, 0, sizeof *e);
    size_t n = c->n;
    item **prio = malloc(n * sizeof *prio);
    if (!prio)
        return -1;
    memcpy(prio, c->members, n * sizeof *prio);
    qsort(prio, n, sizeof *prio, cmp_priority);
    const item *best = prio[0];
    const item *k = c->key;
    int all_not_held = 1;
    for (size_t i = 0; i < n; i++)
        all_not_held &= is_not_held(t, c->members[i]->m->status);

#define MAJORITY(field) majority(prio, n, offsetof(store_mention, field))
    const char *direction = MAJORITY(direction);
    int in_dprk = eq_str(direction, t->home_direction) ||
                  (k->category == STORE_CAT_MULTILATERAL &&
                   eq_str(k->host, t->home_country));
    const char *location = k->host;
    if (in_dprk) {
        location = MAJORITY(location);
        if (!location)
            location = t->home_location;
    }
    /* A face-to-face exchange means someone travelled: a bilateral event
     * with no direction at all is a mention, not a visit. */
    int undirected = k->category == STORE_CAT_BILATERAL && !direction &&
                     t->undirected_reason;
    const char *leftout = k->category == STORE_CAT_LEFTOUT ? k->reason
                          : all_not_held ? t->not_held_reason
                          : undirected   ? t->undirected_reason
                                         : NULL;
    int rc = -1;
    if (dup_into(&e->leftout, leftout) < 0 ||
        dup_into(&e->country, k->host) < 0 ||
        dup_into(&e->location, location) < 0 ||
        dup_into(&e->sector, weighted_sector(prio, n)) < 0 ||
        dup_into(&e->event_type, best->m->kind) < 0 ||
        dup_into(&e->direction, direction) < 0 ||
        dup_into(&e->delegation, MAJORITY(delegation)) < 0 ||
        dup_into(&e->event_name, MAJORITY(event_name)) < 0 ||
        dup_into(&e->title, best->m->title) < 0 ||
        dup_into(&e->first_date, start_date(t, c)) < 0 ||
        dup_into(&e->last_date, c->members[n - 1]->date) < 0 ||
        !(e->month = kt_strndup(e->first_date, 7)))
        goto out;
    if (!leftout) {
        /* An exchange has a place, a field and a party: one whose reports
         * name no host, no sector, or neither the visiting delegation nor
         * (multilateral) the event cannot be placed in a table (the tables
         * give all of them for every row). */
        int unnamed = k->category == STORE_CAT_MULTILATERAL
                          ? !e->event_name
                          : !e->delegation;
        const char *unplaced =
            (!e->country || !*e->country) ? t->unplaced_reason
            : !e->sector                  ? t->unsectored_reason
            : unnamed                     ? t->unnamed_reason
                                          : NULL;
        e->table = unplaced ? 0 : table_of(t, k->category, e);
        if (!e->table &&
            !(e->leftout = strdup(unplaced ? unplaced : no_table_reason)))
            goto out;
    }
    e->document_ids = malloc(n * sizeof *e->document_ids);
    e->urls = calloc(n, sizeof *e->urls);
    e->titles = calloc(n, sizeof *e->titles);
    e->how = calloc(n, sizeof *e->how);
    if (!e->document_ids || !e->urls || !e->titles || !e->how)
        goto out;
    e->n_reports = n;
    for (size_t i = 0; i < n; i++) {
        const store_mention *m = c->members[i]->m;
        e->document_ids[i] = m->document_id;
        /* the first report in date order opens the event, however it was
         * reached */
        const char *how = i == 0 ? how_opens : c->members[i]->how;
        if (dup_into(&e->urls[i], m->url) < 0 ||
            dup_into(&e->titles[i], m->title) < 0 ||
            dup_into(&e->how[i], how ? how : how_chain) < 0)
            goto out;
    }
    rc = 0;
out:
#undef MAJORITY
    free(prio);
    return rc;
}

/* Export order: tables 1, 2, 3 ... then left-out (0); newest month first
 * as in the commentary; then country, location, id. */
static int cmp_export(const void *pa, const void *pb)
{
    const store_event *a = pa, *b = pb;
    int ta = a->table ? a->table : INT_MAX, tb = b->table ? b->table : INT_MAX;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    int c = cmp_str(b->month, a->month);
    if (!c)
        c = cmp_str(a->country, b->country);
    if (!c)
        c = cmp_str(a->location, b->location);
    return c ? c : cmp_str(a->event_id, b->event_id);
}

void store_events_sort(store_event *e, size_t n)
{
    if (n)
        qsort(e, n, sizeof *e, cmp_export);
}

static int id_taken(const store_event *e, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].event_id, id) == 0)
            return 1;
    return 0;
}

/* Places the anonymous items: into the one identity cluster with the same
 * base key whose range (widened by the gap) covers them; the rest go to
 * *pool for clustering among themselves. Ranges are those the identity
 * clusters had before any joins, so the result does not depend on the
 * order in which anonymous items are placed. */
static int place_anonymous(const store_tables *t, item **anon, size_t n_anon,
                           cluster *cl, size_t n_ident, item **pool,
                           size_t *n_pool)
{
    *n_pool = 0;
    for (size_t i = 0; i < n_anon; i++) {
        item *it = anon[i];
        size_t found = 0, which = 0;
        for (size_t j = 0; j < n_ident; j++) {
            if (cmp_base_key(cl[j].key, it) == 0 &&
                it->day >= cl[j].first - t->gap &&
                it->day <= cl[j].last + t->gap) {
                found++;
                which = j;
            }
        }
        if (found == 1) {
            it->cluster = which;
            it->how = how_placed;
            if (cluster_add(&cl[which], it) < 0)
                return -1;
        } else {
            pool[(*n_pool)++] = it;
        }
    }
    return 0;
}

/* 1 when a lone report of this kind may be absorbed (talks, a meeting, a
 * performance: something done during a visit, not the visit itself). */
static int absorbable_kind(const store_tables *t, const char *kind)
{
    for (size_t i = 0; i < t->n_absorb_kinds; i++)
        if (eq_str(kind, t->absorb_kinds[i]))
            return 1;
    return 0;
}

/* A second pass over the clusters: "movable" ones may join another. */
typedef struct merge_rule {
    /* 1 when cluster c may move into another. */
    int (*movable)(const store_tables *t, const cluster *c);
    /* 1 when cluster from may move into cluster into. */
    int (*fits)(const store_tables *t, const cluster *from,
                const cluster *into);
} merge_rule;

/* Moves every movable cluster into the one cluster it fits, when there is
 * exactly one (with two candidates nothing tells them apart, so it stays
 * alone). Candidates are judged on the clusters as they were before this
 * pass, so the order does not matter. Emptied clusters build no event. */
static int merge_unique(const store_tables *t, cluster *cl, size_t n,
                        const merge_rule *rule, const char *how)
{
    size_t *target = malloc((n ? n : 1) * sizeof *target);
    if (!target)
        return -1;
    for (size_t i = 0; i < n; i++) {
        target[i] = n;
        if (cl[i].n == 0 || !rule->movable(t, &cl[i]))
            continue;
        size_t found = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i || cl[j].n == 0 || !rule->fits(t, &cl[i], &cl[j]))
                continue;
            found++;
            target[i] = j;
        }
        if (found != 1)
            target[i] = n;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (target[i] == n)
            continue;
        for (size_t m = 0; m < cl[i].n && !rc; m++) {
            cl[i].members[m]->how = how;
            rc = cluster_add(&cl[target[i]], cl[i].members[m]);
        }
        cl[i].n = 0;
    }
    free(target);
    return rc;
}

/* A lone report of an activity during a visit whose delegation is named
 * differently from the visit's other reports ("Minister Meets Russian
 * Delegation", "Talks between Military Delegations") joins the cluster of
 * two or more reports with the same category, counterpart, direction and
 * sector whose dates (widened by t->absorb days) cover it. A lone report of
 * a visit itself (an arrival, a departure) is another delegation. */
static int lone_activity(const store_tables *t, const cluster *c)
{
    const item *it = c->members[0];
    return t->absorb >= 0 && c->n == 1 && it->m->sector &&
           it->category != STORE_CAT_LEFTOUT &&
           absorbable_kind(t, it->m->kind);
}

static int visit_covers(const store_tables *t, const cluster *from,
                        const cluster *into)
{
    const item *it = from->members[0];
    return into->n >= 2 && cmp_base_key(into->key, it) == 0 &&
           eq_str(into->key->m->sector, it->m->sector) &&
           it->day >= into->first - t->absorb &&
           it->day <= into->last + t->absorb;
}

/* Reports of a named multilateral event that never say where it is held
 * ("the delegation returned home after attending the WFTU meeting") have no
 * host, so their key can never equal the event's. They join the event of
 * that name with a host whose dates, widened by the gap, cover theirs. */
static int hostless_event(const store_tables *t, const cluster *c)
{
    (void)t;
    return c->key->category == STORE_CAT_MULTILATERAL && !c->key->host &&
           c->key->ident;
}

static int same_event_hosted(const store_tables *t, const cluster *from,
                             const cluster *into)
{
    const item *k = from->key, *o = into->key;
    return o->category == k->category && o->host &&
           eq_str(o->ident, k->ident) && from->last >= into->first - t->gap &&
           from->first <= into->last + t->gap;
}

static const merge_rule absorb_rule = {lone_activity, visit_covers};
static const merge_rule hostless_rule = {hostless_event, same_event_hosted};

int store_consolidate(const store_tables *t, const store_mention *m, size_t n,
                      store_event **out, size_t *n_out, char **err)
{
    *out = NULL;
    *n_out = 0;
    item *items = calloc(n ? n : 1, sizeof *items);
    item **named = calloc(n ? n : 1, sizeof *named);
    item **anon = calloc(n ? n : 1, sizeof *anon);
    item **pool = calloc(n ? n : 1, sizeof *pool);
    cluster *cl = NULL;
    size_t n_items = 0, n_named = 0, n_anon = 0, n_pool = 0, n_cl = 0;
    store_event *ev = NULL;
    size_t n_ev = 0;
    int rc = -1;
    if (!items || !named || !anon || !pool)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (item_init(t, &m[i], &items[n_items]))
            n_items++;
    for (size_t i = 0; i < n_items; i++) {
        if (items[i].ident)
            named[n_named++] = &items[i];
        else
            anon[n_anon++] = &items[i];
    }
    if (cluster_run(t, named, n_named, 0, &cl, &n_cl) < 0)
        goto out;
    size_t n_ident = n_cl;
    qsort(anon, n_anon, sizeof *anon, cmp_ptr_date);
    if (place_anonymous(t, anon, n_anon, cl, n_ident, pool, &n_pool) < 0 ||
        cluster_run(t, pool, n_pool, 1, &cl, &n_cl) < 0 ||
        merge_unique(t, cl, n_cl, &absorb_rule, how_absorbed) < 0 ||
        merge_unique(t, cl, n_cl, &hostless_rule, how_hostless) < 0)
        goto out;
    ev = calloc(n_cl ? n_cl : 1, sizeof *ev);
    if (!ev)
        goto out;
    for (size_t i = 0; i < n_cl; i++) {
        if (cl[i].n == 0)
            continue;
        qsort(cl[i].members, cl[i].n, sizeof *cl[i].members, cmp_ptr_date);
        if (build_event(t, &cl[i], &ev[n_ev++]) < 0)
            goto out;
        char id[16];
        int salt = 0;
        do
            event_id(&cl[i], salt++, id);
        while (id_taken(ev, n_ev - 1, id));
        if (!(ev[n_ev - 1].event_id = strdup(id)))
            goto out;
    }
    store_events_sort(ev, n_ev);
    *out = ev;
    *n_out = n_ev;
    ev = NULL;
    rc = 0;
out:
    if (rc < 0)
        store_db_fail(err, "consolidation: out of memory");
    store_events_free(ev, n_ev);
    for (size_t i = 0; i < n_cl; i++)
        free(cl[i].members);
    free(cl);
    free(items);
    free(named);
    free(anon);
    free(pool);
    return rc;
}

const char *store_consolidate_dropped_reason(const store_tables *t,
                                             const store_mention *m)
{
    item it;
    if (item_init(t, m, &it))
        return NULL;
    if (!m->kind)
        return "no rule gave the report a kind: not an event";
    const char *date = m->event_date ? m->event_date : m->pub_date;
    int y, mo, d;
    if (!date || kt_date_parse(date, &y, &mo, &d) < 0)
        return "no usable date (neither an event date nor a publication "
               "date)";
    return "a bilateral kind but no counterpart country named";
}

/* ---- where a mention sits, for incremental consolidation ---- */

long store_consolidate_window(const store_tables *t, int quiet_a,
                               int quiet_b)
{
    /* Every step above relates two mentions no further apart than the gap
     * (clusters chain by it, anonymous reports and hostless events join
     * within it) or the absorb margin; but two left-out reports that name
     * nobody relate only through leftout_gap (they chain by it, and join
     * nothing else that names nobody). One day more is a safe margin. */
    if (quiet_a && quiet_b)
        return t->leftout_gap + 1;
    long w = t->gap > t->absorb ? t->gap : t->absorb;
    return w + 1;
}

/* Appends one key part to a group key (NULL and "" kept apart). */
static void key_part(kt_buf *b, const char *v)
{
    kt_buf_puts(b, v ? v : "\x01");
    kt_buf_puts(b, "\x1f");
}

int store_consolidate_position(const store_tables *t, const store_mention *m,
                               store_position *p)
{
    memset(p, 0, sizeof *p);
    item it;
    if (!item_init(t, m, &it))
        return 0;
    /* The group is the base key every step compares (category, reason,
     * host, direction); the link is what the hostless-event step compares
     * across hosts: a multilateral event's name. */
    kt_buf g = {0};
    kt_buf_printf(&g, "%d\x1f", it.category);
    key_part(&g, it.reason);
    key_part(&g, it.host);
    key_part(&g, m->direction);
    p->group = kt_buf_take(&g);
    kt_buf_free(&g);
    if (it.category == STORE_CAT_MULTILATERAL && it.ident) {
        kt_buf l = {0};
        kt_buf_printf(&l, "%d\x1f%s", it.category, it.ident);
        p->link = kt_buf_take(&l);
        kt_buf_free(&l);
        if (!p->link) {
            store_position_clear(p);
            return -1;
        }
    }
    p->day = it.day;
    p->quiet = it.category == STORE_CAT_LEFTOUT && !it.ident;
    if (!p->group) {
        store_position_clear(p);
        return -1;
    }
    return 1;
}

void store_position_clear(store_position *p)
{
    free(p->group);
    free(p->link);
    memset(p, 0, sizeof *p);
}

void store_mention_fingerprint(const store_mention *m, char out[65])
{
    kt_sha256 h;
    kt_sha256_init(&h);
    const char *f[] = {m->url,        m->title,     m->pub_date,
                       m->kind,       m->direction, m->status,
                       m->country,    m->location,  m->delegation,
                       m->actor,      m->dprk_actor, m->event_name,
                       m->sector,     m->event_date};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (f[i])
            kt_sha256_update(&h, f[i], strlen(f[i]) + 1);
        else
            kt_sha256_update(&h, "\x01", 1);
    }
    char w[24];
    int n = snprintf(w, sizeof w, "%d", m->sector_weight);
    kt_sha256_update(&h, w, (size_t)n);
    kt_sha256_final_hex(&h, out);
}

void store_event_clear(store_event *e)
{
    free(e->event_id);
    free(e->leftout);
    free(e->month);
    free(e->country);
    free(e->location);
    free(e->sector);
    free(e->event_type);
    free(e->direction);
    free(e->delegation);
    free(e->event_name);
    free(e->title);
    free(e->first_date);
    free(e->last_date);
    for (size_t j = 0; j < e->n_reports; j++) {
        if (e->urls)
            free(e->urls[j]);
        if (e->titles)
            free(e->titles[j]);
        if (e->how)
            free(e->how[j]);
    }
    free(e->document_ids);
    free(e->urls);
    free(e->titles);
    free(e->how);
    memset(e, 0, sizeof *e);
}

void store_events_free(store_event *e, size_t n)
{
    if (!e)
        return;
    for (size_t i = 0; i < n; i++)
        store_event_clear(&e[i]);
    free(e);
}
