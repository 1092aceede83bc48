/*
 * Site profiles: loading the rules/sites/ *.site files (format in rules/sites/
 * README.md), choosing the profile for a page and classifying URLs. POSIX
 * regular expressions (<regex.h>) for URLs and paragraphs, libxml2 XPath for
 * page structure; both compiled once at load time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>

#include "extract_int.h"

/* XPath errors are reported through our return values, never printed. */
static void quiet_xpath_error(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* Sets *err (malloc'd) to "path:line: message"; returns -1 for chaining. */
static int fail(char **err, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char **err, const char *path, int line, const char *fmt, ...)
{
    kt_buf b = {0};
    va_list ap;
    char msg[512];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        kt_buf_printf(&b, "%s:%d: %s", path, line, msg);
    else
        kt_buf_printf(&b, "%s: %s", path, msg);
    *err = kt_buf_take(&b);
    return -1;
}

static void xpath_free(ex_xpath *x)
{
    free(x->src);
    if (x->comp)
        xmlXPathFreeCompExpr(x->comp);
}

static void regex_free(ex_regex *r)
{
    free(r->src);
    regfree(&r->re);
}

static void profile_free(ex_profile *pr)
{
    free(pr->name);
    ex_regex *rs[] = {pr->article, pr->list, pr->skip, pr->drop, pr->trim};
    size_t rn[] = {pr->n_article, pr->n_list, pr->n_skip, pr->n_drop,
                   pr->n_trim};
    for (size_t k = 0; k < 5; k++) {
        for (size_t i = 0; i < rn[k]; i++)
            regex_free(&rs[k][i]);
        free(rs[k]);
    }
    ex_xpath *xs[] = {pr->detect, pr->title, pr->body, pr->remove};
    size_t xn[] = {pr->n_detect, pr->n_title, pr->n_body, pr->n_remove};
    for (size_t k = 0; k < 4; k++) {
        for (size_t i = 0; i < xn[k]; i++)
            xpath_free(&xs[k][i]);
        free(xs[k]);
    }
    for (size_t i = 0; i < pr->n_date; i++)
        xpath_free(&pr->date[i].xp);
    free(pr->date);
    for (size_t i = 0; i < pr->n_entries; i++)
        free(pr->entries[i]);
    free(pr->entries);
    free(pr->base_url);
}

void extract_profiles_free(extract_profiles *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        profile_free(&p->v[i]);
    free(p->v);
    for (size_t i = 0; i < p->n_langs; i++) {
        for (size_t k = 0; k < p->langs[i].n_words; k++)
            free(p->langs[i].words[k]);
        free(p->langs[i].words);
    }
    free(p->langs);
    free(p);
}

/* Grows *arr (elements of size sz, count *n) by one zeroed slot and returns
 * it, or NULL on OOM. */
static void *grow(void *arr, size_t sz, size_t *n)
{
    void **a = arr;
    char *nv = realloc(*a, (*n + 1) * sz);
    if (nv == NULL)
        return NULL;
    *a = nv;
    memset(nv + *n * sz, 0, sz);
    return nv + (*n)++ * sz;
}

static int compile_xpath(ex_xpath *x, const char *src)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(NULL);
    if (ctx == NULL)
        return -1;
    ctx->error = quiet_xpath_error;
    x->comp = xmlXPathCtxtCompile(ctx, (const xmlChar *)src);
    xmlXPathFreeContext(ctx);
    x->src = kt_strdup0(src);
    return (x->comp && x->src) ? 0 : -1;
}

/* Adds a regex line; -1 with *err set. Trim patterns are compiled
 * without REG_NOSUB because trimming needs the match offsets. */
static int add_regex(ex_regex **arr, size_t *n, const char *src,
                     int flags, const char *path, int line, char **err)
{
    ex_regex *r = grow(arr, sizeof **arr, n);
    if (r == NULL)
        return fail(err, path, line, "out of memory");
    int rc = regcomp(&r->re, src, flags);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &r->re, msg, sizeof msg);
        (*n)--; /* nothing to free: regcomp failed */
        return fail(err, path, line, "bad regular expression '%s': %s", src,
                    msg);
    }
    if ((r->src = kt_strdup0(src)) == NULL)
        return fail(err, path, line, "out of memory");
    return 0;
}

