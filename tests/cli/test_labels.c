/*
 * Unit tests for cli/labels.c and cli/labels_out.c: loading a labels file,
 * and scoring a fixture in which every class of disagreement occurs, with
 * the exact output in each format. No database, no network.
 */
#include "kt_test.h"
#include "labels.h"

#include <stdlib.h>
#include <unistd.h>

#include "kt_util.h"

/* Writes text to a fresh temporary file; returns its malloc'd path. */
static char *temp_file(const char *text)
{
    char *path = kt_strdup0("/tmp/kt-labels-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return path;
    size_t len = strlen(text);
    CHECK_INT(write(fd, text, len), (long long)len);
    close(fd);
    return path;
}

static const char reference_csv[] =
    "row_id,table,month,country,location,sector,description\n"
    "R1,1,2012-04,Russia,Pyongyang,Culture,art troupe\n"
    "R2,2,2012-04,China,Pyongyang,Economy,trade delegation\n"
    "R3,2,2012-05,Laos,Pyongyang,Diplomacy,party delegation\n"
    "R4,1,2012-05,Russia,Russia,Military,army delegation to Russia\n"
    "R5,2,2012-05,Cuba,Pyongyang,Culture,ballet\n"
    "R6,3,2012-04,,Pyongyang,Culture,art festival\n"
    "R7,2,2012-04,Laos,Laos,Diplomacy,visit to Laos\n"
    "R8,1,2012-04,Russia,Pyongyang,Economy,forestry talks\n"
    "R9,2,2012-05,China,China,Diplomacy,party delegation to China\n"
    "R10,2,2012-05,China,China,Economy,trade delegation to China\n"
    "R11,2,2012-04,Mongolia,Pyongyang,Health,doctors\n"
    "R12,2,2012-04,Mongolia,Pyongyang,Health,hospital builders\n"
    "R13,3,2012-05,,Pyongyang,Culture,film festival\n"
    "R14,1,2012-05,Russia,Pyongyang,Sports,sports ministry\n";

/* One report a line, each a case of the fixture (see test_score). */
static const char labels_csv[] =
    "url,label,date,doubt,note\n"
    "http://t/1,R1,2012-04-01,,arrival\n"
    "http://t/2,R1,,,\n"
    "http://t/3,R2,,,\n"
    "http://t/4,R3,,,\n"
    "http://t/5,R4,,,\n"
    "http://t/6,R5,,,\n"
    "http://t/7,R6,,,\n"
    "http://t/8,R7,,,\n"
    "http://t/9,R7,,,\n"
    "http://t/10,message,,,\"a message, conveyed\"\n"
    "http://t/11,R8,,,\n"
    "http://t/12,R8,,,\n"
    "http://t/13,R8,,,\n"
    "http://t/14,R9,,,\n"
    "http://t/15,R9,,,\n"
    "http://t/16,R10,,,\n"
    "http://t/missing,none,,,\n"
    "http://t/17,R12,,,\n"
    "http://t/18,R11,,,\n"
    "#19, R13 ; R1 ;R1,,,\n"
    "http://t/20,statement,,,\n"
    "http://t/21,none,,,\n"
    "http://t/22,R1,,,\n"
    "http://t/23,R2,,,\n";

typedef struct fixture_event {
    const char *id;
    int table;
    const char *month, *country, *location, *sector, *kind, *first;
    const char *leftout;
    int64_t docs[4];
} fixture_event;

static const fixture_event fixture[] = {
    /* R1's event; also a message report and a two-row report. */
    {"ev-r1", 1, "2012-04", "Russia", "Pyongyang", "Culture", "visit",
     "2012-04-02", NULL, {1, 2, 10, 19}},
    {"ev-t3", 3, "2012-04", "DPRK", "Pyongyang", "Economy", "conference",
     "2012-04-09", NULL, {3}},
    {"ev-vn", 2, "2012-05", "Vietnam", "Pyongyang", "Diplomacy", "visit",
     "2012-05-03", NULL, {4}},
    {"ev-ru", 1, "2012-05", "Russia", "Pyongyang", "Military", "visit",
     "2012-05-07", NULL, {5}},
    /* After the reference's period: paired with nothing. */
    {"ev-cu", 2, "2012-06", "Cuba", "Pyongyang", "Culture", "performance",
     "2012-06-01", NULL, {6}},
    {"ev-fe", 3, "2012-04", "DPRK", "Pyongyang", "Academic", "festival",
     "2012-04-15", NULL, {7}},
    /* A table kind left out: given "none". */
    {"ev-la", 0, "2012-04", "Laos", "Laos", "Diplomacy", "visit",
     "2012-04-11", "announced or cancelled, not held", {8}},
    /* R8 told in two events with its values: the first gets it. */
    {"ev-e1", 1, "2012-04", "Russia", "Pyongyang", "Economy", "talks",
     "2012-04-05", NULL, {11, 12}},
    {"ev-e2", 1, "2012-04", "Russia", "Pyongyang", "Economy", "signing",
     "2012-04-25", NULL, {13}},
    /* R9, R10 and R2 in one event, which takes R9's values. */
    {"ev-cn", 2, "2012-05", "China", "China", "Diplomacy", "visit",
     "2012-05-10", NULL, {14, 15, 16, 23}},
    /* R11 and R12 share their values: compare pairs R11 with the first
     * event, the labels say it is the second's. */
    {"ev-m1", 2, "2012-04", "Mongolia", "Pyongyang", "Health", "visit",
     "2012-04-03", NULL, {17}},
    {"ev-m2", 2, "2012-04", "Mongolia", "Pyongyang", "Health", "visit",
     "2012-04-20", NULL, {18}},
    {"ev-ms", 0, "2012-04", "China", NULL, NULL, "message", "2012-04-08",
     "non-face-to-face exchange: message or letter", {20}},
    /* R14's event (no report labelled R14) holds a report of R1, whose
     * own event is ev-r1: the report is in another exchange's event, not
     * a second event of R1's. */
    {"ev-sp", 1, "2012-05", "Russia", "Pyongyang", "Sports", "visit",
     "2012-05-20", NULL, {22}},
};
#define N_EV (sizeof fixture / sizeof fixture[0])

static size_t make_events(store_event *ev)
{
    for (size_t i = 0; i < N_EV; i++) {
        const fixture_event *f = &fixture[i];
        store_event e = {0};
        e.event_id = (char *)f->id;
        e.table = f->table;
        e.month = (char *)f->month;
        e.country = (char *)f->country;
        e.location = (char *)f->location;
        e.sector = (char *)f->sector;
        e.event_type = (char *)f->kind;
        e.leftout = (char *)f->leftout;
        e.first_date = e.last_date = (char *)f->first;
        e.document_ids = (int64_t *)f->docs;
        while (e.n_reports < 4 && f->docs[e.n_reports])
            e.n_reports++;
        ev[i] = e;
    }
    return N_EV;
}

/* Loads labels text against the fixture's reference; returns what
 * cli_labels_load returned and its error in *err. */
static int load(const char *text, cli_ref_row *ref, size_t nref,
                cli_label **l, size_t *n, char **err)
{
    char *p = temp_file(text);
    *err = NULL;
    int rc = cli_labels_load(p, "ref.csv", ref, nref, l, n, err);
    if (*err) { /* the temporary name varies: keep from the line number */
        char *colon = strchr(*err, ':');
        char *rest = kt_strdup0(colon ? colon + 1 : *err);
        free(*err);
        *err = rest;
    }
    unlink(p);
    free(p);
    return rc;
}

static void test_load(cli_ref_row *ref, size_t nref)
{
    cli_label *l = NULL;
    size_t n = 0;
    char *err = NULL;
    CHECK_INT(load(labels_csv, ref, nref, &l, &n, &err), 0);
    CHECK_INT(n, 24);
    if (n == 24) {
        CHECK_INT(l[0].line, 2);
        CHECK_STR(l[0].report, "http://t/1");
        CHECK_INT(l[0].n_rows, 1);
        CHECK_INT(l[0].rows[0], 0);
        CHECK_STR(l[9].kind, "message");
        CHECK(l[9].rows == NULL);
        CHECK_INT(l[19].named_id, 19);
        CHECK_STR(l[19].label, "R13 ; R1 ;R1");
        CHECK_INT(l[19].n_rows, 2); /* R1 once */
        CHECK_INT(l[19].rows[0], 12);
        CHECK_INT(l[19].rows[1], 0);
        CHECK_INT(l[21].line, 23);
        CHECK_INT(l[23].line, 25);
    }
    cli_labels_free(l, n);
    struct {
        const char *text, *err;
    } bad[] = {
        {"report,label\nhttp://t/1,R1\n",
         "1: the header must begin with url,label"},
        {"url\n", "1: the header must begin with url,label"},
        {"url,label\nhttp://t/1,R1\nhttp://t/2,RX-033\n",
         "3: 'RX-033' is neither a row id of ref.csv nor a left-out kind "
         "(one lower-case word)"},
        {"url,label\nhttp://t/1,R1;Message\n",
         "2: 'Message' is neither a row id of ref.csv nor a left-out kind "
         "(one lower-case word)"},
        {"url,label\nhttp://t/1,R1;\n", "2: an empty row id in 'R1;'"},
        {"url,label\nhttp://t/1,\n",
         "2: a report (its URL, or #ID) and a label are needed"},
        {"url,label\n#x1,none\n", "2: '#x1' is not a document id (#ID)"},
        {"url,label,note\nhttp://t/1,none,\"a\nb\"\nhttp://t/1,R2\n",
         "4: http://t/1 is labelled twice (also line 2)"},
        {"url,label\n\"open,R1\n", "2: malformed CSV record"},
    };
    CHECK_INT(cli_labels_load("/nonexistent/labels.csv", "ref.csv", ref, nref,
                              &l, &n, &err), -2);
    CHECK_STR(err, "/nonexistent/labels.csv: cannot read the labels file: "
                   "No such file or directory");
    free(err);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        l = NULL;
        CHECK_INT(load(bad[i].text, ref, nref, &l, &n, &err), -1);
        CHECK_STR(err, bad[i].err);
        CHECK(l == NULL);
        free(err);
    }
}

