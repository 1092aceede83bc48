/*
 * kcnatrack: entry point. Parses the global options, finds the rules
 * folder, and hands the rest of the command line to one command.
 */
#include "cli.h"
#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kt_util.h"

static const struct {
    const char *name;
    cli_command_fn fn;
} commands[] = {
    {"fetch", cli_cmd_fetch},     {"import", cli_cmd_import},
    {"extract", cli_cmd_extract}, {"classify", cli_cmd_classify},
    {"store", cli_cmd_store},     {"run", cli_cmd_run},
    {"export", cli_cmd_export},   {"compare", cli_cmd_compare},
    {"status", cli_cmd_status},   {"explain", cli_cmd_explain},
    {"rules", cli_cmd_rules},     {"audit", cli_cmd_audit},
    {"search", cli_cmd_search},
};

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("kcnatrack: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* One line on stderr. */
static void vline(const char *fmt, va_list ap)
{
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_fail(char *err, int code)
{
    cli_error("%s", err ? err : "unknown error");
    free(err);
    return code;
}

void cli_debug(const cli_ctx *ctx, const char *fmt, ...)
{
    if (!ctx->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    }
    return 0;
}

long cli_parse_long(const char *opt, const char *value, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(value ? value : "", &end, 10);
    if (!value || !*value || *end || errno || v < min || v > max) {
        cli_error("%s: '%s' is not a whole number from %ld to %ld", opt,
                  value ? value : "", min, max);
        return -1;
    }
    return v;
}

char *cli_rules_path(const cli_ctx *ctx, const char *name)
{
    kt_buf b = {0};
    kt_buf_printf(&b, "%s/%s", ctx->rules_dir, name);
    return kt_buf_take(&b);
}

static int is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The rules folder when neither --rules nor $KCNATRACK_RULES names one: an
 * installed binary (BIN/kcnatrack) uses BIN/../share/kcnatrack/rules; a
 * binary in a build tree uses the source tree's rules/. Returns a pointer to
 * static storage. */
static const char *default_rules_dir(void)
{
    static char found[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(exe);
        snprintf(found, sizeof found, "%s/../share/kcnatrack/rules", dir);
        if (is_dir(found))
            return found;
    }
    if (is_dir(KT_SOURCE_RULES_DIR))
        return KT_SOURCE_RULES_DIR;
    return KT_INSTALL_RULES_DIR;
}

/* Opens ctx->db with the store's flags, mapping why it failed to an exit
 * status: a file that is not a usable kcnatrack database is bad data (65);
 * a missing one, or one that cannot be opened, is unavailable (69). */
static int open_db(cli_ctx *ctx, int flags)
{
    if (ctx->db)
        return 0;
    char *err = NULL;
    int rc = store_open_mode(ctx->db_path, flags, &ctx->db, &err);
    if (rc < 0) {
        cli_error("%s", err ? err : "cannot open the database");
        free(err);
        return rc == STORE_OPEN_BAD ? CLI_EXIT_DATAERR : CLI_EXIT_UNAVAILABLE;
    }
    return 0;
}

int cli_open_db(cli_ctx *ctx)
{
    return open_db(ctx, 0);
}

int cli_open_db_readonly(cli_ctx *ctx)
{
    return open_db(ctx, STORE_OPEN_READONLY);
}

/* Reads the holder's description from an open lock file into buf. */
static void read_lock_holder(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);
    if (n < 0)
        n = 0;
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    if (!buf[0])
        snprintf(buf, size, "an unknown process");
}

/* flock() rather than a PID file: the kernel drops the lock when its holder
 * dies, so a crashed run never blocks the next one. */
int cli_lock(cli_ctx *ctx, const char *command)
{
    if (ctx->lock_fd >= 0)
        return 0;
    kt_buf path = {0};
    kt_buf_printf(&path, "%s.lock", ctx->db_path);
    int fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        cli_error("%s: cannot open the lock file: %s", path.data,
                  strerror(errno));
        kt_buf_free(&path);
        return CLI_EXIT_UNAVAILABLE;
    }
    time_t deadline = time(NULL) + ctx->lock_wait_s;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            cli_error("%s: cannot lock: %s", path.data, strerror(errno));
            close(fd);
            kt_buf_free(&path);
            return CLI_EXIT_UNAVAILABLE;
        }
        if (time(NULL) >= deadline) {
            char holder[256];
            read_lock_holder(fd, holder, sizeof holder);
            cli_error("another run holds %s: %s; try again later "
                      "(or pass --wait SECONDS)", path.data, holder);
            close(fd);
            kt_buf_free(&path);
            return CLI_EXIT_TEMPFAIL;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char line[256];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int len = snprintf(line, sizeof line, "pid %ld, kcnatrack %s, started %s\n",
                       (long)getpid(), command, when);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)len, 0) != len)
        cli_debug(ctx, "could not describe the lock holder in %s", path.data);
    kt_buf_free(&path);
    ctx->lock_fd = fd;
    return 0;
}

