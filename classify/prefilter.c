/*
 * prefilter.c: one Aho-Corasick automaton over every rule's atoms, so a
 * document is scanned once whatever the number of rules, and a rule's regex
 * runs only on fields where one of its atoms occurs. This is what keeps
 * classify nearly flat when the rule set grows.
 */
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"

/* An (end node, slot) pair, collected while inserting atoms. */
typedef struct pf_hit {
    int32_t node;
    int32_t rule; /* the slot: rule's first slot + the atom's set */
} pf_hit;

static int pf_cmp_hit(const void *a, const void *b)
{
    const pf_hit *x = a, *y = b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    return (x->rule > y->rule) - (x->rule < y->rule);
}

/* Contract: frees the automaton's arrays and zeroes it. */
void classify_prefilter_free(classify_prefilter *pf)
{
    free(pf->next);
    free(pf->out_first);
    free(pf->out_count);
    free(pf->dict);
    free(pf->out);
    free(pf->always);
    free(pf->slot_base);
    free(pf->n_sets);
    memset(pf, 0, sizeof *pf);
}

/* Contract: appends a node with no transitions (-1) to the trie; returns
 * its index or -1 on OOM. *cap tracks the node capacity. */
static int32_t pf_new_node(classify_prefilter *pf, size_t *cap)
{
    if (pf->n_nodes == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        int32_t *nx = realloc(pf->next, nc * (size_t)pf->n_classes * sizeof *nx);
        if (!nx)
            return -1;
        pf->next = nx;
        *cap = nc;
    }
    int32_t *row = pf->next + pf->n_nodes * (size_t)pf->n_classes;
    for (int c = 0; c < pf->n_classes; c++)
        row[c] = -1;
    return (int32_t)pf->n_nodes++;
}

/* Contract: see classify_internal.h. Rules whose pattern yields no atoms
 * are marked always-run. */
int classify_prefilter_build(classify_rules *r, char *const *patterns,
                             const int *extended)
{
    classify_prefilter *pf = &r->pf;
    size_t n = r->n_rules;
    classify_atoms *atoms = calloc(n ? n : 1, sizeof *atoms);
    pf_hit *hits = NULL;
    size_t n_hits = 0, cap_hits = 0, cap_nodes = 0;
    int32_t *fail = NULL, *queue = NULL;
    int rc = -1;
    pf->always = calloc(n ? n : 1, 1);
    pf->n_sets = calloc(n ? n : 1, 1);
    pf->slot_base = calloc(n ? n : 1, sizeof *pf->slot_base);
    if (!atoms || !pf->always || !pf->n_sets || !pf->slot_base)
        goto done;

    /* The alphabet: every byte used by an atom gets a class; uppercase
     * ASCII shares its lowercase class so the scan needs no folding. */
    pf->n_classes = 1;
    for (size_t i = 0; i < n; i++) {
        int ns = classify_atoms_extract(patterns[i], extended[i], &atoms[i]);
        if (ns < 0)
            goto done;
        pf->always[i] = ns == 0;
        pf->n_sets[i] = (uint8_t)ns;
        pf->slot_base[i] = (int32_t)pf->n_slots;
        pf->n_slots += (size_t)ns;
        for (int a = 0; a < atoms[i].n; a++)
            for (const unsigned char *s = (const unsigned char *)atoms[i].atom[a];
                 *s; s++)
                if (!pf->cls[*s]) {
                    pf->cls[*s] = (uint8_t)pf->n_classes++;
                    if (*s >= 'a' && *s <= 'z')
                        pf->cls[*s - 'a' + 'A'] = pf->cls[*s];
                }
    }
    if (pf_new_node(pf, &cap_nodes) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        for (int a = 0; a < atoms[i].n; a++) {
            int32_t node = 0;
            for (const unsigned char *s = (const unsigned char *)atoms[i].atom[a];
                 *s; s++) {
                size_t slot = (size_t)node * (size_t)pf->n_classes + pf->cls[*s];
                if (pf->next[slot] < 0) {
                    int32_t nn = pf_new_node(pf, &cap_nodes);
                    if (nn < 0)
                        goto done;
                    pf->next[slot] = nn;
                }
                node = pf->next[slot];
            }
            if (n_hits == cap_hits) {
                cap_hits = cap_hits ? cap_hits * 2 : 256;
                pf_hit *nh = realloc(hits, cap_hits * sizeof *nh);
                if (!nh)
                    goto done;
                hits = nh;
            }
            hits[n_hits].node = node;
            hits[n_hits].rule = pf->slot_base[i] + atoms[i].set[a];
            n_hits++;
        }
    }
    if (n_hits)
        qsort(hits, n_hits, sizeof *hits, pf_cmp_hit);
    size_t nn = pf->n_nodes;
    pf->out_first = calloc(nn, sizeof *pf->out_first);
    pf->out_count = calloc(nn, sizeof *pf->out_count);
    pf->dict = calloc(nn, sizeof *pf->dict);
    pf->out = malloc((n_hits ? n_hits : 1) * sizeof *pf->out);
    fail = calloc(nn, sizeof *fail);
    queue = malloc(nn * sizeof *queue);
    if (!pf->out_first || !pf->out_count || !pf->dict || !pf->out || !fail ||
        !queue)
        goto done;
    size_t n_out = 0;
    for (size_t h = 0; h < n_hits; h++) {
        if (h > 0 && hits[h].node == hits[h - 1].node &&
            hits[h].rule == hits[h - 1].rule)
            continue; /* two atoms of one set can be equal */
        if (pf->out_count[hits[h].node] == 0)
            pf->out_first[hits[h].node] = (int32_t)n_out;
        pf->out_count[hits[h].node]++;
        pf->out[n_out++] = hits[h].rule;
    }
    pf->n_atoms = n_out;

    /* Breadth-first: fail links, then fold them into a full DFA so the scan
     * makes exactly one table lookup per byte. dict points at the nearest
     * proper suffix with output (0 = none; the root never has output). */
    size_t qh = 0, qt = 0;
    int nc = pf->n_classes;
    for (int c = 0; c < nc; c++) {
        int32_t v = pf->next[c];
        if (v < 0) {
            pf->next[c] = 0;
        } else {
            fail[v] = 0;
            pf->dict[v] = 0;
            queue[qt++] = v;
        }
    }
    while (qh < qt) {
        int32_t u = queue[qh++];
        for (int c = 0; c < nc; c++) {
            size_t slot = (size_t)u * (size_t)nc + (size_t)c;
            int32_t v = pf->next[slot];
            int32_t f = pf->next[(size_t)fail[u] * (size_t)nc + (size_t)c];
            if (v < 0) {
                pf->next[slot] = f;
                continue;
            }
            fail[v] = f;
            pf->dict[v] = pf->out_count[f] ? f : pf->dict[f];
            queue[qt++] = v;
        }
    }
    rc = 0;
done:
    for (size_t i = 0; i < n && atoms; i++)
        classify_atoms_free(&atoms[i]);
    free(atoms);
    free(hits);
    free(fail);
    free(queue);
    return rc;
}

