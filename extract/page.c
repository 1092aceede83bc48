/*
 * extract_page: one fetched page to an extract_document. Decides the
 * charset, parses with libxml2's HTML parser, picks the site profile, reads
 * title, date and body through the profile's XPaths, cleans the paragraphs
 * with the profile's drop/trim patterns, finds the dateline, tells the page
 * kind and language, and lists the links. Site knowledge lives only in the
 * profiles.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/uri.h>

#include "extract_int.h"

/* Share of a text's bytes inside links above which a page is a list. */
#define LINKY_SHARE 0.5
/* Fewest links a page needs before it can count as a list. */
#define LINKY_MIN_ANCHORS 3
/* Fewest stop words before a text counts as written in a language. */
#define LANG_MIN_HITS 3

/* 1 when libxml2 (built-in or iconv) can decode the named charset. */
static int charset_known(const char *name)
{
    xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(name);
    if (h == NULL)
        return 0;
    xmlCharEncCloseFunc(h);
    return 1;
}

/* The charset a <meta charset=...> or <meta http-equiv ... content="...;
 * charset=..."> in the first 4 KiB declares, copied into buf. */
static int meta_charset(const unsigned char *b, size_t n, char *buf,
                        size_t cap)
{
    if (n > 4096)
        n = 4096;
    for (size_t i = 0; i + 5 < n; i++) {
        if (b[i] != '<' || strncasecmp((const char *)b + i + 1, "meta", 4))
            continue;
        size_t end = i + 5;
        while (end < n && b[end] != '>')
            end++;
        for (size_t k = i + 5; k + 7 <= end; k++) {
            if (strncasecmp((const char *)b + k, "charset", 7) != 0)
                continue;
            size_t j = k + 7;
            while (j < end && b[j] == ' ')
                j++;
            if (j >= end || b[j] != '=')
                continue;
            j++;
            while (j < end && (b[j] == ' ' || b[j] == '"' || b[j] == '\''))
                j++;
            size_t m = 0;
            while (j + m < end && m + 1 < cap &&
                   (isalnum(b[j + m]) || strchr("-_.:", b[j + m])))
                m++;
            if (m == 0)
                continue;
            memcpy(buf, b + j, m);
            buf[m] = '\0';
            return 0;
        }
    }
    return -1;
}

