/*
 * Incremental consolidation against full consolidation: a database of
 * random mentions (delegations, anonymous reports, multilateral events with
 * and without a host, left-out kinds, second trips) changed at random, round
 * after round -- new reports, reclassified reports, reports that lose their
 * mention, new page versions that supersede a report -- with the events kept
 * up to date incrementally. After every round the stored events must equal
 * what a full consolidation of every mention gives, and an isolated change
 * must not make the update consolidate the whole database.
 */
#include "kt_test.h"
#include "store.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *pick(const char *const *v, size_t n)
{
    return v[rnd((unsigned)n)];
}
#define PICK(v) pick(v, sizeof v / sizeof v[0])

static const char *const kinds[] = {
    "visit", "visit", "talks", "meeting", "reception", "performance",
    "summit", "signing", "conference", "seminar", "festival", "message",
    "embassy", "sports", NULL};
static const char *const directions[] = {"inbound", "inbound", "outbound",
                                         NULL};
static const char *const statuses[] = {"arrived", "departed", "held",
                                       "returned", "planned", NULL, NULL};
static const char *const countries[] = {"Russia", "Russia", "China", "Laos",
                                        NULL};
static const char *const delegations[] = {"ministry of culture delegation",
                                          "party delegation",
                                          "military delegation", NULL, NULL};
static const char *const events[] = {"world youth festival",
                                     "general assembly", NULL};
static const char *const sectors[] = {"Economy", "Culture", "Diplomacy",
                                      NULL};

/* Report i's URL and its page body for version v (bodies differ). */
static void report_url(int i, char *url, size_t n)
{
    snprintf(url, n, "http://t/report/%d", i);
}

static int64_t add_page(store *s, int i, int version)
{
    char url[64], body[64];
    report_url(i, url, sizeof url);
    snprintf(body, sizeof body, "<p>report %d version %d</p>", i, version);
    store_fetch f = {0};
    f.requested_url = url;
    f.final_url = url;
    f.link_kind = 2;
    f.http_status = 200;
    f.outcome = "ok";
    f.content_type = "text/html";
    f.body = (const unsigned char *)body;
    f.body_len = strlen(body);
    f.fetched_at = 1000 + version;
    f.attempts = 1;
    int np = 0;
    char *err = NULL;
    CHECK_INT(store_fetch_save(s, &f, &np, &err), 0);
    free(err);
    int64_t id = 0;
    err = NULL;
    CHECK_INT(store_page_find_latest(s, url, &id, &err), 1);
    free(err);
    return id;
}

static int64_t add_document(store *s, int64_t page, int i)
{
    char url[64], title[64];
    report_url(i, url, sizeof url);
    snprintf(title, sizeof title, "Report %d", i);
    store_document d = {0};
    d.page_id = page;
    d.url = url;
    d.profile = "test";
    d.profiles_hash = "P";
    d.kind = "article";
    d.title = title;
    d.pub_date = "2024-03-01";
    d.body = "Pyongyang, March 1 (KCNA) -- A report.";
    d.lead_len = 38;
    d.n_paragraphs = 1;
    char *err = NULL;
    CHECK_INT(store_document_save(s, &d, &err), 0);
    free(err);
    return d.id;
}

/* A random date: mostly in two dense months, sometimes far away. */
static void random_date(char out[40])
{
    int far = rnd(10) == 0;
    int y = far ? 2021 + (int)rnd(3) : 2024;
    int m = far ? 1 + (int)rnd(12) : 3 + (int)rnd(2);
    int d = 1 + (int)rnd(28);
    snprintf(out, 40, "%04d-%02d-%02d", y, m, d);
}

/* Classifies document doc with a random mention (none at all, 1 in 12). */
static void classify(store *s, int64_t doc)
{
    store_mention_in mi = {0};
    char date[40];
    random_date(date);
    mi.kind = PICK(kinds);
    mi.direction = PICK(directions);
    mi.status = PICK(statuses);
    mi.country = PICK(countries);
    mi.location = mi.direction && !strcmp(mi.direction, "inbound") &&
                          rnd(3) == 0
                      ? "Pyongyang"
                      : NULL;
    mi.delegation = PICK(delegations);
    mi.event_name = PICK(events);
    mi.sector = PICK(sectors);
    mi.event_date = rnd(8) ? date : NULL;
    char *err = NULL;
    CHECK_INT(store_classification_save(s, doc, "R", NULL, 0, NULL, 0,
                                        rnd(12) ? &mi : NULL, &err),
              0);
    free(err);
}

static store_tables *tables(void)
{
    size_t len;
    char *text = kt_read_file(KT_TABLES_CONF, &len);
    CHECK(text != NULL);
    store_tables *t = NULL;
    char *err = NULL;
    CHECK_INT(store_tables_parse(KT_TABLES_CONF, text, &t, &err), 0);
    free(err);
    free(text);
    return t;
}

