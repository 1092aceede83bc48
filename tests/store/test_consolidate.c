/*
 * Consolidation against the real rules/tables.conf: how report mentions
 * become events, their fields, tables, left-out reasons, order and ids.
 */
#include "kt_test.h"
#include "store.h"

#include "kt_util.h"

#include <stdlib.h>
#include <string.h>

static store_tables *tables;

/* Mentions under construction: owned strings, freed with
 * store_mentions_free. */
static store_mention ms[64];
static size_t n_ms;

/* Adds a mention; fields are: url title date kind direction status country
 * location delegation event_name sector (NULL for absent). */
static void add(const char *url, const char *title, const char *date,
                const char *kind, const char *direction, const char *status,
                const char *country, const char *location,
                const char *delegation, const char *event_name,
                const char *sector)
{
    store_mention *m = &ms[n_ms];
    memset(m, 0, sizeof *m);
    m->document_id = (int64_t)(n_ms + 1);
    m->url = kt_strdup0(url);
    m->title = kt_strdup0(title);
    m->pub_date = kt_strdup0(date);
    m->event_date = kt_strdup0(date);
    m->kind = kt_strdup0(kind);
    m->direction = kt_strdup0(direction);
    m->status = kt_strdup0(status);
    m->country = kt_strdup0(country);
    m->location = kt_strdup0(location);
    m->delegation = kt_strdup0(delegation);
    m->event_name = kt_strdup0(event_name);
    m->sector = kt_strdup0(sector);
    n_ms++;
}

static void reset(void)
{
    for (size_t i = 0; i < n_ms; i++) {
        store_mention *m = &ms[i];
        char *f[] = {m->url,      m->title,      m->pub_date, m->event_date,
                     m->kind,     m->direction,  m->status,   m->country,
                     m->location, m->delegation, m->event_name, m->sector};
        for (size_t j = 0; j < sizeof f / sizeof f[0]; j++)
            free(f[j]);
    }
    n_ms = 0;
}

static store_event *run(size_t *n)
{
    store_event *e = NULL;
    char *err = NULL;
    CHECK_INT(store_consolidate(tables, ms, n_ms, &e, n, &err), 0);
    CHECK_STR(err, NULL);
    free(err);
    return e;
}

static const char *RU_GOV = "Russian federal government delegation";

static void test_one_visit(void)
{
    add("u/arrive", "Russian Government Delegation Arrives", "2023-11-14",
        "visit", "inbound", "arrived", "Russia", "Pyongyang", RU_GOV, NULL,
        "Economy");
    add("u/talks", "Talks Held with Russian Delegation", "2023-11-15",
        "talks", "inbound", "held", "Russia", NULL, RU_GOV, NULL, "Economy");
    /* The banquet report names no delegation: it joins the one visit. */
    add("u/banquet", "Banquet for Russian Delegation", "2023-11-15",
        "reception", "inbound", "held", "Russia", "Pyongyang", NULL, NULL,
        "Diplomacy");
    add("u/leave", "Russian Delegation Leaves", "2023-11-17", "visit",
        "inbound", "departed", "Russia", NULL, RU_GOV, NULL, NULL);
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(e[0].n_reports, 4);
        CHECK_STR(e[0].urls[0], "u/arrive");
        CHECK_STR(e[0].urls[1], "u/banquet"); /* same day: by URL */
        CHECK_STR(e[0].urls[2], "u/talks");
        CHECK_STR(e[0].urls[3], "u/leave");
        CHECK_INT(e[0].document_ids[3], 4);
        CHECK_STR(e[0].event_type, "talks");
        CHECK_STR(e[0].title, "Talks Held with Russian Delegation");
        CHECK_INT(e[0].table, 1);
        CHECK_STR(e[0].leftout, NULL);
        CHECK_STR(e[0].month, "2023-11");
        CHECK_STR(e[0].first_date, "2023-11-14");
        CHECK_STR(e[0].last_date, "2023-11-17");
        CHECK_STR(e[0].country, "Russia");
        CHECK_STR(e[0].location, "Pyongyang");
        CHECK_STR(e[0].sector, "Economy");
        CHECK_STR(e[0].direction, "inbound");
        CHECK_STR(e[0].delegation, RU_GOV);
        CHECK_INT(strlen(e[0].event_id), 15);
        CHECK(strncmp(e[0].event_id, "ev-", 3) == 0);
    }
    store_events_free(e, n);
    reset();
}

