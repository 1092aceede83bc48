/*
 * bench_daily: what one daily cron run costs on archives of growing size.
 *
 * For each archive size N it builds a database of N synthetic reports as
 * the stages would have left it (pages, documents, classifications with
 * their matches and mentions, events of a full consolidation, complete work
 * queues), then simulates D days: each day a loopback site (the project's
 * kt_testd) publishes a list page and 30 new KCNA-style reports, and
 * `kcnatrack -q run --start LIST` fetches, extracts, classifies and stores
 * them. It prints, per size, the median wall time and CPU time of the
 * kcnatrack process over the days, and their ratio to the first size's in
 * the same invocation: a daily run must not cost more on a bigger archive.
 *
 * Usage: bench_daily KCNATRACK KT_TESTD RULES_DIR [--days D] [--dir DIR]
 *                    [--keep] [SIZE ...]  (default sizes 10000 100000 300000)
 * The databases (about 9 KB a report) are written under --dir (default
 * $TMPDIR or /tmp) and removed at the end unless --keep.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "extract.h"
#include "kt_util.h"
#include "store.h"

#define NEW_PER_DAY 30
#define REPORTS_PER_DAY 35 /* KCNA's English output, about */

static unsigned long seed = 20240812;

/* An LCG: the archive must be the same every run. */
static unsigned rnd(unsigned n)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((seed >> 33) % n);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const countries[] = {
    "Russia", "Russia", "Russia", "China", "China", "China", "Laos",
    "Vietnam", "Cuba", "Mongolia", "Belarus", "Iran", "Syria", "Nigeria",
    "Indonesia", "Cambodia", "Nepal", "Uganda", "Tanzania", "Venezuela"};
static const char *const bodies[] = {
    "Ministry of Culture", "Ministry of Public Health",
    "Ministry of External Economic Relations", "Central Committee of the party",
    "Ministry of Foreign Affairs", "friendship association",
    "Ministry of Education", "youth league", "armed forces",
    "Academy of Sciences"};
static const char *const sectors[] = {
    "Culture", "Health", "Economy", "Diplomacy", "Diplomacy",
    "Social Friendship", "Education", "Social Friendship", "Military",
    "Science and Technology"};
static const char *const leftout[] = {"message", "message", "message",
                                      "statement", "statement", "embassy",
                                      "foreign", "sports", "tourism"};

/* The synthetic archive's exchanges: each country starts one now and
 * then (Russia and China about every 12 days, the others about every 60,
 * at random), and an exchange is told in 2-4 reports over its first four
 * days -- about 1.4 exchange reports a day, some 4 % of KCNA's output, as
 * in the years the project's real development set comes from. */
#define N_COUNTRIES ((int)(sizeof countries / sizeof countries[0]))
typedef struct exchange {
    int body;
    int inbound;
    long start;     /* day it began */
    int left;       /* reports still to come */
    long next;      /* day this country's next exchange begins */
} exchange;

/* Mean days between two exchanges of country c. */
static unsigned exchange_spacing(int c)
{
    return !strcmp(countries[c], "Russia") || !strcmp(countries[c], "China")
               ? 12
               : 60;
}

/* Fills the mention of report `slot` (0-based) of day `day`; strings in
 * the static pools, deleg and date. The first reports of a day are that
 * day's exchange reports, then left-out kinds (messages, statements, ...),
 * then domestic news, which names no kind at all. */
