/*
 * test_classify_scale: rule sets and pages at archive scale must cost
 * linear (or n log n) time. A generated set of 100,000 rules has to load
 * well inside the ctest timeout set for this program, which the old
 * pairwise duplicate-ID check could not do, and a duplicate among them is
 * still reported with both places.
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

int main(void)
{
    test_many_rules();
    return kt_test_summary();
}
