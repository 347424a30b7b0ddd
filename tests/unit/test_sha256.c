/* test_sha256.c - SHA-256 on the test vectors of FIPS 180-2 (appendix B
 * and the one-million-'a' message), whole and fed in uneven pieces. */
#include "unit.h"

#include "fixproof/sha256.h"

#define MILLION 1000000u

static const char ABC448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

static void assert_hash(const void *data, size_t n, const char *want)
{
	fp_sha256 sha;
	char hex[65];

	fp_sha256_init(&sha);
	fp_sha256_update(&sha, data, n);
	fp_sha256_final_hex(&sha, hex);
	assert_string_equal(hex, want);
}

static void test_sha256_empty_message(void **state)
{
	(void)state;
	assert_hash("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha256_abc(void **state)
{
	(void)state;
	assert_hash("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sha256_448_bit_message(void **state)
{
	(void)state;
	assert_int_equal(strlen(ABC448) * 8, 448);
	assert_hash(ABC448, strlen(ABC448),
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_one_million_a(void **state)
{
	char *a = fp_xmalloc(MILLION);

	(void)state;
	memset(a, 'a', MILLION);
	assert_hash(a, MILLION, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* The million 'a' in pieces of 0, 1, 55, 63, 64, 65 and 4097 bytes in turn,
 * so pieces end inside, at and across block boundaries (and the padding
 * boundary at 56), as a file read through buffers of any size does. */
static void test_sha256_stream_of_uneven_pieces_equals_one_call(void **state)
{
	static const size_t pieces[] = { 0, 1, 55, 63, 64, 65, 4097 };
	char *a = fp_xmalloc(MILLION), hex[65];
	size_t done = 0, i = 0;
	fp_sha256 sha;

	(void)state;
	memset(a, 'a', MILLION);
	fp_sha256_init(&sha);
	while (done < MILLION) {
		size_t n = pieces[i++ % (sizeof(pieces) / sizeof(pieces[0]))];

		if (n > MILLION - done)
			n = MILLION - done;
		fp_sha256_update(&sha, a + done, n);
		done += n;
	}
	fp_sha256_final_hex(&sha, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Byte by byte, then the same context again: final leaves it reset. */
static void test_sha256_byte_by_byte_and_context_reused_after_final(void **state)
{
	fp_sha256 sha;
	char hex[65];
	size_t i;

	(void)state;
	fp_sha256_init(&sha);
	for (i = 0; ABC448[i]; i++)
		fp_sha256_update(&sha, ABC448 + i, 1);
	fp_sha256_final_hex(&sha, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	fp_sha256_update(&sha, "abc", 3);
	fp_sha256_final_hex(&sha, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_empty_message),
		cmocka_unit_test(test_sha256_abc),
		cmocka_unit_test(test_sha256_448_bit_message),
		cmocka_unit_test(test_sha256_one_million_a),
		cmocka_unit_test(test_sha256_stream_of_uneven_pieces_equals_one_call),
		cmocka_unit_test(test_sha256_byte_by_byte_and_context_reused_after_final),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
