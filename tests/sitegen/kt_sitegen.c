/*
 * kt_sitegen: renders the development corpus's report sources into the
 * three site layouts, a C port of tests/corpus/generate.py, so that the test
 * suite can render sites at test time without Python, and render a site as
 * it stood on a given day.
 *
 * Usage: kt_sitegen --reports DIR --out DIR [--manifest FILE]
 *                   [--reference CSV] [--select REGEX] [--until YYYY-MM-DD]
 *                   [--sample N]
 *
 *   --reports DIR    the report sources: every DIR/ *.txt (format in
 *                    docs/conventions.md), read in file-name order.
 *   --out DIR        the document root to bring up to date (created when
 *                    missing).
 *   --manifest FILE  also write the manifest CSV
 *                    (path,source,site,split,expect,pub_date,title).
 *   --reference CSV  check every `expect` id against the CSV's row_id
 *                    column when the file exists (otherwise, as without the
 *                    option, ids are checked for their shape only).
 *   --select REGEX   only files whose name matches this POSIX extended
 *                    regular expression (unanchored, like Python's search).
 *   --until DATE     only reports whose date is on or before DATE: the site
 *                    as it stood that day. Every selected file is still
 *                    checked.
 *   --sample N       only the first N selected files, in file-name order
 *                    (a quick small site; only those files are read).
 *
 * For the same input and selection the files written are byte-identical to
 * generate.py's (and so the manifest): the same pages, escaping, relative
 * links, md5-derived kcna.kp names and KCNA Watch epochs/ids, calendars,
 * slugs, sort orders, and ISO-8859-1 pages where a report asks for them.
 * Every check generate.py makes is made here too, with its messages.
 *
 * Unlike generate.py, which deletes --out and rewrites it, kt_sitegen
 * updates --out in place: a file whose bytes would not change is not
 * touched (its mtime stays, which a web server's Last-Modified and 304
 * answers depend on); a changed or new file is written to a temporary file
 * beside it and renamed over it, so a reader never sees half a page; files
 * under --out the site no longer has are deleted, but only regular files it
 * could have written (*.html, *.kcmsf, *.css, and its own stale temporary
 * files), and folders emptied by that are removed. The manifest is updated
 * the same way.
 *
 * Exit status: 0 on success (a summary on stdout); 1 with
 * "file:line: message" lines on stderr when an input is wrong (nothing is
 * written then), or with a message when a file cannot be read or written;
 * 2 for a usage error.
 *
 * Differences from generate.py by design: its default paths (the source
 * tree's) are not known here, so --reports and --out are required and the
 * reference check needs --reference; messages name a report as
 * DIR/NAME as given, where generate.py shortens paths inside the source
 * tree to be relative to it; its "bad output" lines start with
 * "kt_sitegen:" instead of "generate.py:".
 *
 * Python's behaviour is reproduced where the input can reach it: str.strip
 * and str.split strip and split on Unicode whitespace, and the regular
 * expressions' \s, \S and \d are Unicode classes (tables below, as in
 * Python 3.11); str.lower in slugify lets only A-Z, U+0130 and U+212A
 * become ASCII letters; sorting strings is by code point, which for UTF-8
 * is strcmp's byte order.
 *
 * Only libc (POSIX) is used; MD5 is implemented here from RFC 1321.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define SG_PER_PAGE 20
#define SG_TMP_PREFIX ".kt_sitegen."

static const char sg_usage[] =
    "usage: kt_sitegen --reports DIR --out DIR [--manifest FILE]\n"
    "                  [--reference CSV] [--select REGEX]"
    " [--until YYYY-MM-DD]\n"
    "                  [--sample N]\n"
    "Renders tests/corpus-style report sources into the kcna.co.jp, kcna.kp\n"
    "and KCNA Watch layouts under --out, byte-identical to generate.py,\n"
    "touching only files whose bytes change and deleting pages the site no\n"
    "longer has.\n"
    "  --reports DIR    report sources DIR/*.txt, in file-name order\n"
    "  --out DIR        document root to update (created when missing)\n"
    "  --manifest FILE  also write the manifest CSV\n"
    "  --reference CSV  check expect ids against its row_id column (when the\n"
    "                   file exists)\n"
    "  --select REGEX   only files whose name matches this POSIX extended\n"
    "                   regular expression\n"
    "  --until DATE     only reports dated on or before DATE (the site as it\n"
    "                   stood that day)\n"
    "  --sample N       only the first N selected files\n"
    "Exit status: 0 success, 1 bad input (file:line: message) or I/O error,\n"
    "2 usage error.\n";

/* ------------------------------------------------------------ buffers */

/* A growable byte buffer; p is NUL-terminated whenever n > 0 or after
   sg_cstr, so it can also be used as a C string when it holds no NUL. */
typedef struct {
    char *p;
    size_t n, cap;
} sg_buf;

/* A view of bytes owned elsewhere (content may hold any byte, NUL too). */
typedef struct {
    const char *p;
    size_t n;
} sg_str;

/* realloc that never returns NULL: a test tool has nothing better to do on
   exhaustion than to say so and stop. */
static void *sg_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("kt_sitegen: out of memory\n", stderr);
        exit(1);
    }
    return q;
}

/* strdup that never returns NULL. */
static char *sg_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = sg_realloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

/* Makes room in b for extra more bytes and a NUL. */
static void sg_reserve(sg_buf *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1)
        cap *= 2;
    b->p = sg_realloc(b->p, cap);
    b->cap = cap;
}