/* Contract: see classify_internal.h. The two non-ASCII characters that
 * PCRE2 folds onto ASCII letters (KELVIN SIGN -> k, LONG S -> s) are fed as
 * those letters; every other non-ASCII byte resets the automaton, which is
 * right because atoms are ASCII. A common atom shared by hundreds of rules
 * is thus reported once per text, not once per occurrence. */
void classify_prefilter_scan(const classify_prefilter *pf, const char *text,
                             size_t len, size_t *first_end, uint8_t *seen)
{
    if (pf->n_nodes == 0)
        return;
    const unsigned char *t = (const unsigned char *)text;
    const int32_t *next = pf->next;
    size_t nc = (size_t)pf->n_classes;
    int32_t state = 0;
    for (size_t i = 0; i < len;) {
        unsigned char b = t[i];
        size_t adv = 1;
        unsigned c;
        if (b < 0x80) {
            c = pf->cls[b];
        } else if (b == 0xE2 && i + 2 < len && t[i + 1] == 0x84 &&
                   t[i + 2] == 0xAA) {
            c = pf->cls['k'];
            adv = 3;
        } else if (b == 0xC5 && i + 1 < len && t[i + 1] == 0xBF) {
            c = pf->cls['s'];
            adv = 2;
        } else {
            c = 0;
        }
        state = next[(size_t)state * nc + c];
        i += adv;
        /* a node seen before had its whole suffix chain reported then,
         * with earlier ends: nothing further down can change */
        for (int32_t s = pf->out_count[state] ? state : pf->dict[state];
             s > 0 && !seen[s]; s = pf->dict[s]) {
            seen[s] = 1;
            const int32_t *o = pf->out + pf->out_first[s];
            for (int32_t k = 0; k < pf->out_count[s]; k++)
                if (first_end[o[k]] == SIZE_MAX)
                    first_end[o[k]] = i;
        }
    }
}
