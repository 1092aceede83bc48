/*
 * Golden tests: handwritten pages in each layout (pages/), extracted with
 * the real profiles (rules/sites/). Usage: test_extract_pages PAGES SITES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "kt_test.h"
#include "kt_util.h"

static const char *pages_dir;
static extract_profiles *profiles;

/* Extracts pages/name as fetched from url; the test fails on -1. */
static int load(const char *name, const char *url, const char *charset,
                extract_document *d)
{
    char path[1024], *err = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", pages_dir, name);
    char *body = kt_read_file(path, &len);
    CHECK(body != NULL);
    int rc = extract_page(profiles, url, charset, (unsigned char *)body, len,
                          d, &err);
    CHECK_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", name, err ? err : "?");
    free(err);
    free(body);
    return rc;
}

/* The kind of the link to url, or -1 when it is not listed. */
static int link_kind(const extract_document *d, const char *url)
{
    for (size_t i = 0; i < d->n_links; i++)
        if (strcmp(d->links[i].url, url) == 0)
            return d->links[i].kind;
    return -1;
}

static const char *para(const extract_document *d, size_t i)
{
    return i < d->n_paragraphs ? d->paragraphs[i] : NULL;
}

static const char *last(const extract_document *d)
{
    return d->n_paragraphs ? d->paragraphs[d->n_paragraphs - 1] : NULL;
}

#define COJP "http://127.0.0.1:8000/kcna.co.jp/item/2024/"