/* Appends n bytes of s to b, keeping a NUL after the contents. */
static void sg_putn(sg_buf *b, const void *s, size_t n)
{
    sg_reserve(b, n);
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* Appends the C string s to b. */
static void sg_puts(sg_buf *b, const char *s)
{
    sg_putn(b, s, strlen(s));
}

/* Appends one byte to b. */
static void sg_putc(sg_buf *b, char c)
{
    sg_putn(b, &c, 1);
}

/* Appends the bytes of a view to b. */
static void sg_putstr(sg_buf *b, sg_str s)
{
    sg_putn(b, s.p, s.n);
}

/* Appends printf-formatted text to b. */
static void sg_printf(sg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sg_printf(sg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    sg_reserve(b, (size_t)len);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)len;
}

/* b's contents as a C string ("" when empty). */
static const char *sg_cstr(sg_buf *b)
{
    sg_putn(b, "", 0);
    return b->p;
}

/* A view of b's contents. */
static sg_str sg_view(const sg_buf *b)
{
    sg_str s = {b->p ? b->p : "", b->n};
    return s;
}

/* Empties b, keeping its memory. */
static void sg_clear(sg_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

/* Frees b's memory and empties it. */
static void sg_free(sg_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* 1 when the view s holds exactly the C string lit. */
static int sg_eq(sg_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* 1 when the C string s ends with suffix. */
static int sg_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ------------------------------------------------------------ MD5 */

/* MD5 of n bytes at data into out (RFC 1321, section 3). Used for stable
   page names and numbers, as generate.py does, never for security. */
static void sg_md5(const void *data, size_t n, unsigned char out[16])
{
    /* T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
    static const uint32_t T[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf,
        0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af,
        0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e,
        0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
        0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6,
        0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
        0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
        0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97,
        0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d,
        0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
        0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
    static const unsigned S[4][4] = {
        {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
    const unsigned char *msg = data;
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    /* Padding (3.1, 3.2): a 1 bit, zeros to 56 mod 64, the bit length in
       little-endian; the message plus padding is processed in 64-byte
       blocks, the tail ones from a small local copy. */
    size_t total = ((n + 8) / 64 + 1) * 64;
    uint64_t bits = (uint64_t)n * 8;
    for (size_t off = 0; off < total; off += 64) {
        unsigned char blk[64];
        for (size_t i = 0; i < 64; i++) {
            size_t k = off + i;
            if (k < n)
                blk[i] = msg[k];
            else if (k == n)
                blk[i] = 0x80;
            else if (k >= total - 8)
                blk[i] = (unsigned char)(bits >> (8 * (k - (total - 8))));
            else
                blk[i] = 0;
        }
        uint32_t X[16];
        for (int i = 0; i < 16; i++)
            X[i] = (uint32_t)blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8 |
                   (uint32_t)blk[4 * i + 2] << 16 |
                   (uint32_t)blk[4 * i + 3] << 24;
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
        for (int i = 0; i < 64; i++) {
            uint32_t f;
            int g, r = i / 16;
            switch (r) {
            case 0: f = (b & c) | (~b & d); g = i; break;
            case 1: f = (b & d) | (c & ~d); g = (5 * i + 1) % 16; break;
            case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
            default: f = c ^ (b | ~d); g = (7 * i) % 16; break;
            }
            uint32_t t = a + f + X[g] + T[i];
            unsigned s = S[r][i % 4];
            a = d;
            d = c;
            c = b;
            b = b + ((t << s) | (t >> (32 - s)));
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (unsigned char)(h[i] >> (8 * j));
}

/* Appends the 32 lower-case hex digits of the MD5 of a C string. */
static void sg_md5hex(sg_buf *b, const char *s)
{
    unsigned char d[16];
    sg_md5(s, strlen(s), d);
    for (int i = 0; i < 16; i++)
        sg_printf(b, "%02x", d[i]);
}

/* ------------------------------------------------------------ Unicode */

/* Decodes the code point at s[*i] (the text is valid UTF-8, checked when
   read) and advances *i past it. */
static uint32_t sg_u8next(const char *s, size_t n, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    size_t left = n - *i;
    uint32_t c = u[0];
    size_t len = 1;
    if (c >= 0xf0 && left >= 4) {
        c = (c & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
            (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
        len = 4;
    } else if (c >= 0xe0 && left >= 3) {
        c = (c & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
        len = 3;
    } else if (c >= 0xc0 && left >= 2) {
        c = (c & 0x1f) << 6 | (u[1] & 0x3f);
        len = 2;
    }
    *i += len;
    return c;
}

/* Offset of the start of the first malformed sequence in s (Python's
   strict UTF-8 decoder: no overlongs, surrogates or values above
   U+10FFFF), or -1 when s is valid UTF-8. */
static long sg_u8invalid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned lo = 0x80, hi = 0xbf; /* allowed second byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0)
                lo = 0xa0;
            if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0)
                lo = 0x90;
            if (c == 0xf4)
                hi = 0x8f;
        } else {
            return (long)i;
        }
        if (i + 1 >= n || s[i + 1] < lo || s[i + 1] > hi)
            return (long)i;
        for (size_t k = 2; k < len; k++)
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
                return (long)i;
        i += len;
    }
    return -1;
}

/* Python's str.isspace (and re's \s for str patterns). */
static int sg_isspace(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) ||
           c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Python re's \d for str patterns: Unicode decimal digits (category Nd,
   Unicode 14 as in Python 3.11). A date or row id written with, say,
   Arabic-Indic digits passes generate.py's shape check, so it must here. */
static int sg_isdigit(uint32_t c)
{
    static const uint32_t R[][2] = {
        {0x30, 0x39}, {0x660, 0x669}, {0x6f0, 0x6f9}, {0x7c0, 0x7c9},
        {0x966, 0x96f}, {0x9e6, 0x9ef}, {0xa66, 0xa6f}, {0xae6, 0xaef},
        {0xb66, 0xb6f}, {0xbe6, 0xbef}, {0xc66, 0xc6f}, {0xce6, 0xcef},
        {0xd66, 0xd6f}, {0xde6, 0xdef}, {0xe50, 0xe59}, {0xed0, 0xed9},
        {0xf20, 0xf29}, {0x1040, 0x1049}, {0x1090, 0x1099}, {0x17e0, 0x17e9},
        {0x1810, 0x1819}, {0x1946, 0x194f}, {0x19d0, 0x19d9},
        {0x1a80, 0x1a89}, {0x1a90, 0x1a99}, {0x1b50, 0x1b59},
        {0x1bb0, 0x1bb9}, {0x1c40, 0x1c49}, {0x1c50, 0x1c59},
        {0xa620, 0xa629}, {0xa8d0, 0xa8d9}, {0xa900, 0xa909},
        {0xa9d0, 0xa9d9}, {0xa9f0, 0xa9f9}, {0xaa50, 0xaa59},
        {0xabf0, 0xabf9}, {0xff10, 0xff19}, {0x104a0, 0x104a9},
        {0x10d30, 0x10d39}, {0x11066, 0x1106f}, {0x110f0, 0x110f9},
        {0x11136, 0x1113f}, {0x111d0, 0x111d9}, {0x112f0, 0x112f9},
        {0x11450, 0x11459}, {0x114d0, 0x114d9}, {0x11650, 0x11659},
        {0x116c0, 0x116c9}, {0x11730, 0x11739}, {0x118e0, 0x118e9},
        {0x11950, 0x11959}, {0x11c50, 0x11c59}, {0x11d50, 0x11d59},
        {0x11da0, 0x11da9}, {0x16a60, 0x16a69}, {0x16ac0, 0x16ac9},
        {0x16b50, 0x16b59}, {0x1d7ce, 0x1d7ff}, {0x1e140, 0x1e149},
        {0x1e2f0, 0x1e2f9}, {0x1e950, 0x1e959}, {0x1fbf0, 0x1fbf9}};
    for (size_t i = 0; i < sizeof R / sizeof R[0]; i++)
        if (c >= R[i][0] && c <= R[i][1])
            return 1;
    return 0;
}

/* Start of the code point that ends at s[end] (exclusive end). */
static size_t sg_u8prev(const char *s, size_t end)
{
    size_t i = end - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    return i;
}

/* s with Unicode whitespace stripped at both ends (str.strip()). */
static sg_str sg_strip(sg_str s)
{
    size_t a = 0, e = s.n;
    while (a < e) {
        size_t j = a;
        if (!sg_isspace(sg_u8next(s.p, e, &j)))
            break;
        a = j;
    }
    while (e > a) {
        size_t j = sg_u8prev(s.p, e), k = j;
        if (!sg_isspace(sg_u8next(s.p, e, &k)))
            break;
        e = j;
    }
    sg_str r = {s.p + a, e - a};
    return r;
}

/* 1 when the view s, taken as code points, is the Python pattern
   `pat` with '#' standing for \d and every other byte literal (ASCII). */
static int sg_shape(sg_str s, const char *pat)
{
    size_t i = 0;
    for (; *pat; pat++) {
        if (i >= s.n)
            return 0;
        uint32_t c = sg_u8next(s.p, s.n, &i);
        if (*pat == '#' ? !sg_isdigit(c) : c != (unsigned char)*pat)
            return 0;
    }
    return i == s.n;
}

/* ------------------------------------------------------------ reports */

enum { K_SITE, K_DATE, K_TITLE, K_SPLIT, K_EXPECT, K_NOTE, K_LANG,
       K_CHARSET, K_COUNT, K_REQUIRED = K_NOTE };
static const char *const sg_keys[K_COUNT] = {
    "site", "date", "title", "split", "expect", "note", "lang", "charset"};

enum { S_COJP, S_KP, S_KW, S_COUNT };
static const char *const sg_sites[S_COUNT] = {"kcna.co.jp", "kcna.kp",
                                              "kcnawatch"};

static const char *const sg_months[12] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"};
static const char *const sg_meses[12] = {
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
    "agosto", "septiembre", "octubre", "noviembre", "diciembre"};
static const char *const sg_leaders[3] = {"Kim Jong Un", "Kim Il Sung",
                                          "Kim Jong Il"};

/* One report file, parsed and validated. Header values point into raw. */
typedef struct {
    char *name;  /* file name, e.g. t1-10-fedcouncil-a.txt */
    char *path;  /* DIR/NAME, for messages */
    char *raw;   /* the file's bytes */
    size_t rawn;
    sg_str hv[K_COUNT];
    int hline[K_COUNT];
    int has[K_COUNT];
    sg_buf *paras; /* paragraphs, lines joined by one space */
    size_t npara;
    int site, es, latin1;
    int y, m, d;
    long dkey; /* y * 10000 + m * 100 + d, for ordering */
    unsigned char md5[16]; /* of the file name */
    int counter;           /* kcna.co.jp story number of its day */
    char *url_path;        /* under the document root (manifest) */
    char *file_path;       /* the file written under the document root */
} sg_report;

/* Row ids of the reference file; NULL set when it is absent. */
typedef struct {
    sg_buf *ids;
    size_t n;
    int present;
} sg_refs;

/* Prints "path:line: message" for r (message may hold any byte) and
   returns 1, the count of errors it adds. */
static int sg_fail(const sg_report *r, int line, sg_buf *msg)
{
    fprintf(stderr, "%s:%d: ", r->path, line);
    fwrite(msg->p ? msg->p : "", 1, msg->n, stderr);
    fputc('\n', stderr);
    return 1;
}

/* Days in month m of year y (proleptic Gregorian, as Python's date). */
static int sg_mdays(int y, int m)
{
    static const int D[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return D[m - 1];
}

/* Parses an all-ASCII "YYYY-MM-DD" naming a real day (years 1 to 9999,
   date.fromisoformat's range) into y, m, d; returns 0 when it is not. */
static int sg_parse_date(sg_str s, int *y, int *m, int *d)
{
    if (s.n != 10 || s.p[4] != '-' || s.p[7] != '-')
        return 0;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s.p[i]))
            return 0;
    *y = (s.p[0] - '0') * 1000 + (s.p[1] - '0') * 100 + (s.p[2] - '0') * 10 +
         (s.p[3] - '0');
    *m = (s.p[5] - '0') * 10 + (s.p[6] - '0');
    *d = (s.p[8] - '0') * 10 + (s.p[9] - '0');
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 &&
           *d <= sg_mdays(*y, *m);
}

/* Matches one header line against generate.py's
   ^([a-z_]+): (.*\S)\s*$ and sets key and value; returns 0 on no match. */
static int sg_header_line(sg_str line, sg_str *key, sg_str *value)
{
    size_t k = 0;
    while (k < line.n && ((line.p[k] >= 'a' && line.p[k] <= 'z') ||
                          line.p[k] == '_'))
        k++;
    if (k == 0 || k + 2 > line.n || line.p[k] != ':' || line.p[k + 1] != ' ')
        return 0;
    size_t a = k + 2, e = line.n;
    while (e > a) {
        size_t j = sg_u8prev(line.p, e), q = j;
        if (!sg_isspace(sg_u8next(line.p, e, &q)))
            break;
        e = j;
    }
    if (e == a)
        return 0;
    key->p = line.p;
    key->n = k;
    value->p = line.p + a;
    value->n = e - a;
    return 1;
}

/* Reads and validates the report file r->path (name r->name) with
   generate.py's checks in its order. Returns 0, or 1 after printing the
   file's first problem as "file:line: message". */
static int sg_parse_report(sg_report *r, const sg_refs *refs)
{
    sg_buf msg = {0};
    int rc = 0;
    FILE *f = fopen(r->path, "rb");
    sg_buf raw = {0};
    if (!f) {
        sg_printf(&msg, "cannot read: %s", strerror(errno));
        rc = sg_fail(r, 1, &msg);
        goto done;
    }
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sg_putn(&raw, chunk, got);
    int bad_read = ferror(f);
    fclose(f);
    if (bad_read) {
        sg_free(&raw);
        sg_puts(&msg, "cannot read: read error");
        rc = sg_fail(r, 1, &msg);
        goto done;
    }
    sg_putn(&raw, "", 0);
    r->raw = raw.p;
    r->rawn = raw.n;
    long bad = sg_u8invalid((const unsigned char *)r->raw, r->rawn);
    if (bad >= 0) {
        int line = 1;
        for (long i = 0; i < bad; i++)
            line += r->raw[i] == '\n';
        sg_puts(&msg, "not valid UTF-8");
        rc = sg_fail(r, line, &msg);
        goto done;
    }

    /* Lines: text.split("\n"), so a final newline gives an empty line. */
    size_t nlines = 1;
    for (size_t i = 0; i < r->rawn; i++)
        nlines += r->raw[i] == '\n';
    sg_str *lines = sg_realloc(NULL, nlines * sizeof *lines);
    {
        size_t li = 0, start = 0;
        for (size_t i = 0; i <= r->rawn; i++)
            if (i == r->rawn || r->raw[i] == '\n') {
                lines[li].p = r->raw + start;
                lines[li].n = i - start;
                li++;
                start = i + 1;
            }
    }

    size_t i = 0;
    while (i < nlines && sg_strip(lines[i]).n != 0) {
        sg_str key, value;
        if (!sg_header_line(lines[i], &key, &value)) {
            sg_puts(&msg, i == 0 ? "missing header: line is not 'key: value'"
                                 : "header line is not 'key: value'");
            rc = sg_fail(r, (int)i + 1, &msg);
            goto lines_done;
        }
        int k = 0;
        while (k < K_COUNT && !sg_eq(key, sg_keys[k]))
            k++;
        if (k == K_COUNT) {
            sg_puts(&msg, "unknown header key '");
            sg_putstr(&msg, key);
            sg_puts(&msg, "'");
            rc = sg_fail(r, (int)i + 1, &msg);
            goto lines_done;
        }
        if (r->has[k]) {
            sg_printf(&msg, "header key '%s' given twice", sg_keys[k]);
            rc = sg_fail(r, (int)i + 1, &msg);
            goto lines_done;
        }
        r->has[k] = 1;
        r->hv[k] = value;
        r->hline[k] = (int)i + 1;
        i++;
    }
    if (i == 0) {
        sg_puts(&msg, "missing header (expected 'key: value' lines)");
        rc = sg_fail(r, 1, &msg);
        goto lines_done;
    }
    for (int k = 0; k < K_REQUIRED; k++)
        if (!r->has[k]) {
            sg_printf(&msg, "missing header '%s'", sg_keys[k]);
            rc = sg_fail(r, (int)(i < nlines ? i + 1 : i), &msg);
            goto lines_done;
        }

    r->site = 0;
    while (r->site < S_COUNT && !sg_eq(r->hv[K_SITE], sg_sites[r->site]))
        r->site++;
    if (r->site == S_COUNT) {
        sg_puts(&msg, "unknown site '");
        sg_putstr(&msg, r->hv[K_SITE]);
        sg_puts(&msg, "' (one of kcna.co.jp, kcna.kp, kcnawatch)");
        rc = sg_fail(r, r->hline[K_SITE], &msg);
        goto lines_done;
    }
    sg_str d = r->hv[K_DATE];
    if (!sg_shape(d, "####-##-##")) {
        sg_puts(&msg, "bad date '");
        sg_putstr(&msg, d);
        sg_puts(&msg, "' (YYYY-MM-DD)");
        rc = sg_fail(r, r->hline[K_DATE], &msg);
        goto lines_done;
    }
    /* Non-ASCII digits pass the shape but not date.fromisoformat. */
    if (!sg_parse_date(d, &r->y, &r->m, &r->d)) {
        sg_puts(&msg, "bad date '");
        sg_putstr(&msg, d);
        sg_puts(&msg, "' (no such day)");
        rc = sg_fail(r, r->hline[K_DATE], &msg);
        goto lines_done;
    }
    r->dkey = (long)r->y * 10000 + r->m * 100 + r->d;
    if (!sg_eq(r->hv[K_SPLIT], "tune") && !sg_eq(r->hv[K_SPLIT], "holdout")) {
        sg_puts(&msg, "split must be 'tune' or 'holdout'");
        rc = sg_fail(r, r->hline[K_SPLIT], &msg);
        goto lines_done;
    }
    sg_str exp = r->hv[K_EXPECT];
    if (!sg_eq(exp, "none")) {
        if (!sg_shape(exp, "T#-##") || exp.p[1] < '1' || exp.p[1] > '3') {
            sg_puts(&msg, "expect must be 'none' or a row id like T1-05");
            rc = sg_fail(r, r->hline[K_EXPECT], &msg);
            goto lines_done;
        }
        if (refs->present) {
            size_t k = 0;
            while (k < refs->n && !(refs->ids[k].n == exp.n &&
                                    memcmp(refs->ids[k].p, exp.p, exp.n) == 0))
                k++;
            if (k == refs->n) {
                sg_puts(&msg, "row ");
                sg_putstr(&msg, exp);
                sg_puts(&msg, " is not in the reference file");
                rc = sg_fail(r, r->hline[K_EXPECT], &msg);
                goto lines_done;
            }
        }
    }
    if (r->has[K_LANG] && !sg_eq(r->hv[K_LANG], "en") &&
        !sg_eq(r->hv[K_LANG], "es")) {
        sg_puts(&msg, "lang must be 'en' or 'es'");
        rc = sg_fail(r, r->hline[K_LANG], &msg);
        goto lines_done;
    }
    r->es = r->has[K_LANG] && sg_eq(r->hv[K_LANG], "es");
    if (r->es && r->site != S_COJP) {
        sg_puts(&msg, "Spanish stories exist only on kcna.co.jp here");
        rc = sg_fail(r, r->hline[K_LANG], &msg);
        goto lines_done;
    }
    if (r->has[K_CHARSET] && !sg_eq(r->hv[K_CHARSET], "utf-8") &&
        !sg_eq(r->hv[K_CHARSET], "iso-8859-1")) {
        sg_puts(&msg, "charset must be 'utf-8' or 'iso-8859-1'");
        rc = sg_fail(r, r->hline[K_CHARSET], &msg);
        goto lines_done;
    }
    r->latin1 = r->has[K_CHARSET] && sg_eq(r->hv[K_CHARSET], "iso-8859-1");
    if (r->latin1 && r->site != S_COJP) {
        sg_puts(&msg, "only kcna.co.jp pages come in iso-8859-1");
        rc = sg_fail(r, r->hline[K_CHARSET], &msg);
        goto lines_done;
    }

    /* Body: paragraphs separated by blank lines; a paragraph's lines join
       with one space. */
    int first_line = 0, start = 0, open = 0;
    sg_buf para = {0};
    for (size_t j = i; j < nlines; j++) {
        sg_str s = sg_strip(lines[j]);
        if (s.n) {
            if (!open)
                start = (int)j + 1;
            else
                sg_putc(&para, ' ');
            sg_putstr(&para, s);
            open = 1;
        }
        if (open && (!s.n || j + 1 == nlines)) {
            r->paras = sg_realloc(r->paras, (r->npara + 1) * sizeof *r->paras);
            r->paras[r->npara++] = para;
            memset(&para, 0, sizeof para);
            if (!first_line)
                first_line = start;
            open = 0;
        }
    }
    if (!r->npara) {
        sg_puts(&msg, "no body paragraphs after the header");
        rc = sg_fail(r, (int)nlines, &msg);
        goto lines_done;
    }
    if (!r->es) {
        char want[64];
        snprintf(want, sizeof want, "Pyongyang, %s %d (KCNA) -- ",
                 sg_months[r->m - 1], r->d);
        /* The paragraph with each no-break space read as a space. */
        const char *p = r->paras[0].p;
        size_t n = r->paras[0].n, k = 0, w = 0;
        while (want[w] && k < n) {
            if (want[w] == ' ' && k + 1 < n && (unsigned char)p[k] == 0xc2 &&
                (unsigned char)p[k + 1] == 0xa0)
                k += 2;
            else if (p[k] == want[w])
                k++;
            else
                break;
            w++;
        }
        if (want[w]) {
            sg_printf(&msg, "first paragraph must open with the dateline "
                            "'%s' matching date ", want);
            sg_putstr(&msg, d);
            rc = sg_fail(r, first_line, &msg);
            goto lines_done;
        }
    }
    if (r->latin1) {
        int wide = 0, high = 0;
        for (size_t k = 0; k <= r->npara; k++) {
            sg_str s = k == 0 ? r->hv[K_TITLE] : sg_view(&r->paras[k - 1]);
            for (size_t q = 0; q < s.n;) {
                uint32_t c = sg_u8next(s.p, s.n, &q);
                wide |= c > 0xff;
                high |= c >= 0x80;
            }
        }
        if (wide) {
            sg_puts(&msg, "text has characters outside ISO-8859-1");
            rc = sg_fail(r, r->hline[K_CHARSET], &msg);
            goto lines_done;
        }
        if (!high) {
            sg_puts(&msg, "an iso-8859-1 report must contain a non-ASCII "
                          "character (\xc3\xa9, a no-break space ...)");
            rc = sg_fail(r, r->hline[K_CHARSET], &msg);
            goto lines_done;
        }
    }
    sg_md5(r->name, strlen(r->name), r->md5);
lines_done:
    free(lines);
done:
    sg_free(&msg);
    return rc;
}

/* Releases what r owns. */
static void sg_report_free(sg_report *r)
{
    free(r->name);
    free(r->path);
    free(r->raw);
    for (size_t i = 0; i < r->npara; i++)
        sg_free(&r->paras[i]);
    free(r->paras);
    free(r->url_path);
    free(r->file_path);
}

/* Reads the reference CSV's row_id column into refs (Python's csv module,
   default dialect: "..." quoting with "" for a quote, records ending at
   \n, \r\n or \r outside quotes, blank records skipped). An absent file
   leaves refs->present 0. Returns 0, or 1 after printing a message. */
static int sg_load_refs(const char *path, sg_refs *refs)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kt_sitegen: %s: %s\n", path, strerror(errno));
        return 1;
    }
    sg_buf text = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sg_putn(&text, chunk, got);
    fclose(f);
    refs->present = 1;

    sg_buf field = {0};
    sg_buf *row = NULL;
    size_t nrow = 0;
    long col = -2; /* -2: header not read yet; -1: no row_id column */
    int quoted = 0, after_quote = 0, in_field = 0, rc = 0;
    for (size_t i = 0; i <= text.n; i++) {
        int end = i == text.n;
        char c = end ? '\n' : text.p[i];
        if (quoted && !end) {
            if (c == '"') {
                if (i + 1 < text.n && text.p[i + 1] == '"') {
                    sg_putc(&field, '"');
                    i++;
                } else {
                    quoted = 0;
                    after_quote = 1;
                }
            } else {
                sg_putc(&field, c);
            }
            continue;
        }
        if (c == '"' && !in_field && !after_quote) {
            quoted = 1;
            in_field = 1;
            continue;
        }
        if (c == ',' || c == '\n' || c == '\r') {
            int record_end = c != ',';
            if (record_end && nrow == 0 && !in_field && !after_quote) {
                /* a blank record (or the \n of a \r\n) */
                continue;
            }
            row = sg_realloc(row, (nrow + 1) * sizeof *row);
            row[nrow++] = field;
            memset(&field, 0, sizeof field);
            in_field = after_quote = 0;
            if (record_end) {
                if (col == -2) {
                    col = -1;
                    for (size_t k = 0; k < nrow; k++)
                        if (sg_eq(sg_view(&row[k]), "row_id"))
                            col = (long)k; /* the last one, as DictReader */
                } else if (col >= 0 && (size_t)col < nrow) {
                    refs->ids = sg_realloc(refs->ids,
                                           (refs->n + 1) * sizeof *refs->ids);
                    refs->ids[refs->n++] = row[col];
                    memset(&row[col], 0, sizeof row[col]);
                } else if (col == -1) {
                    fprintf(stderr, "%s:1: no row_id column\n", path);
                    rc = 1;
                }
                for (size_t k = 0; k < nrow; k++)
                    sg_free(&row[k]);
                nrow = 0;
                if (rc)
                    break;
            }
            continue;
        }
        sg_putc(&field, c);
        in_field = 1;
    }
    for (size_t k = 0; k < nrow; k++)
        sg_free(&row[k]);
    free(row);
    sg_free(&field);
    sg_free(&text);
    return rc;
}

/* ------------------------------------------------------------ helpers */

/* Appends s escaped as html.escape does: & < > always, and " ' for an
   attribute (quote). */
static void sg_esc(sg_buf *b, sg_str s, int quote)
{
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '&')
            sg_puts(b, "&amp;");
        else if (c == '<')
            sg_puts(b, "&lt;");
        else if (c == '>')
            sg_puts(b, "&gt;");
        else if (quote && c == '"')
            sg_puts(b, "&quot;");
        else if (quote && c == '\'')
            sg_puts(b, "&#x27;");
        else
            sg_putc(b, c);
    }
}

/* Appends the C string s escaped for a double-quoted attribute. */
static void sg_attr(sg_buf *b, const char *s)
{
    sg_str v = {s, strlen(s)};
    sg_esc(b, v, 1);
}

/* Splits a relative path into its components after posixpath.normpath
   ("." and empty components dropped, ".." cancelling the one before).
   Returns the count; at most max are stored. */
static size_t sg_components(const char *p, size_t n, sg_str *out, size_t max)
{
    size_t k = 0, i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t len = j - i;
        if (len == 0 || (len == 1 && p[i] == '.')) {
            /* nothing */
        } else if (len == 2 && p[i] == '.' && p[i + 1] == '.' && k > 0 &&
                   !(out[k - 1].n == 2 && memcmp(out[k - 1].p, "..", 2) == 0)) {
            k--;
        } else if (k < max) {
            out[k].p = p + i;
            out[k].n = len;
            k++;
        }
        i = j + 1;
    }
    return k;
}

/* Length of posixpath.dirname(p): up to the last '/', trailing slashes
   removed unless that leaves nothing but slashes. */
static size_t sg_dirname_len(const char *p)
{
    const char *s = strrchr(p, '/');
    if (!s)
        return 0;
    size_t n = (size_t)(s - p) + 1, all = n;
    while (n > 0 && p[n - 1] == '/')
        n--;
    return n ? n : all;
}

/* Appends the relative href from the page at from to to (both paths under
   the document root), as generate.py's rel_link: posixpath.relpath of the
   target without its trailing slash from the page's folder, the slash put
   back ("./" for the folder itself). relpath makes both paths absolute
   with the current directory, which cancels out because our paths never
   hold "..", so it is left out here. */
static void sg_rel_link(sg_buf *b, const char *from, const char *to)
{
    sg_str sc[64], tc[64];
    size_t bn = sg_dirname_len(from);
    size_t tn = strlen(to);
    int trailing = tn > 0 && to[tn - 1] == '/';
    while (tn > 0 && to[tn - 1] == '/')
        tn--;
    size_t ns = sg_components(from, bn, sc, 64);
    size_t nt = sg_components(to, tn, tc, 64);
    size_t i = 0;
    while (i < ns && i < nt && sc[i].n == tc[i].n &&
           memcmp(sc[i].p, tc[i].p, sc[i].n) == 0)
        i++;
    size_t start = b->n;
    for (size_t k = i; k < ns; k++)
        sg_puts(b, k > i ? "/.." : "..");
    for (size_t k = i; k < nt; k++) {
        if (b->n > start)
            sg_putc(b, '/');
        sg_putstr(b, tc[k]);
    }
    if (b->n == start)
        sg_putc(b, '.');
    if (trailing)
        sg_putc(b, '/');
}

/* Appends the relative href from from to to, escaped for an attribute. */
static void sg_href(sg_buf *b, const char *from, const char *to)
{
    sg_buf t = {0};
    sg_rel_link(&t, from, to);
    sg_attr(b, sg_cstr(&t));
    sg_free(&t);
}

/* Appends the WordPress-like slug of title: lower case, runs of anything
   but a-z0-9 as one "-", stripped of "-", at most 90 characters. Of all
   code points only A-Z, U+0130 (lowered to "i" and a combining dot) and
   U+212A KELVIN SIGN (lowered to "k") become ASCII letters in Python's
   str.lower. */
static void sg_slugify(sg_buf *b, sg_str title)
{
    sg_buf s = {0};
    int pending = 0; /* a separator waits to be written */
    for (size_t i = 0; i < title.n;) {
        uint32_t c = sg_u8next(title.p, title.n, &i);
        char out = 0;
        int sep_after = 0;
        if (c >= 'A' && c <= 'Z')
            out = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out = (char)c;
        else if (c == 0x130)
            out = 'i', sep_after = 1;
        else if (c == 0x212a)
            out = 'k';
        if (!out) {
            pending = 1;
            continue;
        }
        if (pending)
            sg_putc(&s, '-');
        sg_putc(&s, out);
        pending = sep_after;
    }
    /* strip("-"): a leading "-" is never written above, a trailing one
       is only pending; then [:90] and rstrip("-"). */
    size_t n = s.n;
    if (n > 90)
        n = 90;
    while (n > 0 && s.p[n - 1] == '-')
        n--;
    sg_putn(b, s.p ? s.p : "", n);
    sg_free(&s);
}

/* Appends text with each leader's name set apart as kcna.kp does,
   replacing the names one after another like generate.py's str.replace
   loop. text is already escaped. */
static void sg_wrap_leaders(sg_buf *b, sg_str text)
{
    sg_buf cur = {0}, next = {0};
    sg_putstr(&cur, text);
    for (int k = 0; k < 3; k++) {
        const char *name = sg_leaders[k];
        size_t nl = strlen(name);
        sg_clear(&next);
        for (size_t i = 0; i < cur.n;) {
            if (cur.n - i >= nl && memcmp(cur.p + i, name, nl) == 0) {
                sg_printf(&next, "<nobr><span class=\"leader-name\">%s"
                                 "</span></nobr>", name);
                i += nl;
            } else {
                sg_putc(&next, cur.p[i++]);
            }
        }
        sg_buf t = cur;
        cur = next;
        next = t;
    }
    sg_putn(b, cur.p ? cur.p : "", cur.n);
    sg_free(&cur);
    sg_free(&next);
}

/* Appends the first 24 words of a paragraph (str.split on Unicode
   whitespace, joined by one space), with " ..." when there were more, and
   escaped for element content. */
static void sg_opening(sg_buf *b, sg_str text)
{
    sg_buf o = {0};
    int words = 0;
    for (size_t i = 0; i < text.n;) {
        size_t s = i;
        if (sg_isspace(sg_u8next(text.p, text.n, &i)))
            continue;
        size_t e = i;
        while (i < text.n) {
            size_t j = i;
            if (sg_isspace(sg_u8next(text.p, text.n, &j)))
                break;
            i = e = j;
        }
        if (++words > 24) {
            sg_puts(&o, " ...");
            break;
        }
        if (words > 1)
            sg_putc(&o, ' ');
        sg_putn(&o, text.p + s, e - s);
    }
    sg_esc(b, sg_view(&o), 0);
    sg_free(&o);
}

/* Appends "May 24, 2024", KCNA Watch's date format. */
static void sg_us_date(sg_buf *b, const sg_report *r)
{
    sg_printf(b, "%s %d, %d", sg_months[r->m - 1], r->d, r->y);
}

/* Appends the kcna.kp source stamp "www.kcna.kp (Juche113.5.24.)". */
static void sg_kp_stamp(sg_buf *b, const sg_report *r)
{
    sg_printf(b, "www.kcna.kp (Juche%d.%d.%d.)", r->y - 1911, r->m, r->d);
}

/* Appends tpl with each "{name}" replaced by the value given for it; the
   variable arguments are pairs (const char *name, const sg_buf *value)
   ending with NULL. The Python templates this copies hold no other
   braces. */
static void sg_fill(sg_buf *b, const char *tpl, ...)
{
    const char *p = tpl;
    while (*p) {
        const char *o = strchr(p, '{');
        if (!o) {
            sg_puts(b, p);
            break;
        }
        sg_putn(b, p, (size_t)(o - p));
        const char *c = strchr(o, '}');
        size_t nl = (size_t)(c - o - 1);
        va_list ap;
        va_start(ap, tpl);
        const char *name;
        int found = 0;
        while ((name = va_arg(ap, const char *)) != NULL) {
            const sg_buf *v = va_arg(ap, const sg_buf *);
            if (strlen(name) == nl && memcmp(name, o + 1, nl) == 0) {
                sg_putn(b, v->p ? v->p : "", v->n);
                found = 1;
                break;
            }
        }
        va_end(ap);
        if (!found) {
            fprintf(stderr, "kt_sitegen: template field %.*s unset\n",
                    (int)nl, o + 1);
            abort();
        }
        p = c + 1;
    }
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
   days_from_civil), for KCNA Watch epochs and calendar weekdays. */
static long sg_days(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ------------------------------------------------------------ the site */

/* One output file: its path under the document root and its bytes. */
typedef struct {
    char *path;
    sg_buf data;
    size_t seq; /* order of creation, to name the first clash */
} sg_file;

typedef struct {
    sg_file *v;
    size_t n;
} sg_files;

/* Adds one output file (taking data's memory). */
static void sg_put(sg_files *fs, const char *path, sg_buf *data)
{
    fs->v = sg_realloc(fs->v, (fs->n + 1) * sizeof *fs->v);
    fs->v[fs->n].path = sg_strdup(path);
    fs->v[fs->n].data = *data;
    fs->v[fs->n].seq = fs->n;
    fs->n++;
    memset(data, 0, sizeof *data);
}

/* Orders files by path, then creation. */
static int sg_file_cmp(const void *a, const void *b)
{
    const sg_file *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* A report with its position in some input order, for stable sorts. */
typedef struct {
    sg_report *r;
    size_t pos;
} sg_ref;

/* (date, name) ascending. */
static int sg_cmp_date_name(const void *a, const void *b)
{
    const sg_report *x = ((const sg_ref *)a)->r, *y = ((const sg_ref *)b)->r;
    if (x->dkey != y->dkey)
        return x->dkey < y->dkey ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* (date, name) descending: list pages' newest-first order. */
static int sg_cmp_newest(const void *a, const void *b)
{
    return sg_cmp_date_name(b, a);
}

/* A day list's order: story number (the two characters generate.py slices
   from the path), then language (en before es), then input order. */
static int sg_cmp_day_item(const void *a, const void *b)
{
    const sg_ref *x = a, *y = b;
    size_t nx = strlen(x->r->url_path), ny = strlen(y->r->url_path);
    int c = memcmp(x->r->url_path + nx - 9, y->r->url_path + ny - 9, 2);
    if (c)
        return c;
    if (x->r->es != y->r->es)
        return x->r->es - y->r->es;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The reports of one site in input (file-name) order, as sg_refs. */
static sg_ref *sg_site_refs(sg_report **rs, size_t n, int site, size_t *count)
{
    sg_ref *v = sg_realloc(NULL, (n ? n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rs[i]->site == site) {
            v[k].r = rs[i];
            v[k].pos = k;
            k++;
        }
    *count = k;
    return v;
}

/* Appends "kcna.co.jp/item/YYYY/calendar-YYYYe.html". */
static void sg_cal_path(sg_buf *b, int y)
{
    sg_printf(b, "kcna.co.jp/item/%d/calendar-%de.html", y, y);
}

/* Appends a day list's path. */
static void sg_day_path(sg_buf *b, int y, int m, int d)
{
    sg_printf(b, "kcna.co.jp/item/%d/%d%02d/news%02d/e-news.html", y, y, m, d);
}

/* Numbers each day's kcna.co.jp stories 01, 02 ... per language in
   publication order (file-name order within a day) and sets their paths. */
static void sg_cojp_assign(sg_ref *v, size_t n)
{
    sg_ref *s = sg_realloc(NULL, (n ? n : 1) * sizeof *s);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, sg_cmp_date_name);
    int count[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        sg_report *r = s[i].r;
        if (i == 0 || s[i - 1].r->dkey != r->dkey)
            count[0] = count[1] = 0;
        r->counter = ++count[r->es];
        sg_buf p = {0};
        sg_printf(&p, "kcna.co.jp/item/%d/%d%02d/news%02d/%d%02d%02d-%02d%s"
                      ".html", r->y, r->y, r->m, r->d, r->y, r->m, r->d,
                  r->counter, r->es ? "sp" : "ee");
        r->url_path = sg_strdup(sg_cstr(&p));
        r->file_path = sg_strdup(r->url_path);
        sg_free(&p);
    }
    free(s);
}

/* Appends UTF-8 text as ISO-8859-1 (every code point is below U+0100,
   which the report check made sure of). */
static void sg_to_latin1(sg_buf *b, sg_str s)
{
    for (size_t i = 0; i < s.n;) {
        uint32_t c = sg_u8next(s.p, s.n, &i);
        sg_putc(b, (char)(unsigned char)c);
    }
}

/* The kcna.co.jp story page of r, in its charset. */
static void sg_cojp_article(sg_buf *out, const sg_report *r)
{
    sg_buf cs = {0}, cal = {0}, calp = {0}, when = {0}, title = {0},
           body = {0}, page = {0};
    sg_puts(&cs, r->latin1 ? "iso-8859-1" : "utf-8");
    sg_cal_path(&calp, r->y);
    sg_href(&cal, r->file_path, sg_cstr(&calp));
    if (!r->es)
        sg_printf(&when, "%s %d. %d Juche %d", sg_months[r->m - 1], r->d,
                  r->y, r->y - 1911);
    else
        sg_printf(&when, "%d de %s de %d Juche %d", r->d, sg_meses[r->m - 1],
                  r->y, r->y - 1911);
    sg_esc(&title, r->hv[K_TITLE], 0);
    /* Two body styles seen in the archive: <p> blocks, or one <font> with
       paragraphs separated by <br><br>; the file name's md5 (as an
       integer, odd or even) picks one. */
    if (r->md5[15] & 1) {
        for (size_t i = 0; i < r->npara; i++) {
            if (i)
                sg_putc(&body, '\n');
            sg_puts(&body, "<p><font size=\"2\">");
            sg_esc(&body, sg_view(&r->paras[i]), 0);
            sg_puts(&body, "</font></p>");
        }
    } else {
        sg_puts(&body, "<font size=\"2\">");
        for (size_t i = 0; i < r->npara; i++) {
            if (i)
                sg_puts(&body, "\n<br><br>");
            sg_esc(&body, sg_view(&r->paras[i]), 0);
        }
        sg_puts(&body, "</font>");
    }
    sg_fill(&page,
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n"
            "<html>\n"
            "<head>\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset={cs}\">\n"
            "<title>KCNA</title>\n"
            "</head>\n"
            "<body bgcolor=\"#FFFFFF\" text=\"#000000\" link=\"#0000FF\">\n"
            "<table width=\"620\" border=\"0\" cellspacing=\"0\" cellpadding=\"4\" align=\"center\">\n"
            "<tr><td><font size=\"2\" face=\"Arial\"><a href=\"{cal}\">calendar&gt;&gt;</a></font></td></tr>\n"
            "<tr><td><font size=\"2\" face=\"Arial\">{when}</font></td></tr>\n"
            "<tr><td><br><font size=\"3\" face=\"Arial\"><b>{title}</b></font><br><br></td></tr>\n"
            "<tr><td>\n"
            "{body}\n"
            "</td></tr>\n"
            "<tr><td><hr size=\"1\" noshade>\n"
            "<font size=\"1\" face=\"Arial\">Copyright (C) KOREA NEWS SERVICE(KNS) All Rights Reserved.</font></td></tr>\n"
            "</table>\n"
            "</body>\n"
            "</html>\n",
            "cs", &cs, "cal", &cal, "when", &when, "title", &title, "body",
            &body, (const char *)NULL);
    if (r->latin1)
        sg_to_latin1(out, sg_view(&page));
    else
        sg_putn(out, page.p, page.n);
    sg_free(&cs);
    sg_free(&cal);
    sg_free(&calp);
    sg_free(&when);
    sg_free(&title);
    sg_free(&body);
    sg_free(&page);
}

/* The e-news.html list of one day's stories (items: that day's reports in
   file-name order) into path and page. */
static void sg_cojp_day_list(sg_buf *path, sg_buf *page, sg_ref *items,
                             size_t n)
{
    const sg_report *d = items[0].r;
    sg_buf cal = {0}, calp = {0}, when = {0}, rows = {0};
    sg_day_path(path, d->y, d->m, d->d);
    sg_cal_path(&calp, d->y);
    sg_href(&cal, sg_cstr(path), sg_cstr(&calp));
    /* The archive lists the day's stories by number, languages mixed. */
    qsort(items, n, sizeof *items, sg_cmp_day_item);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sg_putc(&rows, '\n');
        sg_puts(&rows, "<tr><td><font size=\"2\"><a href=\"");
        sg_href(&rows, sg_cstr(path), items[i].r->url_path);
        sg_puts(&rows, "\">");
        sg_esc(&rows, items[i].r->hv[K_TITLE], 0);
        sg_puts(&rows, "</a></font></td></tr>");
    }
    sg_printf(&when, "%s %d. %d Juche %d", sg_months[d->m - 1], d->d, d->y,
              d->y - 1911);
    sg_fill(page,
            "<html>\n"
            "<head>\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
            "<title>KCNA News List</title>\n"
            "</head>\n"
            "<body bgcolor=\"#FFFFFF\">\n"
            "<table width=\"620\" border=\"0\" cellspacing=\"0\" cellpadding=\"3\" align=\"center\">\n"
            "<tr><td><font size=\"2\"><a href=\"{cal}\">calendar&gt;&gt;</a></font></td></tr>\n"
            "<tr><td><font size=\"3\"><b>{when}</b></font></td></tr>\n"
            "{rows}\n"
            "<tr><td><hr size=\"1\"><font size=\"1\">Copyright (C) KOREA NEWS SERVICE(KNS) All Rights Reserved.</font></td></tr>\n"
            "</table>\n"
            "</body>\n"
            "</html>\n",
            "cal", &cal, "when", &when, "rows", &rows, (const char *)NULL);
    sg_free(&cal);
    sg_free(&calp);
    sg_free(&when);
    sg_free(&rows);
}

/* 1 when day (as y*10000+m*100+d) is among the sorted days. */
static int sg_has_day(const long *days, size_t n, long key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (days[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && days[lo] == key;
}

/* A year calendar into path and page: months of weeks from Sunday
   (calendar.Calendar(firstweekday=6).monthdayscalendar), the days with
   stories linked to their lists. */
static void sg_cojp_calendar(sg_buf *path, sg_buf *page, int year,
                             const long *days, size_t ndays)
{
    sg_buf months = {0};
    sg_cal_path(path, year);
    for (int m = 1; m <= 12; m++) {
        if (m > 1)
            sg_puts(&months, "\n<br>\n");
        sg_printf(&months, "<table border=\"1\" cellspacing=\"0\" "
                           "cellpadding=\"2\">\n<tr><td colspan=\"7\"><font "
                           "size=\"2\"><b>%s</b></font></td></tr>\n<tr><td>S"
                           "</td><td>M</td><td>T</td><td>W</td><td>T</td><td>"
                           "F</td><td>S</td></tr>\n", sg_months[m - 1]);
        /* Cells before day 1: its weekday counted from Sunday (1970-01-01
           was a Thursday, Sunday-based weekday 4). */
        long wd = (sg_days(year, m, 1) % 7 + 7 + 4) % 7;
        int nd = sg_mdays(year, m);
        int cells = (int)wd + nd;
        int weeks = (cells + 6) / 7;
        for (int w = 0; w < weeks; w++) {
            if (w)
                sg_putc(&months, '\n');
            sg_puts(&months, "<tr>");
            for (int c = 0; c < 7; c++) {
                int dd = w * 7 + c - (int)wd + 1;
                if (dd < 1 || dd > nd) {
                    sg_puts(&months, "<td>&nbsp;</td>");
                } else if (sg_has_day(days, ndays,
                                      (long)year * 10000 + m * 100 + dd)) {
                    sg_buf target = {0};
                    sg_day_path(&target, year, m, dd);
                    sg_puts(&months, "<td align=\"center\"><font size=\"2\">"
                                     "<a href=\"");
                    sg_href(&months, sg_cstr(path), sg_cstr(&target));
                    sg_printf(&months, "\">%d</a></font></td>", dd);
                    sg_free(&target);
                } else {
                    sg_printf(&months, "<td align=\"center\"><font size=\"2\">"
                                       "%d</font></td>", dd);
                }
            }
            sg_puts(&months, "</tr>");
        }
        sg_puts(&months, "\n</table>");
    }
    sg_buf y = {0}, j = {0};
    sg_printf(&y, "%d", year);
    sg_printf(&j, "%d", year - 1911);
    sg_fill(page,
            "<html>\n"
            "<head>\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
            "<title>KCNA Calendar {year}</title>\n"
            "</head>\n"
            "<body bgcolor=\"#FFFFFF\">\n"
            "<font size=\"4\"><b>{year} Juche {j}</b></font>\n"
            "{months}\n"
            "</body>\n"
            "</html>\n",
            "year", &y, "j", &j, "months", &months, (const char *)NULL);
    sg_free(&months);
    sg_free(&y);
    sg_free(&j);
}

/* Appends the path of the n-th (1-based) kcna.kp category list page. */
static void sg_kp_list_path(sg_buf *b, size_t n)
{
    char s[64];
    snprintf(s, sizeof s, "kcna.kp list page %zu", n);
    sg_puts(b, "kcna.kp/en/category/articles/q/");
    sg_md5hex(b, s);
    sg_puts(b, ".kcmsf");
}

/* Sets the paths of a kcna.kp report from its file name. */
static void sg_kp_assign(sg_report *r)
{
    sg_buf p = {0};
    sg_puts(&p, "kcna.kp/en/article/q/");
    sg_md5hex(&p, r->name);
    sg_puts(&p, ".kcmsf");
    r->url_path = sg_strdup(sg_cstr(&p));
    r->file_path = sg_strdup(r->url_path);
    sg_free(&p);
}

static const char sg_kp_header[] =
    "<div class=\"header\">\n"
    "<div class=\"logo\"><a href=\"{home}\">KCNA</a></div>\n"
    "<ul class=\"menu\">\n"
    "<li><a href=\"{home}\">Top News</a></li>\n"
    "<li><a href=\"{home}\">Supreme Leader's Activities</a></li>\n"
    "<li><a href=\"{home}\">Politics</a></li>\n"
    "<li><a href=\"{home}\">Economy</a></li>\n"
    "<li><a href=\"{home}\">Society</a></li>\n"
    "<li><a href=\"{home}\">World</a></li>\n"
    "</ul>\n"
    "</div>";

static const char sg_kp_footer[] =
    "<div class=\"footer\">\n"
    "<p>Copyright &copy; 2024 KOREAN CENTRAL NEWS AGENCY (KCNA) of DPRK. All rights reserved.</p>\n"
    "</div>";

/* Appends the kcna.kp header with its links relative to the page at
   path. */
static void sg_kp_head(sg_buf *b, const char *path)
{
    sg_buf home = {0}, list1 = {0};
    sg_kp_list_path(&list1, 1);
    sg_href(&home, path, sg_cstr(&list1));
    sg_fill(b, sg_kp_header, "home", &home, (const char *)NULL);
    sg_free(&home);
    sg_free(&list1);
}

/* The kcna.kp article page of r; others (n of them) fill the sidebar. */
static void sg_kp_article(sg_buf *out, const sg_report *r,
                          const sg_report *const *others, size_t n)
{
    sg_buf plain = {0}, header = {0}, title = {0}, stamp = {0}, body = {0},
           side = {0}, footer = {0}, t = {0};
    sg_kp_head(&header, r->file_path);
    for (size_t i = 0; i < r->npara; i++) {
        sg_clear(&t);
        sg_putn(&t, r->paras[i].p, r->paras[i].n);
        if (i + 1 == r->npara && !(t.n >= 3 && !memcmp(t.p + t.n - 3, "-0-", 3)))
            sg_puts(&t, " -0-");
        sg_buf e = {0};
        sg_esc(&e, sg_view(&t), 0);
        if (i)
            sg_putc(&body, '\n');
        sg_puts(&body, "<p>");
        sg_wrap_leaders(&body, sg_view(&e));
        sg_puts(&body, "</p>");
        sg_free(&e);
    }
    for (size_t i = 0; i < n; i++) {
        sg_buf e = {0};
        if (i)
            sg_putc(&side, '\n');
        sg_puts(&side, "<li><a href=\"");
        sg_href(&side, r->file_path, others[i]->url_path);
        sg_puts(&side, "\">");
        sg_esc(&e, others[i]->hv[K_TITLE], 0);
        sg_wrap_leaders(&side, sg_view(&e));
        sg_puts(&side, "</a></li>");
        sg_free(&e);
    }
    sg_esc(&plain, r->hv[K_TITLE], 0);
    sg_wrap_leaders(&title, sg_view(&plain));
    sg_kp_stamp(&stamp, r);
    sg_puts(&footer, sg_kp_footer);
    sg_fill(out,
            "<!DOCTYPE html>\n"
            "<html lang=\"en\">\n"
            "<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<title>KCNA | {plain}</title>\n"
            "</head>\n"
            "<body>\n"
            "{header}\n"
            "<div class=\"container\">\n"
            "<div class=\"main-column\">\n"
            "<div class=\"article-main-title\"><strong>{title}</strong></div>\n"
            "<div class=\"publish-info\"><span class=\"publish-time\">{stamp}</span></div>\n"
            "<div class=\"article-content-body\">\n"
            "<div class=\"content-wrapper\">\n"
            "{body}\n"
            "</div>\n"
            "</div>\n"
            "</div>\n"
            "<div class=\"side-column\">\n"
            "<h3>Latest News</h3>\n"
            "<ul class=\"side-list\">\n"
            "{side}\n"
            "</ul>\n"
            "</div>\n"
            "</div>\n"
            "{footer}\n"
            "</body>\n"
            "</html>\n",
            "plain", &plain, "header", &header, "title", &title, "stamp",
            &stamp, "body", &body, "side", &side, "footer", &footer,
            (const char *)NULL);
    sg_free(&plain);
    sg_free(&header);
    sg_free(&title);
    sg_free(&stamp);
    sg_free(&body);
    sg_free(&side);
    sg_free(&footer);
    sg_free(&t);
}

/* Every kcna.kp list page (v: the reports newest first) into fs. */
static void sg_kp_lists(sg_files *fs, const sg_ref *v, size_t n)
{
    size_t pages = n ? (n + SG_PER_PAGE - 1) / SG_PER_PAGE : 1;
    for (size_t p = 1; p <= pages; p++) {
        sg_buf path = {0}, header = {0}, lis = {0}, nav = {0}, footer = {0},
               page = {0};
        sg_kp_list_path(&path, p);
        size_t from = (p - 1) * SG_PER_PAGE;
        size_t to = from + SG_PER_PAGE < n ? from + SG_PER_PAGE : n;
        for (size_t i = from; i < to; i++) {
            const sg_report *r = v[i].r;
            sg_buf e = {0};
            if (i > from)
                sg_putc(&lis, '\n');
            sg_puts(&lis, "<ul class=\"article-link\"><li><a href=\"");
            sg_href(&lis, sg_cstr(&path), r->url_path);
            sg_puts(&lis, "\">");
            sg_esc(&e, r->hv[K_TITLE], 0);
            sg_wrap_leaders(&lis, sg_view(&e));
            sg_printf(&lis, "</a><span class=\"publish-time\">[%d.%02d.%02d]"
                            "</span></li></ul>", r->y, r->m, r->d);
            sg_free(&e);
        }
        if (p > 1) {
            sg_buf prev = {0};
            sg_kp_list_path(&prev, p - 1);
            sg_puts(&nav, "<a class=\"prev\" href=\"");
            sg_href(&nav, sg_cstr(&path), sg_cstr(&prev));
            sg_puts(&nav, "\">&lt; Prev</a>");
            sg_free(&prev);
        }
        if (p < pages) {
            sg_buf next = {0};
            sg_kp_list_path(&next, p + 1);
            if (nav.n)
                sg_putc(&nav, ' ');
            sg_puts(&nav, "<a class=\"next\" href=\"");
            sg_href(&nav, sg_cstr(&path), sg_cstr(&next));
            sg_puts(&nav, "\">Next &gt;</a>");
            sg_free(&next);
        }
        sg_kp_head(&header, sg_cstr(&path));
        sg_puts(&footer, sg_kp_footer);
        sg_fill(&page,
                "<!DOCTYPE html>\n"
                "<html lang=\"en\">\n"
                "<head>\n"
                "<meta charset=\"utf-8\">\n"
                "<title>KCNA | Top News</title>\n"
                "</head>\n"
                "<body>\n"
                "{header}\n"
                "<div class=\"container\">\n"
                "<div class=\"article-list\">\n"
                "{lis}\n"
                "</div>\n"
                "<div class=\"pagination\">{nav}</div>\n"
                "</div>\n"
                "{footer}\n"
                "</body>\n"
                "</html>\n",
                "header", &header, "lis", &lis, "nav", &nav, "footer",
                &footer, (const char *)NULL);
        sg_put(fs, sg_cstr(&path), &page);
        sg_free(&path);
        sg_free(&header);
        sg_free(&lis);
        sg_free(&nav);
        sg_free(&footer);
    }
}

/* Appends the URL path (a folder) of the n-th newstream page. */
static void sg_kw_list_path(sg_buf *b, size_t n)
{
    if (n == 1)
        sg_puts(b, "kcnawatch.org/newstream/");
    else
        sg_printf(b, "kcnawatch.org/newstream/page/%zu/", n);
}

/* Sets the paths of a KCNA Watch report: a folder named from its date and
   file name (the md5 as a 128-bit integer gives the hour offset and the
   id), and the folder's index.html. */
static void sg_kw_assign(sg_report *r)
{
    /* generate.py reads the md5 as one big-endian integer; gcc and clang
       have a 128-bit type for that (__extension__: not ISO C). */
    __extension__ typedef unsigned __int128 sg_u128;
    sg_u128 h = 0;
    for (int i = 0; i < 16; i++)
        h = h << 8 | r->md5[i];
    /* NK News stamps items a few hours after KCNA publishes (KST). */
    long long base = (long long)sg_days(r->y, r->m, r->d) * 86400;
    long long epoch = base + 3600 + (long long)(h % 36000);
    long long ident = 900000000 + (long long)((h >> 64) % 99999999);
    sg_buf p = {0};
    sg_printf(&p, "kcnawatch.org/newstream/%lld-%lld/", epoch, ident);
    sg_slugify(&p, r->hv[K_TITLE]);
    sg_putc(&p, '/');
    r->url_path = sg_strdup(sg_cstr(&p));
    sg_puts(&p, "index.html");
    r->file_path = sg_strdup(sg_cstr(&p));
    sg_free(&p);
}

static const char sg_kw_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en-US\">\n"
    "<head>\n"
    "<meta charset=\"UTF-8\">\n"
    "<title>{title} | KCNA Watch</title>\n"
    "<link rel=\"stylesheet\" href=\"{css}\" type=\"text/css\" media=\"all\">\n"
    "</head>\n"
    "<body class=\"{bodyclass}\">\n"
    "<div id=\"page\" class=\"site\">\n"
    "<header id=\"masthead\" class=\"site-header\">\n"
    "<div class=\"site-branding\"><a href=\"{home}\" rel=\"home\">KCNA Watch</a></div>\n"
    "<nav class=\"main-navigation\"><ul class=\"menu\">\n"
    "<li class=\"menu-item\"><a href=\"{home}\">Newstream</a></li>\n"
    "<li class=\"menu-item\"><a href=\"{home}\">KCNA.kp</a></li>\n"
    "<li class=\"menu-item\"><a href=\"{home}\">Rodong Sinmun</a></li>\n"
    "<li class=\"menu-item\"><a href=\"{home}\">Naenara</a></li>\n"
    "</ul></nav>\n"
    "</header>";

static const char sg_kw_foot[] =
    "<footer id=\"colophon\" class=\"site-footer\">\n"
    "<div class=\"site-info\">KCNA Watch is a service of NK News. Content is archived from North Korean state media.</div>\n"
    "</footer>\n"
    "</div>\n"
    "</body>\n"
    "</html>\n";

/* Appends the KCNA Watch head of the page at path (title already
   escaped). */
static void sg_kw_page_head(sg_buf *b, const char *path, const sg_buf *title,
                            const char *bodyclass)
{
    sg_buf home = {0}, css = {0}, bc = {0}, list1 = {0};
    sg_kw_list_path(&list1, 1);
    sg_href(&home, path, sg_cstr(&list1));
    sg_href(&css, path, "kcnawatch.org/style.css");
    sg_puts(&bc, bodyclass);
    sg_fill(b, sg_kw_head, "title", title, "home", &home, "css", &css,
            "bodyclass", &bc, (const char *)NULL);
    sg_free(&home);
    sg_free(&css);
    sg_free(&bc);
    sg_free(&list1);
}

/* The KCNA Watch article page of r; others (n) fill "More From". */
static void sg_kw_article(sg_buf *out, const sg_report *r,
                          const sg_report *const *others, size_t n)
{
    const char *path = r->file_path;
    sg_buf title = {0}, when = {0}, paras = {0}, stamp = {0}, more = {0};
    sg_esc(&title, r->hv[K_TITLE], 0);
    for (size_t i = 0; i < r->npara; i++) {
        if (i)
            sg_putc(&paras, '\n');
        sg_puts(&paras, "<p>");
        sg_esc(&paras, sg_view(&r->paras[i]), 0);
        sg_puts(&paras, "</p>");
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            sg_putc(&more, '\n');
        sg_puts(&more, "<div class=\"more-item\"><h4><a href=\"");
        sg_href(&more, path, others[i]->url_path);
        sg_puts(&more, "\">");
        sg_esc(&more, others[i]->hv[K_TITLE], 0);
        sg_puts(&more, "</a></h4><p>");
        sg_opening(&more, sg_view(&others[i]->paras[0]));
        sg_puts(&more, "</p></div>");
    }
    sg_us_date(&when, r);
    sg_kp_stamp(&stamp, r);
    sg_kw_page_head(out, path, &title,
                    "post-template-default single single-post");
    sg_fill(out,
            "\n"
            "<div id=\"content\" class=\"site-content\">\n"
            "<div class=\"row\">\n"
            "<main id=\"main\" class=\"col-md-8 site-main\">\n"
            "<article class=\"post type-post status-publish\">\n"
            "<header class=\"entry-header\">\n"
            "<h1 class=\"entry-title\">{title}</h1>\n"
            "<div class=\"articled-date\"><span>{when}</span></div>\n"
            "</header>\n"
            "<div class=\"article-content\">\n"
            "{paras}\n"
            "<p class=\"source-stamp\">{stamp}</p>\n"
            "</div>\n"
            "</article>\n"
            "</main>\n"
            "<aside class=\"col-md-4 sidebar\">\n"
            "<div class=\"more-from\">\n"
            "<h3>More From KCNA.kp</h3>\n"
            "{more}\n"
            "</div>\n"
            "</aside>\n"
            "</div>\n"
            "</div>\n",
            "title", &title, "when", &when, "paras", &paras, "stamp", &stamp,
            "more", &more, (const char *)NULL);
    sg_puts(out, sg_kw_foot);
    sg_free(&title);
    sg_free(&when);
    sg_free(&paras);
    sg_free(&stamp);
    sg_free(&more);
}

/* Every newstream list page (v: the reports newest first) into fs. */
static void sg_kw_lists(sg_files *fs, const sg_ref *v, size_t n)
{
    size_t pages = n ? (n + SG_PER_PAGE - 1) / SG_PER_PAGE : 1;
    for (size_t p = 1; p <= pages; p++) {
        sg_buf path = {0}, arts = {0}, nav = {0}, page = {0}, title = {0};
        sg_kw_list_path(&path, p);
        sg_puts(&path, "index.html");
        size_t from = (p - 1) * SG_PER_PAGE;
        size_t to = from + SG_PER_PAGE < n ? from + SG_PER_PAGE : n;
        for (size_t i = from; i < to; i++) {
            const sg_report *r = v[i].r;
            if (i > from)
                sg_putc(&arts, '\n');
            sg_puts(&arts, "<article class=\"post\">\n<h2 class=\"entry-title\">"
                           "<a href=\"");
            sg_href(&arts, sg_cstr(&path), r->url_path);
            sg_puts(&arts, "\">");
            sg_esc(&arts, r->hv[K_TITLE], 0);
            sg_puts(&arts, "</a></h2>\n<div class=\"articled-date\"><span>");
            sg_us_date(&arts, r);
            sg_puts(&arts, "</span></div>\n<div class=\"entry-summary\"><p>");
            sg_opening(&arts, sg_view(&r->paras[0]));
            sg_puts(&arts, "</p></div>\n</article>");
        }
        if (p > 1) {
            sg_buf prev = {0};
            sg_kw_list_path(&prev, p - 1);
            sg_puts(&nav, "<a class=\"prev page-numbers\" href=\"");
            sg_href(&nav, sg_cstr(&path), sg_cstr(&prev));
            sg_puts(&nav, "\">Newer</a>");
            sg_free(&prev);
        }
        if (p < pages) {
            sg_buf next = {0};
            sg_kw_list_path(&next, p + 1);
            if (nav.n)
                sg_putc(&nav, ' ');
            sg_puts(&nav, "<a class=\"next page-numbers\" href=\"");
            sg_href(&nav, sg_cstr(&path), sg_cstr(&next));
            sg_puts(&nav, "\">Older</a>");
            sg_free(&next);
        }
        sg_puts(&title, "Newstream");
        sg_kw_page_head(&page, sg_cstr(&path), &title, "archive");
        sg_fill(&page,
                "\n"
                "<div id=\"content\" class=\"site-content\">\n"
                "<main id=\"main\" class=\"site-main\">\n"
                "<h1 class=\"page-title\">Newstream</h1>\n"
                "{arts}\n"
                "<nav class=\"pagination\">{nav}</nav>\n"
                "</main>\n"
                "</div>\n",
                "arts", &arts, "nav", &nav, (const char *)NULL);
        sg_puts(&page, sg_kw_foot);
        sg_put(fs, sg_cstr(&path), &page);
        sg_free(&path);
        sg_free(&arts);
        sg_free(&nav);
        sg_free(&title);
    }
}

/* Builds the whole site of the reports rs (file-name order) into fs, in
   generate.py's order of creation. */
static void sg_build(sg_files *fs, sg_report **rs, size_t n)
{
    size_t nc, nk, nw;
    sg_ref *cojp = sg_site_refs(rs, n, S_COJP, &nc);
    sg_ref *kp = sg_site_refs(rs, n, S_KP, &nk);
    sg_ref *kw = sg_site_refs(rs, n, S_KW, &nw);
    sg_cojp_assign(cojp, nc);
    for (size_t i = 0; i < nk; i++)
        sg_kp_assign(kp[i].r);
    for (size_t i = 0; i < nw; i++)
        sg_kw_assign(kw[i].r);

    /* kcna.co.jp: the stories, then each day's list, then the calendars. */
    sg_buf page = {0}, path = {0};
    for (size_t i = 0; i < nc; i++) {
        sg_cojp_article(&page, cojp[i].r);
        sg_put(fs, cojp[i].r->file_path, &page);
    }
    long *days = sg_realloc(NULL, (nc ? nc : 1) * sizeof *days);
    size_t ndays = 0;
    {
        /* Group by date, keeping file-name order inside a day (a stable
           sort by date alone). */
        sg_ref *s = sg_realloc(NULL, (nc ? nc : 1) * sizeof *s);
        memcpy(s, cojp, nc * sizeof *s);
        qsort(s, nc, sizeof *s, sg_cmp_date_name);
        for (size_t i = 0; i < nc;) {
            size_t j = i;
            while (j < nc && s[j].r->dkey == s[i].r->dkey) {
                s[j].pos = j - i;
                j++;
            }
            days[ndays++] = s[i].r->dkey;
            sg_cojp_day_list(&path, &page, s + i, j - i);
            sg_put(fs, sg_cstr(&path), &page);
            sg_clear(&path);
            i = j;
        }
        free(s);
    }
    int *years = sg_realloc(NULL, (ndays ? ndays : 1) * sizeof *years);
    size_t nyears = 0;
    for (size_t i = 0; i < ndays; i++) {
        int y = (int)(days[i] / 10000);
        if (!nyears || years[nyears - 1] != y)
            years[nyears++] = y;
    }
    for (size_t i = 0; i < nyears; i++) {
        sg_cojp_calendar(&path, &page, years[i], days, ndays);
        sg_put(fs, sg_cstr(&path), &page);
        sg_clear(&path);
    }

    /* kcna.kp: the sidebar shows the five stories published just before
       (wrapping round to the newest). */
    qsort(kp, nk, sizeof *kp, sg_cmp_newest);
    for (size_t i = 0; i < nk; i++) {
        const sg_report *o[5];
        size_t no = 0;
        for (size_t k = 1; k <= 5; k++)
            if (nk > k)
                o[no++] = kp[(i + k) % nk].r;
        sg_kp_article(&page, kp[i].r, o, no);
        sg_put(fs, kp[i].r->file_path, &page);
    }
    sg_kp_lists(fs, kp, nk);

    /* KCNA Watch: "More From" shows the three neighbours in the
       newstream. */
    qsort(kw, nw, sizeof *kw, sg_cmp_newest);
    for (size_t i = 0; i < nw; i++) {
        const sg_report *o[3];
        size_t no = 0;
        for (size_t k = 1; k <= 3; k++)
            if (nw > k)
                o[no++] = kw[(i + k) % nw].r;
        sg_kw_article(&page, kw[i].r, o, no);
        sg_put(fs, kw[i].r->file_path, &page);
    }
    sg_kw_lists(fs, kw, nw);
    sg_puts(&page, "body { font-family: sans-serif; }\n");
    sg_put(fs, "kcnawatch.org/style.css", &page);

    /* The root index. */
    sg_buf links = {0}, list1 = {0};
    for (size_t i = 0; i < nyears; i++)
        sg_printf(&links, "<li><a href=\"kcna.co.jp/item/%d/calendar-%de.html\">"
                          "kcna.co.jp calendar %d</a></li>\n",
                  years[i], years[i], years[i]);
    sg_kp_list_path(&list1, 1);
    sg_printf(&links, "<li><a href=\"%s\">kcna.kp: Top News</a></li>\n",
              sg_cstr(&list1));
    sg_puts(&links, "<li><a href=\"kcnawatch.org/newstream/\">KCNA Watch "
                    "newstream</a></li>");
    sg_fill(&page,
            "<!DOCTYPE html>\n"
            "<html lang=\"en\">\n"
            "<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<title>kcnatrack test sites</title>\n"
            "</head>\n"
            "<body>\n"
            "<h1>kcnatrack test sites</h1>\n"
            "<ul>\n"
            "{links}\n"
            "</ul>\n"
            "</body>\n"
            "</html>\n",
            "links", &links, (const char *)NULL);
    sg_put(fs, "index.html", &page);
    sg_free(&links);
    sg_free(&list1);
    sg_free(&path);
    sg_free(&page);
    free(years);
    free(days);
    free(cojp);
    free(kp);
    free(kw);
}

/* ------------------------------------------------------------ checking */

/* 1 when path is among the sorted files (binary search). */
static int sg_has_file(const sg_files *fs, const char *path)
{
    size_t lo = 0, hi = fs->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(fs->v[mid].path, path);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Appends posixpath.normpath(posixpath.join(dirname(page), href)) for a
   relative href. */
static void sg_resolve(sg_buf *b, const char *page, const char *href)
{
    sg_buf j = {0};
    size_t dn = sg_dirname_len(page);
    if (href[0] == '/' || dn == 0) {
        sg_puts(&j, href);
    } else {
        sg_putn(&j, page, dn);
        if (page[dn - 1] != '/')
            sg_putc(&j, '/');
        sg_puts(&j, href);
    }
    const char *p = sg_cstr(&j);
    size_t lead = 0;
    while (p[lead] == '/')
        lead++;
    if (lead == 2)
        sg_puts(b, "//");
    else if (lead)
        sg_putc(b, '/');
    sg_str c[256];
    size_t nc = sg_components(p + lead, j.n - lead, c, 256);
    size_t start = b->n;
    for (size_t i = 0; i < nc; i++) {
        /* ".." at the root of an absolute path vanishes */
        if (lead && c[i].n == 2 && !memcmp(c[i].p, "..", 2) && b->n == start)
            continue;
        if (b->n > start)
            sg_putc(b, '/');
        sg_putstr(b, c[i]);
    }
    if (b->n == start && !lead)
        sg_putc(b, '.');
    sg_free(&j);
}

/* The checks of generate.py's check_output that our pages can fail: every
   link must point at a file of the site (a link to a folder at its
   index.html). Elements are always well nested here, since all text is
   escaped and the markup is fixed. fs must be sorted. Prints each
   problem; returns how many there were. */
static int sg_check_links(const sg_files *fs)
{
    int problems = 0;
    for (size_t i = 0; i < fs->n; i++) {
        const sg_file *f = &fs->v[i];
        if (!sg_ends(f->path, ".html") && !sg_ends(f->path, ".kcmsf"))
            continue;
        const char *p = f->data.p, *end = p + f->data.n;
        /* Text never holds a raw '<' or '>', nor does an attribute value,
           so a tag is what lies between '<' and the next '>'. */
        while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            if (!gt)
                break;
            for (const char *q = p; q + 7 <= gt; q++) {
                if (memcmp(q, " href=\"", 7) != 0)
                    continue;
                const char *v = q + 7, *ve = memchr(v, '"', (size_t)(gt - v));
                if (!ve)
                    break;
                sg_buf href = {0}, target = {0};
                /* html unescape of what sg_attr can write */
                for (const char *s = v; s < ve; s++) {
                    static const char *const ent[5][2] = {
                        {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"},
                        {"&quot;", "\""}, {"&#x27;", "'"}};
                    int done = 0;
                    for (int e = 0; e < 5 && !done; e++) {
                        size_t el = strlen(ent[e][0]);
                        if ((size_t)(ve - s) >= el && !memcmp(s, ent[e][0], el)) {
                            sg_puts(&href, ent[e][1]);
                            s += el - 1;
                            done = 1;
                        }
                    }
                    if (!done)
                        sg_putc(&href, *s);
                }
                const char *h = sg_cstr(&href);
                sg_resolve(&target, f->path, h);
                if (href.n && h[href.n - 1] == '/')
                    sg_puts(&target, "/index.html");
                if (!sg_has_file(fs, sg_cstr(&target))) {
                    fprintf(stderr, "kt_sitegen: bad output: %s: link %s "
                                    "resolves to missing %s\n",
                            f->path, h, sg_cstr(&target));
                    problems++;
                }
                sg_free(&href);
                sg_free(&target);
                q = ve;
            }
            p = gt + 1;
        }
    }
    return problems;
}

/* ------------------------------------------------------------ writing */

typedef struct {
    size_t written, unchanged, removed;
    mode_t mode; /* of new files: 0666 less the umask, as open() gives */
} sg_stats;

/* Prints a message about path and errno's error; returns 1. */
static int sg_ioerr(const char *what, const char *path)
{
    fprintf(stderr, "kt_sitegen: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

/* 1 when full is a regular file holding exactly data's bytes. */
static int sg_same_file(const char *full, const sg_buf *data)
{
    struct stat st;
    if (lstat(full, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uintmax_t)st.st_size != (uintmax_t)data->n)
        return 0;
    int fd = open(full, O_RDONLY);
    if (fd < 0)
        return 0;
    char chunk[65536];
    size_t off = 0;
    int same = 1;
    for (;;) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            same = got == 0 && off == data->n;
            break;
        }
        if (off + (size_t)got > data->n ||
            memcmp(chunk, data->p + off, (size_t)got) != 0) {
            same = 0;
            break;
        }
        off += (size_t)got;
    }
    close(fd);
    return same;
}

/* Creates the folder dir and its parents as needed (os.makedirs with
   exist_ok). dir is modified while working and restored. Returns 0, or 1
   after a message. */
static int sg_mkdirs(char *dir)
{
    struct stat st;
    if (!*dir || stat(dir, &st) == 0)
        return 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(dir, 0777);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST) {
            errno = e;
            return sg_ioerr("cannot create", dir);
        }
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return sg_ioerr("cannot create", dir);
    return 0;
}

/* Writes data to full unless it already holds those bytes: into a
   temporary file in the same folder, then renamed over full, so a reader
   (the test server) sees the old page or the new one, never a part.
   There is no fsync: a test tool's output need not survive a power cut,
   only never be seen half-written. Returns 0, or 1 after a message. */
static int sg_sync_file(const char *full, const sg_buf *data, sg_stats *st)
{
    if (sg_same_file(full, data)) {
        st->unchanged++;
        return 0;
    }
    char *dir = sg_strdup(full);
    char *slash = strrchr(dir, '/');
    sg_buf tmp = {0};
    if (slash) {
        *slash = '\0';
        if (slash != dir && sg_mkdirs(dir) != 0) {
            free(dir);
            return 1;
        }
        sg_puts(&tmp, slash == dir ? "" : dir);
        sg_puts(&tmp, "/");
    }
    free(dir);
    sg_puts(&tmp, SG_TMP_PREFIX "XXXXXX");
    char *tpath = (char *)sg_cstr(&tmp);
    int fd = mkstemp(tpath);
    if (fd < 0) {
        sg_ioerr("cannot create a temporary file for", full);
        sg_free(&tmp);
        return 1;
    }
    size_t off = 0;
    int rc = 0;
    while (off < data->n) {
        ssize_t w = write(fd, data->p + off, data->n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = sg_ioerr("cannot write", tpath);
            break;
        }
        off += (size_t)w;
    }
    /* mkstemp makes the file 0600; a page must be as readable as one
       written with open(). */
    if (!rc && fchmod(fd, st->mode) != 0)
        rc = sg_ioerr("cannot chmod", tpath);
    if (close(fd) != 0 && !rc)
        rc = sg_ioerr("cannot write", tpath);
    if (!rc && rename(tpath, full) != 0)
        rc = sg_ioerr("cannot rename to", full);
    if (rc)
        unlink(tpath);
    else
        st->written++;
    sg_free(&tmp);
    return rc;
}

/* 1 for the names of files kt_sitegen could have written under --out:
   pages, the style sheet, and its own temporary files. */
static int sg_ours(const char *name)
{
    return sg_ends(name, ".html") || sg_ends(name, ".kcmsf") ||
           sg_ends(name, ".css") ||
           strncmp(name, SG_TMP_PREFIX, strlen(SG_TMP_PREFIX)) == 0;
}

/* Deletes, under the folder full (rel: its path under the document root,
   "" for the root), every regular file of ours the site fs (sorted) no
   longer has, and removes folders this empties. Symbolic links and other
   files are left alone. Returns 0, or 1 after a message; *removed counts
   what was deleted below full. */
static int sg_prune(const char *full, const char *rel, const sg_files *fs,
                    sg_stats *st, size_t *removed)
{
    DIR *d = opendir(full);
    if (!d)
        return sg_ioerr("cannot read folder", full);
    int rc = 0;
    struct dirent *e;
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (!e)
            break;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        sg_buf f = {0}, r = {0};
        sg_printf(&f, "%s/%s", full, e->d_name);
        sg_printf(&r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        struct stat sb;
        if (lstat(sg_cstr(&f), &sb) != 0) {
            rc = sg_ioerr("cannot stat", sg_cstr(&f));
        } else if (S_ISDIR(sb.st_mode)) {
            size_t below = 0;
            rc = sg_prune(sg_cstr(&f), sg_cstr(&r), fs, st, &below);
            *removed += below;
            /* Only a folder this run emptied goes; rmdir refuses when
               something is left. */
            if (!rc && below && rmdir(sg_cstr(&f)) == 0)
                (*removed)++;
        } else if (S_ISREG(sb.st_mode) && sg_ours(e->d_name) &&
                   !sg_has_file(fs, sg_cstr(&r))) {
            if (unlink(sg_cstr(&f)) != 0) {
                rc = sg_ioerr("cannot delete", sg_cstr(&f));
            } else {
                (*removed)++;
                if (strncmp(e->d_name, SG_TMP_PREFIX,
                            strlen(SG_TMP_PREFIX)) != 0)
                    st->removed++;
            }
        }
        sg_free(&f);
        sg_free(&r);
        if (rc)
            break;
    }
    if (!e && errno && !rc)
        rc = sg_ioerr("cannot read folder", full);
    closedir(d);
    return rc;
}

/* Appends one CSV field as Python's csv.writer quotes it by default
   (QUOTE_MINIMAL, "\n" line ends): quoted when it holds a comma, a quote
   or a newline, quotes doubled. */
static void sg_csv_field(sg_buf *b, sg_str s)
{
    int q = 0;
    for (size_t i = 0; i < s.n; i++)
        q |= s.p[i] == ',' || s.p[i] == '"' || s.p[i] == '\n';
    if (!q) {
        sg_putstr(b, s);
        return;
    }
    sg_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '"')
            sg_putc(b, '"');
        sg_putc(b, s.p[i]);
    }
    sg_putc(b, '"');
}

/* Orders reports by url_path. */
static int sg_cmp_url(const void *a, const void *b)
{
    const sg_report *x = *(sg_report *const *)a, *y = *(sg_report *const *)b;
    return strcmp(x->url_path, y->url_path);
}

/* The manifest CSV of the reports rs into b: one row per article page,
   ordered by path. */
static void sg_manifest(sg_buf *b, sg_report **rs, size_t n)
{
    sg_report **s = sg_realloc(NULL, (n ? n : 1) * sizeof *s);
    memcpy(s, rs, n * sizeof *s);
    qsort(s, n, sizeof *s, sg_cmp_url);
    sg_puts(b, "path,source,site,split,expect,pub_date,title\n");
    for (size_t i = 0; i < n; i++) {
        const sg_report *r = s[i];
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-%02d", r->y, r->m, r->d);
        sg_str f[7] = {{r->url_path, strlen(r->url_path)},
                       {r->name, strlen(r->name)},
                       r->hv[K_SITE],
                       r->hv[K_SPLIT],
                       r->hv[K_EXPECT],
                       {date, strlen(date)},
                       r->hv[K_TITLE]};
        for (int k = 0; k < 7; k++) {
            if (k)
                sg_putc(b, ',');
            sg_csv_field(b, f[k]);
        }
        sg_putc(b, '\n');
    }
    free(s);
}

/* ------------------------------------------------------------ main */

/* Orders C strings by strcmp (Python's sort of str is by code point, the
   same order for UTF-8 file names). */
static int sg_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints a usage error and returns 2. */
static int sg_usage_error(const char *fmt, const char *arg)
{
    fputs("kt_sitegen: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n", stderr);
    fputs(sg_usage, stderr);
    return 2;
}

/* The command line; returns the exit status (see the head comment). */
int main(int argc, char **argv)
{
    const char *reports_dir = NULL, *out = NULL, *manifest = NULL,
               *reference = NULL, *select = NULL, *until = NULL,
               *sample = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(sg_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--reports")) {
            slot = &reports_dir;
        } else if (!strcmp(a, "--out")) {
            slot = &out;
        } else if (!strcmp(a, "--manifest")) {
            slot = &manifest;
        } else if (!strcmp(a, "--reference")) {
            slot = &reference;
        } else if (!strcmp(a, "--select")) {
            slot = &select;
        } else if (!strcmp(a, "--until")) {
            slot = &until;
        } else if (!strcmp(a, "--sample")) {
            slot = &sample;
        } else {
            return sg_usage_error("unknown argument '%s'", a);
        }
        if (i + 1 >= argc)
            return sg_usage_error("%s needs a value", a);
        *slot = argv[++i];
    }
    if (!reports_dir || !out)
        return sg_usage_error("%s", "--reports and --out are required");
    long until_key = -1;
    if (until) {
        int y, m, d;
        sg_str u = {until, strlen(until)};
        if (!sg_parse_date(u, &y, &m, &d))
            return sg_usage_error("--until '%s' is not a date YYYY-MM-DD",
                                  until);
        until_key = (long)y * 10000 + m * 100 + d;
    }
    size_t sample_n = (size_t)-1;
    if (sample) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(sample, &end, 10);
        if (!*sample || *end || errno || sample[0] == '-' || v == 0)
            return sg_usage_error("--sample '%s' is not a positive number",
                                  sample);
        sample_n = (size_t)v;
    }
    regex_t re;
    int have_re = select && *select;
    if (have_re) {
        int e = regcomp(&re, select, REG_EXTENDED | REG_NOSUB);
        if (e != 0) {
            char msg[256];
            regerror(e, &re, msg, sizeof msg);
            fprintf(stderr, "kt_sitegen: --select '%s': %s\n", select, msg);
            fputs(sg_usage, stderr);
            return 2;
        }
    }
    /* New files get the mode open() would give them. */
    mode_t mask = umask(0);
    umask(mask);
    sg_stats st = {0, 0, 0, (mode_t)(0666 & ~mask)};

    int rc = 0;
    sg_refs refs = {0};
    char **names = NULL;
    size_t nnames = 0;
    sg_report **rs = NULL;
    size_t nrs = 0;
    sg_files fs = {0};
    sg_buf man = {0};

    if (sg_load_refs(reference, &refs) != 0) {
        rc = 1;
        goto out;
    }
    DIR *d = opendir(reports_dir);
    if (!d) {
        rc = sg_ioerr("cannot read folder", reports_dir);
        goto out;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!sg_ends(e->d_name, ".txt"))
            continue;
        if (have_re && regexec(&re, e->d_name, 0, NULL, 0) != 0)
            continue;
        names = sg_realloc(names, (nnames + 1) * sizeof *names);
        names[nnames++] = sg_strdup(e->d_name);
    }
    closedir(d);
    if (nnames)
        qsort(names, nnames, sizeof *names, sg_cmp_names);
    size_t nsel = nnames < sample_n ? nnames : sample_n;

    /* Every selected file is read and checked before anything is
       written; all problems are reported, one per file. */
    int errors = 0;
    rs = sg_realloc(NULL, (nsel ? nsel : 1) * sizeof *rs);
    for (size_t i = 0; i < nsel; i++) {
        sg_report *r = sg_realloc(NULL, sizeof *r);
        memset(r, 0, sizeof *r);
        r->name = sg_strdup(names[i]);
        sg_buf p = {0};
        size_t dl = strlen(reports_dir);
        /* os.path.join: no second slash after one already there */
        sg_printf(&p, "%s%s%s", reports_dir,
                  dl && reports_dir[dl - 1] == '/' ? "" : "/", names[i]);
        r->path = sg_strdup(sg_cstr(&p));
        sg_free(&p);
        errors += sg_parse_report(r, &refs);
        rs[nrs++] = r;
    }
    if (errors) {
        rc = 1;
        goto out;
    }
    /* --until: the site as it stood that day. */
    if (until_key >= 0) {
        size_t k = 0;
        for (size_t i = 0; i < nrs; i++) {
            if (rs[i]->dkey <= until_key) {
                rs[k++] = rs[i];
            } else {
                sg_report_free(rs[i]);
                free(rs[i]);
            }
        }
        nrs = k;
    }

    sg_build(&fs, rs, nrs);
    qsort(fs.v, fs.n, sizeof *fs.v, sg_file_cmp);
    {
        /* Two pages on one path: name the clash generate.py meets first,
           the one whose second page was made earliest. */
        const sg_file *clash = NULL;
        for (size_t i = 1; i < fs.n; i++)
            if (!strcmp(fs.v[i].path, fs.v[i - 1].path) &&
                (!clash || fs.v[i].seq < clash->seq))
                clash = &fs.v[i];
        if (clash) {
            fprintf(stderr, "two pages would be written to %s\n", clash->path);
            rc = 1;
            goto out;
        }
    }
    if (sg_check_links(&fs) != 0) {
        rc = 1;
        goto out;
    }

    /* Bring --out up to date: new and changed files first, so that every
       link keeps working while it runs, then what the site no longer
       has. */
    {
        char *o = sg_strdup(out);
        rc = sg_mkdirs(o);
        free(o);
    }
    for (size_t i = 0; !rc && i < fs.n; i++) {
        sg_buf full = {0};
        sg_printf(&full, "%s/%s", out, fs.v[i].path);
        rc = sg_sync_file(sg_cstr(&full), &fs.v[i].data, &st);
        sg_free(&full);
    }
    if (!rc) {
        size_t removed = 0;
        rc = sg_prune(out, "", &fs, &st, &removed);
    }
    sg_stats mst = st;
    mst.written = mst.unchanged = 0;
    if (!rc && manifest) {
        sg_manifest(&man, rs, nrs);
        rc = sg_sync_file(manifest, &man, &mst);
    }
    if (!rc) {
        printf("%zu reports, %zu files in %s: %zu written, %zu unchanged, "
               "%zu deleted\n", nrs, fs.n, out, st.written, st.unchanged,
               st.removed);
        if (manifest)
            printf("manifest %s %s\n", manifest,
                   mst.written ? "written" : "unchanged");
        /* counts per (site, split, none|row), sorted like generate.py's */
        static const char *const splits[2] = {"holdout", "tune"};
        static const char *const kinds[2] = {"none", "row"};
        static const int order[S_COUNT] = {S_COJP, S_KP, S_KW};
        for (int s = 0; s < S_COUNT; s++)
            for (int sp = 0; sp < 2; sp++)
                for (int k = 0; k < 2; k++) {
                    size_t c = 0;
                    for (size_t i = 0; i < nrs; i++)
                        c += rs[i]->site == order[s] &&
                             sg_eq(rs[i]->hv[K_SPLIT], splits[sp]) &&
                             sg_eq(rs[i]->hv[K_EXPECT], "none") == !k;
                    if (c)
                        printf("  %-10s %-7s %-4s %zu\n", sg_sites[order[s]],
                               splits[sp], kinds[k], c);
                }
    }
out:
    if (have_re)
        regfree(&re);
    for (size_t i = 0; i < refs.n; i++)
        sg_free(&refs.ids[i]);
    free(refs.ids);
    for (size_t i = 0; i < nrs; i++) {
        sg_report_free(rs[i]);
        free(rs[i]);
    }
    free(rs);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    for (size_t i = 0; i < fs.n; i++) {
        free(fs.v[i].path);
        sg_free(&fs.v[i].data);
    }
    free(fs.v);
    sg_free(&man);
    return rc;
}
