/*
 * Unit tests: stamp dates, datelines, reference dates, profile loading
 * (names, entries, URL kinds, errors as "path:line: message").
 * Usage: test_extract_units SITES_DIR SCRATCH_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "kt_test.h"

static void test_stamps(void)
{
    char out[11];
    CHECK_INT(extract_parse_stamp_date("www.kcna.kp (Juche113.5.24.)", out),
              0);
    CHECK_STR(out, "2024-05-24");
    CHECK_INT(extract_parse_stamp_date("(2025.12.14.)", out), 0);
    CHECK_STR(out, "2025-12-14");
    CHECK_INT(extract_parse_stamp_date("Juche 112.1.2", out), 0);
    CHECK_STR(out, "2023-01-02");
    CHECK_INT(extract_parse_stamp_date("[2024.05.23]", out), 0);
    CHECK_STR(out, "2024-05-23");
    CHECK_INT(extract_parse_stamp_date("Juche113.2.30.", out), -1);
    CHECK_INT(extract_parse_stamp_date("Juche113.13.1.", out), -1);
    CHECK_INT(extract_parse_stamp_date("version 12024.5.24", out), -1);
    CHECK_INT(extract_parse_stamp_date("127.0.0.1", out), -1);
    CHECK_INT(extract_parse_stamp_date("no date here", out), -1);
    CHECK_INT(extract_parse_stamp_date(NULL, out), -1);
}

static void test_datelines(void)
{
    char *place = NULL;
    int m = 0, d = 0;
    size_t used = 0;
    const char *s = "Pyongyang, May 24 (KCNA) -- A delegation arrived.";
    CHECK_INT(extract_parse_dateline(s, &place, &m, &d, &used), 0);
    CHECK_STR(place, "Pyongyang");
    CHECK_INT(m, 5);
    CHECK_INT(d, 24);
    CHECK_STR(s + used, "A delegation arrived.");
    free(place);

    s = "Pyongyang, May 24 (KCNA)--Text";
    CHECK_INT(extract_parse_dateline(s, &place, &m, &d, &used), 0);
    CHECK_STR(s + used, "Text");
    free(place);

    s = "Moscow, Sept. 3 (KCNA) -- x";
    CHECK_INT(extract_parse_dateline(s, &place, &m, &d, &used), 0);
    CHECK_STR(place, "Moscow");
    CHECK_INT(m, 9);
    CHECK_INT(d, 3);
    free(place);

    s = "Beijing, January 1 (KCNA) \xE2\x80\x94 x";
    CHECK_INT(extract_parse_dateline(s, &place, &m, &d, &used), 0);
    CHECK_STR(place, "Beijing");
    CHECK_INT(m, 1);
    CHECK_STR(s + used, "x");
    free(place);

    s = "Phnom Penh, Dec 9 (KCNA) -- x";
    CHECK_INT(extract_parse_dateline(s, &place, &m, &d, &used), 0);
    CHECK_STR(place, "Phnom Penh");
    CHECK_INT(m, 12);
    free(place);

    place = NULL;
    CHECK_INT(extract_parse_dateline("Pyongyang, May 24 -- no tag", &place,
                                     &m, &d, &used), -1);
    CHECK_INT(extract_parse_dateline("The delegation, May 24 (KCNA) said "
                                     "nothing", &place, &m, &d, &used), -1);
    CHECK_INT(extract_parse_dateline("Pyongyang, 24 de mayo (ACNC) -- x",
                                     &place, &m, &d, &used), -1);
    CHECK_INT(extract_parse_dateline("in 2024, May 24 (KCNA) -- x", &place,
                                     &m, &d, &used), -1);
    CHECK_INT(extract_parse_dateline("Pyongyang, Maybe 24 (KCNA) -- x",
                                     &place, &m, &d, &used), -1);
    CHECK(place == NULL);
}

static void test_reference_date(void)
{
    char p0[] = "Pyongyang, May 24 (KCNA) -- x";
    char *paras[] = {p0};
    extract_document d = {0};
    d.paragraphs = paras;
    d.n_paragraphs = 1;
    CHECK_INT(extract_date_from_reference(&d, "2024-05-24"), 0);
    CHECK_STR(d.date, "2024-05-24");
    CHECK_STR(d.date_source, "dateline");
    free(d.date);
    free(d.date_source);
    d.date = d.date_source = NULL;
    /* Listed the day before (time zones): still this year. */
    CHECK_INT(extract_date_from_reference(&d, "2024-05-23"), 0);
    CHECK_STR(d.date, "2024-05-24");
    free(d.date);
    free(d.date_source);
    d.date = d.date_source = NULL;
    /* Fetched in January: May was last year. */
    CHECK_INT(extract_date_from_reference(&d, "2025-01-10"), 0);
    CHECK_STR(d.date, "2024-05-24");
    free(d.date);
    free(d.date_source);
    d.date = d.date_source = NULL;
    CHECK_INT(extract_date_from_reference(&d, "not a date"), -1);
    CHECK(d.date == NULL);
}

static extract_profiles *load_real(const char *dir)
{
    extract_profiles *p = NULL;
    char *err = NULL;
    CHECK_INT(extract_profiles_load(dir, &p, &err), 0);
    if (err)
        fprintf(stderr, "%s\n", err);
    free(err);
    return p;
}