static void test_cojp_item(void)
{
    extract_document d;
    if (load("cojp-item.html", COJP "202405/news24/20240524-02ee.html#x",
             NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "article");
    CHECK_STR(d.profile, "kcna-co-jp");
    CHECK_STR(d.url, COJP "202405/news24/20240524-02ee.html");
    CHECK_STR(d.title, "Delegation of Wood Workers' Union Arrives");
    CHECK_STR(d.date, "2024-05-24");
    CHECK_STR(d.date_source, "page");
    CHECK_STR(d.dateline_place, "Pyongyang");
    CHECK_STR(d.dateline_text, "May 24");
    CHECK_STR(d.language, "en");
    CHECK_INT(d.n_paragraphs, 3);
    CHECK_STR(para(&d, 0), "Pyongyang, May 24 (KCNA) -- A delegation of the "
              "Wood Workers' Union of a friendly country led by its chairman,"
              " Pierre Lef\xC3\xA8vre, arrived here on Thursday.");
    /* &nbsp; folded to a space; <i> does not split the paragraph. */
    CHECK_STR(para(&d, 1), "It was greeted at the airport by officials of "
              "the General Federation of Trade Unions.");
    CHECK_STR(last(&d), "The delegation will tour several factories in the "
              "city.");
    CHECK(strstr(d.text, "Copyright") == NULL);
    CHECK(strstr(d.text, "calendar") == NULL);
    CHECK(d.text[strlen(d.paragraphs[0])] == '\n');
    CHECK_INT(d.n_links, 1);
    CHECK_INT(link_kind(&d, COJP "calendar-2024e.html"), 1);
    extract_document_clear(&d);
    CHECK(d.title == NULL && d.n_paragraphs == 0);
}

static void test_cojp_latin1_meta(void)
{
    extract_document d;
    if (load("cojp-latin1.html", COJP "202405/news25/20240525-01ee.html",
             NULL, &d))
        return;
    CHECK_STR(d.title, "Guests Visit Caf\xC3\xA9 of Pyongyang");
    CHECK_STR(d.date, "2024-05-25");
    CHECK_STR(d.date_source, "page");
    CHECK_STR(d.dateline_place, "Pyongyang");
    CHECK_INT(d.n_paragraphs, 2);
    CHECK_STR(para(&d, 0), "Pyongyang, May 25 (KCNA)-- Visitors from abroad "
              "saw the caf\xC3\xA9 on Friday.");
    CHECK_STR(last(&d), "They left here the same day.");
    extract_document_clear(&d);
}

static void test_cojp_charset_argument(void)
{
    extract_document d;
    /* No declaration in the page: only the HTTP charset knows it. */
    if (load("cojp-cp1252.html", COJP "202405/news26/20240526-01ee.html",
             "windows-1252", &d))
        return;
    CHECK_STR(d.title, "Film \xE2\x80\x9C" "Our Home\xE2\x80\x9D Shown");
    CHECK_STR(d.dateline_place, "Moscow");
    CHECK_STR(d.date, "2024-05-26");
    CHECK_INT(d.n_paragraphs, 1);
    CHECK_STR(para(&d, 0), "Moscow, May 26 (KCNA) -- The film \xE2\x80\x9C"
              "Our Home\xE2\x80\x9D was shown on Saturday.");
    extract_document_clear(&d);
    /* Without it the bytes are read as ISO-8859-1 (C1 controls). */
    if (load("cojp-cp1252.html", COJP "202405/news26/20240526-01ee.html",
             NULL, &d))
        return;
    CHECK_STR(d.title, "Film \xC2\x93" "Our Home\xC2\x94 Shown");
    extract_document_clear(&d);
}

static void test_cojp_calendar(void)
{
    extract_document d;
    if (load("cojp-calendar.html", COJP "calendar-2024e.html", NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "index");
    CHECK_STR(d.profile, "kcna-co-jp");
    CHECK_INT(d.n_paragraphs, 0);
    CHECK_STR(d.text, "");
    /* The fragment-only variant of day 3 is the same link; the off-site
     * link the profiles do not know is dropped. */
    CHECK_INT(d.n_links, 3);
    CHECK_STR(d.links[0].url, COJP "202405/news01/e-news.html");
    CHECK_INT(d.links[0].kind, 1);
    CHECK_STR(d.links[1].url, COJP "202405/news03/e-news.html");
    CHECK_STR(d.links[2].url,
              "http://127.0.0.1:8000/kcna.co.jp/item/2023/calendar-2023e.html");
    CHECK_INT(d.links[2].kind, 1);
    extract_document_clear(&d);
}

static void test_cojp_day_list(void)
{
    extract_document d;
    if (load("cojp-daylist.html", COJP "202405/news24/e-news.html", NULL,
             &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "index");
    CHECK_STR(d.date, "2024-05-24");
    CHECK_INT(d.n_links, 4); /* mailto: is not a link to crawl */
    CHECK_INT(link_kind(&d, COJP "calendar-2024e.html"), 1);
    CHECK_INT(link_kind(&d, COJP "202405/news24/20240524-01ee.html"), 2);
    CHECK_INT(link_kind(&d, COJP "202405/news24/20240524-01sp.html"), 3);
    CHECK_INT(link_kind(&d, COJP "202405/news24/20240524-02ee.html"), 2);
    CHECK_STR(d.links[1].url, COJP "202405/news24/20240524-01ee.html");
    extract_document_clear(&d);
}

static void test_cojp_spanish(void)
{
    extract_document d;
    if (load("cojp-spanish.html", COJP "202405/news24/20240524-01sp.html",
             NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "foreign");
    CHECK_STR(d.language, "es");
    CHECK_STR(d.profile, "kcna-co-jp");
    CHECK_STR(d.date, "2024-05-24"); /* from the URL: no English date */
    CHECK_STR(d.date_source, "url");
    CHECK_STR(d.dateline_place, NULL);
    extract_document_clear(&d);
}

#define KP "http://127.0.0.1:8000/kcna.kp/en/"

static void test_kp_article(void)
{
    extract_document d;
    if (load("kp-article.html",
             KP "article/q/0123456789abcdef0123456789abcdef.kcmsf", NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "article");
    CHECK_STR(d.profile, "kcna-kp");
    CHECK_STR(d.title, "Respected Comrade Kim Jong Un's Reply to Guests");
    CHECK_STR(d.date, "2024-05-24");
    CHECK_STR(d.date_source, "page");
    CHECK_STR(d.dateline_place, "Pyongyang");
    CHECK_STR(d.dateline_text, "May 24");
    CHECK_INT(d.n_paragraphs, 2);
    CHECK_STR(para(&d, 0), "Pyongyang, May 24 (KCNA) -- Respected Comrade Kim"
              " Jong Un sent a reply to the guests.");
    CHECK_STR(last(&d), "The reply expressed thanks for the visit of the "
              "delegation.");
    CHECK(strstr(d.text, "-0-") == NULL);
    CHECK(strstr(d.text, "Latest") == NULL);
    CHECK_INT(link_kind(&d, KP "category/articles/q/"
                            "0123456789abcdef0123456789abcdef.kcmsf"), 1);
    CHECK_INT(link_kind(&d, KP "article/q/"
                            "fedcba9876543210fedcba9876543210.kcmsf"), 2);
    CHECK_INT(link_kind(&d, "http://127.0.0.1:8000/kcna.kp/es/article/q/"
                            "fedcba9876543210fedcba9876543210.kcmsf"), 3);
    extract_document_clear(&d);
}

static void test_kp_list(void)
{
    extract_document d;
    if (load("kp-list.html",
             KP "category/articles/q/0123456789abcdef0123456789abcdef.kcmsf",
             NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "index");
    CHECK_STR(d.profile, "kcna-kp");
    CHECK_INT(d.n_links, 3);
    CHECK_STR(d.links[0].url,
              KP "article/q/00000000000000000000000000000001.kcmsf");
    CHECK_INT(d.links[0].kind, 2);
    CHECK_INT(d.links[1].kind, 2);
    CHECK_STR(d.links[2].url, KP "category/articles/q/"
                              "11111111111111111111111111111111.kcmsf");
    CHECK_INT(d.links[2].kind, 1);
    extract_document_clear(&d);
}

static void test_kp_detail(void)
{
    extract_document d;
    if (load("kp-detail.html",
             "http://www.kcna.kp/en/article/detail/"
             "abcdefabcdefabcdefabcdefabcdefab", NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "article");
    CHECK_STR(d.profile, "kcna-kp");
    CHECK_STR(d.title, "Chinese Art Troupe Leaves");
    CHECK_INT(d.n_paragraphs, 2);
    CHECK_STR(para(&d, 0), "Pyongyang, December 30 (KCNA) -- The art troupe "
              "of China left here on Monday.");
    CHECK_STR(last(&d), "It was seen off at the station by officials.");
    CHECK_STR(d.dateline_text, "December 30");
    /* No year on the page or in the URL: the caller supplies one. */
    CHECK_STR(d.date, NULL);
    CHECK_INT(extract_date_from_reference(&d, "2026-01-03"), 0);
    CHECK_STR(d.date, "2025-12-30");
    CHECK_STR(d.date_source, "dateline");
    CHECK_INT(extract_date_from_reference(&d, "2026-01-03"), 1);
    CHECK_INT(link_kind(&d, "http://www.kcna.kp/en/article/list/"
                            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 1);
    extract_document_clear(&d);
}

static void test_kcnawatch(void)
{
    extract_document d;
    const char *url = "https://kcnawatch.org/newstream/1716528601-912345678/"
                      "talks-held-between-dprk-and-russian-officials/";
    if (load("kw-article.html", url, NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "article");
    CHECK_STR(d.profile, "kcnawatch");
    CHECK_STR(d.title, "Talks Held between DPRK and Russian Officials");
    CHECK_STR(d.date, "2024-05-24");
    CHECK_STR(d.date_source, "page");
    CHECK_STR(d.dateline_place, "Pyongyang");
    CHECK_INT(d.n_paragraphs, 2);
    CHECK_STR(para(&d, 0), "Pyongyang, May 24 (KCNA) -- Talks were held "
              "between officials of the DPRK and Russia on Thursday.");
    CHECK_STR(last(&d), "Both sides exchanged views on matters of mutual "
              "concern.");
    CHECK(strstr(d.text, "More From") == NULL);
    CHECK(strstr(d.text, "banquet") == NULL);
    CHECK(strstr(d.text, "www.kcna.kp") == NULL);
    CHECK_INT(link_kind(&d, "https://kcnawatch.org/newstream/"), 1);
    CHECK_INT(link_kind(&d, "https://kcnawatch.org/newstream/"
                            "1716400000-900000001/banquet-given/"), 2);
    extract_document_clear(&d);
}

static void test_generic(void)
{
    extract_document d;
    if (load("generic.html", "https://news.example/2024/05/20/museum.html",
             NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "article");
    CHECK_STR(d.profile, "generic");
    CHECK_STR(d.title, "Ambassador Visits Museum");
    CHECK_STR(d.date, "2024-05-20");
    CHECK_STR(d.date_source, "meta");
    CHECK_STR(d.dateline_place, "Pyongyang");
    CHECK_INT(d.n_paragraphs, 2);
    CHECK_STR(para(&d, 0), "Pyongyang, May 20 (KCNA) -- The ambassador "
              "visited the museum on Sunday.");
    CHECK_STR(last(&d), "He laid a floral basket there.");
    CHECK(strstr(d.text, "related") == NULL);
    CHECK(strstr(d.text, "Share") == NULL);
    /* Same-site links are kept as kind 0; the off-site share link is not. */
    CHECK_INT(d.n_links, 2);
    CHECK_INT(link_kind(&d, "https://news.example/world/"), 0);
    extract_document_clear(&d);

    if (load("generic-spanish.html", "https://news.example/es/visita.html",
             NULL, &d))
        return;
    CHECK_STR(extract_kind_name(d.kind), "foreign");
    CHECK_STR(d.language, "es");
    CHECK_INT(d.n_paragraphs, 2);
    extract_document_clear(&d);
}

/* 1 when s is valid UTF-8. */
static int utf8_ok(const unsigned char *s)
{
    while (*s) {
        int n = *s < 0x80 ? 1 : (*s >> 5) == 6 ? 2 : (*s >> 4) == 14 ? 3
              : (*s >> 3) == 30 ? 4 : 0;
        if (n == 0)
            return 0;
        for (int i = 1; i < n; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
        s += n;
    }
    return 1;
}

static void test_malformed_and_empty(void)
{
    extract_document d;
    if (load("malformed.html", "https://news.example/broken.html", NULL, &d)
        == 0) {
        CHECK_STR(extract_kind_name(d.kind), "article");
        CHECK_STR(d.title, "");
        CHECK_INT(d.n_paragraphs, 2);
        CHECK_STR(para(&d, 0), "Pyongyang, May 27 (KCNA) -- First bold words"
                  " here.");
        /* 0xFF 0xFE read as ISO-8859-1, the control byte as a blank. */
        CHECK_STR(last(&d), "Second\xC3\xBF\xC3\xBE para");
        CHECK(utf8_ok((const unsigned char *)d.text));
        char *j = extract_document_json(&d, 1);
        CHECK(j != NULL && utf8_ok((const unsigned char *)j));
        free(j);
        extract_document_clear(&d);
    }
    if (load("empty.html", "https://news.example/empty.html", NULL, &d) == 0) {
        CHECK_STR(extract_kind_name(d.kind), "empty");
        CHECK_STR(d.profile, "generic");
        CHECK_INT(d.n_paragraphs, 0);
        CHECK_INT(d.n_links, 0);
        extract_document_clear(&d);
    }
    if (load("navonly.html", "https://news.example/menu.html", NULL, &d) == 0) {
        CHECK_STR(extract_kind_name(d.kind), "empty");
        CHECK_STR(d.title, "Menu");
        CHECK_INT(d.n_paragraphs, 0);
        CHECK_INT(d.n_links, 3); /* the links still serve the crawler */
        extract_document_clear(&d);
    }
}

static void test_json(void)
{
    extract_document d;
    if (load("kp-detail.html", "http://www.kcna.kp/en/article/detail/"
             "abcdefabcdefabcdefabcdefabcdefab", NULL, &d))
        return;
    char *j = extract_document_json(&d, 0);
    CHECK_STR(j, "{\"kind\":\"article\",\"profile\":\"kcna-kp\",\"url\":"
              "\"http://www.kcna.kp/en/article/detail/abcdefabcdefabcdefabcde"
              "fabcdefab\",\"title\":\"Chinese Art Troupe Leaves\",\"date\":"
              "null,\"date_source\":null,\"dateline_place\":\"Pyongyang\","
              "\"dateline_text\":\"December 30\",\"language\":\"en\","
              "\"paragraphs\":[\"Pyongyang, December 30 (KCNA) -- The art "
              "troupe of China left here on Monday.\",\"It was seen off at "
              "the station by officials.\"],\"text\":\"Pyongyang, December "
              "30 (KCNA) -- The art troupe of China left here on Monday.\\nIt"
              " was seen off at the station by officials.\"}");
    free(j);
    j = extract_document_json(&d, 1);
    CHECK(j != NULL && strstr(j, ",\"links\":[{\"url\":\"http://www.kcna.kp/"
                                 "en/article/list/aaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                 "aaaaa\",\"kind\":1}]}") != NULL);
    free(j);
    extract_document_clear(&d);
}

int main(int argc, char **argv)
{
    char *err = NULL;
    if (argc != 3) {
        fprintf(stderr, "usage: %s PAGES_DIR SITES_DIR\n", argv[0]);
        return 2;
    }
    pages_dir = argv[1];
    if (extract_profiles_load(argv[2], &profiles, &err) != 0) {
        fprintf(stderr, "%s\n", err);
        free(err);
        return 1;
    }
    test_cojp_item();
    test_cojp_latin1_meta();
    test_cojp_charset_argument();
    test_cojp_calendar();
    test_cojp_day_list();
    test_cojp_spanish();
    test_kp_article();
    test_kp_list();
    test_kp_detail();
    test_kcnawatch();
    test_generic();
    test_malformed_and_empty();
    test_json();
    extract_profiles_free(profiles);
    return kt_test_summary();
}
