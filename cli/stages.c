/*
 * The extract, classify and store stages as the CLI runs them: load work
 * from the database, call the stage library, convert its structs into
 * store's, save in batches. Each batch is one transaction, so a run killed
 * at any instant loses at most the batch in flight, which the next run
 * redoes (pending work is whatever has no result under the current
 * profiles or rules hash).
 */
#include "cli.h"
#include "classify.h"
#include "extract.h"

#include <stdlib.h>
#include <string.h>

#include "kt_util.h"

/* Documents per transaction: large enough to amortise the commit, small
 * enough that an interrupted run redoes little. */
#define BATCH 100

void cli_counts_format(const char *stage, const cli_stage_counts *c,
                       char *buf, size_t size)
{
    int n = snprintf(buf, size,
                     "%s: %ld done, %ld unchanged, %ld skipped, %ld failed",
                     stage, c->done, c->unchanged, c->skipped, c->failed);
    if (c->not_tried && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ", %ld not tried", c->not_tried);
}

/* Commits the open batch and starts the next one. */
static int batch_turn(store *db, char **err)
{
    if (store_commit(db, err))
        return -1;
    return store_begin(db, err);
}

static size_t lead_length(const extract_document *d)
{
    return d->n_paragraphs ? strlen(d->paragraphs[0]) : 0;
}