static int add_xpath(ex_xpath **arr, size_t *n, const char *src,
                     const char *path, int line, char **err)
{
    ex_xpath *x = grow(arr, sizeof **arr, n);
    if (x == NULL)
        return fail(err, path, line, "out of memory");
    if (compile_xpath(x, src) != 0)
        return fail(err, path, line, "bad XPath '%s'", src);
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "stopwords es de la que el ..." adds words to language es (any profile
 * may carry them; they apply to every page). */
static int add_stopwords(extract_profiles *p, char *v, const char *path,
                         int line, char **err)
{
    char *save = NULL, *code = strtok_r(v, " \t", &save);
    if (code == NULL || strlen(code) >= sizeof p->langs[0].code)
        return fail(err, path, line, "stopwords needs a language code");
    ex_lang *l = NULL;
    for (size_t i = 0; i < p->n_langs; i++)
        if (strcmp(p->langs[i].code, code) == 0)
            l = &p->langs[i];
    if (l == NULL) {
        if ((l = grow(&p->langs, sizeof *p->langs, &p->n_langs)) == NULL)
            return fail(err, path, line, "out of memory");
        strcpy(l->code, code);
    }
    for (char *w; (w = strtok_r(NULL, " \t", &save)) != NULL;) {
        char **slot = grow(&l->words, sizeof *l->words, &l->n_words);
        if (slot == NULL || (*slot = kt_strdup0(w)) == NULL)
            return fail(err, path, line, "out of memory");
        for (char *c = *slot; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    }
    qsort(l->words, l->n_words, sizeof *l->words, str_cmp);
    return 0;
}

static int parse_date_line(ex_profile *pr, char *v, const char *path,
                           int line, char **err)
{
    static const struct { const char *name; ex_date_format f; } formats[] = {
        {"any", EX_DATE_ANY}, {"iso", EX_DATE_ISO}, {"meta", EX_DATE_ISO},
        {"stamp", EX_DATE_STAMP}, {"juche", EX_DATE_MDY},
        {"mdy", EX_DATE_MDY}};
    size_t k = strcspn(v, " \t");
    const char *xp = v + k + strspn(v + k, " \t");
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strlen(formats[i].name) != k || strncmp(v, formats[i].name, k))
            continue;
        if (*xp == '\0')
            return fail(err, path, line, "date needs a format and an XPath");
        ex_date_rule *r = grow(&pr->date, sizeof *pr->date, &pr->n_date);
        if (r == NULL)
            return fail(err, path, line, "out of memory");
        r->format = formats[i].f;
        if (compile_xpath(&r->xp, xp) != 0)
            return fail(err, path, line, "bad XPath '%s'", xp);
        return 0;
    }
    return fail(err, path, line,
                "unknown date format '%.*s' (any, iso, meta, stamp, mdy, "
                "juche)", (int)k, v);
}

/* One "key value" line into pr. v is modifiable and already trimmed. */
static int parse_line(extract_profiles *p, ex_profile *pr, const char *key,
                      char *v, const char *path, int line, char **err)
{
    if (*v == '\0')
        return fail(err, path, line, "missing value for '%s'", key);
    if (strcmp(key, "name") == 0) {
        if (strcspn(v, " \t") != strlen(v))
            return fail(err, path, line, "a name is one word");
        free(pr->name);
        pr->name = kt_strdup0(v);
        return pr->name ? 0 : fail(err, path, line, "out of memory");
    }
    if (strcmp(key, "article") == 0)
        return add_regex(&pr->article, &pr->n_article, v, REG_EXTENDED | REG_NOSUB,
                         path, line, err);
    if (strcmp(key, "list") == 0)
        return add_regex(&pr->list, &pr->n_list, v, REG_EXTENDED | REG_NOSUB,
                         path, line, err);
    if (strcmp(key, "skip") == 0)
        return add_regex(&pr->skip, &pr->n_skip, v, REG_EXTENDED | REG_NOSUB,
                         path, line, err);
    if (strcmp(key, "drop") == 0)
        return add_regex(&pr->drop, &pr->n_drop, v, REG_EXTENDED | REG_NOSUB,
                         path, line, err);
    if (strcmp(key, "trim") == 0)
        return add_regex(&pr->trim, &pr->n_trim, v, REG_EXTENDED, path,
                         line, err);
    if (strcmp(key, "detect") == 0)
        return add_xpath(&pr->detect, &pr->n_detect, v, path, line, err);
    if (strcmp(key, "title") == 0)
        return add_xpath(&pr->title, &pr->n_title, v, path, line, err);
    if (strcmp(key, "remove") == 0)
        return add_xpath(&pr->remove, &pr->n_remove, v, path, line, err);
    if (strcmp(key, "body") == 0) {
        if (strcmp(v, "auto") == 0) {
            pr->body_auto = 1;
            return 0;
        }
        return add_xpath(&pr->body, &pr->n_body, v, path, line, err);
    }
    if (strcmp(key, "body-from") == 0) {
        if (strcmp(v, "dateline") != 0)
            return fail(err, path, line, "body-from takes 'dateline'");
        pr->body_from_dateline = 1;
        return 0;
    }
    if (strcmp(key, "date") == 0)
        return parse_date_line(pr, v, path, line, err);
    if (strcmp(key, "entry") == 0) {
        if (v[0] != '/')
            return fail(err, path, line, "an entry path starts with '/'");
        char **slot = grow(&pr->entries, sizeof *pr->entries,
                           &pr->n_entries);
        if (slot == NULL || (*slot = kt_strdup0(v)) == NULL)
            return fail(err, path, line, "out of memory");
        return 0;
    }
    if (strcmp(key, "base") == 0) {
        if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
            return fail(err, path, line, "a base URL starts with http:// "
                                         "or https://");
        if (pr->base_url)
            return fail(err, path, line, "base given twice");
        if ((pr->base_url = kt_strdup0(v)) == NULL)
            return fail(err, path, line, "out of memory");
        return 0;
    }
    if (strcmp(key, "stopwords") == 0)
        return add_stopwords(p, v, path, line, err);
    return fail(err, path, line, "unknown key '%s'", key);
}

