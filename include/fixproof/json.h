/*
 * json.h - streaming JSON output.
 *
 * The run and diff models are printed token by token with these helpers
 * instead of through a cJSON tree, so printing a million tests needs no
 * second copy of them. Strings are escaped per RFC 8259; bytes that are not
 * valid UTF-8 become U+FFFD (see utf8.h), so the output is always valid JSON.
 */
#ifndef FIXPROOF_JSON_H
#define FIXPROOF_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fixproof/buf.h"

/* Appends `n` bytes as they are, without a call when `out` has room: a
 * test's JSON object is some twenty small pieces, a million tests' worth. */
static inline void fp_json_buf_raw(fp_buf *out, const char *s, size_t n)
{
	if (out->cap > out->len + n) {
		memcpy(out->ptr + out->len, s, n);
		out->len += n;
		out->ptr[out->len] = '\0';
	} else {
		fp_buf_add(out, s, n);
	}
}

/* Writes `s` as a JSON string, or `null` when `s` is NULL. */
void fp_json_str(FILE *f, const char *s);
void fp_json_strn(FILE *f, const char *s, size_t n);

/* Writes a number: integers without a fraction, others with up to 6 digits. */
void fp_json_num(FILE *f, double v);

/* The same three, appended to a buffer (one write for a whole object). */
void fp_json_buf_str(fp_buf *out, const char *s);
void fp_json_buf_strn(fp_buf *out, const char *s, size_t n);
void fp_json_buf_num(fp_buf *out, double v);

/* Appends `s` escaped as the inside of a JSON string, without the quotes
 * (to build one string from several pieces). */
void fp_json_buf_escape(fp_buf *out, const char *s, size_t n);

/*
 * Formats items [from, to) into `out` (cleared first): each item as
 * ",\n  " and its JSON, or nothing for an item left out. `ctx` is one of
 * the two given to fp_json_write_items, each used by one thread.
 */
typedef void (*fp_json_format_fn)(void *ctx, size_t from, size_t to, fp_buf *out);

/*
 * Writes items 0 to n-1 as the elements of a JSON array (without the
 * brackets): they are formatted in batches, the second half of each batch
 * on a second thread with ctx[1] while this one does the first with
 * ctx[0], and written in order, so the output is the one a single thread
 * gives. Formatting is most of the cost of printing a million tests. The
 * comma `format` puts before the first item written is left out.
 */
void fp_json_write_items(FILE *f, size_t n, fp_json_format_fn format, void *ctx[2]);

/* Writes a fraction as {"numerator":n,"denominator":d,"value":v|null}. */
void fp_json_fraction(FILE *f, unsigned long long num, unsigned long long den);

/*
 * Makes cJSON, which builds and reads the JSON documents that are not
 * streamed (rules, CTRF, provenance, GitHub's answers, the view), allocate
 * through fp_xmalloc: running out of memory inside cJSON then ends the
 * process with a message, as it does everywhere else, instead of a NULL a
 * caller could miss. Once per process is enough; later calls do nothing.
 * main() calls it first thing.
 */
void fp_json_init_cjson(void);

#endif
