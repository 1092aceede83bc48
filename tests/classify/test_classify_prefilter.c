/*
 * test_classify_prefilter: the literal prefilter must never change a
 * result. Checks atom extraction on many pattern shapes (exact atom sets),
 * then classifies a few dozen texts with a few dozen rules with the
 * prefilter on and off and requires identical JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "classify_internal.h"
#include "kt_test.h"
#include "kt_util.h"

#define DIR KT_CLASSIFY_TESTDIR

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks the atoms of pattern against want: the sets, best first, joined
 * by " & ", each set's atoms sorted and joined by '|' ("" = none: the rule
 * always runs). */
static void check_atoms(const char *pattern, int ext, const char *want)
{
    classify_atoms a;
    int n = classify_atoms_extract(pattern, ext, &a);
    CHECK(n >= 0);
    CHECK_INT(n, a.n_sets);
    kt_buf b = {0};
    for (int k = 0; k < a.n_sets; k++) {
        char *set[64];
        int m = 0;
        for (int i = 0; i < a.n && m < 64; i++)
            if (a.set[i] == k)
                set[m++] = a.atom[i];
        qsort(set, (size_t)m, sizeof *set, cmp_str);
        if (k)
            kt_buf_puts(&b, " & ");
        for (int i = 0; i < m; i++) {
            if (i)
                kt_buf_puts(&b, "|");
            kt_buf_puts(&b, set[i]);
        }
    }
    char *got = kt_buf_take(&b);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "pattern /%s/:\n", pattern);
    CHECK_STR(got, want);
    free(got);
    classify_atoms_free(&a);
}

static void test_atoms(void)
{
    check_atoms("visit", 0, "visit");
    check_atoms("\\b(?:arrived|visited|paid a visit)\\b", 0,
                "arrived|paid a visit|visited");
    check_atoms("(?<n>(?:Russia|China|Laos|Belarus))n? delegation", 0,
                " delegation & belarus|china|laos|russia");
    check_atoms("(?:Russia|China)n", 0, "china|russia");
    check_atoms("U\\.S\\.", 0, "u.s.");
    check_atoms("(a+)+$", 0, "a");
    check_atoms("x*", 0, "");
    check_atoms("abc?d", 0, "ab");
    check_atoms("colou?r", 0, "colo");
    check_atoms("ab+c", 0, "ab");
    check_atoms("a|b.*", 0, "a|b");
    check_atoms("foo|.*", 0, "");
    check_atoms("(?=visit)x", 0, "x");
    check_atoms("(?!visit)abc", 0, "abc");
    check_atoms("(?<=the )conference", 0, "conference");
    check_atoms("[Vv]isit", 0, "isit");
    check_atoms("[]|(]isit", 0, "isit");
    check_atoms("[[:alpha:]]+ Jong", 0, " jong");
    check_atoms("\\x41bcd", 0, "");
    check_atoms("\\Qa.b\\E", 0, "");
    check_atoms("(*UCP)abc", 0, "");
    check_atoms("(?1)abc(x)", 0, "");
    check_atoms("Kim Jong Un", 1, "kimjongun");
    check_atoms("Kim\\ Jong", 1, "kim jong");
    check_atoms("Kim # comment", 1, "kim");
    check_atoms("Kim Jo ?ng", 1, "kimj");
    check_atoms("\\bLand17(?:ian)? (?:party |government )?delegation\\b", 0,
                "delegation & land17");
    check_atoms("visit(?#c)ors to (?:Laos|Cuba)", 0,
                "ors to  & visit & cuba|laos");
    check_atoms("(?:a(?:bcd|efgh)|xyz)", 0, "bcd|efgh|xyz");
    check_atoms("(?x) a b", 0, "");
    check_atoms("ab(?-x)cd", 0, "");
    check_atoms("(?i)visit", 0, "visit");
    check_atoms("(?i:Visit)s", 0, "visit");
    check_atoms("Ras\xc5\x8fn", 0, "ras");
    check_atoms("a{0,2}bc", 0, "bc");
    check_atoms("x{,3}yz", 0, "");
    check_atoms("visit(?#note)ed", 0, "visit");
    check_atoms("(?:talks|meeting)s?", 0, "meeting|talks");
    check_atoms("(talks)?", 0, "");
    check_atoms("(?|a|b)", 0, "a|b");
    check_atoms("\\p{Lu}ussia", 0, "ussia");
    check_atoms("\\d{4}", 0, "");
    check_atoms("a\\1", 0, "");
}

