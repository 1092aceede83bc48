/*
 * test_classify_scale: rule sets and pages at archive scale must cost
 * linear (or n log n) time. A generated set of 100,000 rules has to load
 * well inside the ctest timeout set for this program, which the old
 * pairwise duplicate-ID check could not do, and a duplicate among them is
 * still reported with both places. So has a page with 50,000 mask
 * matches, which the old masks-times-matches pass could not classify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "kt_test.h"
#include "kt_util.h"

#define SCALE_RULES 100000

/* Contract: writes n rules "g.N kind=visit /wN/" to path, plus, when dup_at
 * is nonzero, a repeat of rule 7's ID on line dup_at. Returns 0 or -1. */
static int scale_write(const char *path, int n, int dup_at)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int i = 1; i <= n; i++) {
        if (i == dup_at)
            fprintf(f, "g.7 kind=talks /dup/\n");
        else
            fprintf(f, "g.%d kind=visit /w%d/\n", i, i);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static double scale_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_many_rules(void)
{
    char tmp[] = "/tmp/kt_classify_scale_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/10-many.rules", tmp);

    CHECK(scale_write(path, SCALE_RULES, 0) == 0);
    classify_rules *r = NULL;
    classify_error e = {0};
    double t0 = scale_now();
    CHECK(classify_rules_load(tmp, &r, &e) == 0);
    fprintf(stderr, "loaded %d rules in %.2f s\n", SCALE_RULES,
            scale_now() - t0);
    CHECK(e.message == NULL);
    CHECK(r != NULL && classify_rules_count(r) == SCALE_RULES);
    classify_rules_free(r);
    classify_error_clear(&e);

    /* The duplicate near the end: found after all others are loaded. */
    CHECK(scale_write(path, SCALE_RULES, SCALE_RULES - 1) == 0);
    r = NULL;
    CHECK(classify_rules_load(tmp, &r, &e) != 0);
    CHECK(r == NULL);
    char *got = classify_error_format(&e);
    char want[2048];
    snprintf(want, sizeof want,
             "%s:%d:1: duplicate rule ID 'g.7' (first at %s:7)", path,
             SCALE_RULES - 1, path);
    CHECK_STR(got, want);
    free(got);
    classify_error_clear(&e);

    unlink(path);
    rmdir(tmp);
}

/* Contract: writes text as dir/10-masks.rules and loads dir; returns the
 * rules or NULL (with a failed check). */
static classify_rules *scale_rules(const char *dir, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/10-masks.rules", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    classify_rules *r = NULL;
    classify_error e = {0};
    CHECK(classify_rules_load(dir, &r, &e) == 0);
    if (e.message)
        fprintf(stderr, "%s\n", e.message);
    classify_error_clear(&e);
    unlink(path);
    return r;
}

/* A page with 50,000 mask matches among 250,000 matches: every "Ma" is a
 * mask's span, so of each unit "xa Ma " the 'M' and the second 'a' are
 * masked, 'x' and the first 'a' not. Comparing every mask with every match
 * took minutes here. (No empty matches at this size: stepping past each
 * one costs PCRE2 a pass over the whole field, a separate matter.) */
