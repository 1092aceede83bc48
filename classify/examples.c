/*
 * examples.c: rules as tested code. `rules test` runs the examples written
 * under each rule (rules/README.md, "Examples"); `rules check` looks for
 * rules that cost every report a regex run, can never match, or are
 * shadowed by an earlier one. Both return findings as data; the CLI prints
 * them as path:line[:column]: error|warning: message.
 *
 * An example exercises one rule's pattern alone -- its in= field and the
 * masks of other rules do not apply -- so a failure always points at the
 * line to fix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "kt_util.h"

void classify_findings_clear(classify_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].path);
        free(f->v[i].rule_id);
        free(f->v[i].message);
    }
    free(f->v);
    memset(f, 0, sizeof *f);
}

char *classify_finding_format(const classify_finding *x)
{
    kt_buf b = {0};
    kt_buf_printf(&b, "%s:%d", x->path, x->line);
    if (x->column)
        kt_buf_printf(&b, ":%d", x->column);
    kt_buf_printf(&b, ": %s: %s", x->error ? "error" : "warning", x->message);
    if (x->rule_id)
        kt_buf_printf(&b, " (rule %s)", x->rule_id);
    return kt_buf_take(&b);
}

/* Appends a finding about rule ru at line (its own line when 0). Returns 0
 * or -1 when memory ran out. */
static int add(classify_findings *f, const classify_rule *ru, int line,
               int error, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int add(classify_findings *f, const classify_rule *ru, int line,
               int error, const char *fmt, ...)
{
    classify_finding *v = realloc(f->v, (f->n + 1) * sizeof *v);
    if (!v)
        return -1;
    f->v = v;
    classify_finding *x = &f->v[f->n];
    memset(x, 0, sizeof *x);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->path = kt_strdup0(ru->path);
    x->rule_id = kt_strdup0(ru->id);
    x->message = kt_strdup0(msg);
    x->line = line ? line : ru->line;
    x->error = error;
    if (!x->path || !x->rule_id || !x->message) {
        free(x->path);
        free(x->rule_id);
        free(x->message);
        return -1;
    }
    f->n++;
    if (error)
        f->errors++;
    return 0;
}

/* One match of a rule in a text: its span and, per key of the rule, the
 * value it gives (NULL when its group did not take part). */
typedef struct rule_hit {
    size_t start, end;
    char **values; /* owned, ru->n_kvs entries */
} rule_hit;

static void hits_free(rule_hit *h, size_t n, size_t n_kvs)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n_kvs; k++)
            free(h[i].values[k]);
        free(h[i].values);
    }
    free(h);
}

/* All non-overlapping matches of ru in text, as match.c finds them.
 * Returns the count (>= 0) with *out malloc'd, or -1 on OOM or a match
 * fault (limits). */
