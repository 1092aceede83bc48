/*
 * kt_testd: the project's own loopback HTTP/1.1 server, for the fetch tests
 * and as the demo server of the sample corpus. One detached thread per
 * connection; static files from --root plus deterministic fault routes.
 *
 * Usage: kt_testd --root DIR [--port N] [--port-file FILE] [--bind ADDR]
 *                 [--robots FILE] [--robots-status N] [--max-seconds N]
 *                 [--validators both|etag|date|none] [--faults FILE]
 *
 *   --port 0 (default) picks a free port. Once listening, the port number is
 *   written to --port-file (atomically: a temporary file renamed) and to
 *   stdout. Only loopback addresses may be bound (127.0.0.0/8, ::1). The
 *   server stops on SIGTERM/SIGINT, and by itself after --max-seconds
 *   (default 3600) so that a forgotten server never lingers.
 *
 * Static files (GET and HEAD): a directory serves its index.html (a directory
 * named without its trailing slash is redirected to it, so relative links
 * work); types by extension: .html .htm .kcmsf text/html (no charset
 * parameter), .txt text/plain, .xml application/xml, anything else
 * application/octet-stream. ETag (FNV-1a hash of the content) and
 * Last-Modified (the file's mtime) with 304 answers to If-None-Match and
 * If-Modified-Since, as nginx and Apache answer them (If-None-Match wins
 * when both are sent; If-Modified-Since matches a Last-Modified at or
 * before the given date). --validators etag or date sends (and honours)
 * only one of them, none neither, as some servers do. Query strings are
 * ignored; ".." segments are refused (403). Connections are kept alive
 * unless the client says close.
 *
 * --faults FILE: lines "STATUS PATH" (e.g. "503 /a/b.html") make those
 * static paths answer STATUS instead of the file ("reset PATH": the
 * connection is reset); blank lines and "#" comments are ignored. The file
 * is read again whenever its modification time changes, so a test can
 * take pages down and bring them back while the server runs.
 *
 * /robots.txt: --robots FILE serves FILE; --robots-status N answers status N;
 * otherwise the file under --root (404 when absent).
 *
 * Fault routes (all deterministic):
 *   /_fault/ok                 200, a small HTML page
 *   /_fault/hang               reads the request, never answers
 *   /_fault/status/N           status N with a small HTML body
 *   /_fault/503                503 with Retry-After: 1
 *   /_fault/429                429 with Retry-After: 1
 *   /_fault/reset              Content-Length 1000, 100 bytes, then RST
 *   /_fault/truncated          Content-Length 1000, 100 bytes, then FIN
 *   /_fault/loop               302 to itself, forever
 *   /_fault/redirect/N         302 to /_fault/redirect/N-1; N = 0 is /_fault/ok
 *   /_fault/offhost            302 to http://127.0.0.2:PORT/_fault/ok
 *   /_fault/invalidhost        302 to http://example.invalid/
 *   /_fault/file               302 to file:///etc/passwd
 *   /_fault/huge               claims Content-Length 2 GiB, sends 1000 bytes,
 *                              then waits for the client to go away
 *   /_fault/big                65536 bytes of HTML, no Content-Length, close
 *   /_fault/trickle            Content-Length 100, one byte a second
 *   /_fault/binary             256 bytes of application/octet-stream
 *   /_fault/gzip               HTML sent with Content-Encoding: gzip
 *                              (decodes to 120 bytes)
 *   /_fault/charset            HTML, Content-Type text/html; charset=ISO-8859-1
 *   /_fault/etag               ETag "v1" and a fixed Last-Modified; 304 when
 *                              either validator matches
 *   /_fault/flaky/N/CODE       CODE for the first N requests of this exact
 *                              path (counted per server instance), then 200
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TD_HEAD_MAX 16384
#define TD_IDLE_MS 30000

/* Server-wide settings, written by main before any thread starts. */
static const char *td_root;
static const char *td_robots_file;
static int td_robots_status;
static int td_port;
static volatile sig_atomic_t td_stop;
static int td_send_etag = 1, td_send_date = 1; /* --validators */
static const char *td_faults_file;

/* The faults file's rules, reloaded when its mtime changes. */
#define TD_FAULTS_MAX 256
static struct {
    char path[512];
    int status; /* 0: reset the connection */
} td_faults[TD_FAULTS_MAX];
static int td_n_faults;
static struct timespec td_faults_mtime; /* with nanoseconds: a rewrite in
                                           the same second is seen */