static void test_many_masks(void)
{
    char tmp[] = "/tmp/kt_classify_masks_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    classify_rules *r = scale_rules(tmp,
                                    "mk mask=yes in=body /Ma/\n"
                                    "ra country=Laos in=body /a/\n"
                                    "rz sector=trade in=body /M|x/\n");
    if (!r)
        return;
    enum { UNITS = 50000 };
    const char *unit = "xa Ma ";
    size_t ul = strlen(unit), len = UNITS * ul;
    char *body = malloc(len + 1);
    CHECK(body != NULL);
    if (!body)
        return;
    for (size_t i = 0; i < UNITS; i++)
        memcpy(body + i * ul, unit, ul);
    body[len] = 0;
    classify_input in = {NULL, body, len, "2024-05-22"};
    classify_result res;
    classify_error e = {0};
    double t0 = scale_now();
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    fprintf(stderr, "classified %zu matches in %.2f s\n", res.n_matches,
            scale_now() - t0);
    size_t n[3][2] = {{0}}; /* per rule (mk, ra, rz): unmasked, masked */
    int wrong = 0;
    for (size_t i = 0; i < res.n_matches; i++) {
        const classify_match *m = &res.matches[i];
        int k = m->rule_id[1] == 'k' ? 0 : m->rule_id[1] == 'a' ? 1 : 2;
        n[k][m->masked != 0]++;
        /* Masked exactly when it starts at or inside an "Ma". */
        int want = k != 0 && (body[m->start] == 'M' ||
                              (m->start > 0 && body[m->start - 1] == 'M'));
        if (m->masked != want)
            wrong++;
    }
    CHECK_INT(wrong, 0);
    CHECK_INT(n[0][0], UNITS);
    CHECK_INT(n[0][1], 0);
    CHECK_INT(n[1][0], UNITS);
    CHECK_INT(n[1][1], UNITS);
    CHECK_INT(n[2][0], UNITS);
    CHECK_INT(n[2][1], UNITS);
    classify_result_clear(&res);
    free(body);
    classify_rules_free(r);
    rmdir(tmp);
}

/* Contract: the old rule for one mask span [ms, me) and match m. */
static int scale_overlap(size_t ms, size_t me, const classify_match *m)
{
    return m->start == m->end ? (ms <= m->start && m->start < me)
                              : (m->start < me && ms < m->end);
}

/* Random pages with overlapping, nested, empty and adjacent masks, in the
 * title and the body: every record masked exactly when the pairwise test
 * says so. */
static void test_masks_pairwise(void)
{
    char tmp[] = "/tmp/kt_classify_masks_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    classify_rules *r = scale_rules(tmp,
                                    "m1 mask=yes /M[ab]{0,3}M?/\n"
                                    "m2 mask=yes /ab?M/\n"
                                    "m3 mask=yes /(?<=a)(?=a)/\n"
                                    "m4 mask=yes /M{2,}[ab ]{0,9}/\n"
                                    "r1 country=Laos /[ab]+/\n"
                                    "r2 sector=trade /(?=[Mb])/\n"
                                    "r3 kind=visit /b|M/\n"
                                    "r4 actor=x /a b/\n");
    if (!r)
        return;
    unsigned seed = 12345;
    int wrong = 0, masked = 0;
    for (int round = 0; round < 20; round++) {
        char title[64], body[2001];
        for (size_t i = 0; i < sizeof title - 1; i++) {
            seed = seed * 1103515245u + 12345u;
            title[i] = "abM "[(seed >> 16) & 3];
        }
        title[sizeof title - 1] = 0;
        for (size_t i = 0; i < sizeof body - 1; i++) {
            seed = seed * 1103515245u + 12345u;
            body[i] = "abM "[(seed >> 16) & 3];
        }
        body[sizeof body - 1] = 0;
        classify_input in = {title, body, strlen(body), "2024-05-22"};
        classify_result res;
        classify_error e = {0};
        CHECK_INT(classify_document(r, &in, &res, &e), 0);
        for (size_t j = 0; j < res.n_matches; j++) {
            const classify_match *m = &res.matches[j];
            int want = 0;
            if (m->rule_id[0] == 'r')
                for (size_t i = 0; i < res.n_matches && !want; i++) {
                    const classify_match *k = &res.matches[i];
                    if (k->rule_id[0] == 'm' && k->field == m->field)
                        want = scale_overlap(k->start, k->end, m);
                }
            wrong += m->masked != want;
            masked += m->masked != 0;
        }
        classify_result_clear(&res);
    }
    CHECK_INT(wrong, 0);
    CHECK(masked > 0);
    classify_rules_free(r);
    rmdir(tmp);
}

int main(void)
{
    test_many_rules();
    test_many_masks();
    test_masks_pairwise();
    return kt_test_summary();
}
