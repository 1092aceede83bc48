# Writes the English stories of xmarquez/KCNA's KCNA_2011 and KCNA_2012
# data sets as one tab-separated file, one story a line:
#   url <TAB> date <TAB> title <TAB> paragraphs joined by " \\n "
# The URL is the kcna.co.jp story URL kcnatrack gives the story when the
# scratch corpus is rendered: /item/YYYY/YYYYMM/newsDD/YYYYMMDD-NNee.html,
# NN the story's place among that day's English stories in the data set.
# Usage: Rscript export.R DATA_DIR OUT.tsv
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript export.R DATA_DIR OUT.tsv")
load(file.path(args[1], "KCNA_2011.rda"))
load(file.path(args[1], "KCNA_2012.rda"))
a <- rbind(KCNA_2011, KCNA_2012)
a <- a[a$language == "en" & !is.na(a$title), ]
a$date <- as.character(a$date)
a <- a[order(a$date, seq_len(nrow(a))), ]
nn <- ave(seq_len(nrow(a)), a$date, FUN = seq_along)
ymd <- gsub("-", "", a$date)
url <- sprintf("http://www.kcna.co.jp/item/%s/%s/news%s/%s-%02dee.html",
               substr(ymd, 1, 4), substr(ymd, 1, 6), substr(ymd, 7, 8), ymd, nn)
clean <- function(s) {
  s[is.na(s)] <- ""
  s <- gsub("[\t\r\n]+", " ", s)
  # The data set joins paragraphs with ", , "; runs of them end a story.
  s <- gsub("(\\s*,)+\\s*$", "", s, perl = TRUE)
  # A paragraph ends with a full stop (or a closing quote) followed by one
  # or more commas; a comma inside a sentence follows a word.
  s <- gsub("([.!?\"'\u2019\u201d])\\s*,(\\s*,)*\\s+", "\\1 \\\\n ", s,
            perl = TRUE)
  trimws(s)
}
out <- data.frame(url = url, date = a$date, title = clean(a$title),
                  story = clean(a$story))
write.table(out, args[2], sep = "\t", quote = FALSE, row.names = FALSE,
            col.names = FALSE, fileEncoding = "UTF-8")
cat(nrow(out), "stories written to", args[2], "\n")