/* What the fixture gives, in each format. Line 2 and 3 agree (R1's
 * event); 4-8 differ from their rows in one value each; 9 is in a left-out
 * event, 10 in none; 11 is a message in a tabled event; 12-14: R8's
 * reports in two events with its values; 15-17: R9's and R10's in one; 18
 * is not in the database; 19-20: R11 and R12, which share their values,
 * agree once each event is given the row its reports name; 21 names two
 * rows; 22-23 are rightly left out (22 as another kind); 24 is in
 * another row's event, differing from its own row in the month; 25 is a
 * third row's report in the event of 15-17. */
static const char want_text[] =
    "Labels labels.csv scored against ref.csv\n"
    "24 labels: 23 reports found, 1 not in the database; 11 agree, 12"
    " disagree\n"
    "\n"
    "Scores         labelled  given  agree precision recall    F1\n"
    "Table 1               8      9      5     0.556  0.625 0.588\n"
    "Table 2              11      8      4     0.500  0.364 0.421\n"
    "Table 3               1      2      0     0.000  0.000 0.000\n"
    "All tables           20     19      9     0.474  0.450 0.462\n"
    "Left out              3      4      2     0.500  0.667 0.571\n"
    "  message             1      1      0     0.000  0.000 0.000\n"
    "  none                1      3      1     0.333  1.000 0.500\n"
    "  statement           1      0      0     0.000  0.000 0.000\n"
    "\n"
    "Disagreements by class\n"
    "  wrong table                      1\n"
    "  wrong country                    1\n"
    "  wrong direction or location      1\n"
    "  wrong month                      2\n"
    "  wrong sector                     1\n"
    "  left out wrongly                 2\n"
    "  kept wrongly                     1\n"
    "  split                            1\n"
    "  merged                           2\n"
    "  all                             12\n"
    "  not in the database              1\n"
    "\n"
    "Disagreements\n"
    "line 4: wrong table\n"
    "  report  http://t/3\n"
    "  label   R2  Table 2 2012-04  China / Pyongyang / Economy\n"
    "  event   ev-t3  Table 3 2012-04  DPRK / Pyongyang / Economy "
    " (conference, 1 report)\n"
    "  why     table: row 2, event 3\n"
    "line 5: wrong country\n"
    "  report  http://t/4\n"
    "  label   R3  Table 2 2012-05  Laos / Pyongyang / Diplomacy\n"
    "  event   ev-vn  Table 2 2012-05  Vietnam / Pyongyang / Diplomacy "
    " (visit, 1 report)\n"
    "  why     country: row Laos, event Vietnam\n"
    "line 6: wrong direction or location\n"
    "  report  http://t/5\n"
    "  label   R4  Table 1 2012-05  Russia / Russia / Military\n"
    "  event   ev-ru  Table 1 2012-05  Russia / Pyongyang / Military "
    " (visit, 1 report)\n"
    "  why     location: row Russia, event Pyongyang\n"
    "line 7: wrong month\n"
    "  report  http://t/6\n"
    "  label   R5  Table 2 2012-05  Cuba / Pyongyang / Culture\n"
    "  event   ev-cu  Table 2 2012-06  Cuba / Pyongyang / Culture "
    " (performance, 1 report)\n"
    "  why     month: row 2012-05, event 2012-06\n"
    "line 24: wrong month\n"
    "  report  http://t/22\n"
    "  label   R1  Table 1 2012-04  Russia / Pyongyang / Culture\n"
    "  event   ev-sp  Table 1 2012-05  Russia / Pyongyang / Sports "
    " (visit, 1 report; matches R14)\n"
    "  why     month: row 2012-04, event 2012-05\n"
    "line 8: wrong sector\n"
    "  report  http://t/7\n"
    "  label   R6  Table 3 2012-04  - / Pyongyang / Culture\n"
    "  event   ev-fe  Table 3 2012-04  DPRK / Pyongyang / Academic "
    " (festival, 1 report)\n"
    "  why     sector: row Culture, event Academic\n"
    "line 9: left out wrongly\n"
    "  report  http://t/8\n"
    "  label   R7  Table 2 2012-04  Laos / Laos / Diplomacy\n"
    "  event   ev-la  left out 2012-04  Laos / Laos / Diplomacy  (visit,"
    " 1 report)\n"
    "  why     left out: announced or cancelled, not held\n"
    "line 10: left out wrongly\n"
    "  report  http://t/9\n"
    "  label   R7  Table 2 2012-04  Laos / Laos / Diplomacy\n"
    "  event   none\n"
    "  why     in no event: no rule gave it a kind\n"
    "line 11: kept wrongly\n"
    "  report  http://t/10\n"
    "  label   message\n"
    "  event   ev-r1  Table 1 2012-04  Russia / Pyongyang / Culture "
    " (visit, 4 reports; matches R1)\n"
    "line 14: split\n"
    "  report  http://t/13\n"
    "  label   R8  Table 1 2012-04  Russia / Pyongyang / Economy\n"
    "  event   ev-e2  Table 1 2012-04  Russia / Pyongyang / Economy "
    " (signing, 1 report)\n"
    "  why     its row's event is ev-e1\n"
    "line 17: merged\n"
    "  report  http://t/16\n"
    "  label   R10  Table 2 2012-05  China / China / Economy\n"
    "  event   ev-cn  Table 2 2012-05  China / China / Diplomacy "
    " (visit, 4 reports; matches R9)\n"
    "  why     the event also holds reports of R9 and of 1 other row\n"
    "line 25: merged\n"
    "  report  http://t/23\n"
    "  label   R2  Table 2 2012-04  China / Pyongyang / Economy\n"
    "  event   ev-cn  Table 2 2012-05  China / China / Diplomacy "
    " (visit, 4 reports; matches R9)\n"
    "  why     the event also holds reports of R9 and of 1 other row\n"
    "\n"
    "Not in the database\n"
    "  line 18: http://t/missing\n";

