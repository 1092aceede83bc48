/* The manual: `kcnatrack --help` and `kcnatrack COMMAND --help`. */
#include "cli.h"

#include <string.h>

static const char overview[] =
"Usage: kcnatrack [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
"\n"
"Turns KCNA's English reports into an auditable SQLite database of North\n"
"Korea's foreign exchanges, in four stages that can run together (run) or\n"
"one by one after a change (fetch, extract, classify, store).\n"
"\n"
"Global options (before COMMAND):\n"
"  --db FILE        database (default $KCNATRACK_DB, else ./kcnatrack.db)\n"
"  --rules DIR      rules folder (default $KCNATRACK_RULES, else the\n"
"                   installed share/kcnatrack/rules, else the source tree's)\n"
"  --wait SECONDS   wait this long for another run's lock (default 0)\n"
"  -q, --quiet      print nothing when all went well\n"
"  -v, --verbose    say what each stage does, page by page\n"
"  --version        print the version\n"
"  -h, --help       this manual; `kcnatrack COMMAND --help` for a command\n"
"\n"
"Commands:\n"
"  fetch     crawl report pages over HTTP(S) into the database\n"
"  import    store local HTML files as pages\n"
"  extract   turn pages into documents (title, date, dateline, body)\n"
"  classify  apply rules/*.rules to documents: matches, tags, mentions\n"
"  store     consolidate mentions into events, one per real exchange\n"
"  run       fetch, extract, classify and store in order (for cron)\n"
"  export    print the events as CSV or JSON\n"
"  compare   compare the events with the commentary's tables\n"
"  status    recent runs, pending work, failing URLs\n"
"  explain   which reports and rule matches produced an event\n"
"  rules     check the rule set, run its examples, count what each rule did\n"
"\n"
"Exit status:\n"
"   0  success\n"
"   3  the run completed but some pages failed (they are retried next run)\n"
"  64  usage error\n"
"  65  bad input data (e.g. a broken rule file: file:line:column is named)\n"
"  69  a service or an input is unavailable (database, start URL, file)\n"
"  70  internal error\n"
"  75  another run holds the lock; retry later\n"
"\n"
"Files: the run lock is DB.lock beside the database; rules live in\n"
"DIR/*.rules, DIR/sites/*.site and DIR/tables.conf.\n";

