/*
 * match.c: runs the rules over one document, keeps every match for audit,
 * applies masks, resolves one tag per key and folds the tags into the
 * mention. Resolution is deterministic (weight, then title before body,
 * then earliest offset, then rule order) so the same rules and text always
 * give the same tags.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "kt_util.h"

const char *const classify_keys[] = {
    "kind", "direction", "status", "country", "location", "delegation",
    "actor", "dprk_actor", "event_name", "sector", "date", NULL};

/* A match while collecting: the public record plus what sorting and
 * masking need. */
typedef struct match_rec {
    classify_match m;
    size_t rule; /* index in rules, i.e. rule order */
    size_t kv;   /* index of the key within the rule */
    int is_mask; /* from a mask rule: masks others, never masked itself */
} match_rec;

typedef struct match_vec {
    match_rec *v; /* owned; each m's strings owned */
    size_t n, cap;
} match_vec;

static void match_rec_free(classify_match *m)
{
    free(m->key);
    free(m->value);
    free(m->text);
}

/* Contract: appends one record per key of rule ru for the match whose
 * ovector is ov (subject subj). A $name whose group did not take part in
 * this match gives no record for that key. Returns 0 or -1 on OOM. */
static int match_record(match_vec *mv, const classify_rule *ru, size_t ri,
                        int field, const char *subj, const PCRE2_SIZE *ov,
                        size_t s, size_t e)
{
    for (size_t k = 0; k < ru->n_kvs; k++) {
        const classify_kv *kv = &ru->kvs[k];
        const char *vp = kv->value;
        size_t vl = strlen(kv->value);
        if (kv->group >= 0) {
            PCRE2_SIZE gs = ov[2 * kv->group], ge = ov[2 * kv->group + 1];
            if (gs == PCRE2_UNSET || ge < gs)
                continue;
            vp = subj + gs;
            vl = ge - gs;
        }
        if (mv->n == mv->cap) {
            size_t cap = mv->cap ? mv->cap * 2 : 32;
            match_rec *nv = realloc(mv->v, cap * sizeof *nv);
            if (!nv)
                return -1;
            mv->v = nv;
            mv->cap = cap;
        }
        match_rec *r = &mv->v[mv->n];
        memset(r, 0, sizeof *r);
        r->rule = ri;
        r->kv = k;
        r->is_mask = ru->is_mask;
        r->m.rule_id = ru->id;
        r->m.file = ru->file;
        r->m.line = ru->line;
        r->m.field = field;
        r->m.start = s;
        r->m.end = e;
        r->m.weight = ru->weight;
        r->m.key = kt_strdup0(kv->key);
        r->m.value = kt_strndup(vp, vl);
        r->m.text = kt_strndup(subj + s, e - s);
        mv->n++;
        if (!r->m.key || !r->m.value || !r->m.text)
            return -1;
    }
    return 0;
}

/* Contract: finds every non-overlapping match of rule ru in subj[0..len)
 * and records them. After an empty match it retries at the same place for
 * a non-empty one, else steps one UTF-8 character, as pcre2demo does.
 * Returns 0, or -1 with err set (a PCRE2 limit or other match error names
 * the rule; OOM). */
static int match_field(const classify_rules *r, size_t ri, int field,
                       const char *subj, size_t len, pcre2_match_data *md,
                       match_vec *mv, classify_error *err)
{
    const classify_rule *ru = &r->rules[ri];
    size_t off = 0;
    uint32_t opts = 0;
    for (;;) {
        int rc = pcre2_match(ru->code, (PCRE2_SPTR)subj, len, off, opts, md,
                             r->mctx);
        if (rc == PCRE2_ERROR_NOMATCH) {
            if (opts == 0 || off >= len)
                return 0;
            off++;
            while (off < len && ((unsigned char)subj[off] & 0xC0) == 0x80)
                off++;
            opts = 0;
            continue;
        }
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
                strcpy((char *)msg, "match error");
            return classify_fail(err, ru->path, ru->line, 0,
                                 "rule %s: %s (in the %s)", ru->id,
                                 (const char *)msg, classify_field_name(field));
        }
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t s = ov[0], e = ov[1];
        if (s > e) /* \K in a lookahead; report the empty span at the end */
            s = e;
        if (match_record(mv, ru, ri, field, subj, ov, s, e) != 0)
            return classify_fail(err, ru->path, ru->line, 0, "out of memory");
        off = e;
        opts = 0;
        if (s == e) {
            if (e >= len)
                return 0;
            opts = PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED;
        }
    }
}

