/*
 * bench_classify: reports/s of classify_document on synthetic KCNA-style
 * reports, with N generated rules and with 10*N, prefilter on and off.
 * The first run (N rules, prefilter off) is the baseline; every line shows
 * its ratio to it, so one invocation shows both the prefilter's gain and
 * how flat the cost stays when the rule set grows tenfold.
 *
 * Usage: bench_classify [N_RULES (default 300)] [SECONDS_PER_RUN (1)]
 * Writes its rule folders under $TMPDIR (or /tmp) and removes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "kt_util.h"

#define BENCH_DOCS 500

static unsigned long bench_seed = 12345;

/* A small LCG: the benchmark must be reproducible, not random. */
static unsigned bench_rand(unsigned n)
{
    bench_seed = bench_seed * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((bench_seed >> 33) % n);
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Contract: writes n synthetic rules, in four shapes like the real rule
 * set's, into dir/50-bench.rules. Returns 0 or -1. */
static int bench_write_rules(const char *dir, int n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/50-bench.rules", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "define DAY (?:Monday|Tuesday|Wednesday|Thursday|Friday)\n");
    fprintf(f, "mask1 mask=yes /the U\\.S\\. and its followers/\n");
    for (int i = 0; i < n; i++) {
        switch (i % 4) {
        case 0:
            fprintf(f, "c%d country=Land%d /\\bLand%d(?:ian)? "
                       "(?:party |government )?delegation\\b/\n", i, i, i);
            break;
        case 1:
            fprintf(f, "k%d kind=k%d weight=%d /\\b(?:met|greeted|received) "
                       "(?:the )?Envoy%d\\b/i\n", i, i, 1 + i % 50, i);
            break;
        case 2:
            fprintf(f, "a%d actor=$0 /Committee for (?:Cultural|Economic) "
                       "Relations No\\. %d\\b/\n", i, i);
            break;
        default:
            fprintf(f, "d%d date=$d in=lead /(?<d>on {DAY}) at Site%d\\b/\n",
                    i, i);
            break;
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

static const char *const bench_filler[] = {
    "The Korean people extended warm welcome to the guests.",
    "The sides exchanged views on further developing the friendly relations.",
    "A banquet was given in honour of the visitors at the Mansudae Assembly Hall.",
    "Present there were officials concerned and members of the embassy.",
    "The speakers stressed that the traditional friendship would grow stronger.",
    "Nothing about the U.S. and its followers was tolerated by the speakers.",
    "The delegation laid a floral basket before the statues on Mansu Hill.",
    "They visited the Grand People's Study House and a farm in the suburbs.",
};

/* Contract: fills body (cap bytes) with a ~2 KB report mentioning a few of
 * the n_rules entities (n_ent is the entity range, the base rule count, so
 * the same reports serve both rule sets); returns the lead's length. */
static size_t bench_doc(char *body, size_t cap, int n_ent)
{
    kt_buf b = {0};
    kt_buf_printf(&b, "Pyongyang, May %u (KCNA) -- A Land%u delegation "
                      "arrived here on Monday at Site%u.",
                  1 + bench_rand(28), bench_rand((unsigned)n_ent) / 4 * 4,
                  bench_rand((unsigned)n_ent) / 4 * 4 + 3);
    size_t lead = b.len;
    while (b.len < 2000) {
        unsigned r = bench_rand(12);
        if (r < 8)
            kt_buf_printf(&b, "\n%s", bench_filler[r]);
        else if (r < 10)
            kt_buf_printf(&b, "\nThey met Envoy%u and the Committee for "
                              "Cultural Relations No. %u.",
                          bench_rand((unsigned)n_ent) / 4 * 4 + 1,
                          bench_rand((unsigned)n_ent) / 4 * 4 + 2);
        else
            kt_buf_printf(&b, "\nThe talks were held on %u May.",
                          1 + bench_rand(28));
    }
    snprintf(body, cap, "%s", b.data ? b.data : "");
    kt_buf_free(&b);
    return lead;
}

/* Contract: classifies the docs repeatedly for about secs seconds and
 * returns reports/s, or -1 on a classify error. */
static double bench_run(classify_rules *r, char docs[][2600], size_t *leads,
                        double secs, size_t *matches)
{
    size_t done = 0;
    *matches = 0;
    double t0 = bench_now(), t;
    do {
        for (size_t i = 0; i < BENCH_DOCS; i++) {
            classify_input in = {"Land Delegation Arrives", docs[i], leads[i],
                                 "2024-05-22"};
            classify_result res;
            classify_error e = {0};
            if (classify_document(r, &in, &res, &e) != 0) {
                char *s = classify_error_format(&e);
                fprintf(stderr, "bench_classify: %s\n", s ? s : "error");
                free(s);
                classify_error_clear(&e);
                return -1;
            }
            *matches += res.n_matches;
            classify_result_clear(&res);
        }
        done += BENCH_DOCS;
        t = bench_now();
    } while (t - t0 < secs);
    *matches /= done;
    return (double)done / (t - t0);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 300;
    double secs = argc > 2 ? atof(argv[2]) : 1.0;
    if (n < 4 || secs <= 0) {
        fprintf(stderr, "usage: bench_classify [N_RULES>=4] [SECONDS]\n");
        return 2;
    }
    static char docs[BENCH_DOCS][2600];
    static size_t leads[BENCH_DOCS];
    for (size_t i = 0; i < BENCH_DOCS; i++)
        leads[i] = bench_doc(docs[i], sizeof docs[i], n);

    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    double base = 0;
    int sizes[2] = {n, 10 * n};
    /* The command that reproduces these numbers, and the baseline the
     * ratios are against: the first row of this same invocation. */
    printf("# %s %d %g  (build with -DCMAKE_BUILD_TYPE=Release)\n"
           "# ratio: reports/s against the first row (%d rules, no "
           "prefilter)\n", argv[0], n, secs, n);
    printf("%-8s %-9s %12s %8s %10s\n", "rules", "prefilter", "reports/s",
           "ratio", "matches/doc");
    for (int s = 0; s < 2; s++) {
        char dir[400];
        snprintf(dir, sizeof dir, "%s/kt_bench_classify_XXXXXX", tmp);
        if (!mkdtemp(dir) || bench_write_rules(dir, sizes[s]) != 0) {
            fprintf(stderr, "bench_classify: cannot write rules in %s\n", dir);
            return 1;
        }
        classify_rules *r = NULL;
        classify_error e = {0};
        int rc = classify_rules_load(dir, &r, &e);
        char path[600];
        snprintf(path, sizeof path, "%s/50-bench.rules", dir);
        unlink(path);
        rmdir(dir);
        if (rc != 0) {
            char *m = classify_error_format(&e);
            fprintf(stderr, "bench_classify: %s\n", m ? m : "load failed");
            free(m);
            classify_error_clear(&e);
            return 1;
        }
        for (int on = 0; on < 2; on++) {
            size_t matches;
            classify_rules_set_prefilter(r, on);
            double rate = bench_run(r, docs, leads, secs, &matches);
            if (rate < 0) {
                classify_rules_free(r);
                return 1;
            }
            if (base == 0)
                base = rate;
            printf("%-8zu %-9s %12.0f %8.2f %10zu\n", classify_rules_count(r),
                   on ? "on" : "off", rate, rate / base, matches);
        }
        classify_rules_free(r);
    }
    return 0;
}