static void test_real_profiles(const char *dir)
{
    extract_profiles *p = load_real(dir);
    if (p == NULL)
        return;
    CHECK_INT(extract_profile_count(p), 4);
    CHECK_STR(extract_profile_name(p, 0), "kcna-co-jp");
    CHECK_STR(extract_profile_name(p, 1), "kcna-kp");
    CHECK_STR(extract_profile_name(p, 2), "kcnawatch");
    CHECK_STR(extract_profile_name(p, 3), "generic");
    CHECK_STR(extract_profile_name(p, 4), NULL);
    CHECK_INT(strlen(extract_profiles_hash(p)), 64);

    const char *const *paths = NULL;
    size_t n = 0;
    CHECK_INT(extract_profile_entries(p, "kcna-co-jp", &paths, &n), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(paths[0], "/item/2023/calendar-2023e.html");
        CHECK_STR(paths[1], "/item/2024/calendar-2024e.html");
    }
    CHECK_INT(extract_profile_entries(p, "kcnawatch", &paths, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_STR(paths[0], "/newstream/");
    CHECK_INT(extract_profile_entries(p, "generic", &paths, &n), 0);
    CHECK_INT(n, 0);
    CHECK_INT(extract_profile_entries(p, "nosuch", &paths, &n), -1);

    /* Real and mirrored URLs alike (patterns unanchored at the start). */
    const char *m = "http://127.0.0.1:4321/kcna.co.jp/item/2024/202405/";
    char url[256];
    snprintf(url, sizeof url, "%snews24/20240524-03ee.html", m);
    CHECK_INT(extract_link_kind(p, url), 2);
    snprintf(url, sizeof url, "%snews24/20240524-03sp.html", m);
    CHECK_INT(extract_link_kind(p, url), 3);
    snprintf(url, sizeof url, "%snews24/20240524-03ek.html", m);
    CHECK_INT(extract_link_kind(p, url), 3);
    snprintf(url, sizeof url, "%snews24/e-news.html", m);
    CHECK_INT(extract_link_kind(p, url), 1);
    CHECK_INT(extract_link_kind(p, "http://www.kcna.co.jp/item/2024/"
                                   "calendar-2024e.html"), 1);
    CHECK_INT(extract_link_kind(p, "http://www.kcna.kp/en/article/q/"
                                   "0123456789abcdef0123456789abcdef.kcmsf"),
              2);
    CHECK_INT(extract_link_kind(p, "http://127.0.0.1:1/kcnawatch.org/"
                                   "newstream/page/2/"), 1);
    CHECK_INT(extract_link_kind(p, "http://127.0.0.1:1/kcnawatch.org/"
                                   "newstream/1716528601-1/slug/"), 2);
    CHECK_INT(extract_link_kind(p, "https://example.org/"), 0);
    extract_profiles_free(p);
}

/* Writes text to dir/name. */
static void put(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void unput(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* Loads a directory holding only name = text; returns the error (malloc'd)
 * or NULL when loading succeeded. */
static char *load_error(const char *dir, const char *name, const char *text)
{
    extract_profiles *p = NULL;
    char *err = NULL;
    put(dir, name, text);
    if (extract_profiles_load(dir, &p, &err) == 0) {
        CHECK(err == NULL);
        extract_profiles_free(p);
    } else {
        CHECK(p == NULL);
    }
    unput(dir, name);
    return err;
}

static void test_broken_profiles(const char *scratch)
{
    char dir[1024], want[1200];
    snprintf(dir, sizeof dir, "%s/extract-sites", scratch);
    mkdir(dir, 0700);

    char *err = load_error(dir, "bad.site",
                           "# comment\nname bad\narticle foo(\nbody //p\n");
    snprintf(want, sizeof want, "%s/bad.site:3: bad regular expression "
             "'foo(': ", dir);
    CHECK(err != NULL && strncmp(err, want, strlen(want)) == 0);
    free(err);

    err = load_error(dir, "bad.site", "name bad\n\ntitle //h1[\nbody auto\n");
    snprintf(want, sizeof want, "%s/bad.site:3: bad XPath '//h1['", dir);
    CHECK_STR(err, want);
    free(err);

    err = load_error(dir, "bad.site", "name bad\ncolour blue\n");
    snprintf(want, sizeof want, "%s/bad.site:2: unknown key 'colour'", dir);
    CHECK_STR(err, want);
    free(err);

    err = load_error(dir, "bad.site", "name bad\ndate often //p\nbody auto\n");
    snprintf(want, sizeof want, "%s/bad.site:2: unknown date format 'often' "
             "(any, iso, meta, stamp, mdy, juche)", dir);
    CHECK_STR(err, want);
    free(err);

    err = load_error(dir, "bad.site", "name bad\nentry item/x.html\n");
    snprintf(want, sizeof want, "%s/bad.site:2: an entry path starts with "
             "'/'", dir);
    CHECK_STR(err, want);
    free(err);

    err = load_error(dir, "bad.site", "name bad\ntitle\n");
    snprintf(want, sizeof want, "%s/bad.site:2: missing value for 'title'",
             dir);
    CHECK_STR(err, want);
    free(err);

    /* A good file without generic.site: the built-in fallback is added. */
    extract_profiles *p = NULL;
    put(dir, "one.site", "body //p\nentry /start.html\n");
    CHECK_INT(extract_profiles_load(dir, &p, &err), 0);
    unput(dir, "one.site");
    if (p) {
        CHECK_INT(extract_profile_count(p), 2);
        CHECK_STR(extract_profile_name(p, 0), "one");
        CHECK_STR(extract_profile_name(p, 1), "generic");
        extract_profiles_free(p);
    }
    rmdir(dir);

    snprintf(want, sizeof want, "%s/missing-dir", scratch);
    CHECK_INT(extract_profiles_load(want, &p, &err), -1);
    CHECK(err != NULL && strstr(err, "missing-dir: cannot open") != NULL);
    free(err);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SITES_DIR SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    test_stamps();
    test_datelines();
    test_reference_date();
    test_real_profiles(argv[1]);
    test_broken_profiles(argv[2]);
    return kt_test_summary();
}
