#!/usr/bin/env python3
"""Render the hand-written KCNA-style reports into the three site layouts.

Reads tests/corpus/reports/*.txt (format: docs/conventions.md), checks every
file, then rebuilds tests/fixtures/site/ from scratch and writes
tests/fixtures/site-manifest.csv. The output depends only on the reports
(no clock, no randomness), so re-running it on the same input gives
byte-identical files and the committed output can be reviewed as a diff.

Usage: generate.py [--reports DIR] [--out DIR] [--manifest FILE]
                   [--reference CSV]
Exit status 0 on success; 1 with "file:line: message" lines on stderr when
an input is wrong (nothing is written then).

Python 3 standard library only.
"""

import argparse
import calendar
import csv
import hashlib
import html
import html.parser
import io
import os
import posixpath
import re
import shutil
import sys
from datetime import date, datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

SITES = ("kcna.co.jp", "kcna.kp", "kcnawatch")
# The folder each site lives in under the document root.
SITE_FOLDER = {"kcna.co.jp": "kcna.co.jp", "kcna.kp": "kcna.kp",
               "kcnawatch": "kcnawatch.org"}
REQUIRED = ("site", "date", "title", "split", "expect")
OPTIONAL = ("note", "lang", "charset")
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
MESES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
         "agosto", "septiembre", "octubre", "noviembre", "diciembre"]
LEADERS = ("Kim Jong Un", "Kim Il Sung", "Kim Jong Il")
PER_PAGE = 20


class InputError(Exception):
    """A problem in one report, located as file:line."""


