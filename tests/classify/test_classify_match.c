/*
 * test_classify_match: matching and resolution over the rules-ok set
 * (weights, title over body, masks, in=lead, captures, multi-key rules),
 * byte offsets in UTF-8 text, empty matches, the match limit fault and the
 * exact JSON of a small result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "kt_test.h"
#include "kt_util.h"

#define DIR KT_CLASSIFY_TESTDIR

static classify_rules *load(const char *dir)
{
    classify_rules *r = NULL;
    classify_error e = {0};
    if (classify_rules_load(dir, &r, &e) != 0) {
        char *s = classify_error_format(&e);
        fprintf(stderr, "load %s: %s\n", dir, s);
        free(s);
        classify_error_clear(&e);
    }
    CHECK(r != NULL);
    return r;
}

/* Index of the first match of rule `rule` with key `key` at or after
 * index from, or -1. */
static long find(const classify_result *res, const char *rule, const char *key,
                 size_t from)
{
    for (size_t i = from; i < res->n_matches; i++)
        if (!strcmp(res->matches[i].rule_id, rule) &&
            !strcmp(res->matches[i].key, key))
            return (long)i;
    return -1;
}

static const char *tag(const classify_result *res, const char *key)
{
    for (size_t i = 0; i < res->n_tags; i++)
        if (!strcmp(res->tags[i].key, key))
            return res->tags[i].value;
    return NULL;
}

static void test_resolution(classify_rules *r)
{
    const char *title = "Russian delegation arrives in Pyongyang";
    const char *body =
        "Pyongyang, May 22 (KCNA) -- A Russian delegation arrived here on "
        "Monday.\nIt held talks at the Lao\xe2\x80\x93Korean house. Nothing "
        "about the U.S. and its followers was said.\nThe delegation left here "
        "later.";
    classify_input in = {title, body, (size_t)(strchr(body, '\n') - body),
                         "2024-05-22"};
    classify_result res;
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, &res, &e), 0);

    /* the multi-key rule: three records, same span, title decides */
    long i = find(&res, "deleg", "country", 0);
    CHECK_INT(i, 0);
    CHECK_STR(res.matches[0].value, "Russia");
    CHECK_INT(res.matches[0].field, CLASSIFY_TITLE);
    CHECK_INT(res.matches[0].start, 0);
    CHECK_INT(res.matches[0].end, 18);
    CHECK_STR(res.matches[0].text, "Russian delegation");
    CHECK_INT(res.matches[0].decisive, 1);
    CHECK_STR(res.matches[0].file, "20-tags.rules");
    CHECK_INT(res.matches[0].line, 8);
    CHECK_STR(res.matches[1].key, "direction");
    CHECK_STR(res.matches[1].value, "inbound");
    CHECK_STR(res.matches[2].key, "delegation");
    CHECK_STR(res.matches[2].value, "Russian delegation");
    CHECK_INT(res.matches[2].start, 0);
    CHECK_INT(res.matches[2].end, 18);
    /* the body's equal-weight match loses to the title's */
    long b = find(&res, "deleg", "country", 3);
    CHECK(b > 0);
    if (b > 0) {
        size_t at = (size_t)(strstr(body, "Russian") - body);
        CHECK_INT(res.matches[b].field, CLASSIFY_BODY);
        CHECK_INT(res.matches[b].start, at);
        CHECK_INT(res.matches[b].end, at + 18);
        CHECK_INT(res.matches[b].decisive, 0);
    }
    /* location: title wins over an earlier body offset at equal weight */
    i = find(&res, "city", "location", 0);
    CHECK_INT(res.matches[i].field, CLASSIFY_TITLE);
    CHECK_INT(res.matches[i].start, 30);
    CHECK_INT(res.matches[i].decisive, 1);
    i = find(&res, "city", "location", (size_t)i + 1);
    CHECK_INT(res.matches[i].field, CLASSIFY_BODY);
    CHECK_INT(res.matches[i].start, 0);
    CHECK_INT(res.matches[i].decisive, 0);
    /* kind: talks (30) beats visit (20) */
    CHECK_STR(tag(&res, "kind"), "talks");
    CHECK_INT(res.matches[find(&res, "visit", "kind", 0)].decisive, 0);
    CHECK_INT(res.matches[find(&res, "talks", "kind", 0)].decisive, 1);
    /* mask: the U.S. inside "the U.S. and its followers" is kept, masked */
    i = find(&res, "us", "country", 0);
    CHECK(i >= 0);
    CHECK_INT(res.matches[i].masked, 1);
    CHECK_INT(res.matches[i].decisive, 0);
    CHECK_STR(res.matches[i].text, "U.S.");
    long m = find(&res, "usmask", "mask", 0);
    CHECK(m >= 0 && m < i);
    CHECK_INT(res.matches[m].masked, 0);
    CHECK_STR(res.matches[m].text, "the U.S. and its followers");
    /* in=lead: "left here" is in the third paragraph, so no match */
    CHECK_INT(find(&res, "left", "status", 0), -1);
    CHECK_STR(tag(&res, "status"), "arrived");
    /* quoted value with escapes */
    CHECK_STR(tag(&res, "actor"), "Lao\xe2\x80\x93Korean Friendship \"Association\"");
    CHECK_STR(tag(&res, "date"), "on Monday");
    CHECK(tag(&res, "mask") == NULL);
    CHECK_INT(res.n_tags, 8);
    /* tags in key order; each points at its decisive match */
    CHECK_STR(res.tags[0].key, "kind");
    CHECK_STR(res.tags[1].key, "direction");
    CHECK_STR(res.tags[2].key, "status");
    CHECK_STR(res.tags[3].key, "country");
    CHECK_STR(res.tags[7].key, "date");
    for (size_t t = 0; t < res.n_tags; t++) {
        CHECK_INT(res.matches[res.tags[t].match].decisive, 1);
        CHECK_STR(res.matches[res.tags[t].match].value, res.tags[t].value);
    }
    /* matches are ordered by field, then offset */
    for (size_t k = 1; k < res.n_matches; k++)
        CHECK(res.matches[k - 1].field < res.matches[k].field ||
              (res.matches[k - 1].field == res.matches[k].field &&
               res.matches[k - 1].start <= res.matches[k].start));
    CHECK_STR(res.mention.kind, "talks");
    CHECK_STR(res.mention.direction, "inbound");
    CHECK_STR(res.mention.status, "arrived");
    CHECK_STR(res.mention.country, "Russia");
    CHECK_STR(res.mention.location, "Pyongyang");
    CHECK_STR(res.mention.delegation, "Russian delegation");
    CHECK(res.mention.dprk_actor == NULL && res.mention.sector == NULL &&
          res.mention.event_name == NULL);
    CHECK_STR(res.mention.event_date, "2024-05-20");
    classify_result_clear(&res);
    CHECK(res.matches == NULL && res.n_matches == 0 && res.tags == NULL);
}