static off_t td_faults_size;
static pthread_mutex_t td_faults_lock = PTHREAD_MUTEX_INITIALIZER;

/* Request counts of the flaky routes, by exact path. */
#define TD_FLAKY_MAX 64
static struct {
    char path[128];
    int count;
} td_flaky[TD_FLAKY_MAX];
static pthread_mutex_t td_flaky_lock = PTHREAD_MUTEX_INITIALIZER;

static const unsigned char td_gzip_body[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xb3, 0x51,
    0x74, 0xf1, 0x77, 0x0e, 0x89, 0x0c, 0x70, 0x55, 0xc8, 0x28, 0xc9, 0xcd,
    0xb1, 0xe3, 0xb2, 0x01, 0x53, 0x36, 0x19, 0xa9, 0x89, 0x29, 0x76, 0x36,
    0x25, 0x99, 0x25, 0x39, 0xa9, 0x76, 0xee, 0x55, 0x99, 0x05, 0x0a, 0x05,
    0x89, 0xe9, 0xa9, 0x36, 0xfa, 0x10, 0x01, 0x1b, 0x7d, 0x88, 0x74, 0x52,
    0x7e, 0x4a, 0xa5, 0x9d, 0x4d, 0x81, 0x5d, 0x48, 0x46, 0x66, 0xb1, 0x02,
    0x88, 0xa3, 0x50, 0x52, 0x94, 0x58, 0x96, 0x9a, 0x93, 0x93, 0x9a, 0xa2,
    0x90, 0x0e, 0xd4, 0xa4, 0x9b, 0x9a, 0x97, 0x9c, 0x9f, 0x92, 0x9a, 0xa2,
    0x67, 0xa3, 0x5f, 0x00, 0xd4, 0x04, 0x51, 0xae, 0x0f, 0xb1, 0x07, 0x00,
    0x92, 0xf7, 0xca, 0x2f, 0x78, 0x00, 0x00, 0x00,
};

static const char td_ok_page[] =
    "<!DOCTYPE html>\n<html><head><title>OK</title></head>"
    "<body><p>fault route answered normally</p></body></html>\n";

/* One parsed request head; pointers point into the connection's buffer. */
typedef struct td_req {
    char method[8];
    char path[2048];          /* decoded path, query removed */
    char raw_path[2048];      /* as sent, query removed (for redirects) */
    const char *if_none_match; /* header values, NUL-terminated in place */
    const char *if_modified_since;
    int close;                /* client asked for Connection: close */
    int head;                 /* HEAD: headers only */
} td_req;

/* Writes all of p[0..n) to fd. Returns 0, or -1 when the peer went away. */
static int td_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Sleeps ms milliseconds, or less when the server is stopping. */
static void td_sleep_ms(long ms)
{
    while (ms > 0 && !td_stop) {
        long step = ms > 100 ? 100 : ms;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Waits until the peer closes fd (or the server stops): used by routes that
 * must keep a connection open without answering. */
static void td_wait_peer_close(int fd)
{
    char tmp[512];
    while (!td_stop) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR)
            return;
        if (r > 0) {
            ssize_t got = recv(fd, tmp, sizeof tmp, 0);
            if (got <= 0)
                return;
        }
    }
}

/* Formats t as an IMF-fixdate into out (at least 40 bytes). */
static void td_http_date(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Sends a status line and headers. extra holds whole header lines (each
 * ending in CRLF) or is "". len < 0 sends no Content-Length. Returns 0/-1. */
static int td_send_head(int fd, int status, const char *reason,
                        const char *type, long long len, const char *extra,
                        int close_after)
{
    char head[2048], date[64];
    td_http_date(time(NULL), date, sizeof date);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nServer: kt_testd\r\nDate: %s\r\n%s%s%s",
                     status, reason, date, type ? "Content-Type: " : "",
                     type ? type : "", type ? "\r\n" : "");
    if (len >= 0)
        n += snprintf(head + n, sizeof head - (size_t)n,
                      "Content-Length: %lld\r\n", len);
    n += snprintf(head + n, sizeof head - (size_t)n, "%s%s\r\n", extra,
                  close_after ? "Connection: close\r\n" : "");
    if (n >= (int)sizeof head)
        return -1;
    return td_write_all(fd, head, (size_t)n);
}