static int match_cmp(const void *a, const void *b)
{
    const match_rec *x = a, *y = b;
    if (x->m.field != y->m.field)
        return x->m.field - y->m.field;
    if (x->m.start != y->m.start)
        return x->m.start < y->m.start ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return (x->kv > y->kv) - (x->kv < y->kv);
}

/* One mask span for match_apply_masks; reach is the largest end among
 * this span and every earlier one of its field in sorted order. */
typedef struct match_mask_span {
    int field;
    size_t start, end, reach;
} match_mask_span;

static int match_mask_cmp(const void *a, const void *b)
{
    const match_mask_span *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* Contract: the number of spans in sp[lo..hi) (one field, sorted by start)
 * whose start is below lim (or at most lim when inclusive), as an index. */
static size_t match_mask_bound(const match_mask_span *sp, size_t lo,
                               size_t hi, size_t lim, int inclusive)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp[mid].start < lim || (inclusive && sp[mid].start == lim))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Contract: 1 when match m overlaps one of the spans sp[lo..hi): its
 * field's spans, sorted by start, with their reach filled in. */
static int match_mask_hit(const match_mask_span *sp, size_t lo, size_t hi,
                          const classify_match *m)
{
    /* A nonempty match overlaps a span that starts before its end and ends
     * after its start; an empty one needs a span starting at or before it
     * and ending after it. Either way the spans that start early enough are
     * a prefix of the field's, and one of them ends late enough exactly
     * when the prefix's reach does. */
    int empty = m->start == m->end;
    size_t k = match_mask_bound(sp, lo, hi, empty ? m->start : m->end, empty);
    return k > lo && sp[k - 1].reach > m->start;
}

/* Contract: marks masked every record of a non-mask rule whose span
 * overlaps a mask rule's span in the same field. An empty match counts as
 * overlapping when it sits inside the mask's span. Sorts the masks' spans
 * once and binary-searches them per match: n log n, not masks x matches.
 * Returns 0, or -1 when out of memory (nothing is then marked). */
static int match_apply_masks(match_rec *v, size_t n)
{
    size_t n_masks = 0;
    for (size_t i = 0; i < n; i++)
        n_masks += v[i].is_mask != 0;
    if (!n_masks)
        return 0;
    match_mask_span *sp = malloc(n_masks * sizeof *sp);
    if (!sp)
        return -1;
    size_t k = 0, n_title = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].is_mask) {
            sp[k].field = v[i].m.field;
            sp[k].start = v[i].m.start;
            sp[k].end = v[i].m.end;
            n_title += sp[k].field == CLASSIFY_TITLE;
            k++;
        }
    qsort(sp, n_masks, sizeof *sp, match_mask_cmp);
    for (size_t i = 0; i < n_masks; i++)
        sp[i].reach = i > 0 && sp[i - 1].field == sp[i].field &&
                              sp[i - 1].reach > sp[i].end
                          ? sp[i - 1].reach
                          : sp[i].end;
    /* two fields: the title's spans sort first, the body's after them */
    for (size_t j = 0; j < n; j++) {
        int title = v[j].m.field == CLASSIFY_TITLE;
        if (!v[j].is_mask &&
            match_mask_hit(sp, title ? 0 : n_title, title ? n_title : n_masks,
                           &v[j].m))
            v[j].m.masked = 1;
    }
    free(sp);
    return 0;
}

/* Contract: frees everything in res and zeroes it; safe on a zeroed res. */
void classify_result_clear(classify_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n_matches; i++)
        match_rec_free(&res->matches[i]);
    free(res->matches);
    for (size_t i = 0; i < res->n_tags; i++) {
        free(res->tags[i].key);
        free(res->tags[i].value);
    }
    free(res->tags);
    classify_mention *mn = &res->mention;
    char **f[] = {&mn->kind, &mn->direction, &mn->status, &mn->country,
                  &mn->location, &mn->delegation, &mn->actor, &mn->dprk_actor,
                  &mn->event_name, &mn->sector, &mn->event_date};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        free(*f[i]);
    memset(res, 0, sizeof *res);
}