static int valid_utf8(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = b[i];
        size_t k = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2
                 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4
                 : 0;
        if (k == 0 || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((b[i + j] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

/* HTTP charset, else <meta>, else UTF-8 when the bytes are valid UTF-8,
 * else ISO-8859-1. Names libxml2 cannot decode are passed over. */
static const char *choose_charset(const char *http, const unsigned char *b,
                                  size_t n, char *buf, size_t cap)
{
    if (http != NULL && *http && charset_known(http))
        return http;
    if (meta_charset(b, n, buf, cap) == 0 && charset_known(buf))
        return buf;
    return valid_utf8(b, n) ? "UTF-8" : "ISO-8859-1";
}

/* The text of the first node of the first title XPath that has any. */
static char *read_title(const ex_profile *pr, xmlDocPtr doc, int *oom)
{
    for (size_t i = 0; i < pr->n_title; i++) {
        xmlXPathObjectPtr o = ex_xpath_eval(&pr->title[i], doc);
        if (o == NULL)
            continue;
        for (int k = 0; k < o->nodesetval->nodeNr; k++) {
            char *t = ex_node_line(o->nodesetval->nodeTab[k], NULL);
            if (t == NULL)
                *oom = 1;
            if (t && *t) {
                xmlXPathFreeObject(o);
                return t;
            }
            free(t);
        }
        xmlXPathFreeObject(o);
    }
    return NULL;
}

/* meta tags are metadata; anything else on the page is the page's date. */
static const char *date_source_of(const xmlNode *n)
{
    if (n->type == XML_ATTRIBUTE_NODE)
        n = n->parent;
    return (n && n->name && strcmp((const char *)n->name, "meta") == 0)
               ? "meta" : "page";
}

/* The profile's date lines in order; returns 0 with out/source set. */
static int read_date(const ex_profile *pr, xmlDocPtr doc, char out[11],
                     const char **source)
{
    for (size_t i = 0; i < pr->n_date; i++) {
        xmlXPathObjectPtr o = ex_xpath_eval(&pr->date[i].xp, doc);
        if (o == NULL)
            continue;
        for (int k = 0; k < o->nodesetval->nodeNr; k++) {
            const xmlNode *n = o->nodesetval->nodeTab[k];
            char *t = ex_node_line(n, NULL);
            int ok = t && ex_parse_date(t, pr->date[i].format, out) == 0;
            free(t);
            if (ok) {
                *source = date_source_of(n);
                xmlXPathFreeObject(o);
                return 0;
            }
        }
        xmlXPathFreeObject(o);
    }
    return -1;
}

static int ptr_cmp(const void *a, const void *b)
{
    const xmlNode *x = *(const xmlNode *const *)a;
    const xmlNode *y = *(const xmlNode *const *)b;
    return (x > y) - (x < y);
}

/* Every element the profile's remove XPaths select (the root element and
 * <body> excepted: removing them would remove the page). */
static int build_skipset(const ex_profile *pr, xmlDocPtr doc, ex_skipset *s)
{
    size_t cap = 0;
    for (size_t i = 0; i < pr->n_remove; i++) {
        xmlXPathObjectPtr o = ex_xpath_eval(&pr->remove[i], doc);
        if (o == NULL)
            continue;
        for (int k = 0; k < o->nodesetval->nodeNr; k++) {
            const xmlNode *n = o->nodesetval->nodeTab[k];
            if (n->type != XML_ELEMENT_NODE || n == xmlDocGetRootElement(doc)
                || strcmp((const char *)n->name, "body") == 0)
                continue;
            if (s->n == cap) {
                cap = cap ? cap * 2 : 32;
                const xmlNode **v = realloc(s->v, cap * sizeof *v);
                if (v == NULL) {
                    xmlXPathFreeObject(o);
                    return -1;
                }
                s->v = v;
            }
            s->v[s->n++] = n;
        }
        xmlXPathFreeObject(o);
    }
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, ptr_cmp);
    return 0;
}

/* 1 when an ancestor of n is among the sorted nodes sel[0..n_sel). */
static int ancestor_selected(const xmlNode *n, const xmlNode **sel,
                             size_t n_sel)
{
    for (const xmlNode *a = n->parent; a; a = a->parent)
        if (bsearch(&a, sel, n_sel, sizeof *sel, ptr_cmp))
            return 1;
    return 0;
}

/* Walks every node of o (skipping ones inside another selected node, so a
 * container and its <p> do not both count) into ps. */
static int walk_nodeset(xmlXPathObjectPtr o, const ex_skipset *skip,
                        ex_paras *ps, size_t *link_chars, size_t *anchors)
{
    int n = o->nodesetval->nodeNr;
    const xmlNode **sel = malloc((size_t)n * sizeof *sel);
    if (sel == NULL)
        return -1;
    for (int k = 0; k < n; k++)
        sel[k] = o->nodesetval->nodeTab[k];
    qsort(sel, (size_t)n, sizeof *sel, ptr_cmp);
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        const xmlNode *node = o->nodesetval->nodeTab[k];
        if (ex_skipset_contains(skip, node) ||
            ancestor_selected(node, sel, (size_t)n))
            continue;
        rc = ex_walk_text(node, skip, ps, link_chars, anchors);
    }
    free(sel);
    return rc;
}

/* Body paragraphs: the first body XPath that yields text, else (with
 * "body auto") the densest block. */
static int read_body(const ex_profile *pr, xmlDocPtr doc,
                     const ex_skipset *skip, ex_paras *ps,
                     size_t *link_chars, size_t *anchors)
{
    for (size_t i = 0; i < pr->n_body && ps->n == 0; i++) {
        xmlXPathObjectPtr o = ex_xpath_eval(&pr->body[i], doc);
        if (o == NULL)
            continue;
        *link_chars = *anchors = 0;
        int rc = walk_nodeset(o, skip, ps, link_chars, anchors);
        xmlXPathFreeObject(o);
        if (rc != 0)
            return -1;
    }
    if (ps->n == 0 && pr->body_auto) {
        const xmlNode *b = ex_densest_block((const xmlNode *)doc, skip);
        *link_chars = *anchors = 0;
        if (b && ex_walk_text(b, skip, ps, link_chars, anchors) != 0)
            return -1;
    }
    return 0;
}

static int any_match(const ex_regex *rs, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (regexec(&rs[i].re, s, 0, NULL, 0) == 0)
            return 1;
    return 0;
}

/* Applies body-from, drop and trim (see rules/sites/README.md). */
static void clean_body(const ex_profile *pr, ex_paras *ps)
{
    if (pr->body_from_dateline) {
        for (size_t i = 0; i < ps->n; i++) {
            if (ex_dateline(ps->v[i], NULL, NULL, NULL, NULL, NULL, NULL))
                continue;
            while (i-- > 0)
                ex_paras_remove(ps, 0);
            break;
        }
    }
    for (size_t i = 0; i < ps->n;) {
        if (any_match(pr->drop, pr->n_drop, ps->v[i]))
            ex_paras_remove(ps, i);
        else
            i++;
    }
    /* Trailing markers ("-0-", the source stamp) may stack, and may sit on
     * their own line or at the end of the last paragraph. */
    for (int changed = 1; changed && ps->n > 0;) {
        changed = 0;
        char *last = ps->v[ps->n - 1];
        size_t len = strlen(last);
        for (size_t k = 0; k < pr->n_trim && !changed; k++) {
            regmatch_t m;
            if (regexec(&pr->trim[k].re, last, 1, &m, 0) != 0 ||
                (size_t)m.rm_eo != len)
                continue;
            size_t cut = (size_t)m.rm_so;
            while (cut > 0 && last[cut - 1] == ' ')
                cut--;
            last[cut] = '\0';
            changed = 1;
            if (cut == 0)
                ex_paras_remove(ps, ps->n - 1);
        }
    }
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The language whose stop words text uses most, if it beats English by the
 * margin LANG_MIN_HITS requires; "en" otherwise. */
static const char *detect_language(const extract_profiles *p, const char *text)
{
    size_t hits[16] = {0};
    size_t nl = p->n_langs < 16 ? p->n_langs : 16, words = 0;
    char w[32];
    for (const char *s = text; *s && words < 3000;) {
        size_t n = 0;
        while (*s && !(isalpha((unsigned char)*s) || (unsigned char)*s >= 0x80))
            s++;
        while (*s && (isalpha((unsigned char)*s) || (unsigned char)*s >= 0x80)) {
            if (n + 1 < sizeof w)
                w[n++] = (char)tolower((unsigned char)*s);
            s++;
        }
        if (n == 0)
            break;
        w[n] = '\0';
        words++;
        const char *key = w;
        for (size_t i = 0; i < nl; i++)
            if (bsearch(&key, p->langs[i].words, p->langs[i].n_words,
                        sizeof(char *), str_ptr_cmp))
                hits[i]++;
    }
    size_t en = 0, best = nl;
    for (size_t i = 0; i < nl; i++)
        if (strcmp(p->langs[i].code, "en") == 0)
            en = hits[i];
    for (size_t i = 0; i < nl; i++)
        if (strcmp(p->langs[i].code, "en") != 0 && hits[i] >= LANG_MIN_HITS &&
            hits[i] > en && (best == nl || hits[i] > hits[best]))
            best = i;
    return best == nl ? "en" : p->langs[best].code;
}

/* Length of "scheme://host[:port]" at the start of url, or 0. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL)
        return 0;
    return (size_t)(p + 3 - url) + strcspn(p + 3, "/?#");
}

static int same_origin(const char *a, const char *b)
{
    size_t n = origin_len(a);
    return n > 0 && n == origin_len(b) && strncasecmp(a, b, n) == 0;
}

typedef struct link_list {
    extract_link *v;
    size_t n, cap;
} link_list;

/* Adds url (taken) unless it is already listed. -1 on OOM. */
static int add_link(link_list *l, char *url, int kind)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].url, url) == 0) {
            free(url);
            return 0;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        extract_link *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            free(url);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].url = url;
    l->v[l->n].kind = kind;
    l->n++;
    return 0;
}