static void test_mask_and_weight(classify_rules *r)
{
    const char *body = "A Chinese delegation met the U.S. and its vassals. "
                       "Later the U.S. envoy spoke.";
    classify_input in = {NULL, body, strlen(body), "2024-05-22"};
    classify_result res;
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    long a = find(&res, "us", "country", 0);
    long b = find(&res, "us", "country", (size_t)a + 1);
    CHECK(a >= 0 && b > a);
    CHECK_INT(res.matches[a].masked, 1);
    CHECK_INT(res.matches[b].masked, 0);
    CHECK_INT(res.matches[b].decisive, 1);
    CHECK_INT(res.matches[b].start, strstr(body, "U.S. envoy") - body);
    CHECK_STR(res.mention.country, "United States");
    CHECK(res.mention.kind == NULL);
    CHECK_STR(res.mention.event_date, "2024-05-22"); /* no date tag: pub */
    classify_result_clear(&res);
}

static void test_title_only_and_future(classify_rules *r)
{
    const char *title = "Summit Talks Held";
    const char *body = "No summit here. The delegation will visit Wonsan "
                       "from June 3.";
    classify_input in = {title, body, strlen(body), "2024-05-22"};
    classify_result res;
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    long s = find(&res, "summit", "kind", 0);
    CHECK_INT(s, 0);
    CHECK_INT(find(&res, "summit", "kind", 1), -1); /* in=title only */
    CHECK_INT(find(&res, "talks", "kind", 0), -1);  /* in=body, caseful */
    CHECK_STR(res.mention.kind, "summit");
    CHECK_STR(res.mention.status, "planned");
    CHECK_STR(res.mention.event_date, "2024-06-03");
    classify_result_clear(&res);

    /* the same phrase in a past story is last year's date */
    in.pub_date = "2024-01-10";
    body = "The delegation visited Wonsan on December 30.";
    in.body = body;
    in.lead_len = strlen(body);
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    CHECK_STR(res.mention.event_date, "2023-12-30");
    classify_result_clear(&res);
}

