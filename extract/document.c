/*
 * The extract_document's life cycle and its JSON form.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

const char *extract_kind_name(extract_kind k)
{
    switch (k) {
    case EXTRACT_ARTICLE:
        return "article";
    case EXTRACT_INDEX:
        return "index";
    case EXTRACT_FOREIGN:
        return "foreign";
    case EXTRACT_EMPTY:
        return "empty";
    }
    return "unknown";
}

void extract_document_clear(extract_document *d)
{
    if (d == NULL)
        return;
    free(d->profile);
    free(d->url);
    free(d->title);
    free(d->date);
    free(d->date_source);
    free(d->dateline_place);
    free(d->dateline_text);
    free(d->language);
    for (size_t i = 0; i < d->n_paragraphs; i++)
        free(d->paragraphs[i]);
    free(d->paragraphs);
    free(d->text);
    for (size_t i = 0; i < d->n_links; i++)
        free(d->links[i].url);
    free(d->links);
    memset(d, 0, sizeof *d);
}

/* Appends ,"key":value-string (or null). */
static int field(kt_buf *b, const char *key, const char *v)
{
    return kt_buf_printf(b, ",\"%s\":", key) || kt_buf_json_cstr(b, v);
}

char *extract_document_json(const extract_document *d, int with_links)
{
    kt_buf b = {0};
    int bad = kt_buf_puts(&b, "{\"kind\":") ||
              kt_buf_json_cstr(&b, extract_kind_name(d->kind)) ||
              field(&b, "profile", d->profile) || field(&b, "url", d->url) ||
              field(&b, "title", d->title) || field(&b, "date", d->date) ||
              field(&b, "date_source", d->date_source) ||
              field(&b, "dateline_place", d->dateline_place) ||
              field(&b, "dateline_text", d->dateline_text) ||
              field(&b, "language", d->language) ||
              kt_buf_puts(&b, ",\"paragraphs\":[");
    for (size_t i = 0; !bad && i < d->n_paragraphs; i++)
        bad = (i > 0 && kt_buf_puts(&b, ",")) ||
              kt_buf_json_cstr(&b, d->paragraphs[i]);
    bad = bad || kt_buf_puts(&b, "]") || field(&b, "text", d->text);
    if (!bad && with_links) {
        bad = kt_buf_puts(&b, ",\"links\":[");
        for (size_t i = 0; !bad && i < d->n_links; i++)
            bad = kt_buf_puts(&b, i > 0 ? ",{\"url\":" : "{\"url\":") ||
                  kt_buf_json_cstr(&b, d->links[i].url) ||
                  kt_buf_printf(&b, ",\"kind\":%d}", d->links[i].kind);
        bad = bad || kt_buf_puts(&b, "]");
    }
    if (bad || kt_buf_puts(&b, "}")) {
        kt_buf_free(&b);
        return NULL;
    }
    return kt_buf_take(&b);
}
