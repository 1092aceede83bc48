/*
 * One HTTP transfer: the easy handle's options (limits, no automatic
 * redirects, conditional headers), the callbacks that enforce the body cap
 * and drop non-HTML bodies early, and the mapping of libcurl's answer to a
 * fetch_outcome.
 */
#include "fetch_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* robots.txt is parsed up to this size (RFC 9309 asks for 500 KiB). */
#define FETCH_ROBOTS_CAP (512u * 1024u)

/* 1 for the media types whose bodies we keep. */
static int xfer_is_html_type(const char *ct)
{
    size_t n = strcspn(ct, "; \t");
    return (n == 9 && strncasecmp(ct, "text/html", 9) == 0) ||
           (n == 21 && strncasecmp(ct, "application/xhtml+xml", 21) == 0);
}

/* Decides on the first body bytes whether to keep the body: only for 2xx;
 * for pages only when HTML (or untyped but starting with '<'). */
static void xfer_decide(fetch_xfer *x, const char *p, size_t n)
{
    long status = 0;
    char *ct = NULL;
    x->body_seen = 1;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (status < 200 || status > 299)
        return;
    if (x->is_robots) {
        x->keep_body = 1;
        return;
    }
    if (ct) {
        x->not_html = !xfer_is_html_type(ct);
    } else {
        size_t i = 0;
        while (i < n && isspace((unsigned char)p[i]))
            i++;
        x->not_html = !(i < n && p[i] == '<');
    }
    x->keep_body = !x->not_html;
}

/* libcurl write callback: keeps decoded bytes up to the cap. Returning a
 * short count aborts the transfer (CURLE_WRITE_ERROR), which is how a
 * non-HTML body or one growing past the cap is cut off. */
static size_t xfer_write(char *p, size_t size, size_t nmemb, void *ud)
{
    fetch_xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->body_seen)
        xfer_decide(x, p, n);
    if (x->not_html)
        return 0;
    if (!x->keep_body)
        return n;
    if (x->body.len + n > x->cap) {
        x->too_large = 1;
        if (x->is_robots)
            kt_buf_append(&x->body, p, x->cap - x->body.len);
        return 0;
    }
    return kt_buf_append(&x->body, p, n) == 0 ? n : 0;
}

/* Stores a copy of a header value with its blanks trimmed into *slot. */
static void xfer_keep_header(char **slot, const char *v, size_t n)
{
    while (n > 0 && isspace((unsigned char)*v)) {
        v++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)v[n - 1]))
        n--;
    free(*slot);
    *slot = kt_strndup(v, n);
}

/* libcurl header callback: remembers ETag, Last-Modified and Location of the
 * latest response (a new status line forgets the previous response's). */
static size_t xfer_header(char *p, size_t size, size_t nmemb, void *ud)
{
    fetch_xfer *x = ud;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        free(x->h_etag);
        free(x->h_last_modified);
        free(x->h_location);
        x->h_etag = x->h_last_modified = x->h_location = NULL;
        return n;
    }
    static const struct {
        const char *name;
        size_t off;
    } keep[] = {
        {"etag:", offsetof(fetch_xfer, h_etag)},
        {"last-modified:", offsetof(fetch_xfer, h_last_modified)},
        {"location:", offsetof(fetch_xfer, h_location)},
    };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        size_t kl = strlen(keep[i].name);
        if (n > kl && strncasecmp(p, keep[i].name, kl) == 0)
            xfer_keep_header((char **)((char *)x + keep[i].off), p + kl,
                             n - kl);
    }
    return n;
}

void fetch_xfer_reset(fetch_xfer *x, CURLM *m)
{
    if (x->easy) {
        if (m)
            curl_multi_remove_handle(m, x->easy);
        curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->headers);
    kt_buf_free(&x->body);
    free(x->h_etag);
    free(x->h_last_modified);
    free(x->h_location);
    x->easy = NULL;
    x->headers = NULL;
    x->h_etag = x->h_last_modified = x->h_location = NULL;
    x->too_large = x->not_html = x->keep_body = x->body_seen = 0;
    x->errbuf[0] = '\0';
}