int cli_stage_extract(cli_ctx *ctx, int all, cli_stage_counts *c)
{
    memset(c, 0, sizeof *c);
    char *sites = cli_rules_path(ctx, "sites");
    extract_profiles *prof = NULL;
    char *err = NULL;
    if (extract_profiles_load(sites, &prof, &err)) {
        free(sites);
        return cli_fail(err, CLI_EXIT_DATAERR);
    }
    free(sites);
    const char *hash = extract_profiles_hash(prof);
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = CLI_EXIT_OK;
    if (store_pages_pending(ctx->db, all, hash, &ids, &n, &err) ||
        store_begin(ctx->db, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        store_page pg = {0};
        if (store_page_load(ctx->db, ids[i], &pg, &err)) {
            store_rollback(ctx->db);
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            goto out;
        }
        extract_document d = {0};
        char *xerr = NULL;
        store_document sd = {0};
        sd.page_id = pg.id;
        sd.url = pg.url;
        sd.profiles_hash = hash;
        if (extract_page(prof, pg.url, pg.charset, pg.body, pg.body_len, &d,
                         &xerr)) {
            /* Recorded, not dropped: the page stays visible as an error
             * document and is retried when the profiles change. */
            cli_error("%s", xerr ? xerr : pg.url);
            sd.kind = "error";
            sd.title = xerr;
            c->failed++;
        } else {
            sd.profile = d.profile;
            sd.kind = extract_kind_name(d.kind);
            sd.title = d.title;
            sd.pub_date = d.date;
            sd.date_source = d.date_source;
            sd.dateline_place = d.dateline_place;
            sd.language = d.language;
            sd.body = d.text;
            sd.lead_len = lead_length(&d);
            sd.n_paragraphs = (int)d.n_paragraphs;
            if (d.kind == EXTRACT_ARTICLE)
                c->done++;
            else
                c->skipped++;
            cli_debug(ctx, "extract %s: %s %s", pg.url, sd.kind,
                      d.title ? d.title : "");
        }
        int save_failed = store_document_save(ctx->db, &sd, &err);
        free(xerr);
        extract_document_clear(&d);
        store_page_clear(&pg);
        if (save_failed ||
            ((i + 1) % BATCH == 0 && batch_turn(ctx->db, &err))) {
            store_rollback(ctx->db);
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            goto out;
        }
    }
    if (store_commit(ctx->db, &err))
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    else if (c->failed)
        rc = CLI_EXIT_PARTIAL;
out:
    free(ids);
    extract_profiles_free(prof);
    return rc;
}

/* Loads the rule set, printing file:line:column on failure. */
static int load_rules(cli_ctx *ctx, classify_rules **rules)
{
    classify_error cerr = {0};
    if (classify_rules_load(ctx->rules_dir, rules, &cerr)) {
        char *msg = classify_error_format(&cerr);
        cli_error("%s", msg ? msg : "cannot load the rules");
        free(msg);
        classify_error_clear(&cerr);
        return CLI_EXIT_DATAERR;
    }
    return 0;
}

/* Saves one classification result for document id. */
static int save_classification(store *db, int64_t id, const char *hash,
                               const classify_result *res, char **err)
{
    store_match *m = calloc(res->n_matches + 1, sizeof *m);
    store_tag *t = calloc(res->n_tags + 1, sizeof *t);
    if (!m || !t) {
        free(m);
        free(t);
        *err = kt_strdup0("out of memory");
        return -1;
    }
    for (size_t i = 0; i < res->n_matches; i++) {
        const classify_match *cm = &res->matches[i];
        m[i] = (store_match){cm->rule_id, cm->file, cm->line, cm->key,
                             cm->value, cm->field, cm->start, cm->end,
                             cm->text, cm->weight, cm->decisive, cm->masked};
    }
    for (size_t i = 0; i < res->n_tags; i++)
        t[i] = (store_tag){res->tags[i].key, res->tags[i].value,
                           res->tags[i].match};
    const classify_mention *cm = &res->mention;
    store_mention_in mi = {cm->kind,     cm->direction, cm->status,
                           cm->country,  cm->location,  cm->delegation,
                           cm->actor,    cm->dprk_actor, cm->event_name,
                           cm->sector,   cm->event_date};
    int rc = store_classification_save(db, id, hash, m, res->n_matches, t,
                                       res->n_tags, &mi, err);
    free(m);
    free(t);
    return rc;
}

/* Keeps the text of the rule files a classification is made under, so that
 * any tag can be traced to the exact rules and an old set replayed. */
static int record_rule_files(store *db, const classify_rules *r, char **err)
{
    size_t n = classify_rules_file_count(r);
    const char **names = calloc(n ? n : 1, sizeof *names);
    const char **texts = calloc(n ? n : 1, sizeof *texts);
    int rc = -1;
    if (names && texts) {
        for (size_t i = 0; i < n; i++) {
            names[i] = classify_rules_file_name(r, i);
            texts[i] = classify_rules_file_text(r, i);
        }
        rc = store_ruleset_files_save(db, classify_rules_hash(r), names,
                                      texts, n, err);
    } else {
        *err = kt_strdup0("out of memory");
    }
    free(names);
    free(texts);
    return rc;
}

int cli_stage_classify(cli_ctx *ctx, int all, cli_stage_counts *c)
{
    memset(c, 0, sizeof *c);
    classify_rules *rules = NULL;
    int rc = load_rules(ctx, &rules);
    if (rc)
        return rc;
    const char *hash = classify_rules_hash(rules);
    char *err = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    if (store_ruleset_register(ctx->db, hash, classify_rules_count(rules),
                               ctx->rules_dir, &err) ||
        record_rule_files(ctx->db, rules, &err) ||
        store_documents_pending(ctx->db, all, hash, &ids, &n, &err) ||
        store_begin(ctx->db, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        store_document_row d = {0};
        if (store_document_load(ctx->db, ids[i], &d, &err)) {
            store_rollback(ctx->db);
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            goto out;
        }
        classify_input in = {d.title, d.body, d.lead_len, d.pub_date};
        classify_result res = {0};
        classify_error cerr = {0};
        if (classify_document(rules, &in, &res, &cerr)) {
            /* A rule fault (match limit): name the rule and the report, keep
             * going, and leave the document pending for a fixed rule set. */
            char *msg = classify_error_format(&cerr);
            cli_error("%s (in %s)", msg ? msg : "rule fault", d.url);
            free(msg);
            classify_error_clear(&cerr);
            c->failed++;
            rc = CLI_EXIT_DATAERR;
        } else {
            if (save_classification(ctx->db, d.id, hash, &res, &err)) {
                classify_result_clear(&res);
                store_document_row_clear(&d);
                store_rollback(ctx->db);
                rc = cli_fail(err, CLI_EXIT_SOFTWARE);
                goto out;
            }
            cli_debug(ctx, "classify %s: kind=%s country=%s sector=%s",
                      d.url, res.mention.kind ? res.mention.kind : "-",
                      res.mention.country ? res.mention.country : "-",
                      res.mention.sector ? res.mention.sector : "-");
            c->done++;
        }
        classify_result_clear(&res);
        store_document_row_clear(&d);
        if ((i + 1) % BATCH == 0 && batch_turn(ctx->db, &err)) {
            store_rollback(ctx->db);
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            goto out;
        }
    }
    if (store_commit(ctx->db, &err))
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
out:
    free(ids);
    classify_rules_free(rules);
    return rc;
}

int cli_load_tables(cli_ctx *ctx, store_tables **t, char hash[65])
{
    char *path = cli_rules_path(ctx, "tables.conf");
    size_t len;
    char *text = kt_read_file(path, &len);
    if (!text) {
        cli_error("%s: cannot read the table rules", path);
        free(path);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (hash)
        kt_sha256_hex(text, len, hash);
    char *err = NULL;
    int rc = store_tables_parse(path, text, t, &err) ? cli_fail(err, CLI_EXIT_DATAERR)
                                                     : 0;
    free(text);
    free(path);
    return rc;
}

int cli_stage_store(cli_ctx *ctx, int all, cli_stage_counts *c)
{
    memset(c, 0, sizeof *c);
    store_tables *tables = NULL;
    char hash[65];
    int rc = cli_load_tables(ctx, &tables, hash);
    if (rc)
        return rc;
    char *err = NULL;
    store_update_stats st;
    if (store_consolidate_update(ctx->db, tables, hash, all, &st, &err)) {
        rc = cli_fail(err, CLI_EXIT_SOFTWARE);
    } else {
        c->done = st.tabled;
        c->skipped = st.leftout;
        c->unchanged = st.unchanged;
        cli_debug(ctx, "store: %s pass over %ld mentions, %ld events "
                  "removed", st.full ? "full" : "incremental", st.mentions,
                  st.removed);
    }
    store_tables_free(tables);
    return rc;
}

/* Shared body of the extract/classify/store commands: parse --all, lock,
 * open, run the stage, report. */
static int stage_command(cli_ctx *ctx, int argc, char **argv,
                         const char *name)
{
    int all = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--all")) {
            all = 1;
        } else {
            cli_error("%s: unknown option '%s' (see kcnatrack %s --help)",
                      name, argv[i], name);
            return CLI_EXIT_USAGE;
        }
    }
    int rc = cli_lock(ctx, name);
    if (rc || (rc = cli_open_db(ctx)))
        return rc;
    cli_run_begin(ctx, name, argc, argv);
    cli_stage_counts c;
    if (!strcmp(name, "extract"))
        rc = cli_stage_extract(ctx, all, &c);
    else if (!strcmp(name, "classify"))
        rc = cli_stage_classify(ctx, all, &c);
    else
        rc = cli_stage_store(ctx, all, &c);
    char line[256];
    cli_counts_format(name, &c, line, sizeof line);
    cli_run_end(ctx, rc, line);
    if (rc != CLI_EXIT_OK || !ctx->quiet)
        fprintf(stderr, "%s\n", line);
    return rc;
}

/* `extract --file PAGE`: one page to JSON, no database. */
static int extract_file(cli_ctx *ctx, const char *file, const char *url,
                        const char *charset)
{
    size_t len;
    char *body = kt_read_file(file, &len);
    if (!body) {
        cli_error("%s: cannot read the file", file);
        return CLI_EXIT_UNAVAILABLE;
    }
    char *sites = cli_rules_path(ctx, "sites");
    extract_profiles *prof = NULL;
    char *err = NULL;
    int rc = CLI_EXIT_OK;
    kt_buf fileurl = {0};
    if (!url) {
        kt_buf_printf(&fileurl, "file://%s", file);
        url = fileurl.data;
    }
    if (extract_profiles_load(sites, &prof, &err)) {
        rc = cli_fail(err, CLI_EXIT_DATAERR);
    } else {
        extract_document d = {0};
        if (extract_page(prof, url, charset, (unsigned char *)body, len, &d,
                         &err)) {
            rc = cli_fail(err, CLI_EXIT_DATAERR);
        } else {
            char *json = extract_document_json(&d, ctx->verbose);
            printf("%s\n", json ? json : "null");
            free(json);
        }
        extract_document_clear(&d);
    }
    kt_buf_free(&fileurl);
    extract_profiles_free(prof);
    free(sites);
    free(body);
    return rc;
}

int cli_cmd_extract(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL, *url = NULL, *charset = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--file")      ? &file
                            : !strcmp(argv[i], "--url")     ? &url
                            : !strcmp(argv[i], "--charset") ? &charset
                                                            : NULL;
        if (!slot)
            continue;
        if (i + 1 >= argc) {
            cli_error("extract: %s needs a value", argv[i]);
            return CLI_EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    if (file)
        return extract_file(ctx, file, url, charset);
    if (url || charset) {
        cli_error("extract: --url and --charset go with --file");
        return CLI_EXIT_USAGE;
    }
    return stage_command(ctx, argc, argv, "extract");
}

/* Splits text into a title (first line) and a body (the rest). */
static void split_title(const char *text, char **title, char **body)
{
    const char *nl = strchr(text, '\n');
    if (!nl) {
        *title = kt_strdup0("");
        *body = kt_strdup0(text);
        return;
    }
    *title = kt_strndup(text, (size_t)(nl - text));
    *body = kt_strdup0(nl + 1);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* `classify --file/--text`: one text to JSON, no database. */
static int classify_adhoc(cli_ctx *ctx, const char *file, const char *text,
                          const char *date)
{
    classify_rules *rules = NULL;
    int rc = load_rules(ctx, &rules);
    if (rc)
        return rc;
    char *title = NULL, *body = NULL, *raw = NULL, *pub = NULL;
    extract_document d = {0};
    size_t lead = 0;
    if (file) {
        size_t len;
        raw = kt_read_file(file, &len);
        if (!raw) {
            cli_error("%s: cannot read the file", file);
            rc = CLI_EXIT_UNAVAILABLE;
            goto out;
        }
        if (ends_with(file, ".html") || ends_with(file, ".htm") ||
            ends_with(file, ".kcmsf")) {
            char *sites = cli_rules_path(ctx, "sites");
            extract_profiles *prof = NULL;
            char *err = NULL;
            kt_buf url = {0};
            kt_buf_printf(&url, "file://%s", file);
            int bad = extract_profiles_load(sites, &prof, &err) ||
                      extract_page(prof, url.data, NULL, (unsigned char *)raw,
                                   len, &d, &err);
            kt_buf_free(&url);
            extract_profiles_free(prof);
            free(sites);
            if (bad) {
                rc = cli_fail(err, CLI_EXIT_DATAERR);
                goto out;
            }
            title = kt_strdup0(d.title ? d.title : "");
            body = kt_strdup0(d.text ? d.text : "");
            lead = lead_length(&d);
            pub = kt_strdup0(d.date);
        } else {
            split_title(raw, &title, &body);
        }
    } else {
        split_title(text, &title, &body);
    }
    if (!lead) {
        const char *nl = strchr(body, '\n');
        lead = nl ? (size_t)(nl - body) : strlen(body);
    }
    classify_input in = {title, body, lead, date ? date : pub};
    classify_result res = {0};
    classify_error cerr = {0};
    if (classify_document(rules, &in, &res, &cerr)) {
        char *msg = classify_error_format(&cerr);
        cli_error("%s", msg ? msg : "rule fault");
        free(msg);
        classify_error_clear(&cerr);
        rc = CLI_EXIT_DATAERR;
    } else {
        char *json = classify_result_json(&res);
        printf("%s\n", json ? json : "null");
        free(json);
    }
    classify_result_clear(&res);
out:
    extract_document_clear(&d);
    free(title);
    free(body);
    free(raw);
    free(pub);
    classify_rules_free(rules);
    return rc;
}

int cli_cmd_classify(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = NULL, *text = NULL, *date = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--file")   ? &file
                            : !strcmp(argv[i], "--text") ? &text
                            : !strcmp(argv[i], "--date") ? &date
                                                         : NULL;
        if (!slot)
            continue;
        if (i + 1 >= argc) {
            cli_error("classify: %s needs a value", argv[i]);
            return CLI_EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    if (file && text) {
        cli_error("classify: give --file or --text, not both");
        return CLI_EXIT_USAGE;
    }
    if (file || text)
        return classify_adhoc(ctx, file, text, date);
    if (date) {
        cli_error("classify: --date goes with --file or --text");
        return CLI_EXIT_USAGE;
    }
    return stage_command(ctx, argc, argv, "classify");
}

int cli_cmd_store(cli_ctx *ctx, int argc, char **argv)
{
    return stage_command(ctx, argc, argv, "store");
}
