/*
 * rules: the rule set as tested code. `rules check` compiles every rule
 * file, site profile and tables.conf and reports problems as
 * file:line[:column]; `rules test` runs the examples written under each
 * rule; `rules stats` counts what each rule did over the database.
 */
#include "cli.h"
#include "classify.h"
#include "extract.h"

#include <stdlib.h>
#include <string.h>

#include "kt_util.h"

/* Prints findings (errors and warnings) to stderr; returns the errors. */
static size_t print_findings(const classify_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        char *line = classify_finding_format(&f->v[i]);
        fprintf(stderr, "%s\n", line ? line : "out of memory");
        free(line);
    }
    return f->errors;
}

/* Loads the rules, printing a load error as file:line:column. */
static int load_rules(cli_ctx *ctx, classify_rules **rules)
{
    classify_error cerr = {0};
    if (classify_rules_load(ctx->rules_dir, rules, &cerr) == 0)
        return 0;
    char *msg = classify_error_format(&cerr);
    fprintf(stderr, "%s\n", msg ? msg : "cannot load the rules");
    free(msg);
    classify_error_clear(&cerr);
    return CLI_EXIT_DATAERR;
}

static int rules_check(cli_ctx *ctx)
{
    int rc = 0;
    /* the other rule data first: their errors are as fatal to a run */
    char *sites = cli_rules_path(ctx, "sites");
    extract_profiles *prof = NULL;
    char *err = NULL;
    if (extract_profiles_load(sites, &prof, &err)) {
        fprintf(stderr, "%s\n", err ? err : sites);
        free(err);
        rc = CLI_EXIT_DATAERR;
    }
    extract_profiles_free(prof);
    free(sites);
    store_tables *t = NULL;
    if (cli_load_tables(ctx, &t, NULL))
        rc = CLI_EXIT_DATAERR;
    store_tables_free(t);
    classify_rules *rules = NULL;
    int lrc = load_rules(ctx, &rules);
    if (lrc)
        return lrc;
    classify_findings f;
    if (classify_rules_check(rules, &f)) {
        classify_rules_free(rules);
        cli_error("out of memory");
        return CLI_EXIT_SOFTWARE;
    }
    size_t errors = print_findings(&f);
    if (!ctx->quiet)
        fprintf(stderr, "rules check: %zu rules in %s, %zu error%s, %zu "
                        "warning%s\n",
                f.checked, ctx->rules_dir, errors, errors == 1 ? "" : "s",
                f.n - errors, f.n - errors == 1 ? "" : "s");
    if (errors)
        rc = CLI_EXIT_DATAERR;
    classify_findings_clear(&f);
    classify_rules_free(rules);
    return rc;
}

static int rules_test(cli_ctx *ctx)
{
    classify_rules *rules = NULL;
    int rc = load_rules(ctx, &rules);
    if (rc)
        return rc;
    classify_findings f;
    if (classify_rules_test(rules, &f)) {
        classify_rules_free(rules);
        cli_error("out of memory");
        return CLI_EXIT_SOFTWARE;
    }
    size_t errors = print_findings(&f);
    /* and the consolidation examples of tables.conf */
    store_tables *t = NULL;
    char **msgs = NULL, hash[65];
    size_t nmsg = 0, nrun = 0;
    int trc = cli_load_tables(ctx, &t, hash);
    if (trc) {
        errors++;
    } else if (store_tables_test(t, &msgs, &nmsg, &nrun)) {
        cli_error("out of memory");
        errors++;
    }
    char *tpath = cli_rules_path(ctx, "tables.conf");
    for (size_t i = 0; i < nmsg; i++)
        fprintf(stderr, "%s:%s\n", tpath, msgs[i]);
    free(tpath);
    errors += nmsg;
    store_strings_free(msgs, nmsg);
    store_tables_free(t);
    if (!ctx->quiet || errors)
        fprintf(stderr, "rules test: %zu examples of %zu rules, %zu "
                        "consolidation example%s, %zu failure%s\n",
                f.checked, classify_rules_count(rules), nrun,
                nrun == 1 ? "" : "s", errors, errors == 1 ? "" : "s");
    classify_findings_clear(&f);
    classify_rules_free(rules);
    return errors ? CLI_EXIT_DATAERR : 0;
}