/* Contract: 1 when match m lies in the document's head: the title, or the
 * body's lead paragraph (its first lead_len bytes). */
static int match_in_head(const classify_match *m, size_t lead_len)
{
    return m->field == CLASSIFY_TITLE || m->end <= lead_len;
}

/* Contract: picks, for each tag key, the deciding unmasked match (matches
 * must already be sorted), following the key's resolve mode (head-first:
 * a head match if there is one; head-only: only head matches), sets its
 * decisive flag, marks set_aside the unmasked body matches the mode kept
 * from deciding, and fills res->tags and res->mention. Returns 0 or -1 on
 * OOM. */
static int match_resolve(const classify_rules *r, classify_result *res,
                         size_t lead_len, const char *pub_date)
{
    size_t n_keys = 0;
    while (classify_keys[n_keys])
        n_keys++;
    res->tags = calloc(n_keys, sizeof *res->tags);
    if (!res->tags)
        return -1;
    classify_mention *mn = &res->mention;
    char **slot[] = {&mn->kind, &mn->direction, &mn->status, &mn->country,
                     &mn->location, &mn->delegation, &mn->actor,
                     &mn->dprk_actor, &mn->event_name, &mn->sector, NULL};
    const char *date_phrase = NULL;
    const char *status = NULL;
    for (size_t k = 0; k < n_keys; k++) {
        int mode = k < CLASSIFY_MAX_KEYS ? r->resolve[k]
                                         : CLASSIFY_RESOLVE_ANYWHERE;
        size_t best = SIZE_MAX, best_head = SIZE_MAX;
        for (size_t i = 0; i < res->n_matches; i++) {
            const classify_match *m = &res->matches[i];
            if (m->masked || strcmp(m->key, classify_keys[k]) != 0)
                continue;
            /* sorted by field, offset, rule: the first of the top weight */
            if (best == SIZE_MAX || m->weight > res->matches[best].weight)
                best = i;
            if (match_in_head(m, lead_len) &&
                (best_head == SIZE_MAX ||
                 m->weight > res->matches[best_head].weight))
                best_head = i;
        }
        if (mode != CLASSIFY_RESOLVE_ANYWHERE &&
            (best_head != SIZE_MAX || mode == CLASSIFY_RESOLVE_HEAD_ONLY)) {
            best = best_head;
            for (size_t i = 0; i < res->n_matches; i++) {
                classify_match *m = &res->matches[i];
                if (!m->masked && strcmp(m->key, classify_keys[k]) == 0 &&
                    !match_in_head(m, lead_len))
                    m->set_aside = 1;
            }
        }
        if (best == SIZE_MAX)
            continue;
        classify_match *m = &res->matches[best];
        m->decisive = 1;
        classify_tag *t = &res->tags[res->n_tags++];
        t->key = kt_strdup0(m->key);
        t->value = kt_strdup0(m->value);
        t->match = best;
        if (!t->key || !t->value)
            return -1;
        if (slot[k]) {
            if (!(*slot[k] = kt_strdup0(m->value)))
                return -1;
        } else {
            date_phrase = m->value;
        }
        if (strcmp(classify_keys[k], "status") == 0)
            status = m->value;
    }
    char buf[11];
    int future = status && strcmp(status, "planned") == 0;
    if (date_phrase &&
        classify_resolve_date(date_phrase, pub_date, future, buf) == 0) {
        if (!(mn->event_date = kt_strdup0(buf)))
            return -1;
    } else if (pub_date) {
        if (!(mn->event_date = kt_strdup0(pub_date)))
            return -1;
    }
    return 0;
}

