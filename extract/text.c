/*
 * HTML tree to text. xmlNodeGetContent glues text across <br> and block
 * boundaries, so we walk the tree ourselves: block elements and <br> end a
 * paragraph, inline elements (span, nobr, b, i, a, font ...) never split a
 * word. Output is whitespace-collapsed, NBSP-folded, valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

void ex_paras_free(ex_paras *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        free(ps->v[i]);
    free(ps->v);
    memset(ps, 0, sizeof *ps);
}

int ex_paras_push(ex_paras *ps, char *s)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        char **v = realloc(ps->v, cap * sizeof *v);
        if (v == NULL) {
            free(s);
            return -1;
        }
        ps->v = v;
        ps->cap = cap;
    }
    ps->v[ps->n++] = s;
    return 0;
}

void ex_paras_remove(ex_paras *ps, size_t i)
{
    free(ps->v[i]);
    memmove(&ps->v[i], &ps->v[i + 1], (ps->n - i - 1) * sizeof *ps->v);
    ps->n--;
}

static int ptr_cmp(const void *a, const void *b)
{
    const xmlNode *x = *(const xmlNode *const *)a;
    const xmlNode *y = *(const xmlNode *const *)b;
    return (x > y) - (x < y);
}

int ex_skipset_contains(const ex_skipset *s, const xmlNode *n)
{
    return s != NULL && s->n > 0 &&
           bsearch(&n, s->v, s->n, sizeof *s->v, ptr_cmp) != NULL;
}

static int name_in(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (strcmp((const char *)n->name, *names) == 0)
            return 1;
    return 0;
}

/* Never text: their content is code, metadata or form chrome. */
static int is_hidden(const xmlNode *n)
{
    static const char *const v[] = {"script", "style", "noscript",
        "template", "head", "title", "select", "iframe", "object", "svg",
        "button", NULL};
    return name_in(n, v);
}

static int is_block(const xmlNode *n)
{
    static const char *const v[] = {"p", "div", "li", "ul", "ol", "dl",
        "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
        "tbody", "thead", "tfoot", "caption", "blockquote", "section",
        "article", "header", "footer", "nav", "aside", "main", "pre", "hr",
        "form", "center", "address", "figure", "figcaption", "fieldset",
        "body", "html", NULL};
    return name_in(n, v);
}

/* Table cells separate words but do not end a paragraph. */
static int is_cell(const xmlNode *n)
{
    static const char *const v[] = {"td", "th", NULL};
    return name_in(n, v);
}

typedef struct walker {
    ex_paras *ps;
    const ex_skipset *skip;
    kt_buf cur;        /* the paragraph being built */
    int space;         /* a blank is pending before the next visible char */
    int in_a;          /* inside an <a> */
    size_t link_chars; /* bytes kept from inside <a> */
    size_t anchors;    /* <a> elements that added text */
    int oom;
} walker;

/* Length of the UTF-8 sequence at s (valid, shortest form, no surrogates)
 * or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* Blank for our purposes: ASCII space and controls, NBSP, the Unicode
 * spaces U+2000..U+200B, U+202F, U+205F, U+3000 and the BOM. */
static int is_blank(const unsigned char *s, size_t n)
{
    if (n == 1)
        return s[0] <= 0x20 || s[0] == 0x7F;
    if (n == 2)
        return s[0] == 0xC2 && s[1] == 0xA0;
    if (n == 3) {
        unsigned cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) |
                      (s[2] & 0x3Fu);
        return (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F ||
               cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
    }
    return 0;
}

static void emit(walker *w, const char *text)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        size_t n = utf8_len(s);
        const void *out = s;
        size_t out_n = n;
        if (n == 0) {
            out = replacement;
            out_n = 3;
            n = 1;
        } else if (is_blank(s, n)) {
            w->space = 1;
            s += n;
            continue;
        }
        if (w->space && w->cur.len > 0 && kt_buf_append(&w->cur, " ", 1))
            w->oom = 1;
        w->space = 0;
        if (kt_buf_append(&w->cur, out, out_n))
            w->oom = 1;
        if (w->in_a)
            w->link_chars += out_n;
        s += n;
    }
}

