/*
 * robots.txt evaluation after RFC 9309: groups chosen by the crawler's
 * product token (else '*'), Allow/Disallow by longest match with '*' and a
 * final '$', ties going to Allow. Crawl-delay, not in the RFC but honoured by
 * the crawlers KCNA's sites see, is read from the chosen groups.
 */
#include "fetch.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 1 when path matches the robots pattern p[0..pl): '*' is any run of bytes,
 * a final '$' anchors at the end, otherwise the pattern is a prefix. Greedy
 * with one backtrack point, so hostile patterns cannot blow up. */
static int robots_match(const char *p, size_t pl, const char *s)
{
    int anchored = pl > 0 && p[pl - 1] == '$';
    if (anchored)
        pl--;
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    for (;;) {
        if (pi == pl && (!anchored || s[si] == '\0'))
            return 1;
        if (s[si] == '\0') {
            while (pi < pl && p[pi] == '*')
                pi++;
            return pi == pl;
        }
        if (pi < pl && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pl && p[pi] == s[si]) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
}

/* Length of the product token at s: up to '/', blank or end. */
static size_t robots_token_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] != '/' && s[i] != ' ' && s[i] != '\t')
        i++;
    return i;
}

/* What one pass over the file found for one user-agent token. */
typedef struct robots_verdict {
    int matched_group;   /* some group named the token */
    size_t best_len;     /* longest matching rule so far, + 1 (0 = none) */
    int best_allow;
    long delay_ms;
} robots_verdict;

/* Walks every line; for groups whose user-agent equals want (or, when want
 * is "*", the '*' groups) records the longest rule matching path. */
static void robots_pass(const char *body, const char *want, size_t want_len,
                        const char *path, robots_verdict *v)
{
    int in_group = 0, rules_seen = 1;
    const char *line = body;
    while (line && *line) {
        const char *eol = line + strcspn(line, "\r\n");
        const char *next = *eol ? eol + 1 : NULL;
        const char *hash = memchr(line, '#', (size_t)(eol - line));
        const char *end = hash ? hash : eol;
        const char *colon = memchr(line, ':', (size_t)(end - line));
        if (colon) {
            const char *k = line, *ke = colon, *val = colon + 1, *ve = end;
            while (k < ke && isspace((unsigned char)*k))
                k++;
            while (ke > k && isspace((unsigned char)ke[-1]))
                ke--;
            while (val < ve && isspace((unsigned char)*val))
                val++;
            while (ve > val && isspace((unsigned char)ve[-1]))
                ve--;
            size_t kl = (size_t)(ke - k), vl = (size_t)(ve - val);
            if (kl == 10 && strncasecmp(k, "user-agent", 10) == 0) {
                if (rules_seen)
                    in_group = 0;
                rules_seen = 0;
                size_t tl = robots_token_len(val, vl);
                if (tl == want_len && strncasecmp(val, want, tl) == 0) {
                    in_group = 1;
                    v->matched_group = 1;
                }
            } else if ((kl == 5 && strncasecmp(k, "allow", 5) == 0) ||
                       (kl == 8 && strncasecmp(k, "disallow", 8) == 0)) {
                rules_seen = 1;
                int allow = kl == 5;
                if (in_group && vl > 0 && robots_match(val, vl, path) &&
                    (vl + 1 > v->best_len ||
                     (vl + 1 == v->best_len && allow))) {
                    v->best_len = vl + 1;
                    v->best_allow = allow;
                }
            } else if (kl == 11 && strncasecmp(k, "crawl-delay", 11) == 0) {
                rules_seen = 1;
                if (in_group && vl > 0 && vl < 32) {
                    char num[32];
                    memcpy(num, val, vl);
                    num[vl] = '\0';
                    char *stop;
                    double secs = strtod(num, &stop);
                    if (stop != num && secs >= 0 && secs < 86400)
                        v->delay_ms = (long)(secs * 1000.0);
                }
            }
        }
        line = next;
    }
}

int fetch_robots_allowed(const char *body, long status, const char *user_agent,
                         const char *path, long *crawl_delay_ms)
{
    if (crawl_delay_ms)
        *crawl_delay_ms = -1;
    if (status == 0 || status >= 500)
        return 0;
    if (status < 200 || status >= 300 || !body)
        return 1;
    if (!path || !*path)
        path = "/";
    if (strcmp(path, "/robots.txt") == 0)
        return 1;
    const char *ua = user_agent && *user_agent ? user_agent : "kcnatrack";
    robots_verdict v = {0, 0, 1, -1};
    robots_pass(body, ua, robots_token_len(ua, strlen(ua)), path, &v);
    if (!v.matched_group) {
        robots_verdict star = {0, 0, 1, -1};
        robots_pass(body, "*", 1, path, &star);
        v = star;
    }
    if (crawl_delay_ms)
        *crawl_delay_ms = v.delay_ms;
    return v.best_len == 0 ? 1 : v.best_allow;
}