/* Sends a complete response with body (omitted for HEAD). Returns 0/-1. */
static int td_send(int fd, const td_req *rq, int status, const char *reason,
                   const char *type, const void *body, size_t len,
                   const char *extra)
{
    if (td_send_head(fd, status, reason, type, (long long)len, extra,
                     rq->close) < 0)
        return -1;
    if (rq->head || len == 0)
        return 0;
    return td_write_all(fd, body, len);
}

static const char *td_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

/* Sends status with a tiny HTML body naming it. */
static int td_send_status(int fd, const td_req *rq, int status,
                          const char *extra)
{
    char body[256];
    int n = snprintf(body, sizeof body,
                     "<!DOCTYPE html>\n<html><body><h1>%d %s</h1></body>"
                     "</html>\n", status, td_reason(status));
    if (status == 304 || status == 204 || (status >= 100 && status < 200))
        return td_send_head(fd, status, td_reason(status), NULL, -1, extra,
                            rq->close);
    return td_send(fd, rq, status, td_reason(status), "text/html", body,
                   (size_t)n, extra);
}

static int td_redirect(int fd, const td_req *rq, const char *location)
{
    char extra[2300];
    snprintf(extra, sizeof extra, "Location: %s\r\n", location);
    return td_send_status(fd, rq, 302, extra);
}

/* 1 when the request's validators match etag / last_modified (t). */
static int td_not_modified(const td_req *rq, const char *etag, time_t t)
{
    if (rq->if_none_match)
        return strstr(rq->if_none_match, etag) != NULL ||
               strcmp(rq->if_none_match, "*") == 0;
    if (rq->if_modified_since) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(rq->if_modified_since,
                                   "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (end && *end == '\0')
            return t <= timegm(&tm);
    }
    return 0;
}

/* Sends body as a cacheable resource with ETag and Last-Modified (those
 * --validators allows; a validator not sent is not honoured either). */
static int td_send_validated(int fd, const td_req *rq, const char *type,
                             const void *body, size_t len, const char *etag,
                             time_t mtime)
{
    char lm[64], extra[256];
    td_http_date(mtime, lm, sizeof lm);
    snprintf(extra, sizeof extra, "%s%s%s%s%s%s",
             td_send_etag ? "ETag: " : "", td_send_etag ? etag : "",
             td_send_etag ? "\r\n" : "", td_send_date ? "Last-Modified: " : "",
             td_send_date ? lm : "", td_send_date ? "\r\n" : "");
    td_req only = *rq;
    if (!td_send_etag)
        only.if_none_match = NULL;
    if (!td_send_date)
        only.if_modified_since = NULL;
    if (td_not_modified(&only, etag, mtime))
        return td_send_head(fd, 304, "Not Modified", NULL, -1, extra,
                            rq->close);
    return td_send(fd, rq, 200, "OK", type, body, len, extra);
}

/* Counts one request of a flaky path and returns how many came before. */
static int td_flaky_count(const char *path)
{
    int seen = 0;
    char key[sizeof td_flaky[0].path];
    size_t n = strlen(path);
    if (n >= sizeof key)
        n = sizeof key - 1; /* long paths share a counter: harmless */
    memcpy(key, path, n);
    key[n] = '\0';
    pthread_mutex_lock(&td_flaky_lock);
    for (int i = 0; i < TD_FLAKY_MAX; i++) {
        if (td_flaky[i].path[0] == '\0') {
            memcpy(td_flaky[i].path, key, n + 1);
            td_flaky[i].count = 1;
            break;
        }
        if (strcmp(td_flaky[i].path, key) == 0) {
            seen = td_flaky[i].count++;
            break;
        }
    }
    pthread_mutex_unlock(&td_flaky_lock);
    return seen;
}

