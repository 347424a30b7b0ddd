/* test_utf8.c - UTF-8 checks, cuts at character boundaries and the
 * head-and-tail cap of long texts. */
#include "unit.h"

#include "fixproof/buf.h"
#include "fixproof/utf8.h"

static void test_utf8_valid_refuses_overlong_surrogate_and_nul(void **state)
{
	(void)state;
	assert_true(fp_utf8_valid("plain ascii text, longer than a word", 36));
	assert_true(fp_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_false(fp_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	assert_false(fp_utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
	assert_false(fp_utf8_valid("\xf4\x90\x80\x80", 4)); /* over U+10FFFF */
	assert_false(fp_utf8_valid("abcdefgh\0ijk", 12));   /* NUL inside a word */
	assert_false(fp_utf8_valid("\xe2\x82", 2));         /* cut short */
}

static void test_utf8_clean_replaces_bad_bytes_and_drops_nul(void **state)
{
	fp_buf b = FP_BUF_INIT;

	(void)state;
	assert_int_equal(fp_utf8_clean(&b, "a\xff" "b\0c\xc3\xa9", 7), 2);
	assert_memory_equal(b.ptr, "a\xef\xbf\xbd" "bc\xc3\xa9", 8);
	assert_int_equal(b.len, 8);
	fp_buf_free(&b);
}

static void test_utf8_cut_never_splits_a_character(void **state)
{
	static const char s[] = "ab\xe2\x82\xac" "cd"; /* "ab€cd" */

	(void)state;
	assert_int_equal(fp_utf8_cut(s, 7, 10), 7);
	assert_int_equal(fp_utf8_cut(s, 7, 5), 5);
	assert_int_equal(fp_utf8_cut(s, 7, 4), 2);
	assert_int_equal(fp_utf8_cut(s, 7, 3), 2);
	assert_int_equal(fp_utf8_cut(s, 7, 2), 2);
	assert_int_equal(fp_utf8_cut(s, 7, 0), 0);
}

/* A text of `n` bytes: "€" (3 bytes) repeated, so every cut point but one
 * in three falls inside a character. */
static void euros(fp_buf *out, size_t n)
{
	while (out->len + 3 <= n)
		fp_buf_puts(out, "\xe2\x82\xac");
	while (out->len < n)
		fp_buf_putc(out, 'x');
}

static void test_text_cap_keeps_head_and_tail_at_boundaries(void **state)
{
	fp_buf text = FP_BUF_INIT, out = FP_BUF_INIT;
	const size_t cap = 1000;
	unsigned long long left;
	const char *mark;
	size_t head;

	(void)state;
	euros(&text, 3000);
	fp_text_cap(&out, text.ptr, text.len, text.ptr, text.len, text.len, cap);
	assert_true(out.len <= cap);
	assert_true(fp_utf8_valid(out.ptr, out.len));
	mark = strstr(out.ptr, "\n[... ");
	assert_non_null(mark);
	head = (size_t)(mark - out.ptr);
	assert_int_equal(head, 249); /* 250 cut back to the last whole "€" */
	assert_int_equal(sscanf(mark, "\n[... %llu bytes left out by fixproof ...]\n", &left), 1);
	/* What is kept and what is left out add up to the text. */
	assert_int_equal(out.len - (size_t)(strchr(mark + 1, '\n') + 1 - out.ptr) + head + left,
			 text.len);
	fp_buf_free(&out);
	fp_buf_free(&text);
}

static void test_text_cap_from_pieces_equals_cap_of_whole(void **state)
{
	fp_buf text = FP_BUF_INIT, whole = FP_BUF_INIT, pieces = FP_BUF_INIT;
	const size_t cap = 1024;

	(void)state;
	euros(&text, 50001);
	fp_text_cap(&whole, text.ptr, text.len, text.ptr, text.len, text.len, cap);
	/* A streaming reader keeps only the ends: 300 bytes of head, 900 of tail. */
	fp_text_cap(&pieces, text.ptr, 300, text.ptr + text.len - 900, 900, text.len, cap);
	assert_int_equal(pieces.len, whole.len);
	assert_memory_equal(pieces.ptr, whole.ptr, whole.len);
	fp_buf_free(&pieces);
	fp_buf_free(&whole);
	fp_buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid_refuses_overlong_surrogate_and_nul),
		cmocka_unit_test(test_utf8_clean_replaces_bad_bytes_and_drops_nul),
		cmocka_unit_test(test_utf8_cut_never_splits_a_character),
		cmocka_unit_test(test_text_cap_keeps_head_and_tail_at_boundaries),
		cmocka_unit_test(test_text_cap_from_pieces_equals_cap_of_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