static void test_two_delegations(void)
{
    add("u/a1", "Public Security Delegation Leaves for Russia", "2024-06-03",
        "visit", "outbound", "departed", "Russia", NULL,
        "DPRK public security delegation", NULL, "Public Safety");
    add("u/b1", "Disaster Committee Delegation Leaves", "2024-06-05",
        "visit", "outbound", "departed", "Russia", NULL,
        "DPRK emergency disaster committee delegation", NULL,
        "Public Safety");
    add("u/a2", "Public Security Delegation Back Home", "2024-06-10", "visit",
        "outbound", "returned", "Russia", NULL,
        "DPRK public security delegation", NULL, NULL);
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 2);
    if (n == 2) {
        /* Same table, month, country, location: ordered by id. */
        CHECK(strcmp(e[0].event_id, e[1].event_id) < 0);
        int a = strcmp(e[0].delegation, "DPRK public security delegation")
                    ? 1 : 0;
        CHECK_STR(e[a].delegation, "DPRK public security delegation");
        CHECK_INT(e[a].n_reports, 2);
        CHECK_STR(e[!a].delegation,
                  "DPRK emergency disaster committee delegation");
        CHECK_INT(e[!a].n_reports, 1);
        CHECK_INT(e[0].table, 1);
        CHECK_INT(e[1].table, 1);
        CHECK_STR(e[0].location, "Russia");
        CHECK_STR(e[0].month, "2024-06");
    }
    store_events_free(e, n);
    reset();
}

static void test_gap_splits(void)
{
    const char *d = "Federation Council delegation";
    add("u/1", "Delegation Arrives", "2024-03-01", "visit", "inbound",
        "arrived", "Russia", NULL, d, NULL, "Parliamentary Diplomacy");
    add("u/2", "Delegation Arrives Again", "2024-04-10", "visit", "inbound",
        "arrived", "Russia", NULL, d, NULL, "Parliamentary Diplomacy");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 2);
    if (n == 2) {
        /* Newest month first, as the commentary prints. */
        CHECK_STR(e[0].month, "2024-04");
        CHECK_STR(e[1].month, "2024-03");
        CHECK_INT(e[0].n_reports, 1);
        CHECK_INT(e[1].n_reports, 1);
        CHECK_STR(e[0].location, "Pyongyang"); /* inbound, no location */
        CHECK(strcmp(e[0].event_id, e[1].event_id) != 0);
    }
    store_events_free(e, n);
    reset();
}

static void test_summit(void)
{
    const char *d = "Putin party";
    add("u/s0", "Putin Arrives in Pyongyang", "2024-06-18", "visit",
        "inbound", "arrived", "Russia", "Pyongyang", d, NULL, "Diplomacy");
    add("u/s1", "DPRK-Russia Summit Talks Held", "2024-06-19", "summit",
        "inbound", "held", "Russia", "Pyongyang", d, NULL, "Diplomacy");
    add("u/s2", "Grand Concert for Russian Guests", "2024-06-19",
        "performance", "inbound", "held", "Russia", "Pyongyang", d, NULL,
        "Culture");
    add("u/s3", "Treaty Signed", "2024-06-19", "signing", "inbound", "held",
        "Russia", "Pyongyang", d, NULL, "Diplomacy");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(e[0].event_type, "summit");
        CHECK_STR(e[0].title, "DPRK-Russia Summit Talks Held");
        CHECK_INT(e[0].n_reports, 4);
        CHECK_STR(e[0].sector, "Diplomacy");
        CHECK_INT(e[0].table, 1);
    }
    store_events_free(e, n);
    reset();
}