static const struct {
    const char *name;
    const char *text;
} pages[] = {
{"fetch",
"Usage: kcnatrack fetch [--start URL ... | --site NAME] [OPTIONS]\n"
"\n"
"Crawls breadth-first from the start URLs (or a site's entry pages),\n"
"following links on allowed hosts, and stores every page with its URL,\n"
"final URL, HTTP status, content type and charset, ETag/Last-Modified,\n"
"body, content hash and time. An unchanged page is not stored twice.\n"
"Reports already held are not fetched again (unless --refresh); list\n"
"pages are re-fetched with conditional requests, and an unchanged list\n"
"(304, or the same content) still leads to the pages it links. A 304 is a\n"
"success. Failed pages are recorded with their error and retried by every\n"
"later run until they fail --give-up runs in a row; the start URLs and a\n"
"site's entry lists are never given up. Every link a crawl queues is kept\n"
"(the frontier) until it is fetched, so a run killed mid-walk loses\n"
"nothing: the next run starts from the failed URLs and the frontier too\n"
"(without --start or --site, fetch only does that). A host that refuses\n"
"connections (or whose robots.txt is unavailable) costs one line and exit\n"
"3; its URLs are left for the next run.\n"
"\n"
"  --start URL         a start URL (repeatable)\n"
"  --site NAME         start from the entry pages of site profile NAME\n"
"                      (rules/sites/NAME.site): kcna-co-jp, kcna-kp, kcnawatch\n"
"  --base-url URL      with --site: where the site is served (a mirror;\n"
"                      default: the profile's base URL)\n"
"  --full              with --site: walk every list page; by default a\n"
"                      daily run stops paging once a list brings nothing new\n"
"  --from YYYY-MM-DD, --to YYYY-MM-DD\n"
"                      follow only links dated in this period (dates read\n"
"                      from URLs such as .../YYYYMMDD-NNee.html); undated\n"
"                      links (most list pages) are always followed\n"
"  --allow-host HOST   follow links to HOST too (repeatable; default: the\n"
"                      start URLs' hosts)\n"
"  --depth N           link hops from a start URL (default 3; with --site,\n"
"                      no limit: the period and the stop rule bound it)\n"
"  --max-pages N       stop after N fetches (default: no cap)\n"
"  --delay-ms N        pause between requests to one host (default 2000)\n"
"  --concurrency N     requests at once per host (default 1, at most 3\n"
"                      unless --force-concurrency)\n"
"  --connect-timeout S give up connecting after S seconds (default 10)\n"
"  --timeout S         give up a transfer after S seconds (default 60)\n"
"  --low-speed-limit BYTES, --low-speed-time S\n"
"                      abort a transfer slower than BYTES/s for S seconds\n"
"                      (default 100 B/s for 20 s)\n"
"  --max-size BYTES    refuse bodies larger than this (default 5 MiB)\n"
"  --retries N         tries after the first, within one run, for timeouts,\n"
"                      connection failures, 408, 429 and 5xx, with\n"
"                      exponential backoff and Retry-After (default 3)\n"
"  --give-up N         stop retrying a URL after N failed runs in a row\n"
"                      (default 5; entries are never given up)\n"
"  --retry-given-up    try the given-up URLs once more in this run\n"
"  --refresh           re-fetch reports already held\n"
"  --ignore-robots     do not read robots.txt (for your own mirror only)\n"
"  --user-agent TEXT   default: kcnatrack/VERSION (+$KCNATRACK_CONTACT)\n"},
{"import",
"Usage: kcnatrack import PATH ... [--base-url URL]\n"
"\n"
"Stores local HTML files, or every .html/.htm/.kcmsf file below a folder,\n"
"as pages. With --base-url, a file's URL is the base URL joined with its\n"
"path relative to the folder given (so site profiles recognise mirrored\n"
"archives); without it, its file:// URL. From then on imported pages are\n"
"treated like fetched ones. Importing the same files again changes\n"
"nothing.\n"},
{"extract",
"Usage: kcnatrack extract [--all]\n"
"       kcnatrack extract --file PAGE.html [--url URL] [--charset NAME]\n"
"\n"
"Turns each page not yet extracted with the current site profiles into a\n"
"document: title, publication date (ISO 8601), dateline place, body\n"
"paragraphs, source URL and the profile used. Index and list pages are\n"
"marked as such; stories in other languages are marked foreign. --all\n"
"re-extracts every page. --file prints one page's document as JSON and\n"
"touches no database.\n"},
{"classify",
"Usage: kcnatrack classify [--all]\n"
"       kcnatrack classify --file FILE | --text TEXT [--date YYYY-MM-DD]\n"
"\n"
"Applies the rule set (rules/*.rules, identified by a hash of the files)\n"
"to every article not yet classified with it, storing every match (rule\n"
"id, file:line, field, byte offsets, text), the tags and the event\n"
"mention. Changing a rule file makes the next classify redo exactly the\n"
"documents classified under the old rule set. --all redoes everything.\n"
"A broken rule is reported as file:line:column: message (exit 65).\n"
"--file (text, or HTML when it ends in .html/.htm/.kcmsf) and --text print\n"
"matches, tags and mention as JSON and touch no database; the first line\n"
"of a text is taken as its title.\n"},
{"store",
"Usage: kcnatrack store [--all]\n"
"\n"
"Consolidates the mentions of classified reports into events (one row\n"
"per real-world exchange, listing all its reports) using rules/tables.conf,\n"
"assigns the commentary's tables, and writes them. Left-out kinds\n"
"(messages, video calls, tourism, sports, embassy routine, statements,\n"
"announced-only visits) stay as events with no table and a reason.\n"
"By default only the mentions that changed since the last store, and the\n"
"mentions within reach of them (same counterpart, dates within the\n"
"clustering gap), are consolidated again, so a daily run costs the same on\n"
"any archive; the events are exactly those of a full pass. --all (and any\n"
"change of tables.conf) consolidates every mention.\n"
"The summary line counts events written: done = in a table, skipped =\n"
"left out, unchanged = recomputed and found as stored.\n"},
{"run",
"Usage: kcnatrack run [fetch options]\n"
"\n"
"The cron command: fetch (start URLs or a site, plus every URL that\n"
"failed before and every link left queued), then extract, classify and\n"
"store, each taking only the work left for it, under one lock. With -q it\n"
"prints nothing when all went well; otherwise the errors and one summary\n"
"line per stage.\n"
"Exit 0 when all went well, 3 when pages failed or a host was unreachable\n"
"but the run completed (all is retried next run), 75 when another run\n"
"holds the lock.\n"},
{"export",
"Usage: kcnatrack export events [--format csv|json] [--table 1|2|3|0]\n"
"                        [--from YYYY-MM] [--to YYYY-MM] [--all]\n"
"\n"
"Prints one row per event with the header\n"
"event_id,table,month,country,location,sector,event_type,direction,title,\n"
"first_date,last_date,reports,sources\n"
"(table 1, 2, 3 or empty for left-out events, which are only listed with\n"
"--all or --table 0; sources: the reports' URLs separated by spaces).\n"},
{"compare",
"Usage: kcnatrack compare [--reference FILE] [--from YYYY-MM] [--to YYYY-MM]\n"
"                         [--format text|csv|json]\n"
"\n"
"Compares the events with a reference table (default: the commentary's,\n"
"reference/commentary-2024.csv beside the rules). Two rows match when\n"
"table, month, country (Tables 1-2), location and normalised sector agree;\n"
"rows sharing those values match as many-to-many counts. For each table:\n"
"matched, missed (reference only) and extra (found only) rows with their\n"
"reports; then precision, recall and F1 per table and overall. The period\n"
"defaults to the reference's.\n"},
{"status",
"Usage: kcnatrack status [--runs N] [--format text|json]\n"
"\n"
"What a cron user watches. First the entry pages (start URLs, a site's\n"
"entry lists) that are failing: while one fails every run exits 3. Then\n"
"the last N runs (default 10) with outcome, exit status and counts; the\n"
"URLs failing now (since when, how many tries in a row, the last error),\n"
"retried by the next run; the URLs given up after --give-up failures in a\n"
"row (retry them with `kcnatrack fetch --retry-given-up`); how many URLs\n"
"are healthy; and the work pending in each stage. A 304 is healthy.\n"
"--format json gives the same as one JSON object for monitoring scripts:\n"
"{\"urls\":{\"healthy\",\"failing\",\"entries_failing\",\"given_up\",\n"
"\"frontier\"}, \"counts\", \"pending\", \"problems\":[{\"url\",\"state\"\n"
"(entry_failing|failing|given_up),\"tries\",\"failing_since\",\n"
"\"last_error\",...}], \"runs\":[...]}.\n"},
{"rules",
"Usage: kcnatrack rules check | test | stats [--format text|json]\n"
"\n"
"The rule set (--rules DIR) as tested code.\n"
"  check  compiles every rule file, site profile and tables.conf and\n"
"         reports problems as file:line[:column]: errors (syntax, duplicate\n"
"         ids, unknown keys, undefined macros, patterns that can never\n"
"         match or match none of their examples) and warnings (patterns\n"
"         with no literal for the prefilter, which run on every report;\n"
"         rules shadowed by an earlier rule setting the same values).\n"
"  test   runs the examples written under every rule (rules/README.md):\n"
"         each failure as file:line: error: ..., and a rule without a\n"
"         positive example is one.\n"
"  stats  over the database: matches, reports and decided tags per rule;\n"
"         rules that never fired; rules always overridden.\n"
"Exit 65 when check or test finds an error, 0 otherwise (warnings too).\n"},
{"explain",
"Usage: kcnatrack explain EVENT_ID\n"
"\n"
"Prints, as JSON, the event as exported (with its reports' URLs and\n"
"titles) and its evidence: for each report and each of its values\n"
"(country, sector, kind, location, direction, status, delegation, date),\n"
"the rule (id, file:line) and the bytes (field, offsets, text) that set it.\n"
"Example: which report and rule made an event Military:\n"
"  kcnatrack explain ev-0123456789ab | grep '\"field\":\"sector\"'\n"},
};

void cli_print_help(FILE *f, const char *command)
{
    if (command) {
        for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
            if (!strcmp(pages[i].name, command)) {
                fputs(pages[i].text, f);
                return;
            }
        }
    }
    fputs(overview, f);
}
