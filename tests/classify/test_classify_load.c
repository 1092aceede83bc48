/*
 * test_classify_load: loading rule folders, the rule set's identity, and
 * every load error with its exact file:line:column text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "kt_test.h"
#include "kt_util.h"

#define DIR KT_CLASSIFY_TESTDIR

/* Loads dir; returns "OK" or the formatted error (malloc'd). */
static char *load_result(const char *dir)
{
    classify_rules *r = NULL;
    classify_error e = {0};
    if (classify_rules_load(dir, &r, &e) == 0) {
        CHECK(e.message == NULL);
        classify_rules_free(r);
        return kt_strdup0("OK");
    }
    CHECK(r == NULL);
    char *s = classify_error_format(&e);
    classify_error_clear(&e);
    return s;
}

/* Writes text as tmp/10-case.rules, loads tmp, and checks the error is
 * "tmp/10-case.rules:" + want (or "OK"). */
static void check_case(const char *tmp, const char *text, const char *want,
                       int line)
{
    char path[512], expect[1024];
    snprintf(path, sizeof path, "%s/10-case.rules", tmp);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    if (strcmp(want, "OK") == 0)
        snprintf(expect, sizeof expect, "OK");
    else
        snprintf(expect, sizeof expect, "%s:%s", path, want);
    char *got = load_result(tmp);
    if (!got || strcmp(got, expect) != 0)
        fprintf(stderr, "case at line %d:\n", line);
    CHECK_STR(got, expect);
    free(got);
    unlink(path);
}

static void test_inline_errors(void)
{
    char tmp[] = "/tmp/kt_classify_load_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    char want[1024];
#define CASE(text, w) check_case(tmp, text, w, __LINE__)
    CASE("r1 kind=visit colour=red /x/\n", "1:15: unknown option 'colour'");
    CASE("r1 kind=visit title /x/\n", "1:15: unknown option 'title'");
    CASE("r1 Kind=visit /x/\n", "1:4: unknown option 'Kind'");
    CASE("r1 kind=visit in=head /x/\n",
         "1:18: unknown option 'in=head' (want title, lead, body or any)");
    CASE("r1 kind=visit\n", "1:14: missing pattern: expected /PATTERN/FLAGS");
    CASE("r1 kind=visit /abc\n", "1:15: missing pattern: no closing /");
    CASE("r1 kind=visit //\n", "1:15: missing pattern: empty //");
    CASE("r1 country=\"Lao PDR /x/\n", "1:12: unterminated quote");
    CASE("r1 kind=visit weight=0 /x/\n", "1:22: bad weight '0' (want 1..1000)");
    CASE("r1 kind=visit weight=1001 /x/\n",
         "1:22: bad weight '1001' (want 1..1000)");
    CASE("r1 kind=visit weight=ten /x/\n",
         "1:22: bad weight 'ten' (want 1..1000)");
    CASE("r1 kind=visit weight=1000 /x/\n", "OK");
    CASE("r1 country=$who /(?<c>Laos)/\n",
         "1:12: $who: no such named group in the pattern");
    CASE("r1 country=$c /(?<c>Laos)/\nr2 country=$0 /Laos/\n", "OK");
    CASE("kind=visit /x/\n", "1:1: empty ID: a rule line starts with its ID");
    CASE("/x/\n", "1:1: empty ID: a rule line starts with its ID");
    CASE("r#1 kind=visit /x/\n",
         "1:2: bad character in rule ID (want [A-Za-z0-9_.-])");
    CASE("r1 /x/\n", "1:1: rule 'r1' sets no key");
    CASE("r1 kind=visit kind=talks /x/\n", "1:15: key 'kind' set twice");
    CASE("r1 kind=visit /x/g\n", "1:18: unknown flag 'g' (want i or x)");
    CASE("# comment\n\nr1 kind=visit /a{NOPE}b/\n",
         "3:17: undefined macro {NOPE}");
    CASE("define UNUSED {NOPE}\n", "1:15: undefined macro {NOPE}");
    CASE("define lower x\n",
         "1:8: bad macro name 'lower' (want [A-Z][A-Z0-9_]*)");
    CASE("define EMPTY\n", "1:13: define needs a NAME and a TEXT");
    /* columns count characters: the en dash is three bytes, one column */
    CASE("r1 actor=\"Lao\xe2\x80\x93Korean\" colour=x /x/\n",
         "1:23: unknown option 'colour'");
    /* a PCRE2 error in the rule's own text after a macro: mapped back */
    CASE("define N (?:a|b)\nr1 kind=visit /{N}c)d/\n",
         "2:20: unmatched closing parenthesis");
    /* a brace that is not a macro reference is regex syntax */
    CASE("r1 kind=visit /a{2}\\{N}/\n", "OK");
    snprintf(want, sizeof want,
             "2:8: macro A already defined at %s/10-case.rules:1", tmp);
    CASE("define A x\ndefine A y\n", want);
    /* the head and resolve directives */
    CASE("head 2\nresolve kind head-only\nresolve country head-first\n"
         "resolve sector anywhere\n", "OK");
    CASE("resolve kind\n",
         "1:13: resolve needs a KEY and a MODE (head-first, head-only or "
         "anywhere)");
    CASE("resolve colour head-only\n", "1:9: resolve: unknown key 'colour'");
    CASE("resolve kind lead-only\n",
         "1:14: resolve: unknown mode 'lead-only' (want head-first, "
         "head-only or anywhere)");
    snprintf(want, sizeof want,
             "2:9: resolve for 'kind' already given at %s/10-case.rules:1",
             tmp);
    CASE("resolve kind head-only\nresolve kind anywhere\n", want);
    CASE("head 0\n", "1:6: head needs a number of paragraphs, 1..20");
    CASE("head 21\n", "1:6: head needs a number of paragraphs, 1..20");
    snprintf(want, sizeof want, "2:6: head already given at %s/10-case.rules:1",
             tmp);
    CASE("head 1\nhead 2\n", want);
    /* CRLF line ends and trailing blanks are tolerated */
    CASE("r1 kind=visit /x/i  \r\n", "OK");
#undef CASE
    rmdir(tmp);
}