static void test_left_out(void)
{
    add("u/p1", "Cuban Delegation to Visit DPRK", "2024-02-01", "visit",
        "inbound", "planned", "Cuba", NULL, "Cuban party delegation", NULL,
        NULL);
    add("u/m1", "Kim Jong Un Sends Message to Lao President", "2024-02-03",
        "message", "outbound", "held", "Laos", NULL, NULL, NULL, NULL);
    /* Not events at all: no kind; bilateral without a counterpart. */
    add("u/x1", "Editorial", "2024-02-03", NULL, NULL, NULL, "China", NULL,
        NULL, NULL, NULL);
    add("u/x2", "Delegation Arrives", "2024-02-03", "visit", "inbound",
        "arrived", NULL, NULL, "someone", NULL, NULL);
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 2);
    if (n == 2) {
        /* Both table 0: by month, then country (Cuba < Laos). */
        CHECK_INT(e[0].table, 0);
        CHECK_STR(e[0].country, "Cuba");
        CHECK_STR(e[0].leftout, "announced or cancelled, not held");
        CHECK_INT(e[1].table, 0);
        CHECK_STR(e[1].country, "Laos");
        CHECK_STR(e[1].event_type, "message");
        CHECK_STR(e[1].leftout,
                  "non-face-to-face exchange: message or letter");
    }
    store_events_free(e, n);
    reset();
}

static void test_tables(void)
{
    add("u/c1", "Chinese Delegation Arrives", "2024-04-11", "visit",
        "inbound", "arrived", "China", NULL, "Zhao Leji party", NULL,
        "Diplomacy");
    add("u/f1", "April Spring Art Festival Opens", "2024-04-12", "festival",
        "inbound", "held", NULL, "Pyongyang", NULL,
        "April Spring Friendship Art Festival", "Culture");
    /* A participant named as country still files under the DPRK host:
     * the report is about foreign artists arriving for the festival. */
    add("u/f2", "Russian Artists Arrive for Festival", "2024-04-10",
        "festival", "inbound", "arrived", "Russia", NULL, NULL,
        "April Spring Friendship Art Festival", "Culture");
    add("u/w1", "Health Minister Attends World Health Assembly",
        "2024-05-28", "conference", "outbound", "held", "Switzerland", NULL,
        NULL, "World Health Assembly", "Health");
    add("u/r1", "Russian Youth Delegation Arrives", "2024-05-02", "visit",
        "inbound", "arrived", "Russia", "Pyongyang",
        "Russian youth delegation", NULL, "Social Friendship");
    add("u/k1", "Unknown Kind Report", "2024-05-02", "parade", "inbound",
        "held", "Russia", NULL, NULL, NULL, NULL);
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 5);
    if (n == 5) {
        CHECK_INT(e[0].table, 1);
        CHECK_STR(e[0].country, "Russia");
        CHECK_INT(e[1].table, 2);
        CHECK_STR(e[1].country, "China");
        CHECK_STR(e[1].location, "Pyongyang");
        /* Table 3, newest month first: WHA (May) then festival (April). */
        CHECK_INT(e[2].table, 3);
        CHECK_STR(e[2].country, "Switzerland");
        CHECK_STR(e[2].location, "Switzerland");
        CHECK_STR(e[2].event_type, "conference");
        CHECK_INT(e[3].table, 3);
        CHECK_STR(e[3].country, "DPRK");
        CHECK_STR(e[3].location, "Pyongyang");
        CHECK_INT(e[3].n_reports, 2);
        CHECK_STR(e[3].first_date, "2024-04-10");
        CHECK_STR(e[3].month, "2024-04");
        CHECK_STR(e[3].event_name, "April Spring Friendship Art Festival");
        CHECK_INT(e[4].table, 0);
        CHECK_STR(e[4].leftout, "kind not listed in tables.conf");
    }
    store_events_free(e, n);
    reset();
}

/* A delegation that leaves at the end of February for a festival opening
 * in March: the event starts, and is dated, when it is under way. */