static int rules_stats(cli_ctx *ctx, int json)
{
    classify_rules *rules = NULL;
    int rc = load_rules(ctx, &rules);
    if (rc)
        return rc;
    if ((rc = cli_open_db(ctx))) {
        classify_rules_free(rules);
        return rc;
    }
    store_rule_stat *st = NULL;
    size_t n = 0;
    char *err = NULL;
    if (store_rule_stats(ctx->db, &st, &n, &err)) {
        classify_rules_free(rules);
        return cli_fail(err, CLI_EXIT_SOFTWARE);
    }
    kt_buf b = {0};
    kt_buf_puts(&b, json ? "{\"rules\":[" : "");
    if (!json)
        kt_buf_printf(&b, "%-48s %8s %8s %8s %8s  %s\n", "rule", "matches",
                      "reports", "decided", "masked", "state");
    size_t never = 0, overridden = 0;
    for (size_t i = 0; i < classify_rules_count(rules); i++) {
        const char *id = classify_rule_id(rules, i);
        const store_rule_stat *s = NULL;
        for (size_t j = 0; j < n && !s; j++)
            if (!strcmp(st[j].rule_id, id))
                s = &st[j];
        long m = s ? s->matches : 0, rep = s ? s->reports : 0,
             dec = s ? s->decisive : 0, msk = s ? s->masked : 0;
        const char *state = !m                       ? "never fired"
                            : classify_rule_is_mask(rules, i) ? "mask"
                            : !dec                    ? "always overridden"
                                                      : "";
        never += !m;
        overridden += m && !dec && !classify_rule_is_mask(rules, i);
        if (json) {
            kt_buf_puts(&b, i ? ",{\"rule\":" : "{\"rule\":");
            kt_buf_json_cstr(&b, id);
            kt_buf_printf(&b, ",\"file\":\"%s\",\"line\":%d,\"matches\":%ld,"
                          "\"reports\":%ld,\"decisive\":%ld,\"masked\":%ld,"
                          "\"state\":\"%s\"}",
                          classify_rule_file(rules, i),
                          classify_rule_line(rules, i), m, rep, dec, msk,
                          *state ? state : "decides");
        } else {
            kt_buf_printf(&b, "%-48s %8ld %8ld %8ld %8ld  %s\n", id, m, rep,
                          dec, msk, state);
        }
    }
    if (json)
        kt_buf_printf(&b, "],\"never_fired\":%zu,\"always_overridden\":%zu}"
                      "\n", never, overridden);
    else
        kt_buf_printf(&b, "%zu rules: %zu never fired, %zu always "
                      "overridden (matched, never decided a tag)\n",
                      classify_rules_count(rules), never, overridden);
    fputs(b.data ? b.data : "", stdout);
    kt_buf_free(&b);
    store_rule_stats_free(st, n);
    classify_rules_free(rules);
    return 0;
}

int cli_cmd_rules(cli_ctx *ctx, int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : NULL;
    int json = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc &&
            (!strcmp(argv[i + 1], "json") || !strcmp(argv[i + 1], "text"))) {
            json = !strcmp(argv[++i], "json");
        } else {
            cli_error("rules: unknown option '%s' (see kcnatrack rules "
                      "--help)", argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    if (what && !strcmp(what, "check"))
        return rules_check(ctx);
    if (what && !strcmp(what, "test"))
        return rules_test(ctx);
    if (what && !strcmp(what, "stats"))
        return rules_stats(ctx, json);
    cli_error("rules: say check, test or stats (see kcnatrack rules --help)");
    return CLI_EXIT_USAGE;
}