/* Contract: see classify.h. */
int classify_document(const classify_rules *r, const classify_input *in,
                      classify_result *out, classify_error *err)
{
    memset(out, 0, sizeof *out);
    size_t nr = r->n_rules;
    const char *title = in->title;
    const char *body = in->body;
    size_t tlen = title ? strlen(title) : 0;
    size_t blen = body ? strlen(body) : 0;
    size_t llen = in->lead_len < blen ? in->lead_len : blen;
    match_vec mv = {0};
    int rc = -1;
    pcre2_match_data *md = pcre2_match_data_create(r->max_pairs, NULL);
    size_t ns = r->pf.n_slots ? r->pf.n_slots : 1;
    size_t *tfirst = malloc(ns * 2 * sizeof *tfirst);
    size_t *bfirst = tfirst ? tfirst + ns : NULL;
    uint8_t *seen = malloc(r->pf.n_nodes ? r->pf.n_nodes : 1);
    if (!md || !tfirst || !seen) {
        classify_fail(err, "classify", 0, 0, "out of memory");
        goto done;
    }
    int pf = r->prefilter_on;
    if (pf) {
        for (size_t i = 0; i < ns; i++)
            tfirst[i] = bfirst[i] = SIZE_MAX;
        if (title) {
            memset(seen, 0, r->pf.n_nodes);
            classify_prefilter_scan(&r->pf, title, tlen, tfirst, seen);
        }
        if (body) {
            memset(seen, 0, r->pf.n_nodes);
            classify_prefilter_scan(&r->pf, body, blen, bfirst, seen);
        }
    }
    for (size_t i = 0; i < nr; i++) {
        const classify_rule *ru = &r->rules[i];
        int all = !pf || r->pf.always[i];
        /* latest end among the rule's sets' first atoms: the rule can
         * only match where every set has an atom */
        size_t tend = 0, bend = 0;
        if (!all)
            for (int k = 0; k < r->pf.n_sets[i]; k++) {
                size_t slot = (size_t)r->pf.slot_base[i] + (size_t)k;
                if (tfirst[slot] > tend)
                    tend = tfirst[slot];
                if (bfirst[slot] > bend)
                    bend = bfirst[slot];
            }
        if (title && (ru->where & CLASSIFY_IN_TITLE) &&
            (all || tend != SIZE_MAX) &&
            match_field(r, i, CLASSIFY_TITLE, title, tlen, md, &mv, err) != 0)
            goto done;
        if (body && (ru->where & CLASSIFY_IN_BODY) &&
            (all || bend != SIZE_MAX) &&
            match_field(r, i, CLASSIFY_BODY, body, blen, md, &mv, err) != 0)
            goto done;
        /* an atom ending past the lead cannot be part of a lead match */
        if (body && (ru->where & CLASSIFY_IN_LEAD) &&
            (all || bend <= llen) &&
            match_field(r, i, CLASSIFY_BODY, body, llen, md, &mv, err) != 0)
            goto done;
    }
    if (mv.n)
        qsort(mv.v, mv.n, sizeof *mv.v, match_cmp);
    if (match_apply_masks(mv.v, mv.n) < 0) {
        classify_fail(err, "classify", 0, 0, "out of memory");
        goto done;
    }
    out->matches = malloc((mv.n ? mv.n : 1) * sizeof *out->matches);
    if (!out->matches) {
        classify_fail(err, "classify", 0, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < mv.n; i++)
        out->matches[i] = mv.v[i].m;
    out->n_matches = mv.n;
    mv.n = 0; /* the strings now belong to out */
    /* the head: the lead and the next head_paragraphs - 1 paragraphs */
    size_t hlen = llen;
    for (int k = 1; body && k < r->head_paragraphs && hlen + 1 < blen; k++) {
        const char *nl = memchr(body + hlen + 1, '\n', blen - hlen - 1);
        hlen = nl ? (size_t)(nl - body) : blen;
    }
    if (match_resolve(r, out, hlen, in->pub_date) != 0) {
        classify_fail(err, "classify", 0, 0, "out of memory");
        goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; i < mv.n; i++)
        match_rec_free(&mv.v[i].m);
    free(mv.v);
    free(tfirst);
    free(seen);
    pcre2_match_data_free(md);
    if (rc != 0)
        classify_result_clear(out);
    return rc;
}