static void test_start_month(void)
{
    add("u/y1", "Youth Delegation Leaves for World Youth Festival",
        "2024-02-28", "festival", "outbound", "departed", "Russia", NULL,
        "youth", "World Youth Festival", "Other");
    add("u/y2", "World Youth Festival Opens", "2024-03-02", "festival",
        "outbound", "held", "Russia", NULL, "youth", "World Youth Festival",
        "Other");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(e[0].first_date, "2024-03-02");
        CHECK_STR(e[0].month, "2024-03");
        CHECK_STR(e[0].last_date, "2024-03-02");
        CHECK_INT(e[0].n_reports, 2);
    }
    store_events_free(e, n);
    reset();
    /* With no report under way, the first report dates it. */
    add("u/y3", "Youth Delegation Leaves", "2024-02-28", "festival",
        "outbound", "departed", "Russia", NULL, "youth",
        "World Youth Festival", "Other");
    e = run(&n);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_STR(e[0].month, "2024-02");
    store_events_free(e, n);
    reset();
}

/* One delegation's two trips less than a gap apart: a new departure after
 * the first trip was under way opens a second event (tables.conf
 * "restart"); so does a guest delegation arriving again after leaving. */
static void test_restart(void)
{
    add("u/v1", "Youth Delegation on Visit to Russia", "2024-03-25", "visit",
        "outbound", "held", "Russia", NULL, "youth", NULL,
        "Social Friendship");
    add("u/v2", "Youth Delegation Leaves for Russia", "2024-04-08", "visit",
        "outbound", "departed", "Russia", NULL, "youth", NULL,
        "Social Friendship");
    add("u/v3", "Youth Delegation Back Home", "2024-04-16", "visit",
        "outbound", "returned", "Russia", NULL, "youth", NULL,
        "Social Friendship");
    add("u/g1", "Chinese Art Troupe Arrives", "2024-05-01", "visit",
        "inbound", "arrived", "China", NULL, "art troupe", NULL, "Culture");
    add("u/g2", "Chinese Art Troupe Leaves", "2024-05-04", "visit",
        "inbound", "departed", "China", NULL, "art troupe", NULL, "Culture");
    add("u/g3", "Chinese Art Troupe Arrives Again", "2024-05-12", "visit",
        "inbound", "arrived", "China", NULL, "art troupe", NULL, "Culture");
    /* A one-day visit: its departure report sorts before its arrival
     * report (same day, URL order) and must not open a second event. */
    add("u/p1", "Leader Leaves Pyongyang", "2024-06-19", "summit", "inbound",
        "departed", "Russia", NULL, "leaders", NULL, "Diplomacy");
    add("u/p2", "Leader Arrives in Pyongyang", "2024-06-19", "summit",
        "inbound", "arrived", "Russia", NULL, "leaders", NULL, "Diplomacy");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 5);
    if (n == 5) {
        /* Export order: table, month (newest first). */
        CHECK_STR(e[0].month, "2024-06");
        CHECK_INT(e[0].n_reports, 2);
        CHECK_STR(e[1].month, "2024-04");
        CHECK_INT(e[1].n_reports, 2);
        CHECK_STR(e[1].first_date, "2024-04-08");
        CHECK_STR(e[2].month, "2024-03");
        CHECK_INT(e[2].n_reports, 1);
        CHECK_INT(e[3].n_reports + e[4].n_reports, 3);
        CHECK_STR(e[3].country, "China");
        CHECK_STR(e[4].country, "China");
    }
    store_events_free(e, n);
    reset();
}

/* Nobody travelled: a report naming a country and a visit-like kind but no
 * direction ("Students Visit Exhibition on Russian Culture") is left out. */
static void test_undirected(void)
{
    add("u/s1", "Students Visit Exhibition on Russian Culture", "2024-02-10",
        "visit", NULL, "held", "Russia", "Pyongyang", NULL, NULL, "Culture");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(e[0].table, 0);
        CHECK_STR(e[0].leftout,
                  "nobody is said to have travelled: a mention, not a visit");
    }
    store_events_free(e, n);
    reset();
}

/* A lone report of talks held during a visit, whose delegation is named
 * differently, joins the visit; a lone arrival of another delegation in
 * the same days does not (tables.conf "absorb"). */