/* href resolved against base, fragment dropped; NULL for non-HTTP targets
 * (mailto:, javascript: ...) or what cannot be resolved. malloc'd. */
static char *resolve(const char *href, const char *base)
{
    while (isspace((unsigned char)*href))
        href++;
    size_t n = strlen(href);
    while (n > 0 && isspace((unsigned char)href[n - 1]))
        n--;
    if (n == 0 || href[0] == '#')
        return NULL;
    char *h = kt_strndup(href, n);
    if (h == NULL)
        return NULL;
    xmlChar *abs = xmlBuildURI((const xmlChar *)h, (const xmlChar *)base);
    free(h);
    if (abs == NULL)
        return NULL;
    char *out = NULL;
    const char *a = (const char *)abs;
    if (strncasecmp(a, "http://", 7) == 0 || strncasecmp(a, "https://", 8) == 0)
        out = kt_strndup(a, strcspn(a, "#"));
    xmlFree(abs);
    return out;
}

typedef struct link_ctx {
    const extract_profiles *p;
    const char *base;
    const char *page;
    link_list *out;
    int oom;
} link_ctx;

static void collect_links(link_ctx *c, const xmlNode *n)
{
    for (const xmlNode *e = n->children; e && !c->oom; e = e->next) {
        if (e->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)e->name, "a") == 0) {
            xmlChar *href = xmlGetProp(e, (const xmlChar *)"href");
            char *url = href ? resolve((const char *)href, c->base) : NULL;
            xmlFree(href);
            if (url != NULL) {
                int kind = extract_link_kind(c->p, url);
                /* Off-site links the profiles do not know are noise. */
                if (kind == EX_LINK_OTHER && !same_origin(url, c->page))
                    free(url);
                else if (add_link(c->out, url, kind) != 0)
                    c->oom = 1;
            }
        }
        collect_links(c, e);
    }
}