def md5hex(text):
    """Hex MD5 of a string: stable names for pages (not security)."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def juche(d):
    """Juche year of a date (Juche 1 = 1912)."""
    return d.year - 1911


# ---------------------------------------------------------------- reading

class Report:
    """One parsed report file; every field already validated."""

    def __init__(self, name):
        self.name = name          # file name, e.g. t1-10-fedcouncil-a.txt
        self.headers = {}
        self.paragraphs = []
        self.date = None
        self.url_path = None      # path under the document root (manifest)
        self.file_path = None     # file written under the document root

    @property
    def site(self):
        return self.headers["site"]

    @property
    def title(self):
        return self.headers["title"]

    @property
    def lang(self):
        return self.headers.get("lang", "en")

    @property
    def charset(self):
        return self.headers.get("charset", "utf-8")


def parse_report(path, ref_ids):
    """Parses and validates one report; raises InputError("file:line: ...")."""
    name = os.path.basename(path)
    rel = os.path.relpath(path, ROOT) if path.startswith(ROOT) else path

    def fail(line, msg):
        """Raises the InputError for this file at line."""
        raise InputError("%s:%d: %s" % (rel, line, msg))

    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        fail(line, "not valid UTF-8")
    lines = text.split("\n")
    r = Report(name)
    header_line = {}
    i = 0
    while i < len(lines) and lines[i].strip() != "":
        m = re.match(r"^([a-z_]+): (.*\S)\s*$", lines[i])
        if not m:
            fail(i + 1, "missing header: line is not 'key: value'" if i == 0
                 else "header line is not 'key: value'")
        key, value = m.group(1), m.group(2)
        if key not in REQUIRED and key not in OPTIONAL:
            fail(i + 1, "unknown header key '%s'" % key)
        if key in r.headers:
            fail(i + 1, "header key '%s' given twice" % key)
        r.headers[key] = value
        header_line[key] = i + 1
        i += 1
    if i == 0:
        fail(1, "missing header (expected 'key: value' lines)")
    for key in REQUIRED:
        if key not in r.headers:
            fail(i + 1 if i < len(lines) else i, "missing header '%s'" % key)

    def hl(key):
        """Line number of a header key (for messages)."""
        return header_line[key]

    if r.site not in SITES:
        fail(hl("site"), "unknown site '%s' (one of %s)"
             % (r.site, ", ".join(SITES)))
    d = r.headers["date"]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d):
        fail(hl("date"), "bad date '%s' (YYYY-MM-DD)" % d)
    try:
        r.date = date.fromisoformat(d)
    except ValueError:
        fail(hl("date"), "bad date '%s' (no such day)" % d)
    if r.headers["split"] not in ("tune", "holdout"):
        fail(hl("split"), "split must be 'tune' or 'holdout'")
    exp = r.headers["expect"]
    if exp != "none":
        if not re.fullmatch(r"T[123]-\d\d", exp):
            fail(hl("expect"), "expect must be 'none' or a row id like T1-05")
        if ref_ids is not None and exp not in ref_ids:
            fail(hl("expect"), "row %s is not in the reference file" % exp)
    if r.lang not in ("en", "es"):
        fail(hl("lang"), "lang must be 'en' or 'es'")
    if r.lang == "es" and r.site != "kcna.co.jp":
        fail(hl("lang"), "Spanish stories exist only on kcna.co.jp here")
    if r.charset not in ("utf-8", "iso-8859-1"):
        fail(hl("charset"), "charset must be 'utf-8' or 'iso-8859-1'")
    if r.charset != "utf-8" and r.site != "kcna.co.jp":
        fail(hl("charset"), "only kcna.co.jp pages come in iso-8859-1")

    # Body: paragraphs separated by blank lines; a paragraph's lines join.
    para, start = [], None
    first_line = None
    for j in range(i, len(lines)):
        s = lines[j].strip()
        if s:
            if not para:
                start = j + 1
            para.append(s)
        elif para:
            r.paragraphs.append(" ".join(para))
            first_line = first_line or start
            para = []
    if para:
        r.paragraphs.append(" ".join(para))
        first_line = first_line or start
    if not r.paragraphs:
        fail(len(lines), "no body paragraphs after the header")
    if r.lang == "en":
        want = "Pyongyang, %s %d (KCNA) -- " % (MONTHS[r.date.month - 1],
                                                r.date.day)
        got = r.paragraphs[0].replace("\u00a0", " ")
        if not got.startswith(want):
            fail(first_line, "first paragraph must open with the dateline "
                 "'%s' matching date %s" % (want, d))
    if r.charset == "iso-8859-1":
        body = r.title + "".join(r.paragraphs)
        try:
            body.encode("iso-8859-1")
        except UnicodeEncodeError:
            fail(hl("charset"), "text has characters outside ISO-8859-1")
        if all(ord(c) < 128 for c in body):
            fail(hl("charset"), "an iso-8859-1 report must contain a "
                 "non-ASCII character (é, a no-break space ...)")
    return r


def load_reference_ids(path):
    """Row ids of the reference CSV, or None when it is absent (then
    expect ids are only checked for shape)."""
    if not path or not os.path.exists(path):
        return None
    with open(path, newline="", encoding="utf-8") as f:
        return {row["row_id"] for row in csv.DictReader(f)}


# ---------------------------------------------------------------- helpers

def esc(s):
    """Text escaped for element content."""
    return html.escape(s, quote=False)


def attr(s):
    """Text escaped for a double-quoted attribute."""
    return html.escape(s, quote=True)


def rel_link(from_path, to_path):
    """Relative href from the page at from_path to to_path (both under the
    document root). Relative links keep working however the root is served
    (folder prefix on the loopback server, or a plain file mirror)."""
    base = posixpath.dirname(from_path)
    target = to_path
    trailing = target.endswith("/")
    r = posixpath.relpath(target.rstrip("/") or ".", base or ".")
    if trailing:
        r = (r + "/") if r != "." else "./"
    return r


def slugify(title):
    """WordPress-like slug of a title: lower case, runs of other
    characters as "-", at most 90 characters."""
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s[:90].rstrip("-")


def wrap_leaders(escaped):
    """kcna.kp sets the leaders' names apart with inline elements."""
    for name in LEADERS:
        escaped = escaped.replace(
            name, '<nobr><span class="leader-name">%s</span></nobr>' % name)
    return escaped


def opening(text, words=24):
    """First words of a paragraph, as list pages and "More From" show."""
    w = text.split()
    return " ".join(w[:words]) + (" ..." if len(w) > words else "")


def us_date(d):
    """"May 24, 2024", KCNA Watch's date format."""
    return "%s %d, %d" % (MONTHS[d.month - 1], d.day, d.year)