static void test_absorb(void)
{
    add("u/m1", "Russian Military Delegation Arrives", "2024-07-27", "visit",
        "inbound", "arrived", "Russia", "Pyongyang", "Ministry of Defence",
        NULL, "Military");
    add("u/m2", "Russian Military Delegation Leaves", "2024-07-30", "visit",
        "inbound", "departed", "Russia", "Pyongyang", "Ministry of Defence",
        NULL, "Military");
    add("u/m3", "Talks between Military Delegations", "2024-07-28", "talks",
        "inbound", "held", "Russia", "Pyongyang", "KPA", NULL, "Military");
    add("u/m4", "Russian Naval Delegation Arrives", "2024-07-29", "visit",
        "inbound", "arrived", "Russia", "Pyongyang", "Navy", NULL,
        "Military");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 2);
    if (n == 2) {
        int a = e[0].n_reports == 3 ? 0 : 1;
        CHECK_INT(e[a].n_reports, 3);
        CHECK_STR(e[a].event_type, "talks");
        CHECK_INT(e[!a].n_reports, 1);
        CHECK_STR(e[!a].delegation, "Navy");
    }
    store_events_free(e, n);
    reset();
}

/* A return report that names the meeting but not where it was held joins
 * that meeting's event. */
static void test_hostless(void)
{
    add("u/w1", "GFTUK Delegation Leaves for Brazil", "2024-03-04",
        "conference", "outbound", "departed", "Brazil", NULL, "GFTUK",
        "WFTU meeting", "Other");
    add("u/w2", "WFTU Presidential Council Meets in Sao Paulo", "2024-03-06",
        "conference", "outbound", "held", "Brazil", NULL, "GFTUK",
        "WFTU meeting", "Other");
    add("u/w3", "GFTUK Delegation Back Home", "2024-03-12", "conference",
        "outbound", "returned", NULL, NULL, "GFTUK", "WFTU meeting", "Other");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(e[0].n_reports, 3);
        CHECK_STR(e[0].country, "Brazil");
        CHECK_INT(e[0].table, 3);
    }
    store_events_free(e, n);
    reset();
}

/* A table row has a place and a field: an event with no host, or no
 * sector, in any of its reports is left out with the configured reason. */
static void test_unplaced(void)
{
    add("u/n1", "Foreign Parties Support Launch", "2023-11-25", "conference",
        "outbound", "held", NULL, NULL, NULL, "parties", "Other");
    add("u/n2", "Flights to Beijing Resume", "2023-08-23", "visit",
        "outbound", "held", "China", NULL, NULL, NULL, NULL);
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++)
        CHECK_INT(e[i].table, 0);
    if (n == 2) {
        int a = e[0].country ? 1 : 0; /* the hostless one */
        CHECK_STR(e[a].leftout, "no country or host named: cannot be placed");
        CHECK_STR(e[!a].leftout,
                  "no organisation or field named: not an identifiable "
                  "exchange");
    }
    store_events_free(e, n);
    reset();
}

/* A visit whose reports name no delegation, and a conference whose reports
 * name no event, have no identifiable party: left out. */
static void test_unnamed(void)
{
    add("u/q1", "Visits Russian Exhibition", "2024-02-02", "visit",
        "outbound", "held", "Russia", NULL, NULL, NULL, "Culture");
    add("u/q2", "Conference Held in Moscow", "2024-02-05", "conference",
        "outbound", "held", "Russia", NULL, "GFTUK", NULL, "Other");
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(e[i].table, 0);
        CHECK_STR(e[i].leftout,
                  "no delegation or named event: not an identifiable "
                  "exchange");
    }
    store_events_free(e, n);
    reset();
}

/* One report's strong sector cue outweighs another's weak one: a
 * government delegation headed by the ecology minister came for the
 * intergovernmental commission (Economy), whatever its head's title says. */