/* Parses one profile file's text (NUL-terminated, modified in place). */
static int parse_profile(extract_profiles *p, ex_profile *pr, char *text,
                         const char *path, const char *base, char **err)
{
    int line = 0;
    for (char *s = text, *next; s != NULL; s = next) {
        line++;
        next = strchr(s, '\n');
        if (next)
            *next++ = '\0';
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
                         s[n - 1] == '\t'))
            s[--n] = '\0';
        s += strspn(s, " \t");
        if (*s == '\0' || *s == '#')
            continue;
        size_t k = strcspn(s, " \t");
        char *v = s + k + strspn(s + k, " \t");
        s[k] = '\0';
        if (parse_line(p, pr, s, v, path, line, err) != 0)
            return -1;
    }
    if (pr->name == NULL) {
        /* Unnamed: the file name without ".site". */
        pr->name = kt_strndup(base, strlen(base) - 5);
        if (pr->name == NULL)
            return fail(err, path, 0, "out of memory");
    }
    if (pr->n_body == 0 && !pr->body_auto)
        return fail(err, path, line, "profile '%s' has no body line",
                    pr->name);
    return 0;
}

static int ends_with_site(const char *s)
{
    size_t n = strlen(s);
    return n > 5 && strcmp(s + n - 5, ".site") == 0 && s[0] != '.';
}

/* Lists dir's *.site names, sorted (malloc'd array of malloc'd strings). */
static int list_site_files(const char *dir, char ***names, size_t *n,
                           char **err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return fail(err, dir, 0, "cannot open: %s", strerror(errno));
    *names = NULL;
    *n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!ends_with_site(e->d_name))
            continue;
        char **slot = grow(names, sizeof **names, n);
        if (slot == NULL || (*slot = kt_strdup0(e->d_name)) == NULL) {
            closedir(d);
            return fail(err, dir, 0, "out of memory");
        }
    }
    closedir(d);
    if (*n > 1)
        qsort(*names, *n, sizeof **names, str_cmp);
    return 0;
}

/* The fallback used when the directory has no generic profile. */
static int builtin_generic(ex_profile *pr)
{
    pr->name = kt_strdup0("generic");
    pr->body_auto = 1;
    char *err = NULL;
    if (pr->name == NULL ||
        add_xpath(&pr->title, &pr->n_title, "//h1", "builtin", 1, &err) ||
        add_xpath(&pr->title, &pr->n_title, "//title", "builtin", 2, &err)) {
        free(err);
        return -1;
    }
    return 0;
}