def kp_stamp(d):
    """The kcna.kp source stamp "www.kcna.kp (Juche113.5.24.)"."""
    return "www.kcna.kp (Juche%d.%d.%d.)" % (juche(d), d.month, d.day)


# ---------------------------------------------------------------- kcna.co.jp

def cojp_assign(reports):
    """Numbers each day's stories 01, 02 ... per language, in publication
    order (file-name order within a day)."""
    counters = {}
    for r in sorted(reports, key=lambda x: (x.date, x.name)):
        key = (r.date, r.lang)
        counters[key] = counters.get(key, 0) + 1
        suffix = "ee" if r.lang == "en" else "sp"
        d = r.date
        r.url_path = "kcna.co.jp/item/%d/%d%02d/news%02d/%s-%02d%s.html" % (
            d.year, d.year, d.month, d.day, d.strftime("%Y%m%d"),
            counters[key], suffix)
        r.file_path = r.url_path


def cojp_article(r):
    """The kcna.co.jp story page of r as text (the caller encodes it
    in r.charset)."""
    d = r.date
    cal = "kcna.co.jp/item/%d/calendar-%de.html" % (d.year, d.year)
    if r.lang == "en":
        when = "%s %d. %d Juche %d" % (MONTHS[d.month - 1], d.day, d.year,
                                       juche(d))
    else:
        when = "%d de %s de %d Juche %d" % (d.day, MESES[d.month - 1],
                                           d.year, juche(d))
    # Two body styles seen in the archive: <p> blocks, or one <font> with
    # paragraphs separated by <br><br>. Which one is fixed by the file name.
    if int(md5hex(r.name), 16) % 2:
        body = "\n".join('<p><font size="2">%s</font></p>' % esc(p)
                         for p in r.paragraphs)
    else:
        body = ('<font size="2">' + "\n<br><br>".join(esc(p) for p in
                                                     r.paragraphs)
                + "</font>")
    return """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={cs}">
<title>KCNA</title>
</head>
<body bgcolor="#FFFFFF" text="#000000" link="#0000FF">
<table width="620" border="0" cellspacing="0" cellpadding="4" align="center">
<tr><td><font size="2" face="Arial"><a href="{cal}">calendar&gt;&gt;</a></font></td></tr>
<tr><td><font size="2" face="Arial">{when}</font></td></tr>
<tr><td><br><font size="3" face="Arial"><b>{title}</b></font><br><br></td></tr>
<tr><td>
{body}
</td></tr>
<tr><td><hr size="1" noshade>
<font size="1" face="Arial">Copyright (C) KOREA NEWS SERVICE(KNS) All Rights Reserved.</font></td></tr>
</table>
</body>
</html>
""".format(cs=r.charset, cal=attr(rel_link(r.file_path, cal)), when=when,
           title=esc(r.title), body=body)


def cojp_day_list(day, items):
    """Path and text of the e-news.html list of one day's stories."""
    d = day
    path = "kcna.co.jp/item/%d/%d%02d/news%02d/e-news.html" % (
        d.year, d.year, d.month, d.day)
    cal = "kcna.co.jp/item/%d/calendar-%de.html" % (d.year, d.year)
    rows = []
    # The archive lists the day's stories by number, languages mixed.
    for r in sorted(items, key=lambda x: (x.url_path[-9:-7], x.lang)):
        rows.append('<tr><td><font size="2"><a href="%s">%s</a></font>'
                    '</td></tr>' % (attr(rel_link(path, r.url_path)),
                                    esc(r.title)))
    page = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>KCNA News List</title>