/* The sentences texts are built from: each exercises some rule above,
 * several with near misses (wrong case, an atom outside the lead). */
static const char *const pieces[] = {
    "A Russian delegation arrived here on Monday.",
    "The delegation of the Viet Nam paid a visit to Wonsan.",
    "They held talks and talk about colour guard drills.",
    "Nothing about the U.S. and its followers was said, but the U.S. was.",
    "Kim Jong Un sent a message of greetings to the Cuban leader.",
    "The April Spring International Friendship Art Festival opened.",
    "TOURISTS from China toured Ras\xc5\x8fn and Kaes\xc5\x8fng on May 3.",
    "He will not visit; she will visit in 2025.",
    "A Laos government delegation left Pyongyang on Friday.",
    "The conference on trade and ECONOMY closed via video link.",
    "visitvisited the \xe2\x84\xaaim Il Sung Square.",
    "Sports and culture exchanges; education, health.",
    "The U.N. envoy left for Beijing.",
    "arrived \t here Summit of the Pyongyang Games",
    "Colour guard: Belarusian delegation arrived in Pyongyang.",
    "talktalks online meeting Tuesday on Sunday",
    "No match in this sentence at all.",
};

static void test_equivalence(void)
{
    classify_rules *r = NULL;
    classify_error e = {0};
    CHECK_INT(classify_rules_load(DIR "/rules-prefilter", &r, &e), 0);
    if (!r) {
        char *s = classify_error_format(&e);
        fprintf(stderr, "%s\n", s);
        free(s);
        classify_error_clear(&e);
        return;
    }
    CHECK_INT(classify_rules_count(r), 33);
    size_t always = 0;
    for (size_t i = 0; i < r->n_rules; i++)
        always += r->pf.always[i];
    CHECK_INT(always, 3); /* p22 (inline x), p30 (\Q), p33 (no literal) */

    size_t np = sizeof pieces / sizeof pieces[0];
    size_t total = 0, docs = 0;
    for (size_t a = 0; a < np; a++) {
        for (size_t k = 1; k <= 3; k++) {
            size_t b = (a + k * 5) % np, c = (a + k * 11) % np;
            char body[1024];
            snprintf(body, sizeof body, "%s\n%s %s", pieces[a], pieces[b],
                     pieces[c]);
            const char *title = k == 1 ? pieces[c] : k == 2 ? NULL : "Summit";
            classify_input in = {title, body, strlen(pieces[a]), "2024-05-22"};
            classify_result on, off;
            classify_rules_set_prefilter(r, 1);
            CHECK_INT(classify_document(r, &in, &on, &e), 0);
            classify_rules_set_prefilter(r, 0);
            CHECK_INT(classify_document(r, &in, &off, &e), 0);
            char *j1 = classify_result_json(&on);
            char *j2 = classify_result_json(&off);
            if (strcmp(j1, j2) != 0)
                fprintf(stderr, "differs for body: %s\n", body);
            CHECK_STR(j1, j2);
            total += on.n_matches;
            docs++;
            free(j1);
            free(j2);
            classify_result_clear(&on);
            classify_result_clear(&off);
        }
    }
    CHECK_INT(docs, 51);
    CHECK(total > docs * 5); /* the texts do exercise the rules */
    classify_rules_free(r);
}

/* KELVIN SIGN matches k caselessly under UCP: the prefilter must see it. */
static void test_kelvin(void)
{
    classify_rules *r = NULL;
    classify_error e = {0};
    CHECK_INT(classify_rules_load(DIR "/rules-prefilter", &r, &e), 0);
    if (!r)
        return;
    classify_input in = {"\xe2\x84\xaaIM and \xc5\xbf", NULL, 0, NULL};
    classify_result res;
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    CHECK_INT(res.n_matches, 1);
    if (res.n_matches == 1) {
        CHECK_STR(res.matches[0].rule_id, "p21");
        CHECK_INT(res.matches[0].start, 0);
        CHECK_INT(res.matches[0].end, 5);
    }
    classify_result_clear(&res);
    classify_rules_free(r);
}

int main(void)
{
    test_atoms();
    test_equivalence();
    test_kelvin();
    return kt_test_summary();
}