static void test_folder_errors(void)
{
    char *got = load_result(DIR "/rules-broken-paren");
    CHECK_STR(got, DIR "/rules-broken-paren/10-paren.rules:3:38: "
                       "missing closing parenthesis");
    free(got);
    /* the error falls inside the macro's text: points at the reference */
    got = load_result(DIR "/rules-broken-macro");
    CHECK_STR(got, DIR "/rules-broken-macro/10-macro.rules:4:23: "
                       "quantifier does not follow a repeatable item");
    free(got);
    got = load_result(DIR "/rules-broken-dup");
    CHECK_STR(got, DIR "/rules-broken-dup/20-second.rules:3:3: duplicate rule "
                       "ID 'same.id' (first at " DIR
                       "/rules-broken-dup/10-first.rules:2)");
    free(got);
    got = load_result(DIR "/no-such-folder");
    CHECK_STR(got, DIR "/no-such-folder: cannot open rules directory: No such "
                       "file or directory");
    free(got);
}

static void test_ok(void)
{
    classify_rules *r = NULL;
    classify_error e = {0};
    CHECK_INT(classify_rules_load(DIR "/rules-ok", &r, &e), 0);
    if (!r)
        return;
    CHECK_INT(classify_rules_count(r), 12);

    /* identity: name, NUL, contents of each file in name order */
    kt_sha256 s;
    kt_sha256_init(&s);
    const char *names[] = {"10-macros.rules", "20-tags.rules"};
    for (int i = 0; i < 2; i++) {
        char path[512];
        size_t n;
        snprintf(path, sizeof path, "%s/%s", DIR "/rules-ok", names[i]);
        char *t = kt_read_file(path, &n);
        CHECK(t != NULL);
        kt_sha256_update(&s, names[i], strlen(names[i]) + 1);
        kt_sha256_update(&s, t, n);
        free(t);
    }
    char hex[65];
    kt_sha256_final_hex(&s, hex);
    CHECK_STR(classify_rules_hash(r), hex);
    CHECK_INT(strlen(classify_rules_hash(r)), 64);
    CHECK_INT(classify_rules_set_prefilter(r, 0), 1);
    CHECK_INT(classify_rules_set_prefilter(r, 1), 0);
    classify_rules_free(r);

    CHECK_INT(classify_rules_load(DIR "/rules-empty", &r, &e), 0);
    CHECK_INT(classify_rules_count(r), 0);
    CHECK_STR(classify_rules_hash(r),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    classify_rules_free(r);
}

static void test_error_format(void)
{
    classify_error e = {0};
    e.file = kt_strdup0("a.rules");
    e.message = kt_strdup0("m");
    e.line = 3;
    char *s = classify_error_format(&e);
    CHECK_STR(s, "a.rules:3: m");
    free(s);
    e.column = 7;
    s = classify_error_format(&e);
    CHECK_STR(s, "a.rules:3:7: m");
    free(s);
    classify_error_clear(&e);
    CHECK(e.file == NULL && e.message == NULL && e.line == 0);
}

int main(void)
{
    test_inline_errors();
    test_folder_errors();
    test_ok();
    test_error_format();
    return kt_test_summary();
}