static void archive_mention(store_mention_in *mi, long day, int slot,
                            exchange *ex, char *deleg, size_t dn, char *date)
{
    static int todays[N_COUNTRIES]; /* countries reporting today */
    static int n_today;
    int y, m, d;
    kt_civil_from_days(day, &y, &m, &d);
    snprintf(date, 16, "%04d-%02d-%02d", y, m, d);
    memset(mi, 0, sizeof *mi);
    if (slot == 0) {
        n_today = 0;
        for (int c = 0; c < N_COUNTRIES; c++) {
            exchange *e = &ex[c];
            if (e->left <= 0 && day >= e->next) {
                e->body = (int)rnd(10);
                e->inbound = rnd(3) != 0;
                e->start = day;
                e->left = 2 + (int)rnd(3);
                e->next = day + 1 + rnd(2 * exchange_spacing(c));
            }
            /* a report on half the days, and all that remain by the
             * exchange's fourth day */
            long days_left = e->start + 4 - day;
            if (e->left > 0 && days_left > 0 &&
                (rnd(2) || e->left >= days_left))
                todays[n_today++] = c;
        }
    }
    if (slot < n_today) {
        int c = todays[slot];
        exchange *e = &ex[c];
        e->left--;
        static const char *const kinds[] = {"visit", "talks", "meeting",
                                            "reception", "performance"};
        mi->event_date = date;
        mi->kind = kinds[rnd(5)];
        mi->country = countries[c];
        mi->direction = e->inbound ? "inbound" : "outbound";
        mi->status = rnd(2) ? "arrived" : "held";
        mi->location = e->inbound ? "Pyongyang" : NULL;
        snprintf(deleg, dn, "delegation of the %s", bodies[e->body]);
        mi->delegation = deleg;
        mi->sector = sectors[e->body];
        return;
    }
    if (rnd(100) < 12) {
        mi->event_date = date;
        mi->kind = leftout[rnd(sizeof leftout / sizeof leftout[0])];
        mi->country = countries[rnd(N_COUNTRIES)];
    }
}

static const store_match archive_matches[] = {
    {"bench.kind", "30-kinds.rules", 10, "kind", "visit", 0, 0, 8, "Arrives",
     10, 1, 0},
    {"bench.country", "10-countries.rules", 20, "country", "Russia", 1, 30,
     36, "Russia", 5, 1, 0},
    {"bench.sector", "50-sectors.rules", 30, "sector", "Culture", 1, 40, 47,
     "culture", 5, 1, 0},
    {"bench.dir", "20-direction.rules", 40, "direction", "inbound", 1, 60,
     72, "arrived here", 5, 1, 0},
};
static const store_tag archive_tags[] = {{"sector", "Culture", 2}};

/* Builds an archive of n reports ending the day before *last_day; returns
 * 0 or -1 (with a message printed). */
