/*
 * render_markdown.c - untrusted text made safe for GitHub-flavoured
 * Markdown, and for HTML; see render.h.
 *
 * fp_markdown_escape writes characters that Markdown could act on as
 * numeric character references (&#42; for '*'). A reference is never
 * markup, it cannot split a table row (the row is split before inline
 * parsing, and "&#124;" holds no '|'), and unlike a backslash escape it
 * also reads correctly inside GitHub's raw HTML blocks such as <summary>.
 * Ordinary test names need few of them: an underscore between two letters
 * or digits cannot start emphasis and is left alone, and the characters
 * that only start blocks (- + = and "1.") are escaped at the start only.
 *
 * Some of what GitHub does happens after Markdown, on the text: @mentions,
 * issue references (#12, GH-12, owner/repo#12), :emoji: and bare URLs.
 * Escaping cannot stop those, since the text is the same once decoded;
 * the escaper breaks them by inserting U+2060 WORD JOINER, which is
 * invisible and never a word character:
 *   - after '@' or '#' followed by a letter or digit ("@\u2060user",
 *     "#\u206012"; this also breaks e-mail autolinks);
 *   - after "GH-" followed by a digit;
 *   - before ':' in "://" (scheme autolinks) and after "www" in "www.";
 *   - after the first ':' of ":name:" where name is [a-z0-9_+-]+ (emoji),
 *     but not digits alone ("10:00:00"), which name only :100: and :1234:.
 * A reader copying such a name gets the joiner too; the places are few.
 */
#include "fixproof/render.h"

#include <string.h>

#include "fixproof/json.h"
#include "fixproof/utf8.h"

#define WJ "\xe2\x81\xa0"

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_emoji_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '+' || c == '-';
}

static int lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/*
 * Appends `s` with invalid UTF-8 replaced by U+FFFD and NUL bytes dropped.
 * When `flatten` is set, line ends (CR, LF, CRLF) and tabs become one space
 * and other control characters (C0, DEL, C1) are dropped.
 */
static void normalize(fp_buf *out, const char *s, size_t n, int flatten)
{
	fp_buf clean = FP_BUF_INIT;
	const unsigned char *p;
	size_t i;

	if (!fp_utf8_valid(s, n)) {
		fp_utf8_clean(&clean, s, n);
		s = clean.ptr;
		n = clean.len;
	}
	if (!flatten) {
		fp_buf_add(out, s, n);
		goto out;
	}
	p = (const unsigned char *)s;
	fp_buf_grow(out, n);
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		if (p[i] == '\n' || p[i] == '\r' || p[i] == '\t')
			fp_buf_putc(out, ' ');
		else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			i++;
		else if (p[i] >= 0x20 && p[i] != 0x7f)
			fp_buf_putc(out, (char)p[i]);
	}
out:
	fp_buf_free(&clean);
}

/* True when t[i..] is ":name:" with an emoji-like name. */
static int emoji_at(const char *t, size_t m, size_t i)
{
	size_t j = i + 1, digits = 0;

	while (j < m && is_emoji_char(t[j]))
		digits += is_digit(t[j++]);
	if (j == i + 1 || j >= m || t[j] != ':')
		return 0;
	/* Digits alone name only :100: and :1234:; a time ("10:00:00") is no emoji. */
	if (digits == j - i - 1)
		return (j - i - 1 == 3 && memcmp(t + i + 1, "100", 3) == 0) ||
		       (j - i - 1 == 4 && memcmp(t + i + 1, "1234", 4) == 0);
	return 1;
}

/* True when t[lead..i) is a list number, so that t[i] ('.' or ')') ends it. */
static int list_number_before(const char *t, size_t m, size_t lead, size_t i)
{
	size_t j;

	if (i == lead || i - lead > 9 || (i + 1 < m && t[i + 1] != ' '))
		return 0;
	for (j = lead; j < i; j++)
		if (!is_digit(t[j]))
			return 0;
	return 1;
}

/* The reference for a character Markdown could act on anywhere, or NULL. */
static const char *always_escaped(char c)
{
	switch (c) {
	case '\\': return "&#92;";
	case '`': return "&#96;";
	case '*': return "&#42;";
	case '[': return "&#91;";
	case '|': return "&#124;";
	case '~': return "&#126;";
	case '$': return "&#36;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '&': return "&amp;";
	default: return NULL;
	}
}

/* True for the characters escape_normalized() may have to change. */
static int is_special(char c)
{
	switch (c) {
	case '\\': case '`': case '*': case '[': case '|': case '~': case '$': case '<':
	case '>': case '&': case '_': case '#': case '@': case '-': case '+': case '=':
	case '.': case ')': case ':': case 'w': case 'W': case ' ':
		return 1;
	default:
		return 0;
	}
}

/* Where escape_normalized() is: the text, its length, the first
 * non-space (where a block could start), and the character at hand. */