static void test_weighted_sector(void)
{
    add("u/k1", "Russian Government Delegation Arrives", "2023-11-15",
        "visit", "inbound", "arrived", "Russia", "Pyongyang", "government",
        NULL, "Environment");
    ms[n_ms - 1].sector_weight = 50;
    add("u/k2", "Intergovernmental Commission Meets", "2023-11-16",
        "meeting", "inbound", "held", "Russia", "Pyongyang", "government",
        NULL, "Economy");
    ms[n_ms - 1].sector_weight = 60;
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_STR(e[0].sector, "Economy");
    store_events_free(e, n);
    reset();
}

/* An anonymous report that two clusters could claim stays on its own. */
static void test_ambiguous_anonymous(void)
{
    add("u/a", "Delegation A Arrives", "2024-01-10", "visit", "inbound",
        "arrived", "Russia", NULL, "delegation A", NULL, NULL);
    add("u/b", "Delegation B Arrives", "2024-01-12", "visit", "inbound",
        "arrived", "Russia", NULL, "delegation B", NULL, NULL);
    add("u/c", "Russian Guests Tour Factory", "2024-01-11", "visit",
        "inbound", "held", "Russia", NULL, NULL, NULL, NULL);
    size_t n = 0;
    store_event *e = run(&n);
    CHECK_INT(n, 3);
    for (size_t i = 0; i < n; i++)
        CHECK_INT(e[i].n_reports, 1);
    store_events_free(e, n);
    reset();
}

/* A text form of the whole result, for comparing runs. */
static char *describe(const store_event *e, size_t n)
{
    kt_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        kt_buf_printf(&b, "%s|%d|%s|%s|%s|%s|%s|%s|%s|%s:", e[i].event_id,
                      e[i].table, e[i].month, e[i].country, e[i].location,
                      e[i].sector ? e[i].sector : "-", e[i].event_type,
                      e[i].title, e[i].first_date, e[i].last_date);
        for (size_t j = 0; j < e[i].n_reports; j++)
            kt_buf_printf(&b, "%s,", e[i].urls[j]);
        kt_buf_puts(&b, "\n");
    }
    return kt_buf_take(&b);
}

static void test_determinism(void)
{
    /* Everything above at once. */
    const char *d = "Putin party";
    add("u/arrive", "Arrives", "2023-11-14", "visit", "inbound", "arrived",
        "Russia", "Pyongyang", RU_GOV, NULL, "Economy");
    add("u/talks", "Talks", "2023-11-15", "talks", "inbound", "held",
        "Russia", NULL, RU_GOV, NULL, "Economy");
    add("u/banquet", "Banquet", "2023-11-15", "reception", "inbound", "held",
        "Russia", "Pyongyang", NULL, NULL, "Diplomacy");
    add("u/s1", "Summit", "2024-06-19", "summit", "inbound", "held",
        "Russia", "Pyongyang", d, NULL, "Diplomacy");
    add("u/s2", "Concert", "2024-06-19", "performance", "inbound", "held",
        "Russia", "Kangwon Province", d, NULL, "Culture");
    add("u/s3", "Signing", "2024-06-19", "signing", "inbound", "held",
        "Russia", "Pyongyang", d, NULL, NULL);
    add("u/c", "Chinese Visit", "2024-01-11", "visit", "inbound", "held",
        "China", NULL, "Chinese delegation", NULL, "Diplomacy");
    add("u/m1", "Message", "2024-02-03", "message", "outbound", "held",
        "Laos", NULL, NULL, NULL, NULL);
    add("u/m2", "Message Again", "2024-02-04", "message", "outbound", "held",
        "Laos", NULL, NULL, NULL, NULL);
    /* two days on: no longer the same event (leftout_gap 1) */
    add("u/m3", "Third Message", "2024-02-06", "message", "outbound", "held",
        "Laos", NULL, NULL, NULL, NULL);
    add("u/f1", "Festival", "2024-04-12", "festival", "inbound", "held",
        NULL, "Pyongyang", NULL, "Festival X", "Culture");
    add("u/w1", "WHA", "2024-05-28", "conference", "outbound", "held",
        "Switzerland", NULL, NULL, "WHA", "Health");
    size_t n0 = 0;
    store_event *e0 = run(&n0);
    char *want = describe(e0, n0);
    CHECK_INT(n0, 7);
    if (n0 == 7) {
        /* Summit: sector tie Diplomacy/Culture goes to the summit report;
         * location is the most common DPRK place. */
        CHECK_STR(e0[0].event_type, "summit");
        CHECK_STR(e0[0].sector, "Diplomacy");
        CHECK_STR(e0[0].location, "Pyongyang");
        CHECK_INT(e0[1].n_reports, 3);
        CHECK_STR(e0[2].country, "China");
        /* messages a day apart are one event, two days apart two */
        CHECK_INT(e0[5].n_reports + e0[6].n_reports, 3);
        CHECK(e0[5].n_reports == 2 || e0[6].n_reports == 2);
    }
    unsigned seed = 12345;
    for (int round = 0; round < 20; round++) {
        for (size_t i = n_ms - 1; i > 0; i--) {
            seed = seed * 1103515245u + 12345u;
            size_t j = (seed >> 16) % (i + 1);
            store_mention t = ms[i];
            ms[i] = ms[j];
            ms[j] = t;
        }
        size_t n = 0;
        store_event *e = run(&n);
        char *got = describe(e, n);
        CHECK_STR(got, want);
        free(got);
        store_events_free(e, n);
    }
    free(want);
    store_events_free(e0, n0);
    reset();
}