</head>
<body bgcolor="#FFFFFF">
<table width="620" border="0" cellspacing="0" cellpadding="3" align="center">
<tr><td><font size="2"><a href="{cal}">calendar&gt;&gt;</a></font></td></tr>
<tr><td><font size="3"><b>{when}</b></font></td></tr>
{rows}
<tr><td><hr size="1"><font size="1">Copyright (C) KOREA NEWS SERVICE(KNS) All Rights Reserved.</font></td></tr>
</table>
</body>
</html>
""".format(cal=attr(rel_link(path, cal)),
           when="%s %d. %d Juche %d" % (MONTHS[d.month - 1], d.day, d.year,
                                        juche(d)),
           rows="\n".join(rows))
    return path, page


def cojp_calendar(year, days):
    """Path and text of a year calendar; days with stories are linked."""
    path = "kcna.co.jp/item/%d/calendar-%de.html" % (year, year)
    months = []
    for m in range(1, 13):
        weeks = []
        for week in calendar.Calendar(firstweekday=6).monthdayscalendar(
                year, m):
            cells = []
            for dd in week:
                if dd == 0:
                    cells.append("<td>&nbsp;</td>")
                elif date(year, m, dd) in days:
                    target = "kcna.co.jp/item/%d/%d%02d/news%02d/e-news.html" % (
                        year, year, m, dd)
                    cells.append('<td align="center"><font size="2">'
                                 '<a href="%s">%d</a></font></td>'
                                 % (attr(rel_link(path, target)), dd))
                else:
                    cells.append('<td align="center"><font size="2">%d'
                                 '</font></td>' % dd)
            weeks.append("<tr>" + "".join(cells) + "</tr>")
        months.append('<table border="1" cellspacing="0" cellpadding="2">\n'
                      '<tr><td colspan="7"><font size="2"><b>%s</b></font>'
                      '</td></tr>\n<tr><td>S</td><td>M</td><td>T</td><td>W'
                      '</td><td>T</td><td>F</td><td>S</td></tr>\n%s\n'
                      '</table>' % (MONTHS[m - 1], "\n".join(weeks)))
    page = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>KCNA Calendar {year}</title>
</head>
<body bgcolor="#FFFFFF">
<font size="4"><b>{year} Juche {j}</b></font>
{months}
</body>
</html>
""".format(year=year, j=year - 1911, months="\n<br>\n".join(months))
    return path, page


# ---------------------------------------------------------------- kcna.kp

def kp_list_path(n):
    """Path of the n-th (1-based) kcna.kp category list page."""
    return "kcna.kp/en/category/articles/q/%s.kcmsf" % md5hex(
        "kcna.kp list page %d" % n)


def kp_assign(reports):
    """Sets url_path/file_path of kcna.kp reports from their file names."""
    for r in reports:
        r.url_path = "kcna.kp/en/article/q/%s.kcmsf" % md5hex(r.name)
        r.file_path = r.url_path


def newest_first(reports):
    """Reports sorted as list pages show them: newest date first, and
    later publication (file-name order) first within a day."""
    return sorted(reports, key=lambda x: (x.date, x.name), reverse=True)


KP_HEADER = """<div class="header">
<div class="logo"><a href="{home}">KCNA</a></div>
<ul class="menu">
<li><a href="{home}">Top News</a></li>
<li><a href="{home}">Supreme Leader's Activities</a></li>
<li><a href="{home}">Politics</a></li>
<li><a href="{home}">Economy</a></li>
<li><a href="{home}">Society</a></li>
<li><a href="{home}">World</a></li>
</ul>
</div>"""

KP_FOOTER = """<div class="footer">
<p>Copyright &copy; 2024 KOREAN CENTRAL NEWS AGENCY (KCNA) of DPRK. All rights reserved.</p>
</div>"""


def kp_article(r, others):
    """The kcna.kp article page of r; others fill the sidebar."""
    home = rel_link(r.file_path, kp_list_path(1))
    paras = list(r.paragraphs)
    if not paras[-1].endswith("-0-"):
        paras[-1] = paras[-1] + " -0-"
    body = "\n".join("<p>%s</p>" % wrap_leaders(esc(p)) for p in paras)
    side = "\n".join('<li><a href="%s">%s</a></li>'
                     % (attr(rel_link(r.file_path, o.url_path)),
                        wrap_leaders(esc(o.title))) for o in others)
    return """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>KCNA | {plain}</title>
</head>
<body>
{header}
<div class="container">
<div class="main-column">
<div class="article-main-title"><strong>{title}</strong></div>
<div class="publish-info"><span class="publish-time">{stamp}</span></div>
<div class="article-content-body">
<div class="content-wrapper">
{body}
</div>
</div>
</div>
<div class="side-column">
<h3>Latest News</h3>
<ul class="side-list">
{side}
</ul>
</div>
</div>
{footer}
</body>
</html>
""".format(plain=esc(r.title), header=KP_HEADER.format(home=attr(home)),
           title=wrap_leaders(esc(r.title)), stamp=kp_stamp(r.date),
           body=body, side=side, footer=KP_FOOTER)


