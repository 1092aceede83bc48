/*
 * compare --labels FILE: finds each labelled report and its event in the
 * database and hands them to the scoring (labels.c). Read-only, no lock.
 */
#include "cli.h"
#include "labels.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt_util.h"

static int mention_cmp(const void *a, const void *b)
{
    const store_mention *x = a, *y = b;
    return x->document_id < y->document_id ? -1
                                           : x->document_id > y->document_id;
}

/* Why a stored report is in no event, in the words of the stage that
 * stopped it (malloc'd). The mentions (*m, sorted by document id) are
 * loaded on the first call that needs them; *loaded is then 1, or -1 when
 * they could not be read (said once on stderr). */
static char *why_no_event(cli_ctx *ctx, const store_tables *t,
                          const store_report_ref *doc, store_mention **m,
                          size_t *n_m, int *loaded)
{
    kt_buf b = {0};
    char *err = NULL;
    if (strcmp(doc->kind ? doc->kind : "", "article")) {
        kt_buf_printf(&b, "extract made it a page of kind %s, not a report",
                      doc->kind ? doc->kind : "?");
        return kt_buf_take(&b);
    }
    if (!doc->classified)
        return kt_strdup0("not classified yet (kcnatrack classify)");
    if (!*loaded) {
        *loaded = 1;
        if (store_mentions_load(ctx->db, m, n_m, &err)) {
            cli_error("%s", err ? err : "cannot load the mentions");
            free(err);
            *m = NULL;
            *n_m = 0;
            *loaded = -1;
        }
        qsort(*m, *n_m, sizeof **m, mention_cmp);
    }
    if (*loaded < 0)
        return kt_strdup0("? (the mentions could not be read)");
    store_mention key = {0};
    key.document_id = doc->document_id;
    const store_mention *hit = *m ? bsearch(&key, *m, *n_m, sizeof key,
                                            mention_cmp)
                                  : NULL;
    store_position pos = {0};
    if (!hit || !hit->kind)
        kt_buf_puts(&b, "no rule gave it a kind, so it tells of no event");
    else if (store_consolidate_position(t, hit, &pos) != 1)
        kt_buf_printf(&b, "its mention (kind %s) takes no part in "
                      "consolidation: no usable date, or a bilateral report "
                      "naming no country", hit->kind);
    else
        kt_buf_puts(&b, "the events are older than its mention "
                        "(kcnatrack store)");
    store_position_clear(&pos);
    return kt_buf_take(&b);
}

/* The kinds tables.conf puts in a table, among the left-out events' (the
 * scoring asks about those only). *out malloc'd; the names are the
 * events'. */
static int table_kinds_of(const store_tables *t, const store_event *ev,
                          size_t n, const char ***out, size_t *n_out)
{
    *out = malloc((n + 1) * sizeof **out);
    *n_out = 0;
    if (!*out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *k = ev[i].event_type;
        if (ev[i].table || !store_tables_kind_tabled(t, k))
            continue;
        size_t j = 0;
        while (j < *n_out && strcmp((*out)[j], k))
            j++;
        if (j == *n_out)
            (*out)[(*n_out)++] = k;
    }
    return 0;
}

int cli_compare_labels(cli_ctx *ctx, const char *labels_path,
                       const char *refpath, const char *format)
{
    char *defpath = NULL, *err = NULL;
    if (!refpath)
        refpath = defpath =
            cli_rules_path(ctx, "../reference/commentary-2024.csv");
    cli_ref_row *ref = NULL;
    size_t nref = 0, nl = 0, nev = 0, n_m = 0, n_tk = 0;
    cli_label *labels = NULL;
    store_event *ev = NULL;
    store_tables *tables = NULL;
    store_report_ref *docs = NULL;
    store_mention *m = NULL;
    const char **table_kinds = NULL;
    int rc = 0, loaded = 0;
    if (access(refpath, R_OK)) { /* unavailable, not bad (69, not 65) */
        cli_error("%s: cannot read the reference file: %s", refpath,
                  strerror(errno));
        rc = CLI_EXIT_UNAVAILABLE;
        goto out;
    }
    if (cli_reference_load(refpath, &ref, &nref, &err)) {
        rc = cli_fail(err, CLI_EXIT_DATAERR);
        goto out;
    }
    int lrc = cli_labels_load(labels_path, refpath, ref, nref, &labels, &nl,
                              &err);
    if (lrc) {
        rc = cli_fail(err, lrc == -2 ? CLI_EXIT_UNAVAILABLE : CLI_EXIT_DATAERR);
        goto out;
    }
    if ((rc = cli_load_tables(ctx, &tables, NULL)) || (rc = cli_open_db_readonly(ctx)))
        goto out;
    if (store_events_load(ctx->db, &ev, &nev, &err) ||
        !(docs = calloc(nl + 1, sizeof *docs))) {
        rc = cli_fail(err ? err : kt_strdup0("out of memory"),
                      CLI_EXIT_SOFTWARE);
        goto out;
    }
    for (size_t i = 0; i < nl; i++) {
        cli_label *l = &labels[i];
        int found = store_report_find(ctx->db, l->named_id ? NULL : l->report,
                                      l->named_id, &docs[i], &err);
        if (found < 0) {
            rc = cli_fail(err, CLI_EXIT_SOFTWARE);
            goto out;
        }
        l->document_id = found ? docs[i].document_id : 0;
    }
    if (table_kinds_of(tables, ev, nev, &table_kinds, &n_tk)) {
        rc = cli_fail(kt_strdup0("out of memory"), CLI_EXIT_SOFTWARE);
        goto out;
    }
    cli_labels_input in = {labels_path, refpath, labels, nl, ref, nref,
                           ev, nev, table_kinds, n_tk};
    cli_label_scores s;
    if (cli_labels_score(&in, &s)) {
        rc = cli_fail(kt_strdup0("out of memory"), CLI_EXIT_SOFTWARE);
        goto out;
    }
    for (size_t i = 0; i < nl; i++)
        if (labels[i].document_id && s.results[i].event >= nev)
            labels[i].why_no_event =
                why_no_event(ctx, tables, &docs[i], &m, &n_m, &loaded);
    kt_buf b = {0};
    cli_labels_format(&in, &s, format, &b);
    fputs(b.data ? b.data : "", stdout);
    kt_buf_free(&b);
    cli_label_scores_free(&s);
out:
    for (size_t i = 0; docs && i < nl; i++)
        store_report_ref_clear(&docs[i]);
    free(docs);
    free(table_kinds);
    store_mentions_free(m, n_m);
    store_events_free(ev, nev);
    store_tables_free(tables);
    cli_labels_free(labels, nl);
    cli_reference_free(ref, nref);
    free(defpath);
    return rc;
}