static void test_parse_errors(void)
{
    struct {
        const char *text, *want;
    } cases[] = {
        {"gap 15\nkind visit sideways 3\n",
         "t.conf:2: category must be bilateral, multilateral or leftout"},
        {"kind message leftout 3\n", "t.conf:1: a leftout kind needs a reason"},
        {"gap x\n", "t.conf:1: expected: gap DAYS (0..3650)"},
        {"table 1 bilateral colour=red\n",
         "t.conf:1: condition keys are country, kind, direction"},
        {"frobnicate\n", "t.conf:1: unknown directive"},
        {"# nothing\n", "t.conf: no 'gap' line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        store_tables *t = NULL;
        char *err = NULL;
        CHECK_INT(store_tables_parse("t.conf", cases[i].text, &t, &err), -1);
        CHECK(t == NULL);
        CHECK_STR(err, cases[i].want);
        free(err);
    }
    /* Quoted condition values hold blanks. */
    const char *ok =
        "gap 10\nhome_country DPRK\nhome_location Pyongyang\n"
        "home_direction inbound\nnot_held_reason not held\n"
        "kind visit bilateral 1\n"
        "table 4 bilateral country=\"South Africa\"\ntable 2 bilateral\n";
    store_tables *t = NULL;
    char *err = NULL;
    CHECK_INT(store_tables_parse("t.conf", ok, &t, &err), 0);
    CHECK_STR(err, NULL);
    add("u/za", "South African Delegation Arrives", "2024-01-01", "visit",
        "inbound", "arrived", "South Africa", NULL, "za", NULL, NULL);
    store_event *e = NULL;
    size_t n = 0;
    CHECK_INT(store_consolidate(t, ms, n_ms, &e, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(e[0].table, 4);
    store_events_free(e, n);
    store_tables_free(t);
    free(err);
    reset();
}

int main(void)
{
    size_t len = 0;
    char *text = kt_read_file(KT_TABLES_CONF, &len);
    CHECK(text != NULL);
    char *err = NULL;
    CHECK_INT(store_tables_parse(KT_TABLES_CONF, text, &tables, &err), 0);
    CHECK_STR(err, NULL);
    free(text);
    free(err);
    if (!tables)
        return kt_test_summary();
    test_one_visit();
    test_two_delegations();
    test_gap_splits();
    test_summit();
    test_left_out();
    test_tables();
    test_start_month();
    test_restart();
    test_undirected();
    test_absorb();
    test_hostless();
    test_unplaced();
    test_weighted_sector();
    test_unnamed();
    test_ambiguous_anonymous();
    test_determinism();
    test_parse_errors();
    store_tables_free(tables);
    return kt_test_summary();
}
