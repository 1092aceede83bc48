/* Unit tests for cli/compare.c and cli/csv.c: no database, no network. */
#include "kt_test.h"
#include "cli.h"
#include "compare.h"

#include <stdlib.h>
#include <unistd.h>

#include "kt_util.h"

static void test_csv_parse(void)
{
    char ***rows = NULL;
    size_t n = 0;
    int line = 0;
    const char *text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\n\n\"multi\nline\",2,3\n";
    CHECK_INT(cli_csv_parse(text, &rows, &n, &line), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(rows[0][2], "c");
        CHECK_STR(rows[1][0], "x, y");
        CHECK_STR(rows[1][1], "say \"hi\"");
        CHECK_STR(rows[1][2], "");
        CHECK(rows[1][3] == NULL);
        CHECK_STR(rows[2][0], "multi\nline");
    }
    cli_csv_free(rows, n);
    CHECK_INT(cli_csv_parse("a,b\n\"open,c\n", &rows, &n, &line), -1);
    CHECK_INT(line, 2);
}

/* Writes text to a fresh temporary file; returns its malloc'd path. */
static char *temp_file(const char *text)
{
    char *path = kt_strdup0("/tmp/kt-compare-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return path;
    size_t len = strlen(text);
    CHECK_INT(write(fd, text, len), (long long)len);
    close(fd);
    return path;
}

static store_event make_event(const char *id, int table, const char *month,
                              const char *country, const char *location,
                              const char *sector, const char *first)
{
    store_event e = {0};
    e.event_id = (char *)id;
    e.table = table;
    e.month = (char *)month;
    e.country = (char *)country;
    e.location = (char *)location;
    e.sector = (char *)sector;
    e.first_date = (char *)first;
    return e;
}

static void test_reference_errors(void)
{
    cli_ref_row *rows = NULL;
    size_t n = 0;
    char *err = NULL;
    char *p = temp_file("row_id,table,month\nT1-01,1,2024-07\n");
    CHECK_INT(cli_reference_load(p, &rows, &n, &err), -1);
    CHECK(err && strstr(err, ":1: header must name"));
    free(err);
    err = NULL;
    unlink(p);
    free(p);
    p = temp_file("table,month,country,location,sector\n1,2024-07,Russia,Russia,Economy\n4,2024-07,Russia,Russia,Economy\n");
    CHECK_INT(cli_reference_load(p, &rows, &n, &err), -1);
    CHECK(err && strstr(err, ":3: row 2: table must be 1-3"));
    free(err);
    unlink(p);
    free(p);
}

static void test_compare_counts(void)
{
    char *p = temp_file(
        "row_id,table,month,country,location,sector_original,sector,description\n"
        "A,1,2024-04,Russia,Russia,Economy,Economy,forestry\n"
        "B,1,2024-04,Russia,Russia,Economy,Economy,agriculture\n"
        "C,1,2024.3.,Russia,Pyongyang,Culture,Culture,ballet\n"
        "D,3,2024-02,Kenya,Kenya,Environment,Environment,UNEA\n"
        "E,2,2023-09,China,Pyongyang,Diplomacy,Diplomacy,anniversary\n");
    cli_ref_row *ref = NULL;
    size_t nref = 0;
    char *err = NULL;
    CHECK_INT(cli_reference_load(p, &ref, &nref, &err), 0);
    CHECK_INT(nref, 5);
    unlink(p);
    free(p);
    if (nref != 5)
        return;
    CHECK_STR(ref[2].month, "2024-03");
    store_event ev[] = {
        /* One of the two April economy rows found: many-to-many counts. */
        make_event("e1", 1, "2024-04", "russia", "Russia", "Economy", "2024-04-20"),
        /* Right row but wrong sector: an extra, and C is missed. */
        make_event("e2", 1, "2024-03", "Russia", "Pyongyang", "Economy", "2024-03-05"),
        /* Table 3 ignores the country: the host may be coded differently. */
        make_event("e3", 3, "2024-02", "", "Kenya", "Environment", "2024-02-26"),
        /* Outside the reference's period: ignored. */
        make_event("e4", 2, "2024-09", "China", "China", "Diplomacy", "2024-09-01"),
        /* Left out: never compared. */
        make_event("e5", 0, "2023-09", "China", "Pyongyang", "Diplomacy", "2023-09-08"),
        make_event("e6", 2, "2023-09", "China", "Pyongyang", "Diplomacy", "2023-09-08"),
    };
    cli_comparison c;
    CHECK_INT(cli_compare(ref, nref, ev, 6, NULL, NULL, &c), 0);
    CHECK_STR(c.from, "2023-09");
    CHECK_STR(c.to, "2024-04");
    CHECK_INT(c.tables[0].n_matched, 1);
    CHECK_INT(c.tables[0].n_missed, 2);
    CHECK_INT(c.tables[0].n_extra, 1);
    CHECK_INT(c.tables[1].n_matched, 1);
    CHECK_INT(c.tables[1].n_extra, 0);
    CHECK_INT(c.tables[1].matched_ev[0], 5);
    CHECK_INT(c.tables[2].n_matched, 1);
    CHECK_INT(c.tables[0].extra[0], 1);
    double pr, rc, f1;
    cli_scores(c.tables[0].n_matched, c.tables[0].n_missed,
               c.tables[0].n_extra, &pr, &rc, &f1);
    CHECK(pr > 0.499 && pr < 0.501);
    CHECK(rc > 0.333 && rc < 0.334);
    CHECK(f1 > 0.399 && f1 < 0.401);
    cli_comparison_free(&c);
    /* An explicit period narrows both sides. */
    CHECK_INT(cli_compare(ref, nref, ev, 6, "2024-04", "2024-04", &c), 0);
    CHECK_INT(c.tables[0].n_matched, 1);
    CHECK_INT(c.tables[0].n_missed, 1);
    CHECK_INT(c.tables[0].n_extra, 0);
    CHECK_INT(c.tables[1].n_matched + c.tables[1].n_missed, 0);
    cli_comparison_free(&c);
    cli_scores(0, 0, 0, &pr, &rc, &f1);
    CHECK(pr == 0.0 && rc == 0.0 && f1 == 0.0);
    cli_reference_free(ref, nref);
}

int main(void)
{
    test_csv_parse();
    test_reference_errors();
    test_compare_counts();
    return kt_test_summary();
}