static const char want_csv[] =
    "line,report,document_id,label,outcome,class,given,row_id,event_id,ev"
    "ent_table,month,country,location,sector,event_type,detail\n"
    "2,http://t/1,1,R1,agree,Table 1,Table"
    " 1,R1,ev-r1,1,2012-04,Russia,Pyongyang,Culture,visit,\n"
    "3,http://t/2,2,R1,agree,Table 1,Table"
    " 1,R1,ev-r1,1,2012-04,Russia,Pyongyang,Culture,visit,\n"
    "4,http://t/3,3,R2,wrong table,Table 2,Table"
    " 3,R2,ev-t3,3,2012-04,DPRK,Pyongyang,Economy,conference,\"table:"
    " row 2, event 3\"\n"
    "5,http://t/4,4,R3,wrong country,Table 2,Table"
    " 2,R3,ev-vn,2,2012-05,Vietnam,Pyongyang,Diplomacy,visit,\"country:"
    " row Laos, event Vietnam\"\n"
    "6,http://t/5,5,R4,wrong direction or location,Table 1,Table"
    " 1,R4,ev-ru,1,2012-05,Russia,Pyongyang,Military,visit,\"location:"
    " row Russia, event Pyongyang\"\n"
    "7,http://t/6,6,R5,wrong month,Table 2,Table"
    " 2,R5,ev-cu,2,2012-06,Cuba,Pyongyang,Culture,performance,\"month:"
    " row 2012-05, event 2012-06\"\n"
    "8,http://t/7,7,R6,wrong sector,Table 3,Table"
    " 3,R6,ev-fe,3,2012-04,DPRK,Pyongyang,Academic,festival,\"sector:"
    " row Culture, event Academic\"\n"
    "9,http://t/8,8,R7,left out wrongly,Table"
    " 2,none,R7,ev-la,,2012-04,Laos,Laos,Diplomacy,visit,\"left out:"
    " announced or cancelled, not held\"\n"
    "10,http://t/9,9,R7,left out wrongly,Table 2,none,R7,,,,,,,,in no"
    " event: no rule gave it a kind\n"
    "11,http://t/10,10,message,kept wrongly,message,Table"
    " 1,,ev-r1,1,2012-04,Russia,Pyongyang,Culture,visit,\n"
    "12,http://t/11,11,R8,agree,Table 1,Table"
    " 1,R8,ev-e1,1,2012-04,Russia,Pyongyang,Economy,talks,\n"
    "13,http://t/12,12,R8,agree,Table 1,Table"
    " 1,R8,ev-e1,1,2012-04,Russia,Pyongyang,Economy,talks,\n"
    "14,http://t/13,13,R8,split,Table 1,Table"
    " 1,R8,ev-e2,1,2012-04,Russia,Pyongyang,Economy,signing,its row's"
    " event is ev-e1\n"
    "15,http://t/14,14,R9,agree,Table 2,Table"
    " 2,R9,ev-cn,2,2012-05,China,China,Diplomacy,visit,\n"
    "16,http://t/15,15,R9,agree,Table 2,Table"
    " 2,R9,ev-cn,2,2012-05,China,China,Diplomacy,visit,\n"
    "17,http://t/16,16,R10,merged,Table 2,Table"
    " 2,R10,ev-cn,2,2012-05,China,China,Diplomacy,visit,the event also"
    " holds reports of R9 and of 1 other row\n"
    "18,http://t/missing,,none,not in the database,,,,,,,,,,,\n"
    "19,http://t/17,17,R12,agree,Table 2,Table"
    " 2,R12,ev-m1,2,2012-04,Mongolia,Pyongyang,Health,visit,\n"
    "20,http://t/18,18,R11,agree,Table 2,Table"
    " 2,R11,ev-m2,2,2012-04,Mongolia,Pyongyang,Health,visit,\n"
    "21,#19,19,R13 ; R1 ;R1,agree,Table 1,Table"
    " 1,R1,ev-r1,1,2012-04,Russia,Pyongyang,Culture,visit,\n"
    "22,http://t/20,20,statement,agree,statement,message,,ev-ms,,2012-04,"
    "China,,,message,\n"
    "23,http://t/21,21,none,agree,none,none,,,,,,,,,\n"
    "24,http://t/22,22,R1,wrong month,Table 1,Table"
    " 1,R1,ev-sp,1,2012-05,Russia,Pyongyang,Sports,visit,\"month: row"
    " 2012-04, event 2012-05\"\n"
    "25,http://t/23,23,R2,merged,Table 2,Table"
    " 2,R2,ev-cn,2,2012-05,China,China,Diplomacy,visit,the event also"
    " holds reports of R9 and of 1 other row\n";