/* Fault routes. Returns 0 to keep the connection, -1 to close it. */
static int td_fault(int fd, td_req *rq, const char *route)
{
    char loc[256];
    if (strcmp(route, "ok") == 0)
        return td_send(fd, rq, 200, "OK", "text/html", td_ok_page,
                       sizeof td_ok_page - 1, "");
    if (strcmp(route, "hang") == 0) {
        td_wait_peer_close(fd);
        return -1;
    }
    if (strncmp(route, "status/", 7) == 0) {
        int st = atoi(route + 7);
        if (st < 100 || st > 599)
            st = 400;
        return td_send_status(fd, rq, st, "");
    }
    if (strcmp(route, "503") == 0)
        return td_send_status(fd, rq, 503, "Retry-After: 1\r\n");
    if (strcmp(route, "429") == 0)
        return td_send_status(fd, rq, 429, "Retry-After: 1\r\n");
    if (strcmp(route, "reset") == 0 || strcmp(route, "truncated") == 0) {
        char part[100];
        memset(part, 'x', sizeof part);
        if (td_send_head(fd, 200, "OK", "text/html", 1000, "", 1) < 0 ||
            td_write_all(fd, part, sizeof part) < 0)
            return -1;
        if (route[0] == 'r') {
            /* give the client time to read what was sent, then RST */
            td_sleep_ms(200);
            struct linger lg = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        return -1;
    }
    if (strcmp(route, "loop") == 0)
        return td_redirect(fd, rq, "/_fault/loop");
    if (strncmp(route, "redirect/", 9) == 0) {
        int n = atoi(route + 9);
        if (n <= 0)
            return td_redirect(fd, rq, "/_fault/ok");
        snprintf(loc, sizeof loc, "/_fault/redirect/%d", n - 1);
        return td_redirect(fd, rq, loc);
    }
    if (strcmp(route, "offhost") == 0) {
        snprintf(loc, sizeof loc, "http://127.0.0.2:%d/_fault/ok", td_port);
        return td_redirect(fd, rq, loc);
    }
    if (strcmp(route, "invalidhost") == 0)
        return td_redirect(fd, rq, "http://example.invalid/");
    if (strcmp(route, "file") == 0)
        return td_redirect(fd, rq, "file:///etc/passwd");
    if (strcmp(route, "huge") == 0) {
        char part[1000];
        memset(part, 'y', sizeof part);
        if (td_send_head(fd, 200, "OK", "text/html", 2147483648LL, "", 1) < 0)
            return -1;
        if (!rq->head && td_write_all(fd, part, sizeof part) == 0)
            td_wait_peer_close(fd);
        return -1;
    }
    if (strcmp(route, "big") == 0) {
        char chunk[1024];
        memset(chunk, 'z', sizeof chunk);
        if (td_send_head(fd, 200, "OK", "text/html", -1, "", 1) < 0)
            return -1;
        for (int i = 0; i < 64 && !rq->head; i++)
            if (td_write_all(fd, chunk, sizeof chunk) < 0)
                break;
        return -1;
    }
    if (strcmp(route, "trickle") == 0) {
        if (td_send_head(fd, 200, "OK", "text/html", 100, "", 1) < 0)
            return -1;
        for (int i = 0; i < 100 && !td_stop && !rq->head; i++) {
            if (td_write_all(fd, "t", 1) < 0)
                break;
            td_sleep_ms(1000);
        }
        return -1;
    }
    if (strcmp(route, "binary") == 0) {
        unsigned char bin[256];
        for (int i = 0; i < 256; i++)
            bin[i] = (unsigned char)i;
        return td_send(fd, rq, 200, "OK", "application/octet-stream", bin,
                       sizeof bin, "");
    }
    if (strcmp(route, "gzip") == 0)
        return td_send(fd, rq, 200, "OK", "text/html", td_gzip_body,
                       sizeof td_gzip_body, "Content-Encoding: gzip\r\n");
    if (strcmp(route, "charset") == 0)
        return td_send(fd, rq, 200, "OK", "text/html; charset=ISO-8859-1",
                       td_ok_page, sizeof td_ok_page - 1, "");
    if (strcmp(route, "etag") == 0)
        return td_send_validated(fd, rq, "text/html", td_ok_page,
                                 sizeof td_ok_page - 1, "\"v1\"",
                                 (time_t)1700000000);
    if (strncmp(route, "flaky/", 6) == 0) {
        int n = 0, code = 0;
        if (sscanf(route + 6, "%d/%d", &n, &code) != 2 || code < 100 ||
            code > 599)
            return td_send_status(fd, rq, 400, "");
        if (td_flaky_count(rq->path) < n)
            return td_send_status(fd, rq, code, "");
        return td_send(fd, rq, 200, "OK", "text/html", td_ok_page,
                       sizeof td_ok_page - 1, "");
    }
    return td_send_status(fd, rq, 404, "");
}

static const char *td_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return "application/octet-stream";
    if (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm") ||
        !strcasecmp(dot, ".kcmsf"))
        return "text/html";
    if (!strcasecmp(dot, ".txt"))
        return "text/plain";
    if (!strcasecmp(dot, ".xml"))
        return "application/xml";
    return "application/octet-stream";
}