static void end_paragraph(walker *w)
{
    w->space = 0;
    if (w->cur.len == 0)
        return;
    char *s = kt_buf_take(&w->cur);
    if (s == NULL || ex_paras_push(w->ps, s) != 0)
        w->oom = 1;
}

static void walk(walker *w, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c != NULL && !w->oom; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content)
                emit(w, (const char *)c->content);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE || c->name == NULL ||
            ex_skipset_contains(w->skip, c) || is_hidden(c))
            continue;
        if (strcmp((const char *)c->name, "br") == 0) {
            end_paragraph(w);
        } else if (is_block(c)) {
            end_paragraph(w);
            walk(w, c);
            end_paragraph(w);
        } else if (is_cell(c)) {
            w->space = 1;
            walk(w, c);
            w->space = 1;
        } else if (strcmp((const char *)c->name, "a") == 0) {
            size_t before = w->link_chars;
            w->in_a++;
            walk(w, c);
            w->in_a--;
            if (w->link_chars > before)
                w->anchors++;
        } else {
            walk(w, c);
        }
    }
}

int ex_walk_text(const xmlNode *node, const ex_skipset *skip, ex_paras *ps,
                 size_t *link_chars, size_t *n_anchors)
{
    walker w = {.ps = ps, .skip = skip};
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
        if (node->content)
            emit(&w, (const char *)node->content);
    } else if (node->type == XML_ATTRIBUTE_NODE) {
        xmlChar *v = xmlNodeGetContent(node);
        if (v) {
            emit(&w, (const char *)v);
            xmlFree(v);
        }
    } else {
        walk(&w, node);
    }
    end_paragraph(&w);
    kt_buf_free(&w.cur);
    if (link_chars)
        *link_chars += w.link_chars;
    if (n_anchors)
        *n_anchors += w.anchors;
    return w.oom ? -1 : 0;
}

char *ex_node_line(const xmlNode *node, const ex_skipset *skip)
{
    ex_paras ps = {0};
    kt_buf b = {0};
    int bad = ex_walk_text(node, skip, &ps, NULL, NULL) != 0;
    for (size_t i = 0; i < ps.n && !bad; i++)
        if ((i > 0 && kt_buf_puts(&b, " ")) || kt_buf_puts(&b, ps.v[i]))
            bad = 1;
    ex_paras_free(&ps);
    if (bad) {
        kt_buf_free(&b);
        return NULL;
    }
    return kt_buf_take(&b);
}

/* Non-blank bytes of text under n, skipping what the walker skips. */
static size_t text_weight(const xmlNode *n, const ex_skipset *skip)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        size_t k = 0;
        for (const unsigned char *s = n->content; s && *s; s++)
            k += *s > 0x20;
        return k;
    }
    if (n->type != XML_ELEMENT_NODE || ex_skipset_contains(skip, n) ||
        is_hidden(n))
        return 0;
    size_t k = 0;
    for (const xmlNode *c = n->children; c; c = c->next)
        k += text_weight(c, skip);
    return k;
}

/* Paragraph text an element holds itself: its <p> children, its own text
 * and inline children (bodies written as text with <br><br>), but not the
 * text of nested containers, which are scored on their own. */
static size_t own_paragraph_weight(const xmlNode *n, const ex_skipset *skip)
{
    size_t k = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && c->name &&
            strcmp((const char *)c->name, "p") != 0 &&
            (is_block(c) || is_cell(c)))
            continue;
        k += text_weight(c, skip);
    }
    return k;
}

static void densest(const xmlNode *n, const ex_skipset *skip,
                    const xmlNode **best, size_t *best_w)
{
    static const char *const containers[] = {"div", "article", "section",
        "main", "td", "body", "blockquote", "center", "font", NULL};
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || c->name == NULL ||
            ex_skipset_contains(skip, c) || is_hidden(c))
            continue;
        if (name_in(c, containers)) {
            size_t w = own_paragraph_weight(c, skip);
            if (w > *best_w) {
                *best_w = w;
                *best = c;
            }
        }
        densest(c, skip, best, best_w);
    }
}

const xmlNode *ex_densest_block(const xmlNode *root, const ex_skipset *skip)
{
    const xmlNode *best = NULL;
    size_t best_w = 0;
    densest(root, skip, &best, &best_w);
    return best;
}
