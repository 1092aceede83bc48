/*
 * test_classify_dates: classify_resolve_date over a table of phrases,
 * publication dates and past/future modes.
 */
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "kt_test.h"

typedef struct date_case {
    const char *phrase;
    const char *pub;
    int future;
    const char *want; /* NULL: no date in the phrase */
} date_case;

/* 2024-05-22 is a Wednesday. */
static const date_case cases[] = {
    {"on Monday", "2024-05-22", 0, "2024-05-20"},
    {"Monday", "2024-05-22", 0, "2024-05-20"},
    {"ON MONDAY", "2024-05-22", 0, "2024-05-20"},
    {"on Wednesday", "2024-05-22", 0, "2024-05-22"},
    {"on Thursday", "2024-05-22", 0, "2024-05-16"},
    {"on Wednesday", "2024-05-22", 1, "2024-05-29"},
    {"on Monday", "2024-05-22", 1, "2024-05-27"},
    {"on Thursday", "2024-05-22", 1, "2024-05-23"},
    {"on May 22", "2024-05-22", 0, "2024-05-22"},
    {"May 20", "2024-05-22", 0, "2024-05-20"},
    {"22 May", "2024-05-22", 0, "2024-05-22"},
    {"May 22nd", "2024-05-22", 0, "2024-05-22"},
    {"on June 30", "2024-05-22", 0, "2024-06-30"},
    {"on August 1", "2024-05-22", 0, "2023-08-01"},
    {"Sept. 3", "2024-05-22", 0, "2023-09-03"},
    {"on December 30", "2024-01-10", 0, "2023-12-30"},
    {"on January 3", "2024-12-28", 1, "2025-01-03"},
    {"on May 1", "2024-05-22", 1, "2025-05-01"},
    {"on May 30", "2024-05-22", 1, "2024-05-30"},
    {"May 22, 2024", "2025-01-01", 0, "2024-05-22"},
    {"May 22 2023", "2024-05-22", 0, "2023-05-22"},
    {"22 May 2023", "2024-05-22", 0, "2023-05-22"},
    {"2024-05-22", "2024-06-01", 0, "2024-05-22"},
    {"on 2023-12-01", "2024-06-01", 1, "2023-12-01"},
    {"today", "2024-05-22", 0, "2024-05-22"},
    {"that day", "2024-05-22", 0, "2024-05-22"},
    {"on the same day", "2024-05-22", 1, "2024-05-22"},
    {"yesterday", "2024-05-22", 0, "2024-05-21"},
    {"yesterday", "2024-03-01", 0, "2024-02-29"},
    {"tomorrow", "2024-12-31", 1, "2025-01-01"},
    {"from May 20 to 24", "2024-05-22", 0, "2024-05-20"},
    {"May 20-24", "2024-05-22", 0, "2024-05-20"},
    {"May 20\xe2\x80\x93" "24, 2023", "2024-05-22", 0, "2023-05-20"},
    {"20-24 May", "2024-05-22", 0, "2024-05-20"},
    {"on Monday, May 13", "2024-05-22", 0, "2024-05-13"},
    {"on February 29", "2023-03-10", 0, NULL},
    {"2024-02-30", "2024-03-01", 0, NULL},
    {"March 32", "2024-05-22", 0, NULL},
    {"May", "2024-05-22", 0, NULL},
    {"nothing here", "2024-05-22", 0, NULL},
    {"on Monday", NULL, 0, NULL},
    {"May 22, 2024", NULL, 0, "2024-05-22"},
    {"May 22", NULL, 0, NULL},
    {"", "2024-05-22", 0, NULL},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const date_case *c = &cases[i];
        char out[11] = "unset";
        int rc = classify_resolve_date(c->phrase, c->pub, c->future, out);
        if (c->want) {
            CHECK_INT(rc, 0);
            if (strcmp(out, c->want) != 0)
                fprintf(stderr, "case %zu: \"%s\"\n", i, c->phrase);
            CHECK_STR(out, c->want);
        } else {
            if (rc != -1)
                fprintf(stderr, "case %zu: \"%s\" gave %s\n", i, c->phrase, out);
            CHECK_INT(rc, -1);
        }
    }
    char out[11];
    CHECK_INT(classify_resolve_date(NULL, "2024-05-22", 0, out), -1);
    return kt_test_summary();
}
