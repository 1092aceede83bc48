/*
 * rules_load.c: reads the rules/NAME.rules files (format in rules/README.md),
 * expands {MACRO} references, compiles each pattern once with JIT, and
 * builds the literal prefilter. Every problem becomes file:line:column:
 * message, the column pointing at the offending token, so analysts can fix
 * rules without reading C.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"
#include "kt_util.h"


typedef struct load_macro {
    char *name;        /* owned */
    char *text;        /* owned, already expanded */
    const char *path;  /* where it was defined, points into rules->paths */
    int line;
} load_macro;

/* Everything loading needs besides the rules object itself. */
typedef struct load_ctx {
    classify_rules *r;
    load_macro *macros; /* owned array */
    size_t n_macros, cap_macros;
    size_t cap_rules;
    char **patterns;    /* owned: expanded pattern per rule, for prefilter */
    int *extended;      /* owned: x flag per rule */
    size_t *ids;        /* owned: open-addressing set of rule index + 1
                         * (0 = empty slot), keyed by rule ID, so duplicate
                         * IDs are found in constant time per rule */
    size_t cap_ids;     /* slots in ids: 0 or a power of two */
    classify_error *err;
} load_ctx;

/* Contract: 1-based column of byte pos in line, counting UTF-8 characters
 * (continuation bytes do not advance it) so editors agree with us. */