void fetch_xfer_free(fetch_xfer *x, CURLM *m)
{
    if (!x)
        return;
    fetch_xfer_reset(x, m);
    free(x->requested);
    free(x->url);
    free(x->etag);
    free(x->last_modified);
    free(x);
}

/* Appends "Name: value" to the request headers. Returns 0 or -1. */
static int xfer_add_header(fetch_xfer *x, const char *name, const char *v)
{
    kt_buf b = {0};
    int rc = -1;
    if (kt_buf_printf(&b, "%s: %s", name, v) == 0) {
        struct curl_slist *l = curl_slist_append(x->headers, b.data);
        if (l) {
            x->headers = l;
            rc = 0;
        }
    }
    kt_buf_free(&b);
    return rc;
}

int fetch_xfer_start(fetch_xfer *x, const fetch_options *o, CURLM *m)
{
    fetch_xfer_reset(x, NULL);
    x->cap = x->is_robots ? FETCH_ROBOTS_CAP : o->max_body_bytes;
    if ((x->etag && xfer_add_header(x, "If-None-Match", x->etag) < 0) ||
        (x->last_modified &&
         xfer_add_header(x, "If-Modified-Since", x->last_modified) < 0))
        goto fail;
    CURL *e = x->easy = curl_easy_init();
    if (!e)
        goto fail;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) rc |= curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, x->url);
    SET(CURLOPT_PRIVATE, x);
    SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "kcnatrack");
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, o->total_timeout_ms);
    SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
    SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_seconds);
    if (!x->is_robots && o->max_body_bytes > 0)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body_bytes);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_WRITEFUNCTION, xfer_write);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HEADERFUNCTION, xfer_header);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    if (x->headers)
        SET(CURLOPT_HTTPHEADER, x->headers);
#undef SET
    if (rc != CURLE_OK || curl_multi_add_handle(m, e) != CURLM_OK)
        goto fail;
    return 0;
fail:
    fetch_xfer_reset(x, NULL);
    return -1;
}

/* Splits a Content-Type into lower-case media type and charset. */
static void xfer_content_type(const char *ct, fetch_result *r)
{
    size_t n = strcspn(ct, "; \t");
    r->content_type = kt_strndup(ct, n);
    for (char *c = r->content_type; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    for (const char *p = ct + n; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "charset=", 8) != 0)
            continue;
        p += 8;
        if (*p == '"')
            p++;
        size_t cl = strcspn(p, "\"; \t");
        if (cl > 0) {
            free(r->charset);
            r->charset = kt_strndup(p, cl);
            for (char *c = r->charset; c && *c; c++)
                *c = (char)tolower((unsigned char)*c);
        }
    }
}