/* The document's <base href>, resolved against the page URL (malloc'd), or
 * a copy of the page URL. */
static char *base_url(xmlDocPtr doc, const char *url)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    char *out = NULL;
    if (ctx != NULL) {
        xmlXPathObjectPtr o =
            xmlXPathEvalExpression((const xmlChar *)"//base/@href", ctx);
        if (o && o->type == XPATH_NODESET && o->nodesetval &&
            o->nodesetval->nodeNr > 0) {
            xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
            if (v)
                out = resolve((const char *)v, url);
            xmlFree(v);
        }
        xmlXPathFreeObject(o);
        xmlXPathFreeContext(ctx);
    }
    return out ? out : kt_strdup0(url);
}

static char *join_paras(const ex_paras *ps, const char *sep)
{
    kt_buf b = {0};
    for (size_t i = 0; i < ps->n; i++)
        if ((i > 0 && kt_buf_puts(&b, sep)) || kt_buf_puts(&b, ps->v[i])) {
            kt_buf_free(&b);
            return NULL;
        }
    return kt_buf_take(&b);
}

static int linky(size_t link_chars, size_t anchors, size_t total)
{
    return anchors >= LINKY_MIN_ANCHORS && total > 0 &&
           (double)link_chars >= LINKY_SHARE * (double)total;
}

static size_t total_len(const ex_paras *ps)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->n; i++)
        n += strlen(ps->v[i]);
    return n;
}

/* Fills date/date_source by the chain: profile date lines, a stamp on the
 * page, YYYYMMDD in the URL, the dateline with the year from the URL, then
 * from the page text. */
static int fill_date(extract_document *d, const ex_profile *pr, xmlDocPtr doc,
                     const char *page_text, int month, int day)
{
    char out[11];
    const char *src = NULL;
    int y = 0;
    if (doc == NULL || read_date(pr, doc, out, &src) != 0) {
        if (extract_parse_stamp_date(page_text, out) == 0)
            src = "page";
        else if (ex_url_date(d->url, out) == 0)
            src = "url";
        else if (month > 0 && (y = ex_url_year(d->url)) > 0 &&
                 ex_format_date(y, month, day, out) == 0)
            src = "dateline";
        else if (month > 0 && (y = ex_text_year(page_text)) > 0 &&
                 ex_format_date(y, month, day, out) == 0)
            src = "dateline";
        else
            return 0;
    }
    d->date = kt_strdup0(out);
    d->date_source = kt_strdup0(src);
    return (d->date && d->date_source) ? 0 : -1;
}

