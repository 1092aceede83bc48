/* Unit tests for util/kt_util.c. */
#include "kt_test.h"
#include "kt_util.h"

#include <stdlib.h>

static void test_sha256(void)
{
    char hex[65];
    kt_sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    kt_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* A message longer than one block, fed in pieces. */
    kt_sha256 s;
    kt_sha256_init(&s);
    const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    kt_sha256_update(&s, msg, 10);
    kt_sha256_update(&s, msg + 10, strlen(msg) - 10);
    kt_sha256_final_hex(&s, hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_json(void)
{
    kt_buf b = {0};
    kt_buf_json_string(&b, "a\"b\\\n\x01\xff", 7);
    CHECK_STR(b.data, "\"a\\\"b\\\\\\n\\u0001\xEF\xBF\xBD\"");
    kt_buf_free(&b);
    kt_buf_json_cstr(&b, NULL);
    CHECK_STR(b.data, "null");
    char *taken = kt_buf_take(&b);
    CHECK_STR(taken, "null");
    CHECK(b.data == NULL);
    free(taken);
}

static void test_dates(void)
{
    int y, m, d;
    CHECK_INT(kt_date_parse("2024-05-24", &y, &m, &d), 0);
    CHECK_INT(y * 10000 + m * 100 + d, 20240524);
    CHECK_INT(kt_date_parse("2023-02-29", &y, &m, &d), -1);
    CHECK_INT(kt_date_parse("2024-02-29", &y, &m, &d), 0);
    CHECK_INT(kt_date_parse("2024-5-24x", &y, &m, &d), -1);
    CHECK_INT(kt_days_from_civil(1970, 1, 1), 0);
    kt_civil_from_days(kt_days_from_civil(2024, 3, 1) - 1, &y, &m, &d);
    CHECK_INT(y * 10000 + m * 100 + d, 20240229);
    CHECK_INT(kt_weekday(2024, 5, 24), 5); /* a Friday */
    CHECK_INT(kt_weekday(1969, 12, 28), 0); /* a Sunday before the epoch */
}

int main(void)
{
    test_sha256();
    test_json();
    test_dates();
    return kt_test_summary();
}