typedef struct cursor {
	const char *t;
	size_t m, lead, i;
} cursor;

static char next_char(const cursor *c)
{
	return c->i + 1 < c->m ? c->t[c->i + 1] : '\0';
}

/* Outer spaces as references, so they are neither trimmed nor read as
 * indentation or as a hard line break. */
static void put_space(fp_buf *out, const cursor *c)
{
	fp_buf_puts(out, c->i == 0 || c->i == c->m - 1 ? "&#32;" : " ");
}

/* '_' stays between two letters or digits, where it cannot emphasise. */
static void put_underscore(fp_buf *out, const cursor *c)
{
	if (c->i > 0 && is_alnum(c->t[c->i - 1]) && is_alnum(next_char(c)))
		fp_buf_putc(out, '_');
	else
		fp_buf_puts(out, "&#95;");
}

/* '#' and '@' before a word: a joiner breaks #12 and @user. */
static void put_reference(fp_buf *out, const cursor *c)
{
	int word = is_alnum(next_char(c));

	if (c->t[c->i] == '#')
		fp_buf_puts(out, word ? "&#35;" WJ : "&#35;");
	else
		fp_buf_puts(out, word ? "@" WJ : "@");
}

/* '-', '+', '=' start a block only at the start; "GH-12" is a reference. */
static void put_block_sign(fp_buf *out, const cursor *c)
{
	const char *t = c->t;
	char ch = t[c->i];

	if (c->i == c->lead)
		fp_buf_puts(out, ch == '-' ? "&#45;" : ch == '+' ? "&#43;" : "&#61;");
	else if (ch == '-' && c->i >= 2 && lower(t[c->i - 1]) == 'h' && lower(t[c->i - 2]) == 'g' &&
		 is_digit(next_char(c)))
		fp_buf_puts(out, "-" WJ);
	else
		fp_buf_putc(out, ch);
}

/* '.' or ')' after a number at the start would make a list item. */
static void put_list_end(fp_buf *out, const cursor *c)
{
	char ch = c->t[c->i];

	if (list_number_before(c->t, c->m, c->lead, c->i))
		fp_buf_puts(out, ch == '.' ? "&#46;" : "&#41;");
	else
		fp_buf_putc(out, ch);
}

/* ':' of "://" (autolinks) and of ":emoji:" gets a joiner. */
static void put_colon(fp_buf *out, const cursor *c)
{
	if (next_char(c) == '/' && c->i + 2 < c->m && c->t[c->i + 2] == '/')
		fp_buf_puts(out, WJ ":");
	else if (emoji_at(c->t, c->m, c->i))
		fp_buf_puts(out, ":" WJ);
	else
		fp_buf_putc(out, ':');
}

/* "www." would autolink: a joiner after "www". Returns the characters used. */
static size_t put_w(fp_buf *out, const cursor *c)
{
	const char *t = c->t + c->i;

	if (c->i + 3 < c->m && lower(t[1]) == 'w' && lower(t[2]) == 'w' && t[3] == '.') {
		fp_buf_add(out, t, 3);
		fp_buf_puts(out, WJ);
		return 3;
	}
	fp_buf_putc(out, t[0]);
	return 1;
}

/* Writes the special character at the cursor; returns the characters used. */
static size_t put_special(fp_buf *out, const cursor *c)
{
	const char *e = always_escaped(c->t[c->i]);

	if (e) {
		fp_buf_puts(out, e);
		return 1;
	}
	switch (c->t[c->i]) {
	case ' ': put_space(out, c); break;
	case '_': put_underscore(out, c); break;
	case '#': case '@': put_reference(out, c); break;
	case '-': case '+': case '=': put_block_sign(out, c); break;
	case '.': case ')': put_list_end(out, c); break;
	case ':': put_colon(out, c); break;
	default: return put_w(out, c); /* 'w' or 'W' */
	}
	return 1;
}

/* Copies runs of ordinary characters, and writes each special one by its rule. */
static void escape_normalized(fp_buf *out, const char *t, size_t m)
{
	cursor c = { t, m, 0, 0 };

	while (c.lead < m && t[c.lead] == ' ')
		c.lead++;
	fp_buf_grow(out, m);
	while (c.i < m) {
		size_t start = c.i;

		while (c.i < m && !is_special(t[c.i]))
			c.i++;
		fp_buf_add(out, t + start, c.i - start);
		if (c.i < m)
			c.i += put_special(out, &c);
	}
}

/* True when normalize(..., 1) would copy `s` unchanged. */
static int is_normal(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f || (p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0))
			return 0;
	return fp_utf8_valid(s, n);
}