int extract_profiles_load(const char *dir, extract_profiles **out, char **err)
{
    char **names = NULL;
    size_t n_names = 0;
    kt_sha256 sha;
    *out = NULL;
    *err = NULL;
    if (list_site_files(dir, &names, &n_names, err) != 0)
        return -1;
    extract_profiles *p = calloc(1, sizeof *p);
    int rc = p ? 0 : fail(err, dir, 0, "out of memory");
    kt_sha256_init(&sha);
    for (size_t i = 0; rc == 0 && i < n_names; i++) {
        kt_buf path = {0};
        size_t len;
        char *text = NULL;
        ex_profile *pr;
        if (kt_buf_printf(&path, "%s/%s", dir, names[i]) != 0)
            rc = fail(err, dir, 0, "out of memory");
        else if ((text = kt_read_file(path.data, &len)) == NULL)
            rc = fail(err, path.data, 0, "cannot read: %s", strerror(errno));
        else if ((pr = grow(&p->v, sizeof *p->v, &p->n)) == NULL)
            rc = fail(err, path.data, 0, "out of memory");
        else {
            kt_sha256_update(&sha, text, len);
            rc = parse_profile(p, pr, text, path.data, names[i], err);
            for (size_t k = 0; rc == 0 && k + 1 < p->n; k++)
                if (strcmp(p->v[k].name, pr->name) == 0)
                    rc = fail(err, path.data, 0, "profile '%s' defined twice",
                              pr->name);
        }
        free(text);
        kt_buf_free(&path);
    }
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    if (rc != 0) {
        extract_profiles_free(p);
        return -1;
    }
    kt_sha256_final_hex(&sha, p->hash);
    /* Move "generic" to the end, or add the built-in one. */
    size_t g = p->n;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, "generic") == 0)
            g = i;
    if (g == p->n) {
        ex_profile *pr = grow(&p->v, sizeof *p->v, &p->n);
        if (pr == NULL || builtin_generic(pr) != 0) {
            extract_profiles_free(p);
            return fail(err, dir, 0, "out of memory");
        }
    } else {
        ex_profile tmp = p->v[g];
        memmove(&p->v[g], &p->v[g + 1], (p->n - g - 1) * sizeof *p->v);
        p->v[p->n - 1] = tmp;
    }
    *out = p;
    return 0;
}

const char *extract_profiles_hash(const extract_profiles *p)
{
    return p->hash;
}

size_t extract_profile_count(const extract_profiles *p)
{
    return p ? p->n : 0;
}

const char *extract_profile_name(const extract_profiles *p, size_t i)
{
    return (p && i < p->n) ? p->v[i].name : NULL;
}

int extract_profile_entries(const extract_profiles *p, const char *name,
                            const char *const **paths, size_t *n)
{
    for (size_t i = 0; p && name && i < p->n; i++) {
        if (strcmp(p->v[i].name, name) == 0) {
            *paths = (const char *const *)p->v[i].entries;
            *n = p->v[i].n_entries;
            return 0;
        }
    }
    *paths = NULL;
    *n = 0;
    return -1;
}

const char *extract_profile_base(const extract_profiles *p, const char *name)
{
    for (size_t i = 0; p && name && i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return p->v[i].base_url;
    return NULL;
}

static int any_match(const ex_regex *rs, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (regexec(&rs[i].re, s, 0, NULL, 0) == 0)
            return 1;
    return 0;
}

int ex_profile_url_kind(const ex_profile *pr, const char *url)
{
    if (any_match(pr->skip, pr->n_skip, url))
        return EX_LINK_SKIP;
    if (any_match(pr->article, pr->n_article, url))
        return EX_LINK_REPORT;
    if (any_match(pr->list, pr->n_list, url))
        return EX_LINK_LIST;
    return -1;
}

int extract_link_kind(const extract_profiles *p, const char *url)
{
    for (size_t i = 0; p && url && i < p->n; i++) {
        int k = ex_profile_url_kind(&p->v[i], url);
        if (k >= 0)
            return k;
    }
    return EX_LINK_OTHER;
}

xmlXPathObjectPtr ex_xpath_eval(const ex_xpath *x, xmlDocPtr doc)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (ctx == NULL)
        return NULL;
    ctx->error = quiet_xpath_error;
    ctx->node = (xmlNodePtr)doc;
    xmlXPathObjectPtr o = xmlXPathCompiledEval(x->comp, ctx);
    xmlXPathFreeContext(ctx);
    if (o != NULL && (o->type != XPATH_NODESET || o->nodesetval == NULL ||
                      o->nodesetval->nodeNr == 0)) {
        xmlXPathFreeObject(o);
        o = NULL;
    }
    return o;
}

const ex_profile *ex_profile_for(const extract_profiles *p, const char *url,
                                 xmlDocPtr doc)
{
    for (size_t i = 0; i + 1 < p->n; i++)
        if (ex_profile_url_kind(&p->v[i], url) >= 0)
            return &p->v[i];
    for (size_t i = 0; doc != NULL && i + 1 < p->n; i++) {
        for (size_t k = 0; k < p->v[i].n_detect; k++) {
            xmlXPathObjectPtr o = ex_xpath_eval(&p->v[i].detect[k], doc);
            if (o != NULL) {
                xmlXPathFreeObject(o);
                return &p->v[i];
            }
        }
    }
    return &p->v[p->n - 1];
}