def kp_lists(reports):
    """Path and text of every kcna.kp list page, in page order."""
    ordered = newest_first(reports)
    pages = [ordered[i:i + PER_PAGE] for i in range(0, len(ordered),
                                                    PER_PAGE)] or [[]]
    out = []
    for n, items in enumerate(pages, 1):
        path = kp_list_path(n)
        lis = "\n".join(
            '<ul class="article-link"><li><a href="%s">%s</a>'
            '<span class="publish-time">[%s]</span></li></ul>'
            % (attr(rel_link(path, r.url_path)), wrap_leaders(esc(r.title)),
               r.date.strftime("%Y.%m.%d")) for r in items)
        nav = []
        if n > 1:
            nav.append('<a class="prev" href="%s">&lt; Prev</a>'
                       % attr(rel_link(path, kp_list_path(n - 1))))
        if n < len(pages):
            nav.append('<a class="next" href="%s">Next &gt;</a>'
                       % attr(rel_link(path, kp_list_path(n + 1))))
        page = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>KCNA | Top News</title>
</head>
<body>
{header}
<div class="container">
<div class="article-list">
{lis}
</div>
<div class="pagination">{nav}</div>
</div>
{footer}
</body>
</html>
""".format(header=KP_HEADER.format(home=attr(rel_link(path, kp_list_path(1)))),
           lis=lis, nav=" ".join(nav), footer=KP_FOOTER)
        out.append((path, page))
    return out


# ---------------------------------------------------------------- KCNA Watch

def kw_list_path(n):
    """URL path (a folder) of the n-th (1-based) newstream page."""
    return ("kcnawatch.org/newstream/" if n == 1
            else "kcnawatch.org/newstream/page/%d/" % n)


def kw_assign(reports):
    """Sets url_path (folder) and file_path (its index.html) of KCNA
    Watch reports from their date and file name."""
    for r in reports:
        h = int(md5hex(r.name), 16)
        # NK News stamps items a few hours after KCNA publishes (KST).
        base = int(datetime(r.date.year, r.date.month, r.date.day,
                            tzinfo=timezone.utc).timestamp())
        epoch = base + 3600 + h % 36000
        ident = 900000000 + (h >> 64) % 99999999
        r.url_path = "kcnawatch.org/newstream/%d-%d/%s/" % (
            epoch, ident, slugify(r.title))
        r.file_path = r.url_path + "index.html"


KW_HEAD = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>{title} | KCNA Watch</title>
<link rel="stylesheet" href="{css}" type="text/css" media="all">
</head>
<body class="{bodyclass}">
<div id="page" class="site">
<header id="masthead" class="site-header">
<div class="site-branding"><a href="{home}" rel="home">KCNA Watch</a></div>
<nav class="main-navigation"><ul class="menu">
<li class="menu-item"><a href="{home}">Newstream</a></li>
<li class="menu-item"><a href="{home}">KCNA.kp</a></li>
<li class="menu-item"><a href="{home}">Rodong Sinmun</a></li>
<li class="menu-item"><a href="{home}">Naenara</a></li>
</ul></nav>
</header>"""

KW_FOOT = """<footer id="colophon" class="site-footer">
<div class="site-info">KCNA Watch is a service of NK News. Content is archived from North Korean state media.</div>
</footer>
</div>
</body>
</html>
"""