void cli_unlock(cli_ctx *ctx)
{
    if (ctx->lock_fd < 0)
        return;
    if (ftruncate(ctx->lock_fd, 0) != 0)
        cli_debug(ctx, "could not clear the lock file");
    close(ctx->lock_fd); /* closing drops the flock */
    ctx->lock_fd = -1;
}

void cli_run_begin(cli_ctx *ctx, const char *command, int argc, char **argv)
{
    if (!ctx->db || ctx->run_id)
        return;
    kt_buf args = {0};
    for (int i = 1; i < argc; i++)
        kt_buf_printf(&args, "%s%s", i > 1 ? " " : "", argv[i]);
    char *err = NULL;
    if (store_run_begin(ctx->db, command, args.data ? args.data : "",
                        &ctx->run_id, &err)) {
        cli_debug(ctx, "could not record the run: %s", err ? err : "");
        free(err);
        ctx->run_id = 0;
    }
    kt_buf_free(&args);
}

void cli_run_end(cli_ctx *ctx, int exit_status, const char *counts)
{
    if (!ctx->db || !ctx->run_id)
        return;
    const char *outcome = exit_status == CLI_EXIT_OK        ? "ok"
                          : exit_status == CLI_EXIT_PARTIAL ? "partial"
                                                            : "failed";
    char *err = NULL;
    if (store_run_end(ctx->db, ctx->run_id, outcome, exit_status,
                      counts ? counts : "", &err)) {
        cli_error("could not record the end of the run: %s", err ? err : "");
        free(err);
    }
    ctx->run_id = 0;
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("kcnatrack: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'kcnatrack --help'.\n", stderr);
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    cli_ctx ctx = {0};
    ctx.lock_fd = -1;
    ctx.db_path = getenv("KCNATRACK_DB");
    if (!ctx.db_path || !*ctx.db_path)
        ctx.db_path = "kcnatrack.db";
    ctx.rules_dir = getenv("KCNATRACK_RULES");
    if (!ctx.rules_dir || !*ctx.rules_dir)
        ctx.rules_dir = NULL;

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--db") || !strcmp(a, "--rules") ||
            !strcmp(a, "--wait")) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            const char *v = argv[++i];
            /* SQLite takes "" for a private temporary database: a run
             * would report its work done and keep none of it. */
            if (!strcmp(a, "--db") && !*v)
                return usage_error("%s needs a file name, not ''", a);
            if (!strcmp(a, "--db"))
                ctx.db_path = v;
            else if (!strcmp(a, "--rules"))
                ctx.rules_dir = v;
            else if ((ctx.lock_wait_s = cli_parse_long(a, v, 0, 86400)) < 0)
                return CLI_EXIT_USAGE;
        } else if (!strncmp(a, "--db=", 5)) {
            if (!a[5])
                return usage_error("%s needs a file name, not ''", "--db");
            ctx.db_path = a + 5;
        } else if (!strncmp(a, "--rules=", 8)) {
            ctx.rules_dir = a + 8;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            ctx.quiet = 1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            ctx.verbose = 1;
        } else if (!strcmp(a, "--version")) {
            printf("kcnatrack %s\n", KT_VERSION);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_print_help(stdout, NULL);
            return CLI_EXIT_OK;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (i >= argc) {
        cli_print_help(stderr, NULL);
        return CLI_EXIT_USAGE;
    }
    if (!ctx.rules_dir)
        ctx.rules_dir = default_rules_dir();

    const char *name = argv[i];
    if (!strcmp(name, "help")) {
        cli_print_help(stdout, i + 1 < argc ? argv[i + 1] : NULL);
        return CLI_EXIT_OK;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(commands[c].name, name))
            continue;
        if (cli_wants_help(argc - i, argv + i)) {
            cli_print_help(stdout, name);
            return CLI_EXIT_OK;
        }
        if (fetch_global_init()) {
            cli_error("libcurl could not be initialised");
            return CLI_EXIT_SOFTWARE;
        }
        int rc = commands[c].fn(&ctx, argc - i, argv + i);
        if (ctx.run_id)
            cli_run_end(&ctx, rc, NULL);
        if (ctx.db)
            store_close(ctx.db);
        cli_unlock(&ctx);
        fetch_global_cleanup();
        return rc;
    }
    return usage_error("unknown command '%s'", name);
}