/* 1 when the stored events are those a full consolidation gives. */
static int matches_full(store *s, const store_tables *t, int round)
{
    store_mention *m = NULL;
    store_event *want = NULL, *got = NULL;
    size_t nm = 0, nw = 0, ng = 0;
    char *err = NULL;
    CHECK_INT(store_mentions_load(s, &m, &nm, &err), 0);
    CHECK_INT(store_consolidate(t, m, nm, &want, &nw, &err), 0);
    CHECK_INT(store_events_load(s, &got, &ng, &err), 0);
    int same = nw == ng;
    for (size_t i = 0; same && i < nw; i++) {
        const store_event *a = &want[i], *b = &got[i];
        same = !strcmp(a->event_id, b->event_id) && a->table == b->table &&
               a->n_reports == b->n_reports &&
               !strcmp(a->first_date, b->first_date) &&
               !strcmp(a->last_date, b->last_date) &&
               (a->sector == b->sector ||
                (a->sector && b->sector && !strcmp(a->sector, b->sector))) &&
               (a->leftout == b->leftout ||
                (a->leftout && b->leftout && !strcmp(a->leftout, b->leftout)));
        for (size_t r = 0; same && r < a->n_reports; r++)
            same = a->document_ids[r] == b->document_ids[r];
        if (!same)
            fprintf(stderr, "round %d: event %zu differs: %s vs %s\n", round,
                    i, a->event_id, b->event_id);
    }
    if (nw != ng)
        fprintf(stderr, "round %d: %zu events wanted, %zu stored\n", round,
                nw, ng);
    store_events_free(want, nw);
    store_events_free(got, ng);
    store_mentions_free(m, nm);
    free(err);
    return same;
}

int main(void)
{
    char dir[] = "/tmp/kt_incremental_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    store *s = NULL;
    char *err = NULL;
    CHECK_INT(store_open(path, &s, &err), 0);
    store_tables *t = tables();
    if (!s || !t)
        return kt_test_summary();

    enum { START = 400, ROUNDS = 60 };
    int64_t doc_of[START + ROUNDS * 6 + 1] = {0};
    int version[START + ROUNDS * 6 + 1] = {0};
    int n = 0;
    CHECK_INT(store_begin(s, &err), 0);
    for (; n < START; n++) {
        doc_of[n] = add_document(s, add_page(s, n, 0), n);
        classify(s, doc_of[n]);
    }
    CHECK_INT(store_commit(s, &err), 0);
    store_update_stats st;
    CHECK_INT(store_consolidate_update(s, t, "H", 0, &st, &err), 0);
    CHECK_INT(st.full, 1); /* never consolidated: a full pass */
    CHECK_INT(matches_full(s, t, 0), 1);
    /* Nothing changed: nothing to do. */
    CHECK_INT(store_consolidate_update(s, t, "H", 0, &st, &err), 0);
    CHECK_INT(st.full, 0);
    CHECK_INT(st.mentions, 0);

    int partial = 0, mismatches = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        CHECK_INT(store_begin(s, &err), 0);
        int changes = 1 + (int)rnd(5);
        for (int c = 0; c < changes; c++) {
            int what = (int)rnd(4);
            if (what == 0 || n < 10) {
                /* a new report */
                doc_of[n] = add_document(s, add_page(s, n, 0), n);
                classify(s, doc_of[n]);
                n++;
            } else if (what == 1) {
                /* reclassified (a rule changed) */
                classify(s, doc_of[rnd((unsigned)n)]);
            } else if (what == 2) {
                /* a new version of the page: the old document leaves,
                 * the new one is classified afresh */
                int i = (int)rnd((unsigned)n);
                int64_t page = add_page(s, i, ++version[i]);
                doc_of[i] = add_document(s, page, i);
                classify(s, doc_of[i]);
            } else {
                /* a new version not classified yet: the report is gone
                 * from consolidation for now */
                int i = (int)rnd((unsigned)n);
                int64_t page = add_page(s, i, ++version[i]);
                doc_of[i] = add_document(s, page, i);
            }
        }
        CHECK_INT(store_commit(s, &err), 0);
        CHECK_INT(store_consolidate_update(s, t, "H", 0, &st, &err), 0);
        CHECK_STR(err, NULL);
        if (!st.full && st.mentions < n / 2)
            partial++;
        if (!matches_full(s, t, round))
            mismatches++;
    }
    CHECK_INT(mismatches, 0);
    /* Most rounds touched a small part of the database. */
    CHECK(partial >= ROUNDS / 2);

    /* Other table rules: a full pass, and the same events as ever. */
    CHECK_INT(store_consolidate_update(s, t, "H2", 0, &st, &err), 0);
    CHECK_INT(st.full, 1);
    CHECK_INT(matches_full(s, t, ROUNDS + 1), 1);

    /* An isolated change far from everything else touches only itself. */
    CHECK_INT(store_begin(s, &err), 0);
    doc_of[n] = add_document(s, add_page(s, n, 0), n);
    store_mention_in far = {0};
    far.kind = "visit";
    far.direction = "inbound";
    far.country = "Laos";
    far.delegation = "lone delegation";
    far.sector = "Culture";
    far.event_date = "2010-06-15";
    CHECK_INT(store_classification_save(s, doc_of[n], "R", NULL, 0, NULL, 0,
                                        &far, &err), 0);
    n++;
    CHECK_INT(store_commit(s, &err), 0);
    CHECK_INT(store_consolidate_update(s, t, "H2", 0, &st, &err), 0);
    CHECK_INT(st.full, 0);
    CHECK_INT(st.mentions, 1);
    CHECK_INT(st.leftout + st.tabled, 1);
    CHECK_INT(matches_full(s, t, ROUNDS + 2), 1);

    store_tables_free(t);
    store_close(s);
    free(err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return kt_test_summary();
}