static int build_archive(const char *db, long n, const char *rules_dir,
                         long *last_day)
{
    char sites[4096], tables_path[4096];
    snprintf(sites, sizeof sites, "%s/sites", rules_dir);
    snprintf(tables_path, sizeof tables_path, "%s/tables.conf", rules_dir);
    extract_profiles *prof = NULL;
    classify_rules *rules = NULL;
    classify_error cerr = {0};
    char *err = NULL;
    if (extract_profiles_load(sites, &prof, &err) ||
        classify_rules_load(rules_dir, &rules, &cerr)) {
        fprintf(stderr, "bench_daily: cannot load %s: %s\n", rules_dir,
                err ? err : cerr.message);
        return -1;
    }
    size_t tlen;
    char *ttext = kt_read_file(tables_path, &tlen);
    store_tables *tables = NULL;
    char thash[65];
    if (!ttext || store_tables_parse(tables_path, ttext, &tables, &err)) {
        fprintf(stderr, "bench_daily: %s: %s\n", tables_path,
                err ? err : "cannot read");
        return -1;
    }
    kt_sha256_hex(ttext, tlen, thash);
    free(ttext);
    store *s = NULL;
    if (store_open(db, &s, &err)) {
        fprintf(stderr, "bench_daily: %s\n", err);
        return -1;
    }
    const char *ph = extract_profiles_hash(prof);
    const char *rh = classify_rules_hash(rules);
    store_ruleset_register(s, rh, classify_rules_count(rules), rules_dir,
                           NULL);
    long days = n / REPORTS_PER_DAY + 1;
    long first = kt_days_from_civil(2026, 6, 1) - days;
    /* ~6 KB of markup and ~2 KB of text per report, as KCNA's pages run */
    static char page[6200], text[2100];
    memset(page, 'x', sizeof page - 1);
    memcpy(page, "<html><body><p>", 15);
    memset(text, 'y', sizeof text - 1);
    exchange ex[N_COUNTRIES];
    memset(ex, 0, sizeof ex);
    for (int c = 0; c < N_COUNTRIES; c++)
        ex[c].next = first + rnd(exchange_spacing(c));
    int rc = store_begin(s, &err);
    for (long i = 0; i < n && !rc; i++) {
        long day = first + i / REPORTS_PER_DAY;
        int y, m, d;
        kt_civil_from_days(day, &y, &m, &d);
        char url[160], title[80], date[16], deleg[96];
        snprintf(url, sizeof url,
                 "http://www.kcna.co.jp/item/%04d/%04d%02d/news%02d/"
                 "%04d%02d%02d-%02ldee.html",
                 y, y, m, d, y, m, d, i % REPORTS_PER_DAY + 1);
        snprintf(title, sizeof title, "Archive Report %ld", i);
        memcpy(page + 15, url, strlen(url)); /* distinct bodies */
        store_fetch f = {0};
        f.requested_url = url;
        f.final_url = url;
        f.link_kind = 2;
        f.http_status = 200;
        f.outcome = "ok";
        f.content_type = "text/html";
        f.body = (const unsigned char *)page;
        f.body_len = sizeof page - 1;
        f.fetched_at = 1700000000 + i;
        f.attempts = 1;
        int np;
        int64_t pid = 0;
        store_document doc = {0};
        store_mention_in mi;
        archive_mention(&mi, day, (int)(i % REPORTS_PER_DAY), ex, deleg,
                        sizeof deleg, date);
        if (store_fetch_save(s, &f, &np, &err) ||
            store_page_find_latest(s, url, &pid, &err) != 1) {
            rc = -1;
            break;
        }
        doc.page_id = pid;
        doc.url = url;
        doc.profile = "kcna-co-jp";
        doc.profiles_hash = ph;
        doc.kind = "article";
        doc.title = title;
        doc.pub_date = date;
        doc.body = text;
        doc.lead_len = 200;
        doc.n_paragraphs = 5;
        if (store_document_save(s, &doc, &err) ||
            store_classification_save(s, doc.id, rh, archive_matches, 4,
                                      archive_tags, 1, &mi, &err) ||
            ((i + 1) % 5000 == 0 &&
             (store_commit(s, &err) || store_begin(s, &err))))
            rc = -1;
    }
    if (!rc)
        rc = store_commit(s, &err);
    /* the queues as complete runs leave them */
    int64_t *ids = NULL;
    size_t nid = 0;
    store_update_stats st;
    if (!rc && (store_pages_pending(s, 0, ph, &ids, &nid, &err) ||
                (free(ids), store_documents_pending(s, 0, rh, &ids, &nid,
                                                     &err)) ||
                (free(ids), ids = NULL,
                 store_consolidate_update(s, tables, thash, 1, &st, &err))))
        rc = -1;
    free(ids);
    if (rc)
        fprintf(stderr, "bench_daily: building %s: %s\n", db,
                err ? err : "failed");
    free(err);
    *last_day = first + days;
    store_close(s);
    store_tables_free(tables);
    extract_profiles_free(prof);
    classify_rules_free(rules);
    return rc;
}

static int write_file(const char *path, const char *text)
{
    char tmp[2200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path))
        return -1;
    return 0;
}

static const char *const months[] = {"January", "February", "March",
                                     "April", "May", "June", "July",
                                     "August", "September", "October",
                                     "November", "December"};

/* Writes day `day`'s site into root: the newstream list and 30 reports in
 * KCNA Watch's layout, a third of them exchanges, the rest domestic news
 * and messages, in KCNA's wording. */
