/*
 * URL helpers on libcurl's URL API, so that hosts, redirects and robots.txt
 * locations are parsed exactly as libcurl itself will request them.
 */
#include "fetch_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Parses url into a new handle (caller curl_url_cleanup's), or NULL. */
static CURLU *url_parse(const char *url)
{
    CURLU *u = curl_url();
    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
                 CURLUE_OK) {
        curl_url_cleanup(u);
        u = NULL;
    }
    return u;
}

/* malloc'd copy of one part (lower-cased when lower), or NULL. */
static char *url_part(CURLU *u, CURLUPart what, int lower)
{
    char *p = NULL;
    if (!u || curl_url_get(u, what, &p, 0) != CURLUE_OK)
        return NULL;
    char *copy = kt_strdup0(p);
    curl_free(p);
    if (copy && lower)
        for (char *c = copy; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    return copy;
}

char *fetch_url_host(const char *url)
{
    CURLU *u = url_parse(url);
    char *h = url_part(u, CURLUPART_HOST, 1);
    curl_url_cleanup(u);
    if (h && !*h) {
        free(h);
        h = NULL;
    }
    return h;
}

char *fetch_url_authority(const char *url)
{
    CURLU *u = url_parse(url);
    char *h = url_part(u, CURLUPART_HOST, 1);
    char *port = url_part(u, CURLUPART_PORT, 0);
    curl_url_cleanup(u);
    if (h && port) {
        kt_buf b = {0};
        if (kt_buf_printf(&b, "%s:%s", h, port) == 0) {
            free(h);
            h = kt_buf_take(&b);
        }
        kt_buf_free(&b);
    }
    free(port);
    return h;
}

int fetch_url_is_web(const char *url)
{
    CURLU *u = url_parse(url);
    char *s = url_part(u, CURLUPART_SCHEME, 1);
    char *h = url_part(u, CURLUPART_HOST, 0);
    curl_url_cleanup(u);
    int ok = s && h && *h && (!strcmp(s, "http") || !strcmp(s, "https"));
    free(s);
    free(h);
    return ok;
}

char *fetch_url_resolve(const char *base, const char *loc)
{
    CURLU *u = url_parse(base);
    if (!u)
        return NULL;
    char *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, loc, CURLU_NON_SUPPORT_SCHEME) ==
        CURLUE_OK)
        out = url_part(u, CURLUPART_URL, 0);
    curl_url_cleanup(u);
    return out;
}

char *fetch_url_path_query(const char *url)
{
    CURLU *u = url_parse(url);
    char *path = url_part(u, CURLUPART_PATH, 0);
    char *query = url_part(u, CURLUPART_QUERY, 0);
    curl_url_cleanup(u);
    kt_buf b = {0};
    int bad = kt_buf_puts(&b, path && *path ? path : "/");
    if (query)
        bad |= kt_buf_printf(&b, "?%s", query);
    free(path);
    free(query);
    char *out = bad ? NULL : kt_buf_take(&b);
    kt_buf_free(&b);
    return out;
}

char *fetch_url_robots(const char *url)
{
    CURLU *u = url_parse(url);
    char *out = NULL;
    if (u && curl_url_set(u, CURLUPART_PATH, "/robots.txt", 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK)
        out = url_part(u, CURLUPART_URL, 0);
    curl_url_cleanup(u);
    return out;
}

char *fetch_url_defrag(const char *url)
{
    return kt_strndup(url, strcspn(url, "#"));
}