/* Everything after the parse; doc may be NULL for an empty body. */
static int build_document(const extract_profiles *p, const ex_profile *pr,
                          xmlDocPtr doc, extract_document *d)
{
    ex_skipset skip = {0};
    ex_paras body = {0}, page = {0};
    size_t body_links = 0, body_anchors = 0, page_links = 0, page_anchors = 0;
    char *page_text = NULL;
    int oom = 0, month = 0, day = 0;
    int url_kind = ex_profile_url_kind(pr, d->url);

    if (doc != NULL) {
        d->title = read_title(pr, doc, &oom);
        if (build_skipset(pr, doc, &skip) != 0 ||
            read_body(pr, doc, &skip, &body, &body_links, &body_anchors) ||
            ex_walk_text((const xmlNode *)doc, &skip, &page, &page_links,
                         &page_anchors))
            oom = 1;
        clean_body(pr, &body);
    }
    page_text = join_paras(&page, "\n");
    d->text = join_paras(&body, "\n");
    if (page_text == NULL || d->text == NULL)
        oom = 1;

    if (!oom && body.n > 0) {
        size_t off, len;
        if (ex_dateline(body.v[0], &d->dateline_place, &month, &day, NULL,
                        &off, &len) == 0 &&
            (d->dateline_text = kt_strndup(body.v[0] + off, len)) == NULL)
            oom = 1;
    }
    if (!oom)
        oom = fill_date(d, pr, doc, page_text, month, day) != 0;
    d->language = kt_strdup0(
        detect_language(p, body.n ? d->text : (page_text ? page_text : "")));

    /* The URL's word comes first: a day list of Spanish headlines is
     * still a list, and a -NNsp.html story is foreign whatever it says. */
    if (url_kind == EX_LINK_SKIP)
        d->kind = EXTRACT_FOREIGN;
    else if (url_kind == EX_LINK_LIST)
        d->kind = EXTRACT_INDEX;
    else if (body.n > 0 && d->language && strcmp(d->language, "en") != 0)
        d->kind = EXTRACT_FOREIGN;
    else if ((body.n > 0 &&
              linky(body_links, body_anchors, total_len(&body))) ||
             (body.n == 0 &&
              linky(page_links, page_anchors, total_len(&page))))
        d->kind = EXTRACT_INDEX;
    else if (body.n == 0)
        d->kind = EXTRACT_EMPTY;
    else
        d->kind = EXTRACT_ARTICLE;

    if (d->kind == EXTRACT_INDEX) {
        /* A list page's text is its links' titles, not a story. */
        ex_paras_free(&body);
        free(d->text);
        d->text = kt_strdup0("");
        free(d->dateline_place);
        free(d->dateline_text);
        d->dateline_place = d->dateline_text = NULL;
    }
    d->paragraphs = body.v;
    d->n_paragraphs = body.n;
    free(page_text);
    ex_paras_free(&page);
    free(skip.v);
    if (d->title == NULL)
        d->title = kt_strdup0("");
    return (oom || d->language == NULL || d->title == NULL || d->text == NULL)
               ? -1 : 0;
}

static int is_blank_page(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace(b[i]))
            return 0;
    return 1;
}

static int set_err(char **err, const char *url, const char *what)
{
    kt_buf b = {0};
    kt_buf_printf(&b, "%s: %s", url ? url : "(no URL)", what);
    *err = kt_buf_take(&b);
    return -1;
}

int extract_page(const extract_profiles *p, const char *url,
                 const char *charset, const unsigned char *body, size_t len,
                 extract_document *out, char **err)
{
    char cs_buf[64];
    memset(out, 0, sizeof *out);
    *err = NULL;
    if (p == NULL || url == NULL || (body == NULL && len > 0))
        return set_err(err, url, "extract_page: missing argument");
    if (len > 0x7fffffff)
        return set_err(err, url, "page too large to parse");
    if ((out->url = kt_strndup(url, strcspn(url, "#"))) == NULL)
        return set_err(err, url, "out of memory");

    xmlDocPtr doc = NULL;
    if (!is_blank_page(body, len)) {
        const char *cs = choose_charset(charset, body, len, cs_buf,
                                        sizeof cs_buf);
        doc = htmlReadMemory((const char *)body, (int)len, out->url, cs,
                             HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                             HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                             HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
        if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
            xmlFreeDoc(doc);
            extract_document_clear(out);
            return set_err(err, url, "cannot parse the page as HTML");
        }
    }
    const ex_profile *pr = ex_profile_for(p, out->url, doc);
    int rc = (out->profile = kt_strdup0(pr->name)) == NULL ? -1
             : build_document(p, pr, doc, out);
    if (rc == 0 && doc != NULL) {
        link_list links = {0};
        link_ctx c = {.p = p, .page = out->url, .out = &links};
        char *base = base_url(doc, out->url);
        c.base = base;
        if (base == NULL)
            rc = -1;
        else
            collect_links(&c, (const xmlNode *)doc);
        free(base);
        out->links = links.v;
        out->n_links = links.n;
        if (c.oom)
            rc = -1;
    }
    xmlFreeDoc(doc);
    if (rc != 0) {
        extract_document_clear(out);
        return set_err(err, url, "out of memory");
    }
    return 0;
}