static int write_day(const char root[1024], long day, int dayno)
{
    int y, m, d;
    kt_civil_from_days(day, &y, &m, &d);
    kt_buf list = {0};
    kt_buf_puts(&list, "<!DOCTYPE html><html><head><meta charset=\"UTF-8\">"
                       "<title>Newstream</title></head><body><main>\n");
    char dir[2048], path[2100];
    for (int i = 0; i < NEW_PER_DAY; i++) {
        char slug[64], title[160];
        long id = 900000000L + dayno * 100L + i;
        snprintf(slug, sizeof slug, "report-%d-%d", dayno, i);
        snprintf(dir, sizeof dir, "%s/kcnawatch.org/newstream/%ld-%ld/%s",
                 root, 1700000000L + day * 86400L % 1000000L, id, slug);
        kt_buf mk = {0};
        kt_buf_printf(&mk, "mkdir -p '%s'", dir);
        if (system(mk.data) != 0) {
            kt_buf_free(&mk);
            return -1;
        }
        kt_buf_free(&mk);
        kt_buf art = {0};
        const char *c = countries[(dayno * 7 + i) % 20];
        const char *b = bodies[(dayno + i) % 10];
        kt_buf body = {0};
        if (i % 3 == 0) {
            snprintf(title, sizeof title, "Delegation of %s Arrives", c);
            kt_buf_printf(&body,
                          "<p>Pyongyang, %s %d (KCNA) -- A delegation of the "
                          "%s of %s arrived here on Monday.</p>"
                          "<p>It was greeted at the airport by officials "
                          "concerned.</p>",
                          months[m - 1], d, b, c);
        } else if (i % 3 == 1) {
            snprintf(title, sizeof title, "Kim Jong Un Sends Message to %s",
                     c);
            kt_buf_printf(&body,
                          "<p>Pyongyang, %s %d (KCNA) -- Kim Jong Un sent a "
                          "message of greeting to the leader of %s.</p>",
                          months[m - 1], d, c);
        } else {
            snprintf(title, sizeof title, "New Factory Built in Province %d",
                     i);
            kt_buf_printf(&body,
                          "<p>Pyongyang, %s %d (KCNA) -- A new factory was "
                          "built, increasing the production of daily "
                          "necessities for the people.</p>",
                          months[m - 1], d);
        }
        kt_buf_printf(&art,
                      "<!DOCTYPE html><html><head><meta charset=\"UTF-8\">"
                      "<title>%s</title></head><body><article><h1>%s</h1>"
                      "<div class=\"articled-date\"><span>%s %d, %d</span>"
                      "</div><div class=\"article-content\">%s</div>"
                      "</article></body></html>\n",
                      title, title, months[m - 1], d, y, body.data);
        snprintf(path, sizeof path, "%s/index.html", dir);
        int bad = write_file(path, art.data);
        kt_buf_printf(&list, "<h2><a href=\"%s/\">%s</a></h2>\n",
                      dir + strlen(root) + strlen("/kcnawatch.org/newstream/"),
                      title);
        kt_buf_free(&art);
        kt_buf_free(&body);
        if (bad)
            return -1;
    }
    kt_buf_puts(&list, "</main></body></html>\n");
    snprintf(path, sizeof path, "%s/kcnawatch.org/newstream/index.html",
             root);
    int rc = write_file(path, list.data);
    kt_buf_free(&list);
    return rc;
}

/* Runs argv, returning its exit status; *wall and *cpu get its wall and
 * CPU (user + system) seconds. */