static void test_utf8_offsets(classify_rules *r)
{
    /* "Ras\xc5\x8fn" is Rasŏn: ŏ is two bytes */
    const char *body = "Delegates from Ras\xc5\x8fn met in Wonsan.";
    classify_input in = {NULL, body, 0, NULL};
    classify_result res;
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    CHECK_INT(res.n_matches, 2);
    CHECK_INT(res.matches[0].start, 15);
    CHECK_INT(res.matches[0].end, 21);
    CHECK_STR(res.matches[0].text, "Ras\xc5\x8fn");
    CHECK_INT(res.matches[1].start, 29);
    CHECK_INT(res.matches[1].end, 35);
    CHECK_STR(res.mention.location, "Ras\xc5\x8fn");
    CHECK(res.mention.event_date == NULL); /* no pub, no date */
    classify_result_clear(&res);
}

static void test_empty_matches(void)
{
    classify_rules *r = load(DIR "/rules-zw");
    if (!r)
        return;
    classify_input in = {NULL, "\xc5\x8fx\xc5\x8f", 0, NULL};
    classify_result res;
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    CHECK_INT(res.n_matches, 4);
    size_t want[4][2] = {{0, 0}, {2, 3}, {3, 3}, {5, 5}};
    for (size_t i = 0; i < 4 && i < res.n_matches; i++) {
        CHECK_INT(res.matches[i].start, want[i][0]);
        CHECK_INT(res.matches[i].end, want[i][1]);
    }
    CHECK_STR(res.mention.sector, ""); /* the first (empty) match decides */
    classify_result_clear(&res);
    classify_rules_free(r);
}

static void test_match_limit(void)
{
    classify_rules *r = load(DIR "/rules-limit");
    if (!r)
        return;
    classify_rules_set_limits(r, 1000, 0);
    char body[64];
    memset(body, 'a', 30);
    strcpy(body + 30, "b");
    classify_input in = {NULL, body, 0, "2024-05-22"};
    classify_result res;
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, &res, &e), -1);
    CHECK(res.matches == NULL && res.n_matches == 0);
    char *s = classify_error_format(&e);
    CHECK_STR(s, DIR "/rules-limit/10-limit.rules:2: rule catastrophic: match "
                     "limit exceeded (in the body)");
    free(s);
    classify_error_clear(&e);
    /* a short subject stays under the limit and simply does not match */
    in.body = "aab";
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    CHECK_INT(res.n_matches, 0);
    classify_result_clear(&res);
    classify_rules_free(r);
}