def kw_article(r, others):
    """The KCNA Watch article page of r; others fill "More From"."""
    path = r.file_path
    home = rel_link(path, kw_list_path(1))
    paras = "\n".join("<p>%s</p>" % esc(p) for p in r.paragraphs)
    more = "\n".join(
        '<div class="more-item"><h4><a href="%s">%s</a></h4>'
        '<p>%s</p></div>' % (attr(rel_link(path, o.url_path)), esc(o.title),
                             esc(opening(o.paragraphs[0])))
        for o in others)
    head = KW_HEAD.format(title=esc(r.title), home=attr(home),
                          css=attr(rel_link(path, "kcnawatch.org/style.css")),
                          bodyclass="post-template-default single single-post")
    return head + """
<div id="content" class="site-content">
<div class="row">
<main id="main" class="col-md-8 site-main">
<article class="post type-post status-publish">
<header class="entry-header">
<h1 class="entry-title">{title}</h1>
<div class="articled-date"><span>{when}</span></div>
</header>
<div class="article-content">
{paras}
<p class="source-stamp">{stamp}</p>
</div>
</article>
</main>
<aside class="col-md-4 sidebar">
<div class="more-from">
<h3>More From KCNA.kp</h3>
{more}
</div>
</aside>
</div>
</div>
""".format(title=esc(r.title), when=us_date(r.date), paras=paras,
           stamp=kp_stamp(r.date), more=more) + KW_FOOT


def kw_lists(reports):
    """Path and text of every newstream list page, in page order."""
    ordered = newest_first(reports)
    pages = [ordered[i:i + PER_PAGE] for i in range(0, len(ordered),
                                                    PER_PAGE)] or [[]]
    out = []
    for n, items in enumerate(pages, 1):
        path = kw_list_path(n) + "index.html"
        arts = "\n".join(
            '<article class="post">\n<h2 class="entry-title"><a href="%s">'
            '%s</a></h2>\n<div class="articled-date"><span>%s</span></div>\n'
            '<div class="entry-summary"><p>%s</p></div>\n</article>'
            % (attr(rel_link(path, r.url_path)), esc(r.title),
               us_date(r.date), esc(opening(r.paragraphs[0])))
            for r in items)
        nav = []
        if n > 1:
            nav.append('<a class="prev page-numbers" href="%s">Newer</a>'
                       % attr(rel_link(path, kw_list_path(n - 1))))
        if n < len(pages):
            nav.append('<a class="next page-numbers" href="%s">Older</a>'
                       % attr(rel_link(path, kw_list_path(n + 1))))
        head = KW_HEAD.format(title="Newstream", home=attr(rel_link(
            path, kw_list_path(1))), css=attr(rel_link(
                path, "kcnawatch.org/style.css")), bodyclass="archive")
        page = head + """
<div id="content" class="site-content">
<main id="main" class="site-main">
<h1 class="page-title">Newstream</h1>
{arts}
<nav class="pagination">{nav}</nav>
</main>
</div>
""".format(arts=arts, nav=" ".join(nav)) + KW_FOOT
        out.append((path, page))
    return out


# ---------------------------------------------------------------- checking

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
# HTML 4 lets these close implicitly; our pages always close them anyway.