/* Sets r's error to a printf-formatted reason. */
static void xfer_error(fetch_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void xfer_error(fetch_result *r, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    kt_buf e = {0};
    kt_buf_puts(&e, text);
    free(r->error);
    r->error = kt_buf_take(&e);
    kt_buf_free(&e);
}

/* Error text of a libcurl failure: its detailed buffer when filled. */
static const char *xfer_curl_text(const fetch_xfer *x, CURLcode rc)
{
    return x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
}

fetch_next fetch_xfer_finish(fetch_xfer *x, CURLM *m, CURLcode rc,
                             fetch_result *r, char **location)
{
    memset(r, 0, sizeof *r);
    r->retry_after_s = -1;
    r->fetched_at = (int64_t)time(NULL);
    *location = NULL;
    CURL *e = x->easy;
    long status = 0;
    char *ct = NULL;
    curl_off_t ra = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
    curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra);
    r->http_status = status;
    if (ra > 0)
        r->retry_after_s = (long)ra;
    if (ct)
        xfer_content_type(ct, r);
    r->etag = kt_strdup0(x->h_etag);
    r->last_modified = kt_strdup0(x->h_last_modified);

    /* an empty 2xx body never reached the write callback's type check */
    if (rc == CURLE_OK && !x->body_seen && !x->is_robots && ct &&
        !xfer_is_html_type(ct))
        x->not_html = 1;

    fetch_next next = FETCH_NEXT_DONE;
    if (rc == CURLE_OK) {
        if (status >= 300 && status < 400 && status != 304 && x->h_location) {
            *location = fetch_url_resolve(x->url, x->h_location);
            if (!*location)
                *location = kt_strdup0(x->h_location);
            next = FETCH_NEXT_REDIRECT;
            r->outcome = FETCH_REDIRECT_BLOCKED; /* until the crawler follows */
        } else if (status == 304) {
            /* Not an error: the held copy is confirmed. */
            r->outcome = FETCH_NOT_MODIFIED;
        } else if (status >= 200 && status < 300) {
            if (x->not_html) {
                r->outcome = FETCH_NOT_HTML;
                xfer_error(r, "not HTML: %s (HTTP %ld)",
                           r->content_type ? r->content_type : "untyped",
                           status);
            } else {
                r->outcome = FETCH_OK;
                r->body_len = x->body.len;
                r->body = (unsigned char *)kt_buf_take(&x->body);
                if (!r->body) {
                    r->outcome = FETCH_NETWORK_ERROR;
                    xfer_error(r, "out of memory (HTTP %ld)", status);
                }
            }
        } else {
            r->outcome = FETCH_HTTP_ERROR;
            xfer_error(r, "HTTP error %ld", status);
            if (fetch_outcome_retryable(FETCH_HTTP_ERROR, status))
                next = FETCH_NEXT_RETRY;
        }
    } else if (x->is_robots && x->too_large) {
        /* robots.txt is read up to the cap and the rest ignored */
        r->outcome = FETCH_OK;
        r->body_len = x->body.len;
        r->body = (unsigned char *)kt_buf_take(&x->body);
    } else if (rc == CURLE_FILESIZE_EXCEEDED ||
               (rc == CURLE_WRITE_ERROR && x->too_large)) {
        r->outcome = FETCH_TOO_LARGE;
        xfer_error(r, "body larger than the %zu-byte cap (HTTP %ld)", x->cap,
                   status);
    } else if (rc == CURLE_WRITE_ERROR && x->not_html) {
        r->outcome = FETCH_NOT_HTML;
        xfer_error(r, "not HTML: %s (HTTP %ld)",
                   r->content_type ? r->content_type : "untyped", status);
    } else if (rc == CURLE_PARTIAL_FILE ||
               (rc == CURLE_RECV_ERROR && status != 0)) {
        r->outcome = FETCH_TRUNCATED;
        xfer_error(r, "truncated: %s (HTTP %ld)", xfer_curl_text(x, rc),
                   status);
        next = FETCH_NEXT_RETRY;
    } else {
        r->outcome = FETCH_NETWORK_ERROR;
        if (status)
            xfer_error(r, "network error: %s (HTTP %ld)",
                       xfer_curl_text(x, rc), status);
        else /* no answer at all: a status would only mislead */
            xfer_error(r, "network error: %s", xfer_curl_text(x, rc));
        if (rc != CURLE_URL_MALFORMAT && rc != CURLE_UNSUPPORTED_PROTOCOL &&
            rc != CURLE_OUT_OF_MEMORY)
            next = FETCH_NEXT_RETRY;
        /* Nothing answered at all: the host, not this URL, is the problem. */
        r->unreachable = rc == CURLE_COULDNT_CONNECT ||
                         rc == CURLE_COULDNT_RESOLVE_HOST ||
                         rc == CURLE_COULDNT_RESOLVE_PROXY;
    }
    fetch_xfer_reset(x, m);
    return next;
}