static void test_json(void)
{
    classify_rules *r = load(DIR "/rules-json");
    if (!r)
        return;
    classify_input in = {"Kaes\xc5\x8fng", "He said \"Hi\"\tthere.", 0,
                         "2024-01-02"};
    classify_result res;
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, &res, &e), 0);
    char *j = classify_result_json(&res);
    CHECK_STR(j,
              "{\"matches\":["
              "{\"rule\":\"place\",\"file\":\"10-json.rules\",\"line\":2,"
              "\"key\":\"location\",\"value\":\"Kaes\xc5\x8fng\",\"field\":"
              "\"title\",\"start\":0,\"end\":8,\"text\":\"Kaes\xc5\x8fng\","
              "\"weight\":10,\"decisive\":true,\"masked\":false},"
              "{\"rule\":\"greet\",\"file\":\"10-json.rules\",\"line\":1,"
              "\"key\":\"kind\",\"value\":\"message\",\"field\":\"body\","
              "\"start\":8,\"end\":13,\"text\":\"\\\"Hi\\\"\\t\",\"weight\":10,"
              "\"decisive\":true,\"masked\":false}],"
              "\"tags\":{\"kind\":\"message\",\"location\":\"Kaes\xc5\x8fng\"},"
              "\"mention\":{\"kind\":\"message\",\"direction\":null,"
              "\"status\":null,\"country\":null,\"location\":\"Kaes\xc5\x8fng\","
              "\"delegation\":null,\"actor\":null,\"dprk_actor\":null,"
              "\"event_name\":null,\"sector\":null,"
              "\"event_date\":\"2024-01-02\"}}");
    free(j);
    classify_result_clear(&res);

    /* nothing matched: empty arrays, all-null mention */
    classify_input none = {NULL, NULL, 0, NULL};
    CHECK_INT(classify_document(r, &none, &res, &e), 0);
    j = classify_result_json(&res);
    CHECK_STR(j, "{\"matches\":[],\"tags\":{},\"mention\":{\"kind\":null,"
                 "\"direction\":null,\"status\":null,\"country\":null,"
                 "\"location\":null,\"delegation\":null,\"actor\":null,"
                 "\"dprk_actor\":null,\"event_name\":null,\"sector\":null,"
                 "\"event_date\":null}}");
    free(j);
    classify_result_clear(&res);
    classify_rules_free(r);
}

/* Classifies title and body (lead: its first line) with r into res. */
static void classify_text(const classify_rules *r, const char *title,
                          const char *body, classify_result *res)
{
    classify_input in = {title, body, (size_t)(strchr(body, '\n') - body),
                         "2024-05-02"};
    classify_error e = {0};
    CHECK_INT(classify_document(r, &in, res, &e), 0);
}

/* The head (title and, with "head 2", two paragraphs) decides kind
 * (head-only) and country (head-first); a body match of those keys is kept
 * for audit but set aside; sector (anywhere) still takes the heavier body
 * match. */
static void test_head_resolution(void)
{
    classify_rules *r = load(DIR "/rules-resolve");
    if (!r)
        return;
    classify_result res;
    classify_text(r, "Delegation Here",
                  "Pyongyang, May 2 (KCNA) -- A Lao culture delegation "
                  "arrived here.\nIt came by air.\nA Cuban envoy later "
                  "conveyed a message about health.",
                  &res);
    CHECK_STR(res.mention.kind, "visit");      /* not the heavier message */
    CHECK_STR(res.mention.country, "Laos");    /* not the heavier Cuba */
    CHECK_STR(res.mention.sector, "Health");   /* anywhere: heavier wins */
    long m = find(&res, "kind.message", "kind", 0);
    CHECK(m >= 0 && res.matches[m].set_aside && !res.matches[m].decisive);
    long c = find(&res, "country.cuba", "country", 0);
    CHECK(c >= 0 && res.matches[c].set_aside);
    long h = find(&res, "sector.health", "sector", 0);
    CHECK(h >= 0 && !res.matches[h].set_aside && res.matches[h].decisive);
    classify_result_clear(&res);

    /* head-only: no head match, no kind; head-first: the body decides */
    classify_text(r, "Report",
                  "Pyongyang, May 2 (KCNA) -- Nothing here.\nNor here.\nA "
                  "Cuban delegation arrived.",
                  &res);
    CHECK(res.mention.kind == NULL);
    CHECK_STR(res.mention.country, "Cuba");
    classify_result_clear(&res);

    /* the second paragraph is in the head with "head 2" */
    classify_text(r, "Report",
                  "Pyongyang, May 2 (KCNA) -- Nothing here.\nA delegation "
                  "arrived.\nNor here.",
                  &res);
    CHECK_STR(res.mention.kind, "visit");
    classify_result_clear(&res);
    classify_rules_free(r);
}

int main(void)
{
    classify_rules *r = load(DIR "/rules-ok");
    if (r) {
        test_resolution(r);
        test_mask_and_weight(r);
        test_title_only_and_future(r);
        test_utf8_offsets(r);
        classify_rules_free(r);
    }
    test_empty_matches();
    test_head_resolution();
    test_match_limit();
    test_json();
    CHECK_STR(classify_field_name(CLASSIFY_TITLE), "title");
    CHECK_STR(classify_field_name(CLASSIFY_BODY), "body");
    return kt_test_summary();
}