static long rule_hits(const classify_rules *r, const classify_rule *ru,
                      const char *text, rule_hit **out)
{
    *out = NULL;
    size_t len = strlen(text), at = 0, n = 0;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(ru->code,
                                                                NULL);
    if (!md)
        return -1;
    long rc = 0;
    while (at <= len) {
        int m = pcre2_match(ru->code, (PCRE2_SPTR)text, len, at, 0, md,
                            r->mctx);
        if (m == PCRE2_ERROR_NOMATCH)
            break;
        if (m < 0) {
            rc = -1;
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        rule_hit *nv = realloc(*out, (n + 1) * sizeof *nv);
        if (!nv) {
            rc = -1;
            break;
        }
        *out = nv;
        rule_hit *h = &(*out)[n];
        h->start = ov[0];
        h->end = ov[1];
        h->values = calloc(ru->n_kvs ? ru->n_kvs : 1, sizeof *h->values);
        if (!h->values) {
            rc = -1;
            break;
        }
        n++;
        for (size_t k = 0; k < ru->n_kvs; k++) {
            const classify_kv *kv = &ru->kvs[k];
            if (kv->group < 0) {
                h->values[k] = kt_strdup0(kv->value);
            } else if ((uint32_t)kv->group < (uint32_t)m &&
                       ov[2 * kv->group] != PCRE2_UNSET) {
                size_t s = ov[2 * kv->group], e = ov[2 * kv->group + 1];
                h->values[k] = kt_strndup(text + s, e - s);
            }
        }
        at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    }
    pcre2_match_data_free(md);
    if (rc < 0) {
        hits_free(*out, n, ru->n_kvs);
        *out = NULL;
        return -1;
    }
    return (long)n;
}

/* 1 when some hit gives key the value. */
static int hits_give(const classify_rule *ru, const rule_hit *h, size_t n,
                     const char *key, const char *value)
{
    for (size_t k = 0; k < ru->n_kvs; k++) {
        if (strcmp(ru->kvs[k].key, key) != 0)
            continue;
        for (size_t i = 0; i < n; i++)
            if (h[i].values[k] && strcmp(h[i].values[k], value) == 0)
                return 1;
    }
    return 0;
}

/* Checks one example; appends a finding when it fails. */
static int test_example(const classify_rules *r, const classify_rule *ru,
                        const classify_example *ex, classify_findings *f)
{
    rule_hit *h = NULL;
    long n = rule_hits(r, ru, ex->text, &h);
    int rc = 0;
    if (n < 0)
        rc = add(f, ru, ex->line, 1, "example could not be matched (match "
                 "limit or memory)");
    else if (!ex->positive && n > 0)
        rc = add(f, ru, ex->line, 1, "negative example matched: \"%.*s\"",
                 (int)(h[0].end - h[0].start), ex->text + h[0].start);
    else if (ex->positive && n == 0)
        rc = add(f, ru, ex->line, 1, "positive example did not match");
    for (size_t w = 0; rc == 0 && n > 0 && ex->positive && w < ex->n_want;
         w++) {
        const classify_kv *want = &ex->want[w];
        if (hits_give(ru, h, (size_t)n, want->key, want->value))
            continue;
        /* say what it gave instead */
        const char *got = NULL;
        for (size_t k = 0; k < ru->n_kvs && !got; k++)
            if (!strcmp(ru->kvs[k].key, want->key))
                got = h[0].values[k];
        rc = add(f, ru, ex->line, 1, "example wants %s=%s, the rule gave %s",
                 want->key, want->value, got ? got : "no value");
    }
    if (n > 0)
        hits_free(h, (size_t)n, ru->n_kvs);
    return rc;
}

int classify_rules_test(const classify_rules *r, classify_findings *f)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < r->n_rules; i++) {
        const classify_rule *ru = &r->rules[i];
        int positives = 0;
        for (size_t e = 0; e < ru->n_examples; e++) {
            positives += ru->examples[e].positive;
            f->checked++;
            if (test_example(r, ru, &ru->examples[e], f) < 0)
                goto oom;
        }
        if (!positives &&
            add(f, ru, 0, 1, "no positive example (every rule carries one: "
                "a line '+ \"TEXT\"' under it)") < 0)
            goto oom;
    }
    return 0;
oom:
    classify_findings_clear(f);
    return -1;
}

/* 1 when a literal value of ru is the same key=value as one of o's, i.e.
 * both rules say the same thing when they match. */
static int same_claim(const classify_rule *a, const classify_rule *b)
{
    if (a->n_kvs != b->n_kvs || a->is_mask != b->is_mask)
        return 0;
    for (size_t i = 0; i < a->n_kvs; i++) {
        const classify_kv *x = &a->kvs[i];
        int found = 0;
        for (size_t j = 0; j < b->n_kvs && !found; j++)
            found = x->group < 0 && b->kvs[j].group < 0 &&
                    !strcmp(x->key, b->kvs[j].key) &&
                    !strcmp(x->value, b->kvs[j].value);
        if (!found)
            return 0;
    }
    return 1;
}

/* 1 when every positive example of later is matched by earlier with the
 * same span: earlier already says everything later says. */
static int covers(const classify_rules *r, const classify_rule *earlier,
                  const classify_rule *later)
{
    int any = 0;
    for (size_t e = 0; e < later->n_examples; e++) {
        const classify_example *ex = &later->examples[e];
        if (!ex->positive)
            continue;
        rule_hit *hl = NULL, *he = NULL;
        long nl = rule_hits(r, later, ex->text, &hl);
        long ne = rule_hits(r, earlier, ex->text, &he);
        int ok = nl > 0 && ne > 0;
        for (long i = 0; ok && i < nl; i++) {
            int same = 0;
            for (long j = 0; j < ne && !same; j++)
                same = he[j].start <= hl[i].start && he[j].end >= hl[i].end;
            ok = same;
        }
        if (nl > 0)
            hits_free(hl, (size_t)nl, later->n_kvs);
        if (ne > 0)
            hits_free(he, (size_t)ne, earlier->n_kvs);
        if (!ok)
            return 0;
        any = 1;
    }
    return any;
}

/* 1 when the pattern (its expanded text) can never match: an explicit
 * failure -- (?!), (*FAIL), (*F) -- or a class no character is in
 * ([^\s\S] and the like) on the pattern's top level, where no alternative
 * can go round it. Other impossible patterns are caught by their examples
 * ("matches none of its positive examples"). */