void fp_markdown_escape(fp_buf *out, const char *s, size_t n)
{
	fp_buf t = FP_BUF_INIT;

	if (is_normal(s, n)) {
		escape_normalized(out, s, n);
		return;
	}
	normalize(&t, s, n, 1);
	escape_normalized(out, t.ptr, t.len);
	fp_buf_free(&t);
}

static size_t longest_backtick_run(const char *t, size_t m)
{
	size_t i, run = 0, best = 0;

	for (i = 0; i < m; i++) {
		run = t[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void put_ticks(fp_buf *out, size_t k)
{
	while (k--)
		fp_buf_putc(out, '`');
}

/* True when t[i..] starts "<!--", the opening of the hidden marker. */
static int comment_at(const char *t, size_t m, size_t i)
{
	return i + 4 <= m && memcmp(t + i, "<!--", 4) == 0;
}

void fp_markdown_code_block(fp_buf *out, const char *s, size_t n, const char *info)
{
	fp_buf t = FP_BUF_INIT;
	size_t fence, i;

	normalize(&t, s, n, 0);
	fence = longest_backtick_run(t.ptr, t.len) + 1;
	put_ticks(out, fence < 3 ? 3 : fence);
	/* The info string is one word; a backtick would end the fence. */
	for (; info && *info && *info != ' '; info++)
		if (is_alnum(*info) || strchr("_+.#-", *info))
			fp_buf_putc(out, *info);
	fp_buf_putc(out, '\n');
	for (i = 0; i < t.len; i++) {
		if (comment_at(t.ptr, t.len, i)) {
			fp_buf_puts(out, "<!--" WJ);
			i += 3;
		} else {
			fp_buf_putc(out, t.ptr[i]);
		}
	}
	if (t.len && t.ptr[t.len - 1] != '\n')
		fp_buf_putc(out, '\n');
	put_ticks(out, fence < 3 ? 3 : fence);
	fp_buf_putc(out, '\n');
	fp_buf_free(&t);
}

/* Appends t[0..n) as one code span; in a table cell '|' becomes "\\|". */
static void span_part(fp_buf *out, const char *t, size_t n, int table)
{
	size_t ticks, i, spaces = 0;
	int pad;

	while (spaces < n && t[spaces] == ' ')
		spaces++;
	ticks = longest_backtick_run(t, n) + 1;
	/* CommonMark strips one space from each end when both ends have one,
	 * and a backtick at an end would join the delimiter. */
	pad = t[0] == '`' || t[n - 1] == '`' || (t[0] == ' ' && t[n - 1] == ' ' && spaces < n);
	put_ticks(out, ticks);
	if (pad)
		fp_buf_putc(out, ' ');
	for (i = 0; i < n; i++) {
		if (t[i] == '|' && table)
			fp_buf_puts(out, "\\|"); /* GFM splits rows at '|' even in code spans */
		else
			fp_buf_putc(out, t[i]);
	}
	if (pad)
		fp_buf_putc(out, ' ');
	put_ticks(out, ticks);
}

/*
 * A code span, split where its text would otherwise need an invisible
 * character: after "<!" of "<!--" (the hidden marker's opening) and, in a
 * table cell, before a '|' that follows a backslash (which would pair with
 * the "\\|" escape). Adjacent spans would join their backticks, so a word
 * joiner separates them, outside both: the text inside stays exact.
 */
static void code_span(fp_buf *out, const char *s, size_t n, int table)
{
	fp_buf t = FP_BUF_INIT;
	size_t i, start = 0;

	normalize(&t, s, n, 1);
	for (i = 0; i < t.len; i++) {
		size_t cut = i;

		if (comment_at(t.ptr, t.len, i))
			cut = i + 2;
		else if (!(table && t.ptr[i] == '|' && i > start && t.ptr[i - 1] == '\\'))
			continue;
		span_part(out, t.ptr + start, cut - start, table);
		fp_buf_puts(out, WJ);
		start = cut;
		i = cut > i ? cut - 1 : i;
	}
	if (t.len > start)
		span_part(out, t.ptr + start, t.len - start, table);
	fp_buf_free(&t);
}

void fp_markdown_code_span(fp_buf *out, const char *s, size_t n)
{
	code_span(out, s, n, 1);
}

void fp_markdown_code_inline(fp_buf *out, const char *s, size_t n)
{
	code_span(out, s, n, 0);
}

void fp_html_escape(fp_buf *out, const char *s, size_t n)
{
	fp_buf t = FP_BUF_INIT;
	size_t i, start = 0;

	if (!fp_utf8_valid(s, n)) {
		normalize(&t, s, n, 0);
		s = t.ptr;
		n = t.len;
	}
	fp_buf_grow(out, n);
	for (i = 0; i < n; i++) {
		const char *e;

		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		fp_buf_add(out, s + start, i - start);
		fp_buf_puts(out, e);
		start = i + 1;
	}
	fp_buf_add(out, s + start, n - start);
	fp_buf_free(&t);
}
