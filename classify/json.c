/*
 * json.c: a classify result as compact JSON, for the store (which keeps it
 * as the audit record of a document) and for `kcnatrack classify` output.
 */
#include <stdlib.h>

#include "classify_internal.h"
#include "kt_util.h"

/* Contract: appends "name":value for a string that may be NULL. */
static int json_field(kt_buf *b, const char *name, const char *value, int comma)
{
    if (comma && kt_buf_puts(b, ",") != 0)
        return -1;
    if (kt_buf_json_cstr(b, name) != 0 || kt_buf_puts(b, ":") != 0)
        return -1;
    return kt_buf_json_cstr(b, value);
}

static int json_match(kt_buf *b, const classify_match *m)
{
    if (json_field(b, "rule", m->rule_id, 0) || json_field(b, "file", m->file, 1))
        return -1;
    if (kt_buf_printf(b, ",\"line\":%d", m->line))
        return -1;
    if (json_field(b, "key", m->key, 1) || json_field(b, "value", m->value, 1) ||
        json_field(b, "field", classify_field_name(m->field), 1))
        return -1;
    if (kt_buf_printf(b, ",\"start\":%zu,\"end\":%zu", m->start, m->end))
        return -1;
    if (json_field(b, "text", m->text, 1))
        return -1;
    if (kt_buf_printf(b, ",\"weight\":%d,\"decisive\":%s,\"masked\":%s",
                      m->weight, m->decisive ? "true" : "false",
                      m->masked ? "true" : "false"))
        return -1;
    /* only when set, so results of rule sets without resolve lines read
     * as before */
    return m->set_aside ? kt_buf_printf(b, ",\"set_aside\":\"head\"") : 0;
}

/* Contract: see classify.h. Returns NULL only when memory runs out. Tags
 * come in the key order of classify_keys; the mention always lists all its
 * fields, null when unset. */
char *classify_result_json(const classify_result *res)
{
    kt_buf b = {0};
    const classify_mention *mn = &res->mention;
    if (kt_buf_puts(&b, "{\"matches\":["))
        goto oom;
    for (size_t i = 0; i < res->n_matches; i++) {
        if ((i && kt_buf_puts(&b, ",")) || kt_buf_puts(&b, "{") ||
            json_match(&b, &res->matches[i]) || kt_buf_puts(&b, "}"))
            goto oom;
    }
    if (kt_buf_puts(&b, "],\"tags\":{"))
        goto oom;
    for (size_t i = 0; i < res->n_tags; i++)
        if (json_field(&b, res->tags[i].key, res->tags[i].value, i > 0))
            goto oom;
    if (kt_buf_puts(&b, "},\"mention\":{"))
        goto oom;
    if (json_field(&b, "kind", mn->kind, 0) ||
        json_field(&b, "direction", mn->direction, 1) ||
        json_field(&b, "status", mn->status, 1) ||
        json_field(&b, "country", mn->country, 1) ||
        json_field(&b, "location", mn->location, 1) ||
        json_field(&b, "delegation", mn->delegation, 1) ||
        json_field(&b, "actor", mn->actor, 1) ||
        json_field(&b, "dprk_actor", mn->dprk_actor, 1) ||
        json_field(&b, "event_name", mn->event_name, 1) ||
        json_field(&b, "sector", mn->sector, 1) ||
        json_field(&b, "event_date", mn->event_date, 1))
        goto oom;
    if (kt_buf_puts(&b, "}}"))
        goto oom;
    return kt_buf_take(&b);
oom:
    kt_buf_free(&b);
    return NULL;
}