static int load_column(const char *line, size_t pos)
{
    int col = 1;
    for (size_t i = 0; i < pos; i++)
        if (((unsigned char)line[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static int load_is_space(char c) { return c == ' ' || c == '\t'; }

static int load_is_upper_name(const char *s, size_t n)
{
    if (n == 0 || !(s[0] >= 'A' && s[0] <= 'Z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return 1;
}

static const load_macro *load_find_macro(const load_ctx *c, const char *s,
                                         size_t n)
{
    for (size_t i = 0; i < c->n_macros; i++)
        if (strlen(c->macros[i].name) == n &&
            memcmp(c->macros[i].name, s, n) == 0)
            return &c->macros[i];
    return NULL;
}

/* Contract: appends src[0..n) to out with every {NAME} replaced by its
 * macro's text. src sits at byte base of line. When map is non-NULL it
 * receives, per output byte, the line position it came from (the '{' of
 * the reference for macro text) and must hold room for the output; the
 * caller sizes it by a first pass with map == NULL. A backslash protects the
 * next byte, so \{ stays literal. Returns 0, or -1 with c->err set
 * (undefined macro, OOM). */
static int load_expand(load_ctx *c, const char *path, int line_no,
                       const char *line, size_t base, size_t n, kt_buf *out,
                       size_t *map)
{
    const char *src = line + base;
    for (size_t i = 0; i < n;) {
        if (src[i] == '\\' && i + 1 < n) {
            if (map) {
                map[out->len] = base + i;
                map[out->len + 1] = base + i + 1;
            }
            if (kt_buf_append(out, src + i, 2) != 0)
                goto oom;
            i += 2;
            continue;
        }
        if (src[i] == '{') {
            size_t j = i + 1;
            while (j < n && src[j] != '}' && j - i < 64)
                j++;
            if (j < n && src[j] == '}' &&
                load_is_upper_name(src + i + 1, j - i - 1)) {
                const load_macro *m = load_find_macro(c, src + i + 1, j - i - 1);
                if (!m)
                    return classify_fail(c->err, path, line_no,
                                         load_column(line, base + i),
                                         "undefined macro {%.*s}",
                                         (int)(j - i - 1), src + i + 1);
                size_t tl = strlen(m->text);
                if (map)
                    for (size_t k = 0; k < tl; k++)
                        map[out->len + k] = base + i;
                if (kt_buf_append(out, m->text, tl) != 0)
                    goto oom;
                i = j + 1;
                continue;
            }
        }
        if (map)
            map[out->len] = base + i;
        if (kt_buf_append(out, src + i, 1) != 0)
            goto oom;
        i++;
    }
    if (!out->data && kt_buf_append(out, "", 0) != 0)
        goto oom;
    return 0;
oom:
    return classify_fail(c->err, path, line_no, 0, "out of memory");
}

/* Contract: handles "define NAME TEXT" (line already known to start with
 * the word define at pos). Returns 0 or -1 with c->err set. */
static int load_define(load_ctx *c, const char *path, int line_no,
                       const char *line, size_t len, size_t pos)
{
    while (pos < len && load_is_space(line[pos]))
        pos++;
    size_t ns = pos;
    while (pos < len && !load_is_space(line[pos]))
        pos++;
    if (pos == ns)
        return classify_fail(c->err, path, line_no, load_column(line, ns),
                             "define needs a NAME and a TEXT");
    if (!load_is_upper_name(line + ns, pos - ns))
        return classify_fail(c->err, path, line_no, load_column(line, ns),
                             "bad macro name '%.*s' (want [A-Z][A-Z0-9_]*)",
                             (int)(pos - ns), line + ns);
    size_t ne = pos;
    const load_macro *old = load_find_macro(c, line + ns, ne - ns);
    if (old)
        return classify_fail(c->err, path, line_no, load_column(line, ns),
                             "macro %.*s already defined at %s:%d",
                             (int)(ne - ns), line + ns, old->path, old->line);
    while (pos < len && load_is_space(line[pos]))
        pos++;
    if (pos == len)
        return classify_fail(c->err, path, line_no, load_column(line, pos),
                             "define needs a NAME and a TEXT");
    kt_buf text = {0};
    if (load_expand(c, path, line_no, line, pos, len - pos, &text, NULL) != 0) {
        kt_buf_free(&text);
        return -1;
    }
    if (c->n_macros == c->cap_macros) {
        size_t cap = c->cap_macros ? c->cap_macros * 2 : 16;
        load_macro *m = realloc(c->macros, cap * sizeof *m);
        if (!m) {
            kt_buf_free(&text);
            return classify_fail(c->err, path, line_no, 0, "out of memory");
        }
        c->macros = m;
        c->cap_macros = cap;
    }
    load_macro *m = &c->macros[c->n_macros];
    m->name = kt_strndup(line + ns, ne - ns);
    m->text = kt_buf_take(&text);
    m->path = path;
    m->line = line_no;
    if (!m->name || !m->text) {
        free(m->name);
        free(m->text);
        return classify_fail(c->err, path, line_no, 0, "out of memory");
    }
    c->n_macros++;
    return 0;
}

/* Contract: 1 when k[0..n) is a tag key or "mask". Other keys are
 * rejected: a misspelt key would otherwise be silently ignored downstream. */
static int load_known_key(const char *k, size_t n)
{
    if (n == 4 && memcmp(k, "mask", 4) == 0)
        return 1;
    for (int i = 0; classify_keys[i]; i++)
        if (strlen(classify_keys[i]) == n && memcmp(classify_keys[i], k, n) == 0)
            return 1;
    return 0;
}

/* Contract: reads one option value starting at line[*pos] (bare token or
 * "quoted"), stores a malloc'd copy in *val and whether it was quoted, and
 * moves *pos past it. Returns 0 or -1 with c->err set. */
static int load_value(load_ctx *c, const char *path, int line_no,
                      const char *line, size_t len, size_t *pos, char **val,
                      int *quoted)
{
    size_t p = *pos;
    kt_buf b = {0};
    *quoted = 0;
    if (p < len && line[p] == '"') {
        size_t q = p + 1;
        *quoted = 1;
        for (;;) {
            if (q >= len) {
                kt_buf_free(&b);
                return classify_fail(c->err, path, line_no,
                                     load_column(line, p),
                                     "unterminated quote");
            }
            if (line[q] == '"')
                break;
            char ch = line[q];
            if (ch == '\\' && q + 1 < len &&
                (line[q + 1] == '"' || line[q + 1] == '\\'))
                ch = line[++q];
            if (kt_buf_append(&b, &ch, 1) != 0)
                goto oom;
            q++;
        }
        q++;
        if (q < len && !load_is_space(line[q])) {
            kt_buf_free(&b);
            return classify_fail(c->err, path, line_no, load_column(line, q),
                                 "expected a space after the quoted value");
        }
        *pos = q;
    } else {
        size_t q = p;
        while (q < len && !load_is_space(line[q]))
            q++;
        if (kt_buf_append(&b, line + p, q - p) != 0)
            goto oom;
        *pos = q;
    }
    if (kt_buf_append(&b, "", 0) != 0)
        goto oom;
    *val = kt_buf_take(&b);
    if (!*val)
        goto oom;
    return 0;
oom:
    kt_buf_free(&b);
    return classify_fail(c->err, path, line_no, 0, "out of memory");
}

/* Contract: FNV-1a hash of the n bytes at s; any good spread will do. */
static uint64_t load_id_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Contract: the index of the already-loaded rule whose ID is the n bytes
 * at s, or (size_t)-1 when there is none. */
static size_t load_id_find(const load_ctx *c, const char *s, size_t n)
{
    if (!c->cap_ids)
        return (size_t)-1;
    size_t mask = c->cap_ids - 1;
    for (size_t k = (size_t)load_id_hash(s, n) & mask; c->ids[k];
         k = (k + 1) & mask) {
        const char *id = c->r->rules[c->ids[k] - 1].id;
        if (strlen(id) == n && memcmp(id, s, n) == 0)
            return c->ids[k] - 1;
    }
    return (size_t)-1;
}

/* Contract: puts rule i (already in c->r->rules, ID not yet in the set)
 * into the set. Never fails: load_id_reserve made room beforehand. */
static void load_id_put(load_ctx *c, size_t i)
{
    const char *id = c->r->rules[i].id;
    size_t mask = c->cap_ids - 1;
    size_t k = (size_t)load_id_hash(id, strlen(id)) & mask;
    while (c->ids[k])
        k = (k + 1) & mask;
    c->ids[k] = i + 1;
}

/* Contract: makes the set big enough for one more rule than c->r holds,
 * keeping it at most half full so probes stay short. Rebuilds it from
 * c->r->rules when it grows. Returns 0, or -1 when out of memory (the set
 * is then unchanged). Done before a rule is appended so that appending
 * and inserting cannot fail halfway. */
static int load_id_reserve(load_ctx *c)
{
    size_t need = (c->r->n_rules + 1) * 2;
    if (need <= c->cap_ids)
        return 0;
    size_t cap = c->cap_ids ? c->cap_ids : 128;
    while (cap < need)
        cap *= 2;
    size_t *nids = calloc(cap, sizeof *nids);
    if (!nids)
        return -1;
    free(c->ids);
    c->ids = nids;
    c->cap_ids = cap;
    for (size_t i = 0; i < c->r->n_rules; i++)
        load_id_put(c, i);
    return 0;
}

/* Contract: makes room for one more rule (rules, patterns, extended grow
 * together). Returns 0 or -1 on OOM. */
static int load_grow(load_ctx *c)
{
    classify_rules *r = c->r;
    if (r->n_rules < c->cap_rules)
        return 0;
    size_t cap = c->cap_rules ? c->cap_rules * 2 : 64;
    classify_rule *nr = realloc(r->rules, cap * sizeof *nr);
    if (!nr)
        return -1;
    r->rules = nr;
    char **np = realloc(c->patterns, cap * sizeof *np);
    if (!np)
        return -1;
    c->patterns = np;
    int *ne = realloc(c->extended, cap * sizeof *ne);
    if (!ne)
        return -1;
    c->extended = ne;
    c->cap_rules = cap;
    return 0;
}

static void load_examples_free(classify_rule *ru)
{
    for (size_t i = 0; i < ru->n_examples; i++) {
        classify_example *ex = &ru->examples[i];
        free(ex->text);
        for (size_t k = 0; k < ex->n_want; k++) {
            free(ex->want[k].key);
            free(ex->want[k].value);
        }
        free(ex->want);
    }
    free(ru->examples);
    ru->examples = NULL;
    ru->n_examples = 0;
}

static void load_rule_free(classify_rule *ru)
{
    load_examples_free(ru);
    free(ru->pattern);
    free(ru->id);
    for (size_t i = 0; i < ru->n_kvs; i++) {
        free(ru->kvs[i].key);
        free(ru->kvs[i].value);
    }
    free(ru->kvs);
    pcre2_code_free(ru->code);
    memset(ru, 0, sizeof *ru);
}

/* Contract: compiles the rule's pattern line[ps..pe) (between the slashes)
 * after macro expansion, mapping a compile error offset back to the line.
 * On success sets ru->code and hands the expanded text to *expanded
 * (malloc'd, caller owns). Returns 0 or -1 with c->err set. */
static int load_compile(load_ctx *c, const char *path, int line_no,
                        const char *line, size_t ps, size_t pe,
                        uint32_t opts, classify_rule *ru, char **expanded)
{
    kt_buf pat = {0};
    if (load_expand(c, path, line_no, line, ps, pe - ps, &pat, NULL) != 0) {
        kt_buf_free(&pat);
        return -1;
    }
    size_t *map = malloc((pat.len + 1) * sizeof *map);
    kt_buf again = {0};
    if (!map) {
        kt_buf_free(&pat);
        return classify_fail(c->err, path, line_no, 0, "out of memory");
    }
    /* Second pass fills the map; it cannot fail differently from the first
     * except by running out of memory. */
    if (load_expand(c, path, line_no, line, ps, pe - ps, &again, map) != 0) {
        free(map);
        kt_buf_free(&pat);
        kt_buf_free(&again);
        return -1;
    }
    kt_buf_free(&again);
    map[pat.len] = pe; /* an error at the very end points at the closing / */

    int ec;
    PCRE2_SIZE eo;
    ru->code = pcre2_compile((PCRE2_SPTR)pat.data, pat.len,
                             opts | PCRE2_UTF | PCRE2_UCP |
                                 PCRE2_MATCH_INVALID_UTF,
                             &ec, &eo, NULL);
    if (!ru->code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
            strcpy((char *)msg, "unknown PCRE2 error");
        size_t at = eo <= pat.len ? map[eo] : pe;
        free(map);
        kt_buf_free(&pat);
        return classify_fail(c->err, path, line_no, load_column(line, at),
                             "%s", (const char *)msg);
    }
    free(map);
    /* JIT is an optimisation only: without it the interpreter runs the same
     * pattern under the same limits. */
    (void)pcre2_jit_compile(ru->code, PCRE2_JIT_COMPLETE);
    *expanded = kt_buf_take(&pat);
    if (!*expanded)
        return classify_fail(c->err, path, line_no, 0, "out of memory");
    return 0;
}

/* Contract: parses and compiles one rule line (not blank, not a comment,
 * not a define) and appends it to c->r. Returns 0 or -1 with c->err set. */
static int load_rule(load_ctx *c, const char *file, const char *path,
                     int line_no, const char *line, size_t len)
{
    classify_rule ru;
    memset(&ru, 0, sizeof ru);
    int *vcol = NULL; /* per kv: column of its value, for $name errors */
    size_t cap_kvs = 0;
    char *expanded = NULL;
    uint32_t opts = 0;
    int extended = 0, have_in = 0, have_weight = 0;
    ru.file = file;
    ru.path = path;
    ru.line = line_no;
    ru.weight = 10;
    ru.where = CLASSIFY_IN_TITLE | CLASSIFY_IN_BODY;

    size_t pos = 0;
    while (pos < len && load_is_space(line[pos]))
        pos++;
    size_t is = pos;
    while (pos < len && !load_is_space(line[pos]))
        pos++;
    if (line[is] == '/' || memchr(line + is, '=', pos - is)) {
        classify_fail(c->err, path, line_no, load_column(line, is),
                      "empty ID: a rule line starts with its ID");
        goto fail;
    }
    for (size_t i = is; i < pos; i++) {
        char ch = line[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
              ch == '-')) {
            classify_fail(c->err, path, line_no, load_column(line, i),
                          "bad character in rule ID (want [A-Za-z0-9_.-])");
            goto fail;
        }
    }
    size_t dup = load_id_find(c, line + is, pos - is);
    if (dup != (size_t)-1) {
        const classify_rule *o = &c->r->rules[dup];
        classify_fail(c->err, path, line_no, load_column(line, is),
                      "duplicate rule ID '%s' (first at %s:%d)", o->id,
                      o->path, o->line);
        goto fail;
    }
    ru.id = kt_strndup(line + is, pos - is);
    if (!ru.id)
        goto oom;

    for (;;) {
        while (pos < len && load_is_space(line[pos]))
            pos++;
        if (pos == len) {
            classify_fail(c->err, path, line_no, load_column(line, pos),
                          "missing pattern: expected /PATTERN/FLAGS");
            goto fail;
        }
        if (line[pos] == '/')
            break;
        size_t ks = pos;
        while (pos < len && ((line[pos] >= 'a' && line[pos] <= 'z') ||
                             line[pos] == '_'))
            pos++;
        size_t ke = pos;
        if (ke == ks || pos == len || line[pos] != '=' ||
            !(load_known_key(line + ks, ke - ks) ||
              (ke - ks == 2 && memcmp(line + ks, "in", 2) == 0) ||
              (ke - ks == 6 && memcmp(line + ks, "weight", 6) == 0))) {
            size_t te = ks;
            while (te < len && !load_is_space(line[te]) && line[te] != '=')
                te++;
            classify_fail(c->err, path, line_no, load_column(line, ks),
                          "unknown option '%.*s'", (int)(te - ks), line + ks);
            goto fail;
        }
        pos++; /* '=' */
        size_t vs = pos;
        char *val = NULL;
        int quoted;
        if (load_value(c, path, line_no, line, len, &pos, &val, &quoted) != 0)
            goto fail;
        if (val[0] == '\0') {
            free(val);
            classify_fail(c->err, path, line_no, load_column(line, vs),
                          "empty value for '%.*s'", (int)(ke - ks), line + ks);
            goto fail;
        }
        if (ke - ks == 2 && memcmp(line + ks, "in", 2) == 0) {
            int w = !strcmp(val, "title") ? CLASSIFY_IN_TITLE
                    : !strcmp(val, "lead") ? CLASSIFY_IN_LEAD
                    : !strcmp(val, "body") ? CLASSIFY_IN_BODY
                    : !strcmp(val, "any") ? CLASSIFY_IN_TITLE | CLASSIFY_IN_BODY
                                          : 0;
            if (!w || have_in) {
                classify_fail(c->err, path, line_no, load_column(line, w ? ks : vs),
                              w ? "in= given twice"
                                : "unknown option 'in=%s' (want title, lead, "
                                  "body or any)",
                              val);
                free(val);
                goto fail;
            }
            have_in = 1;
            ru.where = w;
            free(val);
            continue;
        }
        if (ke - ks == 6 && memcmp(line + ks, "weight", 6) == 0) {
            char *end;
            errno = 0;
            long w = strtol(val, &end, 10);
            if (have_weight || *end || errno || val[0] < '0' || val[0] > '9' ||
                w < 1 || w > 1000) {
                classify_fail(c->err, path, line_no, load_column(line, vs),
                              have_weight ? "weight= given twice"
                                          : "bad weight '%s' (want 1..1000)",
                              val);
                free(val);
                goto fail;
            }
            have_weight = 1;
            ru.weight = (int)w;
            free(val);
            continue;
        }
        for (size_t i = 0; i < ru.n_kvs; i++) {
            if (strlen(ru.kvs[i].key) == ke - ks &&
                memcmp(ru.kvs[i].key, line + ks, ke - ks) == 0) {
                free(val);
                classify_fail(c->err, path, line_no, load_column(line, ks),
                              "key '%.*s' set twice", (int)(ke - ks), line + ks);
                goto fail;
            }
        }
        if (ru.n_kvs == cap_kvs) {
            size_t cap = cap_kvs ? cap_kvs * 2 : 4;
            classify_kv *nk = realloc(ru.kvs, cap * sizeof *nk);
            int *nc = nk ? realloc(vcol, cap * sizeof *nc) : NULL;
            if (nk)
                ru.kvs = nk;
            if (!nk || !nc) {
                free(val);
                goto oom;
            }
            vcol = nc;
            cap_kvs = cap;
        }
        classify_kv *kv = &ru.kvs[ru.n_kvs];
        kv->key = kt_strndup(line + ks, ke - ks);
        kv->group = -1;
        if (!quoted && val[0] == '$') {
            kv->group = strcmp(val, "$0") == 0 ? 0 : 1; /* name checked later */
            memmove(val, val + 1, strlen(val));
        }
        kv->value = val;
        vcol[ru.n_kvs] = load_column(line, vs);
        ru.n_kvs++;
        if (!kv->key)
            goto oom;
        if (kv->key[0] == 'm' && strcmp(kv->key, "mask") == 0)
            ru.is_mask = 1;
    }

    size_t ps = pos; /* the opening slash */
    const char *last = line + len - 1;
    while (last > line + ps && *last != '/')
        last--;
    if (last == line + ps) {
        classify_fail(c->err, path, line_no, load_column(line, ps),
                      "missing pattern: no closing /");
        goto fail;
    }
    size_t pe = (size_t)(last - line);
    if (pe == ps + 1) {
        classify_fail(c->err, path, line_no, load_column(line, ps),
                      "missing pattern: empty //");
        goto fail;
    }
    for (size_t i = pe + 1; i < len; i++) {
        if (line[i] == 'i')
            opts |= PCRE2_CASELESS;
        else if (line[i] == 'x') {
            opts |= PCRE2_EXTENDED;
            extended = 1;
        } else if (!load_is_space(line[i])) {
            classify_fail(c->err, path, line_no, load_column(line, i),
                          "unknown flag '%c' (want i or x)", line[i]);
            goto fail;
        }
    }
    if (ru.n_kvs == 0) {
        classify_fail(c->err, path, line_no, load_column(line, is),
                      "rule '%s' sets no key", ru.id);
        goto fail;
    }
    if (load_compile(c, path, line_no, line, ps + 1, pe, opts, &ru,
                     &expanded) != 0)
        goto fail;
    for (size_t i = 0; i < ru.n_kvs; i++) {
        classify_kv *kv = &ru.kvs[i];
        if (kv->group != 1)
            continue;
        int n = pcre2_substring_number_from_name(ru.code,
                                                 (PCRE2_SPTR)kv->value);
        if (n <= 0) {
            classify_fail(c->err, path, line_no, vcol[i],
                          "$%s: no such named group in the pattern", kv->value);
            goto fail;
        }
        kv->group = n;
    }
    uint32_t caps = 0;
    pcre2_pattern_info(ru.code, PCRE2_INFO_CAPTURECOUNT, &caps);
    if (caps + 1 > c->r->max_pairs)
        c->r->max_pairs = caps + 1;
    if (load_grow(c) != 0 || load_id_reserve(c) != 0)
        goto oom;
    ru.pattern = kt_strdup0(expanded);
    ru.flags = opts & (PCRE2_CASELESS | PCRE2_EXTENDED);
    if (!ru.pattern)
        goto oom;
    c->patterns[c->r->n_rules] = expanded;
    c->extended[c->r->n_rules] = extended;
    c->r->rules[c->r->n_rules++] = ru;
    load_id_put(c, c->r->n_rules - 1);
    free(vcol);
    return 0;
oom:
    classify_fail(c->err, path, line_no, 0, "out of memory");
fail:
    free(vcol);
    free(expanded);
    load_rule_free(&ru);
    return -1;
}

/* Contract: parses an example line `+ "TEXT" [KEY=VALUE ...]` or
 * `- "TEXT"` (p at the sign) and attaches it to the file's last rule
 * (last_rule: its index, or (size_t)-1 when the file has none yet).
 * Returns 0 or -1 with c->err set. */
static int load_example(load_ctx *c, const char *path, int line_no,
                        const char *line, size_t len, size_t p,
                        size_t last_rule)
{
    if (last_rule == (size_t)-1)
        return classify_fail(c->err, path, line_no, load_column(line, p),
                             "example before any rule");
    classify_rule *ru = &c->r->rules[last_rule];
    classify_example ex;
    memset(&ex, 0, sizeof ex);
    ex.line = line_no;
    ex.positive = line[p] == '+';
    size_t pos = p + 1;
    if (pos >= len || !load_is_space(line[pos]))
        return classify_fail(c->err, path, line_no, load_column(line, p),
                             "expected '+ \"TEXT\"' or '- \"TEXT\"'");
    while (pos < len && load_is_space(line[pos]))
        pos++;
    if (pos >= len || line[pos] != '"')
        return classify_fail(c->err, path, line_no, load_column(line, pos),
                             "an example's text is a \"double-quoted "
                             "string\"");
    int quoted;
    if (load_value(c, path, line_no, line, len, &pos, &ex.text, &quoted) != 0)
        return -1;
    size_t cap = 0;
    for (;;) {
        while (pos < len && load_is_space(line[pos]))
            pos++;
        if (pos == len)
            break;
        size_t ks = pos;
        while (pos < len && line[pos] != '=' && !load_is_space(line[pos]))
            pos++;
        size_t ke = pos;
        int known = 0;
        for (size_t i = 0; i < ru->n_kvs && !known; i++)
            known = strlen(ru->kvs[i].key) == ke - ks &&
                    memcmp(ru->kvs[i].key, line + ks, ke - ks) == 0;
        if (!ex.positive || pos == len || line[pos] != '=' || !known) {
            classify_fail(c->err, path, line_no, load_column(line, ks),
                          !ex.positive ? "a negative example takes no values"
                          : pos == len || line[pos] != '='
                              ? "expected KEY=VALUE after the example's text"
                              : "rule '%s' sets no key '%.*s'",
                          ru->id, (int)(ke - ks), line + ks);
            goto fail;
        }
        pos++;
        char *val = NULL;
        if (load_value(c, path, line_no, line, len, &pos, &val, &quoted))
            goto fail;
        if (ex.n_want == cap) {
            cap = cap ? cap * 2 : 2;
            classify_kv *nw = realloc(ex.want, cap * sizeof *nw);
            if (!nw) {
                free(val);
                goto oom;
            }
            ex.want = nw;
        }
        classify_kv *w = &ex.want[ex.n_want++];
        w->key = kt_strndup(line + ks, ke - ks);
        w->value = val;
        w->group = -1;
        if (!w->key)
            goto oom;
    }
    classify_example *nv =
        realloc(ru->examples, (ru->n_examples + 1) * sizeof *nv);
    if (!nv)
        goto oom;
    ru->examples = nv;
    ru->examples[ru->n_examples++] = ex;
    return 0;
oom:
    classify_fail(c->err, path, line_no, 0, "out of memory");
fail:
    free(ex.text);
    for (size_t k = 0; k < ex.n_want; k++) {
        free(ex.want[k].key);
        free(ex.want[k].value);
    }
    free(ex.want);
    return -1;
}

/* Contract: handles "resolve KEY MODE" (line already known to start with
 * the word resolve at pos): sets how KEY's tag is decided (see
 * CLASSIFY_RESOLVE_*). Each key at most once in the whole rule set, so two
 * files cannot silently disagree. Returns 0 or -1 with c->err set. */
static int load_resolve(load_ctx *c, const char *path, int line_no,
                        const char *line, size_t len, size_t pos)
{
    size_t word[3], wlen[3];
    int n = 0;
    while (pos < len && n < 3) {
        while (pos < len && load_is_space(line[pos]))
            pos++;
        if (pos == len)
            break;
        word[n] = pos;
        while (pos < len && !load_is_space(line[pos]))
            pos++;
        wlen[n] = pos - word[n];
        n++;
    }
    if (n != 2)
        return classify_fail(c->err, path, line_no,
                             load_column(line, n > 2 ? word[2] : pos),
                             "resolve needs a KEY and a MODE (head-first, "
                             "head-only or anywhere)");
    int k = -1;
    for (int i = 0; classify_keys[i]; i++)
        if (strlen(classify_keys[i]) == wlen[0] &&
            memcmp(classify_keys[i], line + word[0], wlen[0]) == 0)
            k = i;
    if (k < 0)
        return classify_fail(c->err, path, line_no, load_column(line, word[0]),
                             "resolve: unknown key '%.*s'", (int)wlen[0],
                             line + word[0]);
    const char *m = line + word[1];
    int mode = wlen[1] == 10 && memcmp(m, "head-first", 10) == 0
                   ? CLASSIFY_RESOLVE_HEAD_FIRST
               : wlen[1] == 9 && memcmp(m, "head-only", 9) == 0
                   ? CLASSIFY_RESOLVE_HEAD_ONLY
               : wlen[1] == 8 && memcmp(m, "anywhere", 8) == 0
                   ? CLASSIFY_RESOLVE_ANYWHERE
                   : -1;
    if (mode < 0)
        return classify_fail(c->err, path, line_no, load_column(line, word[1]),
                             "resolve: unknown mode '%.*s' (want head-first, "
                             "head-only or anywhere)",
                             (int)wlen[1], m);
    if (c->r->resolve_path[k])
        return classify_fail(c->err, path, line_no, load_column(line, word[0]),
                             "resolve for '%s' already given at %s:%d",
                             classify_keys[k], c->r->resolve_path[k],
                             c->r->resolve_line[k]);
    c->r->resolve[k] = mode;
    c->r->resolve_path[k] = path;
    c->r->resolve_line[k] = line_no;
    return 0;
}

/* Contract: handles "head N" (line known to start with the word head at
 * pos): the head, which resolve modes read, is the title and the first N
 * paragraphs of the body (1..20). KCNA's lead sentence often names the
 * visitor and its second the occasion ("... handed over by X, who is on a
 * visit to the DPRK"). Given at most once. Returns 0 or -1 with c->err. */
static int load_head(load_ctx *c, const char *path, int line_no,
                     const char *line, size_t len, size_t pos)
{
    while (pos < len && load_is_space(line[pos]))
        pos++;
    size_t start = pos;
    int n = 0;
    while (pos < len && line[pos] >= '0' && line[pos] <= '9' && n <= 20)
        n = n * 10 + (line[pos++] - '0');
    if (pos == start || pos != len || n < 1 || n > 20)
        return classify_fail(c->err, path, line_no, load_column(line, start),
                             "head needs a number of paragraphs, 1..20");
    if (c->r->head_path)
        return classify_fail(c->err, path, line_no, load_column(line, start),
                             "head already given at %s:%d", c->r->head_path,
                             c->r->head_line);
    c->r->head_paragraphs = n;
    c->r->head_path = path;
    c->r->head_line = line_no;
    return 0;
}

/* Contract: parses one file's text (NUL-terminated, n bytes). Returns 0 or
 * -1 with c->err set at the first problem. */
static int load_text(load_ctx *c, const char *file, const char *path,
                     const char *text, size_t n)
{
    int line_no = 0;
    size_t last_rule = (size_t)-1; /* examples belong to the rule above */
    for (size_t at = 0; at < n;) {
        const char *line = text + at;
        const char *nl = memchr(line, '\n', n - at);
        size_t len = nl ? (size_t)(nl - line) : n - at;
        at += len + (nl ? 1 : 0);
        line_no++;
        while (len > 0 && (line[len - 1] == '\r' || load_is_space(line[len - 1])))
            len--;
        size_t p = 0;
        while (p < len && load_is_space(line[p]))
            p++;
        if (p == len || line[p] == '#')
            continue;
        int rc;
        if (line[p] == '+' || line[p] == '-') {
            rc = load_example(c, path, line_no, line, len, p, last_rule);
        } else if (len - p > 6 && memcmp(line + p, "define", 6) == 0 &&
                   load_is_space(line[p + 6])) {
            rc = load_define(c, path, line_no, line, len, p + 6);
        } else if (len - p > 7 && memcmp(line + p, "resolve", 7) == 0 &&
                   load_is_space(line[p + 7])) {
            rc = load_resolve(c, path, line_no, line, len, p + 7);
        } else if (len - p > 4 && memcmp(line + p, "head", 4) == 0 &&
                   load_is_space(line[p + 4])) {
            rc = load_head(c, path, line_no, line, len, p + 4);
        } else {
            rc = load_rule(c, file, path, line_no, line, len);
            last_rule = c->r->n_rules - 1;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int load_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Contract: fills r->files (sorted base names of dir's *.rules, hidden
 * files skipped) and r->paths. Returns 0 or -1 with err set. */
static int load_list(const char *dir, classify_rules *r, classify_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return classify_fail(err, dir, 0, 0, "cannot open rules directory: %s",
                             strerror(errno));
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        if (de->d_name[0] == '.' || nl < 7 ||
            strcmp(de->d_name + nl - 6, ".rules") != 0)
            continue;
        if (r->n_files == cap) {
            cap = cap ? cap * 2 : 16;
            char **nf = realloc(r->files, cap * sizeof *nf);
            if (!nf)
                goto oom;
            r->files = nf;
        }
        if (!(r->files[r->n_files] = kt_strdup0(de->d_name)))
            goto oom;
        r->n_files++;
    }
    closedir(d);
    d = NULL;
    if (r->n_files)
        qsort(r->files, r->n_files, sizeof *r->files, load_cmp_names);
    r->paths = calloc(r->n_files ? r->n_files : 1, sizeof *r->paths);
    if (!r->paths)
        goto oom;
    for (size_t i = 0; i < r->n_files; i++) {
        kt_buf b = {0};
        if (kt_buf_printf(&b, "%s/%s", dir, r->files[i]) != 0 ||
            !(r->paths[i] = kt_buf_take(&b))) {
            kt_buf_free(&b);
            goto oom;
        }
    }
    return 0;
oom:
    if (d)
        closedir(d);
    return classify_fail(err, dir, 0, 0, "out of memory");
}

/* Contract: see classify.h. */
int classify_rules_load(const char *dir, classify_rules **out,
                        classify_error *err)
{
    *out = NULL;
    classify_rules *r = calloc(1, sizeof *r);
    if (!r)
        return classify_fail(err, dir, 0, 0, "out of memory");
    r->head_paragraphs = 1;
    load_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.err = err;
    r->prefilter_on = 1;
    r->max_pairs = 1;
    int rc = -1;
    if (load_list(dir, r, err) != 0)
        goto done;
    kt_sha256 sha;
    kt_sha256_init(&sha);
    r->texts = calloc(r->n_files ? r->n_files : 1, sizeof *r->texts);
    if (!r->texts) {
        classify_fail(err, dir, 0, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < r->n_files; i++) {
        size_t n;
        char *text = kt_read_file(r->paths[i], &n);
        if (!text) {
            classify_fail(err, r->paths[i], 0, 0, "cannot read: %s",
                          strerror(errno));
            goto done;
        }
        kt_sha256_update(&sha, r->files[i], strlen(r->files[i]) + 1);
        kt_sha256_update(&sha, text, n);
        int lrc = load_text(&c, r->files[i], r->paths[i], text, n);
        r->texts[i] = text; /* kept: a classification records its rules */
        if (lrc != 0)
            goto done;
    }
    kt_sha256_final_hex(&sha, r->hash);
    r->mctx = pcre2_match_context_create(NULL);
    if (!r->mctx) {
        classify_fail(err, dir, 0, 0, "out of memory");
        goto done;
    }
    classify_rules_set_limits(r, CLASSIFY_MATCH_LIMIT, CLASSIFY_DEPTH_LIMIT);
    if (classify_prefilter_build(r, c.patterns, c.extended) != 0) {
        classify_fail(err, dir, 0, 0, "out of memory");
        goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; i < c.n_macros; i++) {
        free(c.macros[i].name);
        free(c.macros[i].text);
    }
    free(c.macros);
    for (size_t i = 0; i < r->n_rules; i++)
        free(c.patterns[i]);
    free(c.patterns);
    free(c.extended);
    free(c.ids);
    if (rc != 0) {
        classify_rules_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

/* Contract: frees everything the rules own; NULL is fine. */
void classify_rules_free(classify_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_rules; i++)
        load_rule_free(&r->rules[i]);
    free(r->rules);
    for (size_t i = 0; i < r->n_files; i++) {
        free(r->files[i]);
        if (r->paths)
            free(r->paths[i]);
        if (r->texts)
            free(r->texts[i]);
    }
    free(r->files);
    free(r->paths);
    free(r->texts);
    pcre2_match_context_free(r->mctx);
    classify_prefilter_free(&r->pf);
    free(r);
}

const char *classify_rules_hash(const classify_rules *r) { return r->hash; }

size_t classify_rules_count(const classify_rules *r) { return r->n_rules; }

/* Contract: see classify.h. */
int classify_rules_set_prefilter(classify_rules *r, int on)
{
    int old = r->prefilter_on;
    r->prefilter_on = on ? 1 : 0;
    return old;
}

/* Contract: see classify.h. */
void classify_rules_set_limits(classify_rules *r, unsigned match_limit,
                               unsigned depth_limit)
{
    if (match_limit)
        pcre2_set_match_limit(r->mctx, match_limit);
    if (depth_limit)
        pcre2_set_depth_limit(r->mctx, depth_limit);
}