static int run_child(char *const argv[], double *wall, double *cpu)
{
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int status = -1;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
        return -1;
    *wall = now_s() - t0;
    *cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s KCNATRACK KT_TESTD RULES_DIR [--days D] "
                        "[--dir DIR] [SIZE ...]\n", argv[0]);
        return 2;
    }
    const char *kt = argv[1], *testd = argv[2], *rules = argv[3];
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int ndays = 3, keep = 0;
    long sizes[16];
    int nsizes = 0;
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--days") && i + 1 < argc)
            ndays = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            base = argv[++i];
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else if (nsizes < 16)
            sizes[nsizes++] = atol(argv[i]);
    }
    if (!nsizes) {
        sizes[0] = 10000;
        sizes[1] = 100000;
        sizes[2] = 300000;
        nsizes = 3;
    }
    if (ndays < 1 || ndays > 30)
        ndays = 3;
    char work[512];
    snprintf(work, sizeof work, "%s/kt_bench_daily.XXXXXX", base);
    if (!mkdtemp(work)) {
        perror(work);
        return 1;
    }
    printf("command: %s", argv[0]);
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\none daily run = kcnatrack -q run over a loopback site with %d "
           "new reports; median of %d days; ratios to the first size\n",
           NEW_PER_DAY, ndays);
    printf("%10s %9s %9s %9s %8s %8s\n", "reports", "build s", "wall s",
           "cpu s", "wall x", "cpu x");
    fflush(stdout); /* before any fork: children must not repeat it */
    double base_wall = 0, base_cpu = 0;
    int failed = 0;
    for (int k = 0; k < nsizes && !failed; k++) {
        char db[1024], root[1024], portf[1024], port[16];
        snprintf(db, sizeof db, "%s/archive-%ld.db", work, sizes[k]);
        snprintf(root, sizeof root, "%s/site-%ld", work, sizes[k]);
        snprintf(portf, sizeof portf, "%s/port-%ld", work, sizes[k]);
        mkdir(root, 0755);
        long last_day = 0;
        double t0 = now_s();
        if (build_archive(db, sizes[k], rules, &last_day)) {
            failed = 1;
            break;
        }
        double build = now_s() - t0;
        pid_t srv = fork();
        if (srv == 0) {
            if (!freopen("/dev/null", "w", stdout))
                _exit(127);
            execl(testd, testd, "--root", root, "--port", "0", "--port-file",
                  portf, "--max-seconds", "3600", (char *)NULL);
            _exit(127);
        }
        FILE *pf = NULL;
        for (int w = 0; w < 200 && !(pf = fopen(portf, "r")); w++)
            usleep(50000);
        if (!pf || !fgets(port, sizeof port, pf)) {
            fprintf(stderr, "bench_daily: kt_testd did not start\n");
            failed = 1;
        }
        if (pf)
            fclose(pf);
        port[strcspn(port, "\n")] = 0;
        double walls[30], cpus[30];
        for (int d = 0; d < ndays && !failed; d++) {
            if (write_day(root, last_day + d, d + 1)) {
                fprintf(stderr, "bench_daily: cannot write the site\n");
                failed = 1;
                break;
            }
            char start[128];
            snprintf(start, sizeof start,
                     "http://127.0.0.1:%s/kcnawatch.org/newstream/", port);
            char *av[] = {(char *)kt, "-q", "--db", db, "--rules",
                          (char *)rules, "run", "--start", start,
                          "--delay-ms", "0", "--depth", "2", NULL};
            int st = run_child(av, &walls[d], &cpus[d]);
            if (st != 0) {
                fprintf(stderr, "bench_daily: day %d: kcnatrack exit %d\n",
                        d + 1, st);
                failed = 1;
            }
        }
        kill(srv, SIGTERM);
        waitpid(srv, NULL, 0);
        if (failed)
            break;
        qsort(walls, (size_t)ndays, sizeof *walls, cmp_double);
        qsort(cpus, (size_t)ndays, sizeof *cpus, cmp_double);
        double wall = walls[ndays / 2], cpu = cpus[ndays / 2];
        if (k == 0) {
            base_wall = wall;
            base_cpu = cpu;
        }
        printf("%10ld %9.1f %9.3f %9.3f %8.2f %8.2f\n", sizes[k], build, wall,
               cpu, wall / base_wall, cpu / base_cpu);
        fflush(stdout);
        if (!keep)
            unlink(db);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    if (keep)
        printf("kept %s\n", work);
    else if (system(cmd) != 0)
        fprintf(stderr, "bench_daily: could not remove %s\n", work);
    return failed;
}
