/*
 * The small, stateless parts of fetch.h: outcome names, retry policy,
 * defaults, freeing results and links, libcurl's global setup.
 */
#include "fetch.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

const char *fetch_outcome_name(fetch_outcome o)
{
    switch (o) {
    case FETCH_OK: return "ok";
    case FETCH_NOT_MODIFIED: return "not_modified";
    case FETCH_HTTP_ERROR: return "http_error";
    case FETCH_NETWORK_ERROR: return "network_error";
    case FETCH_TRUNCATED: return "truncated";
    case FETCH_TOO_LARGE: return "too_large";
    case FETCH_REDIRECT_BLOCKED: return "redirect_blocked";
    case FETCH_NOT_HTML: return "not_html";
    case FETCH_ROBOTS_DENIED: return "robots_denied";
    }
    return "unknown";
}

/* For FETCH_ROBOTS_DENIED the crawler stores robots.txt's own status in
 * http_status, so "unavailable" (0 or 5xx) can be told from "disallowed". */
int fetch_outcome_retryable(fetch_outcome o, long http_status)
{
    switch (o) {
    case FETCH_NETWORK_ERROR:
    case FETCH_TRUNCATED:
        return 1;
    case FETCH_HTTP_ERROR:
        return http_status >= 500 || http_status == 408 || http_status == 429;
    case FETCH_ROBOTS_DENIED:
        return http_status == 0 || http_status >= 500;
    default:
        return 0;
    }
}

int fetch_outcome_is_failure(fetch_outcome o, long http_status)
{
    switch (o) {
    case FETCH_OK:
    case FETCH_NOT_MODIFIED:
    case FETCH_NOT_HTML:
        return 0;
    case FETCH_ROBOTS_DENIED:
        /* disallowed is a rule, not a failure; unavailable is a failure */
        return http_status == 0 || http_status >= 500;
    default:
        return 1;
    }
}

void fetch_links_free(fetch_link *links, size_t n)
{
    if (!links)
        return;
    for (size_t i = 0; i < n; i++)
        free(links[i].url);
    free(links);
}

void fetch_result_clear(fetch_result *r)
{
    if (!r)
        return;
    free(r->requested_url);
    free(r->final_url);
    free(r->error);
    free(r->content_type);
    free(r->charset);
    free(r->etag);
    free(r->last_modified);
    free(r->redirect_to);
    free(r->body);
    memset(r, 0, sizeof *r);
}

void fetch_options_default(fetch_options *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = 10000;
    o->total_timeout_ms = 60000;
    o->low_speed_bytes = 100;
    o->low_speed_seconds = 20;
    o->max_body_bytes = 5u * 1024u * 1024u;
    o->max_redirects = 5;
    o->delay_ms = 2000;
    o->jitter_percent = 25;
    o->per_host_concurrency = 1;
    o->max_attempts = 4;
    o->retry_base_ms = 500;
    o->retry_max_ms = 60000;
    o->crawl_delay_cap_ms = 30000;
    o->max_depth = 3;
}

int fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void fetch_global_cleanup(void)
{
    curl_global_cleanup();
}