/* Reads a whole regular file into a malloc'd buffer (caller frees). */
static char *td_slurp(const char *file, size_t *len, time_t *mtime)
{
    int fd = open(file, O_RDONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (buf = malloc((size_t)st.st_size + 1)) != NULL) {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        *len = got;
        *mtime = st.st_mtime;
    }
    close(fd);
    return buf;
}

/* Reloads the faults file when it changed (or vanished). */
static void td_faults_refresh(void)
{
    struct stat st;
    int exists = stat(td_faults_file, &st) == 0;
    struct timespec mtime = {0, 0};
    if (exists)
        mtime = st.st_mtim;
    off_t size = exists ? st.st_size : -1;
    if (mtime.tv_sec == td_faults_mtime.tv_sec &&
        mtime.tv_nsec == td_faults_mtime.tv_nsec && size == td_faults_size)
        return;
    td_faults_mtime = mtime;
    td_faults_size = size;
    td_n_faults = 0;
    FILE *f = exists ? fopen(td_faults_file, "r") : NULL;
    char line[600];
    while (f && td_n_faults < TD_FAULTS_MAX && fgets(line, sizeof line, f)) {
        char what[16], path[512];
        if (line[0] == '#' || sscanf(line, "%15s %511s", what, path) != 2)
            continue;
        td_faults[td_n_faults].status =
            strcmp(what, "reset") == 0 ? 0 : atoi(what);
        snprintf(td_faults[td_n_faults].path,
                 sizeof td_faults[td_n_faults].path, "%s", path);
        td_n_faults++;
    }
    if (f)
        fclose(f);
}

/* The fault the faults file gives path: 1 and *status (0 = reset), or 0. */
static int td_fault_for(const char *path, int *status)
{
    if (!td_faults_file)
        return 0;
    int found = 0;
    pthread_mutex_lock(&td_faults_lock);
    td_faults_refresh();
    for (int i = 0; i < td_n_faults && !found; i++)
        if (strcmp(td_faults[i].path, path) == 0) {
            *status = td_faults[i].status;
            found = 1;
        }
    pthread_mutex_unlock(&td_faults_lock);
    return found;
}

/* Serves file with validators. Returns 0/-1 as td_fault. */
static int td_serve_file(int fd, const td_req *rq, const char *file)
{
    size_t len = 0;
    time_t mtime = 0;
    char *body = td_slurp(file, &len, &mtime);
    if (!body)
        return td_send_status(fd, rq, 404, "");
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)body[i]) * 1099511628211ULL;
    char etag[32];
    snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)h);
    int rc = td_send_validated(fd, rq, td_type_of(file), body, len, etag,
                               mtime);
    free(body);
    return rc;
}

