/* test_arena.c - the arena and the interning table under the run model. */
#include "unit.h"

#include "fixproof/arena.h"
#include "fixproof/intern.h"

static void test_arena_alloc__aligned_and_kept_until_free(void **state)
{
	fp_arena a = { 0 };
	char *s, *big;
	void *p[100];
	size_t i;

	(void)state;
	s = fp_arena_strndup(&a, "abc", 1);
	assert_string_equal(s, "a");
	for (i = 0; i < 100; i++) {
		p[i] = fp_arena_alloc(&a, i + 1);
		assert_int_equal((uintptr_t)p[i] % 8, 0);
		memset(p[i], (int)i, i + 1);
	}
	/* A block bigger than a quarter chunk gets its own, and what came
	 * before stays where it was. */
	big = fp_arena_alloc(&a, 3u << 20);
	memset(big, 0xab, 3u << 20);
	assert_true(a.total >= (3u << 20) + (1u << 20));
	for (i = 0; i < 100; i++)
		assert_int_equal(((unsigned char *)p[i])[i], (unsigned char)i);
	assert_string_equal(s, "a");
	fp_arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
}

static void test_strset_intern__one_copy_per_string(void **state)
{
	fp_arena a = { 0 };
	fp_strset set = { 0 };
	const char *first[3000];
	char name[32];
	int i;

	(void)state;
	/* Enough strings to grow the table twice past its first size. */
	for (i = 0; i < 3000; i++) {
		int n = snprintf(name, sizeof(name), "pkg.Class%d", i);

		first[i] = fp_strset_intern(&set, &a, name, (size_t)n);
		assert_string_equal(first[i], name);
	}
	assert_int_equal(set.count, 3000);
	for (i = 0; i < 3000; i++) {
		int n = snprintf(name, sizeof(name), "pkg.Class%d", i);

		assert_ptr_equal(fp_strset_intern(&set, &a, name, (size_t)n), first[i]);
	}
	/* A prefix is another string, not the longer one's copy. */
	assert_string_equal(fp_strset_intern(&set, &a, "pkg.Class10", 10), "pkg.Class1");
	assert_ptr_equal(fp_strset_intern(&set, &a, "pkg.Class10", 10), first[1]);
	assert_int_equal(set.count, 3000);
	fp_strset_free(&set);
	assert_null(set.slots);
	fp_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc__aligned_and_kept_until_free),
		cmocka_unit_test(test_strset_intern__one_copy_per_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