class PageChecker(html.parser.HTMLParser):
    """Collects hrefs and checks that every element is closed in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.hrefs, self.errors = [], [], []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "href" and v is not None:
                self.hrefs.append(v)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s> (open: %s)"
                               % (tag, "/".join(self.stack[-3:])))
        else:
            self.stack.pop()


def check_output(out_dir, files):
    """Every page well nested, every link pointing at a written file (a
    link to a folder needs its index.html). Returns a list of problems."""
    problems = []
    written = set(files)
    for path, data in sorted(files.items()):
        if not path.endswith((".html", ".kcmsf")):
            continue
        enc = "iso-8859-1" if b"charset=iso-8859-1" in data[:400] else "utf-8"
        p = PageChecker()
        p.feed(data.decode(enc))
        p.close()
        if p.stack:
            p.errors.append("unclosed: %s" % "/".join(p.stack))
        problems += ["%s: %s" % (path, e) for e in p.errors]
        for href in p.hrefs:
            target = posixpath.normpath(posixpath.join(
                posixpath.dirname(path), href))
            if href.endswith("/"):
                target = target + "/index.html"
            if target not in written:
                problems.append("%s: link %s resolves to missing %s"
                                % (path, href, target))
    return problems


# ---------------------------------------------------------------- main

def build(reports):
    """Returns {path under the document root: bytes} for the whole site."""
    by_site = {s: [r for r in reports if r.site == s] for s in SITES}
    cojp_assign(by_site["kcna.co.jp"])
    kp_assign(by_site["kcna.kp"])
    kw_assign(by_site["kcnawatch"])
    files = {}

    def put(path, text, charset="utf-8"):
        """Adds one output file; two pages on one path is an input error."""
        if path in files:
            raise InputError("two pages would be written to %s" % path)
        files[path] = text.encode(charset)

    # kcna.co.jp
    days = {}
    for r in by_site["kcna.co.jp"]:
        put(r.file_path, cojp_article(r), r.charset)
        days.setdefault(r.date, []).append(r)
    for day, items in sorted(days.items()):
        put(*cojp_day_list(day, items))
    years = sorted({d.year for d in days})
    for y in years:
        put(*cojp_calendar(y, set(days)))

    # kcna.kp: the sidebar shows the stories published just before/after.
    kp = newest_first(by_site["kcna.kp"])
    for i, r in enumerate(kp):
        others = [kp[(i + k) % len(kp)] for k in (1, 2, 3, 4, 5)
                  if len(kp) > k][:5]
        put(r.file_path, kp_article(r, others))
    for path, page in kp_lists(kp):
        put(path, page)

    # KCNA Watch: "More From" shows three neighbours in the newstream.
    kw = newest_first(by_site["kcnawatch"])
    for i, r in enumerate(kw):
        others = [kw[(i + k) % len(kw)] for k in (1, 2, 3) if len(kw) > k]
        put(r.file_path, kw_article(r, others))
    for path, page in kw_lists(kw):
        put(path, page)
    put("kcnawatch.org/style.css", "body { font-family: sans-serif; }\n")

    # Root index
    links = ['<li><a href="kcna.co.jp/item/%d/calendar-%de.html">kcna.co.jp '
             'calendar %d</a></li>' % (y, y, y) for y in years]
    links.append('<li><a href="%s">kcna.kp: Top News</a></li>'
                 % kp_list_path(1))
    links.append('<li><a href="kcnawatch.org/newstream/">KCNA Watch '
                 'newstream</a></li>')
    put("index.html", """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kcnatrack test sites</title>
</head>
<body>
<h1>kcnatrack test sites</h1>
<ul>
%s
</ul>
</body>
</html>
""" % "\n".join(links))
    return files


def main(argv):
    """Command line entry; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", default=os.path.join(HERE, "reports"))
    ap.add_argument("--select", default="",
                    help="render only reports whose file name matches this "
                         "regular expression (e.g. the sample corpus)")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures",
                                                  "site"))
    ap.add_argument("--manifest", default=os.path.join(
        ROOT, "tests", "fixtures", "site-manifest.csv"))
    ap.add_argument("--reference", default=os.path.join(
        ROOT, "reference", "commentary-2024.csv"))
    a = ap.parse_args(argv)

    ref_ids = load_reference_ids(a.reference)
    select = re.compile(a.select)
    names = sorted(n for n in os.listdir(a.reports)
                   if n.endswith(".txt") and select.search(n))
    reports, errors = [], []
    for n in names:
        try:
            reports.append(parse_report(os.path.join(a.reports, n), ref_ids))
        except InputError as e:
            errors.append(str(e))
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        return 1
    try:
        files = build(reports)
    except InputError as e:
        print(e, file=sys.stderr)
        return 1
    problems = check_output(a.out, files)
    if problems:
        for p in problems:
            print("generate.py: bad output: " + p, file=sys.stderr)
        return 1

    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    for path, data in sorted(files.items()):
        full = os.path.join(a.out, *path.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["path", "source", "site", "split", "expect", "pub_date",
                "title"])
    for r in sorted(reports, key=lambda x: x.url_path):
        w.writerow([r.url_path, r.name, r.site, r.headers["split"],
                    r.headers["expect"], r.date.isoformat(), r.title])
    with open(a.manifest, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())

    counts = {}
    for r in reports:
        k = (r.site, r.headers["split"],
             "none" if r.headers["expect"] == "none" else "row")
        counts[k] = counts.get(k, 0) + 1
    print("%d reports, %d files written to %s" % (len(reports), len(files),
                                                   a.out))
    for k in sorted(counts):
        print("  %-10s %-7s %-4s %d" % (k + (counts[k],)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