/* Static files and robots.txt. */
static int td_static(int fd, td_req *rq)
{
    if (strcmp(rq->path, "/robots.txt") == 0) {
        if (td_robots_status)
            return td_send_status(fd, rq, td_robots_status, "");
        if (td_robots_file)
            return td_serve_file(fd, rq, td_robots_file);
    }
    int down;
    if (td_fault_for(rq->path, &down)) {
        if (down == 0) {
            struct linger lg = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            return -1;
        }
        return td_send_status(fd, rq, down < 100 || down > 599 ? 500 : down,
                              down == 503 ? "Retry-After: 1\r\n" : "");
    }
    /* refuse any ".." segment: the path must stay under the root */
    for (const char *p = rq->path; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == rq->path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
            return td_send_status(fd, rq, 403, "");
    char file[4200];
    if (snprintf(file, sizeof file, "%s%s", td_root, rq->path) >=
        (int)sizeof file)
        return td_send_status(fd, rq, 404, "");
    struct stat st;
    if (stat(file, &st) != 0)
        return td_send_status(fd, rq, 404, "");
    if (S_ISDIR(st.st_mode)) {
        size_t n = strlen(file);
        if (file[n - 1] != '/') {
            char loc[2100];
            snprintf(loc, sizeof loc, "%s/", rq->raw_path);
            char extra[2200];
            snprintf(extra, sizeof extra, "Location: %s\r\n", loc);
            return td_send_status(fd, rq, 301, extra);
        }
        snprintf(file + n, sizeof file - n, "index.html");
    }
    return td_serve_file(fd, rq, file);
}

static int td_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses the request head in buf (NUL-terminated, CRLFs intact; modified in
 * place). Returns 0, or -1 for a malformed request. */
static int td_parse(char *buf, td_req *rq)
{
    memset(rq, 0, sizeof *rq);
    char *eol = strstr(buf, "\r\n");
    if (!eol)
        return -1;
    *eol = '\0';
    char target[2048], version[16];
    if (sscanf(buf, "%7s %2047s %15s", rq->method, target, version) != 3)
        return -1;
    rq->head = strcmp(rq->method, "HEAD") == 0;
    rq->close = strcmp(version, "HTTP/1.0") == 0;
    char *q = strchr(target, '?');
    if (q)
        *q = '\0';
    if (target[0] != '/')
        return -1;
    snprintf(rq->raw_path, sizeof rq->raw_path, "%s", target);
    size_t o = 0;
    for (const char *s = target; *s; s++) {
        if (*s == '%' && td_hex(s[1]) >= 0 && td_hex(s[2]) >= 0) {
            int c = td_hex(s[1]) * 16 + td_hex(s[2]);
            if (c == 0)
                return -1;
            rq->path[o++] = (char)c;
            s += 2;
        } else {
            rq->path[o++] = *s;
        }
    }
    rq->path[o] = '\0';
    for (char *line = eol + 2; *line; ) {
        char *end = strstr(line, "\r\n");
        if (!end)
            break;
        *end = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            if (!strcasecmp(line, "If-None-Match"))
                rq->if_none_match = v;
            else if (!strcasecmp(line, "If-Modified-Since"))
                rq->if_modified_since = v;
            else if (!strcasecmp(line, "Connection"))
                rq->close = strcasecmp(v, "close") == 0 ? 1 :
                            strcasecmp(v, "keep-alive") == 0 ? 0 : rq->close;
        }
        line = end + 2;
    }
    return 0;
}

/* One connection: reads request heads and answers them until the peer
 * closes, asks to close, idles too long, or a route ends the connection. */
static void *td_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *buf = malloc(TD_HEAD_MAX + 1);
    size_t used = 0;
    while (buf && !td_stop) {
        char *end;
        buf[used] = '\0';
        while ((end = strstr(buf, "\r\n\r\n")) == NULL) {
            if (used >= TD_HEAD_MAX)
                goto done;
            struct pollfd p = {fd, POLLIN, 0};
            int waited = 0, r = 0;
            while (!td_stop && waited < TD_IDLE_MS &&
                   (r = poll(&p, 1, 100)) == 0)
                waited += 100;
            if (r <= 0)
                goto done;
            ssize_t got = recv(fd, buf + used, TD_HEAD_MAX - used, 0);
            if (got <= 0)
                goto done;
            used += (size_t)got;
            buf[used] = '\0';
        }
        size_t head_len = (size_t)(end - buf) + 4;
        buf[head_len - 2] = '\0';
        td_req rq;
        int rc;
        if (td_parse(buf, &rq) < 0) {
            rq.close = 1;
            rq.head = 0;
            td_send_status(fd, &rq, 400, "");
            goto done;
        }
        if (strcmp(rq.method, "GET") != 0 && !rq.head) {
            rq.close = 1;
            td_send_status(fd, &rq, 405, "Allow: GET, HEAD\r\n");
            goto done;
        }
        if (strncmp(rq.path, "/_fault/", 8) == 0)
            rc = td_fault(fd, &rq, rq.path + 8);
        else
            rc = td_static(fd, &rq);
        if (rc < 0 || rq.close)
            goto done;
        /* keep any pipelined bytes that followed this head */
        memmove(buf, buf + head_len, used - head_len);
        used -= head_len;
    }
done:
    free(buf);
    close(fd);
    return NULL;
}

