/*
 * A tiny test harness: CHECK records a failure with file:line and goes on;
 * kt_test_summary prints "N passed, N failed" and returns the exit status.
 * Each test program includes this once.
 */
#ifndef KT_TEST_H
#define KT_TEST_H

#include <stdio.h>
#include <string.h>

static int kt_test_passed;
static int kt_test_failed;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) {                                                        \
            kt_test_passed++;                                              \
        } else {                                                           \
            kt_test_failed++;                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

/* Compares two strings, either of which may be NULL. */
#define CHECK_STR(got, want)                                               \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        if ((g_ == NULL && w_ == NULL) ||                                  \
            (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0)) {           \
            kt_test_passed++;                                              \
        } else {                                                           \
            kt_test_failed++;                                              \
            fprintf(stderr, "%s:%d: %s: got \"%s\", want \"%s\"\n",        \
                    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",          \
                    w_ ? w_ : "(null)");                                   \
        }                                                                  \
    } while (0)

#define CHECK_INT(got, want)                                               \
    do {                                                                   \
        long long g_ = (long long)(got), w_ = (long long)(want);           \
        if (g_ == w_) {                                                    \
            kt_test_passed++;                                              \
        } else {                                                           \
            kt_test_failed++;                                              \
            fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__,  \
                    __LINE__, #got, g_, w_);                               \
        }                                                                  \
    } while (0)

static int kt_test_summary(void)
{
    printf("%d passed, %d failed\n", kt_test_passed, kt_test_failed);
    return kt_test_failed ? 1 : 0;
}

#endif