static int cannot_match(const classify_rule *ru)
{
    const char *p = ru->pattern;
    int depth = 0, in_class = 0, alt = 0, fail = 0;
    for (size_t i = 0; p && p[i]; i++) {
        char ch = p[i];
        if (ch == '\\') {
            if (p[i + 1])
                i++;
            continue;
        }
        if (in_class) {
            in_class = ch != ']';
            continue;
        }
        if (ch == '[') {
            static const char *const empty[] = {"[^\\s\\S]", "[^\\S\\s]",
                                                "[^\\d\\D]", "[^\\D\\d]",
                                                "[^\\w\\W]", "[^\\W\\w]"};
            for (size_t k = 0; k < sizeof empty / sizeof empty[0]; k++)
                if (depth == 0 && !strncmp(p + i, empty[k], strlen(empty[k])))
                    fail = 1;
            in_class = 1;
            if (p[i + 1] == ']' || (p[i + 1] == '^' && p[i + 2] == ']'))
                i += p[i + 1] == ']' ? 1 : 2; /* ']' first is literal */
            continue;
        }
        if (ch == '(') {
            if (depth == 0 && (!strncmp(p + i, "(?!)", 4) ||
                               !strncmp(p + i, "(*FAIL)", 7) ||
                               !strncmp(p + i, "(*F)", 4)))
                fail = 1;
            depth++;
        } else if (ch == ')' && depth > 0) {
            depth--;
        } else if (ch == '|' && depth == 0) {
            alt = 1;
        }
    }
    return fail && !alt;
}

int classify_rules_check(const classify_rules *r, classify_findings *f)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < r->n_rules; i++) {
        const classify_rule *ru = &r->rules[i];
        f->checked++;
        if (r->pf.always && r->pf.always[i] &&
            add(f, ru, 0, 0, "no literal of three or more letters the "
                "prefilter can wait for: the pattern runs on every report") <
                0)
            goto oom;
        int positives = 0, matched = 0;
        for (size_t e = 0; e < ru->n_examples; e++) {
            const classify_example *ex = &ru->examples[e];
            if (!ex->positive)
                continue;
            positives++;
            rule_hit *h = NULL;
            long n = rule_hits(r, ru, ex->text, &h);
            if (n > 0) {
                matched++;
                hits_free(h, (size_t)n, ru->n_kvs);
            }
        }
        if (positives && !matched &&
            add(f, ru, 0, 1, "the pattern matches none of its positive "
                "examples: it may never match") < 0)
            goto oom;
        if (!positives && cannot_match(ru) &&
            add(f, ru, 0, 1, "the pattern can never match") < 0)
            goto oom;
        for (size_t j = 0; j < i; j++) {
            const classify_rule *o = &r->rules[j];
            if ((o->where & ru->where) != ru->where || !same_claim(o, ru) ||
                !covers(r, o, ru))
                continue;
            if (add(f, ru, 0, 0, "shadowed by %s (%s:%d): it sets the same "
                    "values and matches every example of this rule", o->id,
                    o->path, o->line) < 0)
                goto oom;
            break;
        }
    }
    return 0;
oom:
    classify_findings_clear(f);
    return -1;
}

size_t classify_rules_example_count(const classify_rules *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_rules; i++)
        n += r->rules[i].n_examples;
    return n;
}

const char *classify_rule_id(const classify_rules *r, size_t i)
{
    return r->rules[i].id;
}

const char *classify_rule_file(const classify_rules *r, size_t i)
{
    return r->rules[i].file;
}

int classify_rule_line(const classify_rules *r, size_t i)
{
    return r->rules[i].line;
}

int classify_rule_is_mask(const classify_rules *r, size_t i)
{
    return r->rules[i].is_mask;
}

size_t classify_rules_file_count(const classify_rules *r)
{
    return r->n_files;
}

const char *classify_rules_file_name(const classify_rules *r, size_t i)
{
    return r->files[i];
}

const char *classify_rules_file_text(const classify_rules *r, size_t i)
{
    return r->texts ? r->texts[i] : NULL;
}

const char *classify_rule_pattern(const classify_rules *r, size_t i)
{
    return r->rules[i].pattern;
}

char *classify_rule_source(const classify_rules *r, size_t i)
{
    const classify_rule *ru = &r->rules[i];
    for (size_t f = 0; f < r->n_files; f++) {
        if (r->paths[f] != ru->path || !r->texts || !r->texts[f])
            continue;
        const char *p = r->texts[f];
        for (int line = 1; line < ru->line && p; line++) {
            p = strchr(p, '\n');
            if (p)
                p++;
        }
        if (!p)
            return NULL;
        size_t n = strcspn(p, "\r\n");
        return kt_strndup(p, n);
    }
    return NULL;
}