static void td_on_signal(int sig)
{
    (void)sig;
    td_stop = 1;
}

static void td_usage(FILE *f)
{
    fputs("usage: kt_testd --root DIR [--port N] [--port-file FILE]\n"
          "                [--bind ADDR] [--robots FILE] [--robots-status N]\n"
          "                [--max-seconds N] [--validators both|etag|date|none]\n"
          "                [--faults FILE]\n"
          "Loopback HTTP/1.1 server for kcnatrack's tests and demo corpus.\n"
          "Static files under --root (index.html for directories), ETag and\n"
          "Last-Modified with 304s. /robots.txt from --robots FILE or with\n"
          "status --robots-status N. Fault routes:\n"
          "  /_fault/ok  /_fault/hang  /_fault/status/N  /_fault/503\n"
          "  /_fault/429  /_fault/reset  /_fault/truncated  /_fault/loop\n"
          "  /_fault/redirect/N  /_fault/offhost  /_fault/invalidhost\n"
          "  /_fault/file  /_fault/huge  /_fault/big  /_fault/trickle\n"
          "  /_fault/binary  /_fault/gzip  /_fault/charset  /_fault/etag\n"
          "  /_fault/flaky/N/CODE (CODE for the first N requests, then 200)\n"
          "See the comment at the top of tests/httpd/kt_testd.c.\n", f);
}

/* Opens a listening socket on a loopback address. Returns fd or -1. */
static int td_listen(const char *bind_addr, int port, int *bound_port)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind_addr, &s4->sin_addr) == 1) {
        if ((ntohl(s4->sin_addr.s_addr) >> 24) != 127)
            return -1;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sl = sizeof *s4;
    } else if (inet_pton(AF_INET6, bind_addr, &s6->sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
            return -1;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sl = sizeof *s6;
    } else {
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
        close(fd);
        return -1;
    }
    sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *bound_port = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
    return fd;
}

int main(int argc, char **argv)
{
    const char *bind_addr = "127.0.0.1", *port_file = NULL;
    int port = 0;
    long max_seconds = 3600;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            td_usage(stdout);
            return 0;
        }
        if (!v) {
            td_usage(stderr);
            return 2;
        }
        if (!strcmp(a, "--root"))
            td_root = v;
        else if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--port-file"))
            port_file = v;
        else if (!strcmp(a, "--bind"))
            bind_addr = v;
        else if (!strcmp(a, "--robots"))
            td_robots_file = v;
        else if (!strcmp(a, "--robots-status"))
            td_robots_status = atoi(v);
        else if (!strcmp(a, "--max-seconds"))
            max_seconds = atol(v);
        else if (!strcmp(a, "--faults"))
            td_faults_file = v;
        else if (!strcmp(a, "--validators")) {
            td_send_etag = !strcmp(v, "both") || !strcmp(v, "etag");
            td_send_date = !strcmp(v, "both") || !strcmp(v, "date");
            if (!td_send_etag && !td_send_date && strcmp(v, "none")) {
                td_usage(stderr);
                return 2;
            }
        }
        else {
            td_usage(stderr);
            return 2;
        }
        i++;
    }
    if (!td_root || port < 0 || port > 65535) {
        td_usage(stderr);
        return 2;
    }
    int lfd = td_listen(bind_addr, port, &td_port);
    if (lfd < 0) {
        fprintf(stderr, "kt_testd: cannot listen on %s:%d (loopback only)\n",
                bind_addr, port);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = td_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", td_port) < 0 || fclose(f) != 0 ||
            rename(tmp, port_file) != 0) {
            fprintf(stderr, "kt_testd: cannot write %s\n", port_file);
            return 1;
        }
    }
    printf("%d\n", td_port);
    fflush(stdout);

    time_t deadline = time(NULL) + max_seconds;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (!td_stop && time(NULL) < deadline) {
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int cfd = accept(lfd, NULL, NULL);
        if (cfd < 0)
            continue;
        /* headers and body go out in separate writes: no Nagle delay */
        int one = 1;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        if (pthread_create(&t, &attr, td_conn, (void *)(intptr_t)cfd) != 0)
            close(cfd);
    }
    close(lfd);
    /* connection threads notice td_stop within 100 ms; give them that */
    td_stop = 1;
    struct timespec ts = {0, 150 * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
}