static const char want_json[] =
    "{\"labels\":\"labels.csv\",\"reference\":\"ref.csv\",\"counts\":{\"l"
    "abels\":24,\"found\":23,\"not_found\":1,\"agree\":11,\"disagree\":12"
    "},\"scores\":[{\"class\":\"Table"
    " 1\",\"labelled\":8,\"given\":9,\"agree\":5,\"precision\":0.5556,\"r"
    "ecall\":0.6250,\"f1\":0.5882},{\"class\":\"Table"
    " 2\",\"labelled\":11,\"given\":8,\"agree\":4,\"precision\":0.5000,\""
    "recall\":0.3636,\"f1\":0.4211},{\"class\":\"Table"
    " 3\",\"labelled\":1,\"given\":2,\"agree\":0,\"precision\":0.0000,\"r"
    "ecall\":0.0000,\"f1\":0.0000},{\"class\":\"message\",\"labelled\":1,"
    "\"given\":1,\"agree\":0,\"precision\":0.0000,\"recall\":0.0000,\"f1"
    "\":0.0000},{\"class\":\"none\",\"labelled\":1,\"given\":3,\"agree\":"
    "1,\"precision\":0.3333,\"recall\":1.0000,\"f1\":0.5000},{\"class\":"
    "\"statement\",\"labelled\":1,\"given\":0,\"agree\":0,\"precision\":0"
    ".0000,\"recall\":0.0000,\"f1\":0.0000}],\"all_tables\":{\"class\":\""
    "All"
    " tables\",\"labelled\":20,\"given\":19,\"agree\":9,\"precision\":0.4"
    "737,\"recall\":0.4500,\"f1\":0.4615},\"left_out\":{\"class\":\"Left"
    " out\",\"labelled\":3,\"given\":4,\"agree\":2,\"precision\":0.5000,"
    "\"recall\":0.6667,\"f1\":0.5714},\"disagreements\":{\"wrong"
    " table\":1,\"wrong country\":1,\"wrong direction or"
    " location\":1,\"wrong month\":2,\"wrong sector\":1,\"left out"
    " wrongly\":2,\"kept"
    " wrongly\":1,\"split\":1,\"merged\":2},\"reports\":[\n"
    "{\"line\":2,\"report\":\"http://t/1\",\"document_id\":1,\"label\":\""
    "R1\",\"outcome\":\"agree\",\"class\":\"Table 1\",\"given\":\"Table"
    " 1\",\"row\":\"R1\",\"event\":\"ev-r1\",\"event_table\":1,\"detail\""
    ":null},\n"
    "{\"line\":3,\"report\":\"http://t/2\",\"document_id\":2,\"label\":\""
    "R1\",\"outcome\":\"agree\",\"class\":\"Table 1\",\"given\":\"Table"
    " 1\",\"row\":\"R1\",\"event\":\"ev-r1\",\"event_table\":1,\"detail\""
    ":null},\n"
    "{\"line\":4,\"report\":\"http://t/3\",\"document_id\":3,\"label\":\""
    "R2\",\"outcome\":\"wrong table\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 3\",\"row\":\"R2\",\"event\":\"ev-t3\",\"event_table\":3,\"detail\""
    ":\"table: row 2, event 3\"},\n"
    "{\"line\":5,\"report\":\"http://t/4\",\"document_id\":4,\"label\":\""
    "R3\",\"outcome\":\"wrong country\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R3\",\"event\":\"ev-vn\",\"event_table\":2,\"detail\""
    ":\"country: row Laos, event Vietnam\"},\n"
    "{\"line\":6,\"report\":\"http://t/5\",\"document_id\":5,\"label\":\""
    "R4\",\"outcome\":\"wrong direction or location\",\"class\":\"Table"
    " 1\",\"given\":\"Table"
    " 1\",\"row\":\"R4\",\"event\":\"ev-ru\",\"event_table\":1,\"detail\""
    ":\"location: row Russia, event Pyongyang\"},\n"
    "{\"line\":7,\"report\":\"http://t/6\",\"document_id\":6,\"label\":\""
    "R5\",\"outcome\":\"wrong month\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R5\",\"event\":\"ev-cu\",\"event_table\":2,\"detail\""
    ":\"month: row 2012-05, event 2012-06\"},\n"
    "{\"line\":8,\"report\":\"http://t/7\",\"document_id\":7,\"label\":\""
    "R6\",\"outcome\":\"wrong sector\",\"class\":\"Table"
    " 3\",\"given\":\"Table"
    " 3\",\"row\":\"R6\",\"event\":\"ev-fe\",\"event_table\":3,\"detail\""
    ":\"sector: row Culture, event Academic\"},\n"
    "{\"line\":9,\"report\":\"http://t/8\",\"document_id\":8,\"label\":\""
    "R7\",\"outcome\":\"left out wrongly\",\"class\":\"Table"
    " 2\",\"given\":\"none\",\"row\":\"R7\",\"event\":\"ev-la\",\"event_t"
    "able\":null,\"detail\":\"left out: announced or cancelled, not"
    " held\"},\n"
    "{\"line\":10,\"report\":\"http://t/9\",\"document_id\":9,\"label\":"
    "\"R7\",\"outcome\":\"left out wrongly\",\"class\":\"Table"
    " 2\",\"given\":\"none\",\"row\":\"R7\",\"event\":null,\"event_table"
    "\":null,\"detail\":\"in no event: no rule gave it a kind\"},\n"
    "{\"line\":11,\"report\":\"http://t/10\",\"document_id\":10,\"label\""
    ":\"message\",\"outcome\":\"kept"
    " wrongly\",\"class\":\"message\",\"given\":\"Table"
    " 1\",\"row\":null,\"event\":\"ev-r1\",\"event_table\":1,\"detail\":n"
    "ull},\n"
    "{\"line\":12,\"report\":\"http://t/11\",\"document_id\":11,\"label\""
    ":\"R8\",\"outcome\":\"agree\",\"class\":\"Table"
    " 1\",\"given\":\"Table"
    " 1\",\"row\":\"R8\",\"event\":\"ev-e1\",\"event_table\":1,\"detail\""
    ":null},\n"
    "{\"line\":13,\"report\":\"http://t/12\",\"document_id\":12,\"label\""
    ":\"R8\",\"outcome\":\"agree\",\"class\":\"Table"
    " 1\",\"given\":\"Table"
    " 1\",\"row\":\"R8\",\"event\":\"ev-e1\",\"event_table\":1,\"detail\""
    ":null},\n"
    "{\"line\":14,\"report\":\"http://t/13\",\"document_id\":13,\"label\""
    ":\"R8\",\"outcome\":\"split\",\"class\":\"Table"
    " 1\",\"given\":\"Table"
    " 1\",\"row\":\"R8\",\"event\":\"ev-e2\",\"event_table\":1,\"detail\""
    ":\"its row's event is ev-e1\"},\n"
    "{\"line\":15,\"report\":\"http://t/14\",\"document_id\":14,\"label\""
    ":\"R9\",\"outcome\":\"agree\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R9\",\"event\":\"ev-cn\",\"event_table\":2,\"detail\""
    ":null},\n"
    "{\"line\":16,\"report\":\"http://t/15\",\"document_id\":15,\"label\""
    ":\"R9\",\"outcome\":\"agree\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R9\",\"event\":\"ev-cn\",\"event_table\":2,\"detail\""
    ":null},\n"
    "{\"line\":17,\"report\":\"http://t/16\",\"document_id\":16,\"label\""
    ":\"R10\",\"outcome\":\"merged\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R10\",\"event\":\"ev-cn\",\"event_table\":2,\"detail"
    "\":\"the event also holds reports of R9 and of 1 other row\"},\n"
    "{\"line\":18,\"report\":\"http://t/missing\",\"document_id\":null,\""
    "label\":\"none\",\"outcome\":\"not in the"
    " database\",\"class\":null,\"given\":null,\"row\":null,\"event\":nul"
    "l,\"event_table\":null,\"detail\":null},\n"
    "{\"line\":19,\"report\":\"http://t/17\",\"document_id\":17,\"label\""
    ":\"R12\",\"outcome\":\"agree\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R12\",\"event\":\"ev-m1\",\"event_table\":2,\"detail"
    "\":null},\n"
    "{\"line\":20,\"report\":\"http://t/18\",\"document_id\":18,\"label\""
    ":\"R11\",\"outcome\":\"agree\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R11\",\"event\":\"ev-m2\",\"event_table\":2,\"detail"
    "\":null},\n"
    "{\"line\":21,\"report\":\"#19\",\"document_id\":19,\"label\":\"R13"
    " ; R1 ;R1\",\"outcome\":\"agree\",\"class\":\"Table"
    " 1\",\"given\":\"Table"
    " 1\",\"row\":\"R1\",\"event\":\"ev-r1\",\"event_table\":1,\"detail\""
    ":null},\n"
    "{\"line\":22,\"report\":\"http://t/20\",\"document_id\":20,\"label\""
    ":\"statement\",\"outcome\":\"agree\",\"class\":\"statement\",\"given"
    "\":\"message\",\"row\":null,\"event\":\"ev-ms\",\"event_table\":null"
    ",\"detail\":null},\n"
    "{\"line\":23,\"report\":\"http://t/21\",\"document_id\":21,\"label\""
    ":\"none\",\"outcome\":\"agree\",\"class\":\"none\",\"given\":\"none"
    "\",\"row\":null,\"event\":null,\"event_table\":null,\"detail\":null}"
    ",\n"
    "{\"line\":24,\"report\":\"http://t/22\",\"document_id\":22,\"label\""
    ":\"R1\",\"outcome\":\"wrong month\",\"class\":\"Table"
    " 1\",\"given\":\"Table"
    " 1\",\"row\":\"R1\",\"event\":\"ev-sp\",\"event_table\":1,\"detail\""
    ":\"month: row 2012-04, event 2012-05\"},\n"
    "{\"line\":25,\"report\":\"http://t/23\",\"document_id\":23,\"label\""
    ":\"R2\",\"outcome\":\"merged\",\"class\":\"Table"
    " 2\",\"given\":\"Table"
    " 2\",\"row\":\"R2\",\"event\":\"ev-cn\",\"event_table\":2,\"detail\""
    ":\"the event also holds reports of R9 and of 1 other row\"}]}\n";

/* The document id of a fixture label: the number its URL ends in, #ID's,
 * or 0 for the one the database does not hold. */
static int64_t doc_of(const cli_label *l)
{
    if (l->named_id)
        return l->named_id;
    const char *slash = strrchr(l->report, '/');
    return slash ? atoll(slash + 1) : 0;
}

static char *formatted(const cli_labels_input *in, const cli_label_scores *s,
                       const char *format)
{
    kt_buf b = {0};
    CHECK_INT(cli_labels_format(in, s, format, &b), 0);
    return b.data ? kt_buf_take(&b) : kt_strdup0("");
}

static void test_score(cli_ref_row *ref, size_t nref)
{
    cli_label *l = NULL;
    size_t n = 0;
    char *err = NULL;
    CHECK_INT(load(labels_csv, ref, nref, &l, &n, &err), 0);
    if (n != 24)
        return;
    for (size_t i = 0; i < n; i++)
        l[i].document_id = doc_of(&l[i]);
    store_event ev[N_EV];
    size_t nev = make_events(ev);
    static const char *const table_kinds[] = {"visit", "talks", "signing",
                                              "conference", "festival",
                                              "performance"};
    cli_labels_input in = {"labels.csv", "ref.csv", l, n, ref, nref, ev, nev,
                           table_kinds, 6};
    cli_label_scores s;
    CHECK_INT(cli_labels_score(&in, &s), 0);
    /* The command says why a report is in no event, from the database. */
    CHECK_INT(s.results[8].event, nev);
    l[8].why_no_event = kt_strdup0("no rule gave it a kind");
    char *text = formatted(&in, &s, "text");
    char *csv = formatted(&in, &s, "csv");
    char *json = formatted(&in, &s, "json");
    if (getenv("KT_SHOW"))
        printf("%s\n----\n%s\n----\n%s\n", text, csv, json);
    CHECK_STR(text, want_text);
    CHECK_STR(csv, want_csv);
    CHECK_STR(json, want_json);
    /* Every class of disagreement occurs: left out wrongly, wrong month
     * and merged twice, the others once. */
    for (int c = CLI_LABEL_WRONG_TABLE; c <= CLI_LABEL_MERGED; c++)
        CHECK_INT(s.counts[c], c == CLI_LABEL_LEFT_OUT_WRONGLY ||
                                       c == CLI_LABEL_WRONG_MONTH ||
                                       c == CLI_LABEL_MERGED ? 2 : 1);
    /* The pairing after the labels: R11 with the second event, R12 with
     * the first; R8 with its first event. */
    CHECK_INT(s.row_event[10], 11);
    CHECK_INT(s.row_event[11], 10);
    CHECK_INT(s.row_event[7], 7);
    CHECK_INT(cli_labels_format(&in, &s, "xml", &(kt_buf){0}), -1);
    free(text);
    free(csv);
    free(json);
    cli_label_scores_free(&s);
    cli_labels_free(l, n);
}

int main(void)
{
    char *p = temp_file(reference_csv);
    cli_ref_row *ref = NULL;
    size_t nref = 0;
    char *err = NULL;
    CHECK_INT(cli_reference_load(p, &ref, &nref, &err), 0);
    unlink(p);
    free(p);
    CHECK_INT(nref, 14);
    test_load(ref, nref);
    test_score(ref, nref);
    cli_reference_free(ref, nref);
    return kt_test_summary();
}
