/*
 * render_chart.c - the outcome chart of a run, as Mermaid for Markdown and
 * as inline SVG for the HTML page; see render.h.
 *
 * The Markdown report carries the chart as a ```mermaid pie, which GitHub
 * draws. The HTML page is made from that Markdown, so it reads the block
 * back (fp_chart_parse_mermaid) and draws the same figures as SVG: one
 * source for both pictures, and no script on the page.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fixproof/diff.h"
#include "fixproof/error.h"
#include "fixproof/render.h"
#include "fixproof/utf8.h"

/* The slices of an outcome chart: fp_outcome order, without "absent". */
static const struct {
	fp_outcome outcome;
	const char *label;
	const char *color;
} outcome_slices[] = {
	{ FP_OUTCOME_PASSED, "Passed", "#1a7f37" },
	{ FP_OUTCOME_INFRASTRUCTURE, "Infrastructure failures", "#bc4c00" },
	{ FP_OUTCOME_BUSINESS_LOGIC, "Business-logic failures", "#cf222e" },
	{ FP_OUTCOME_SKIPPED, "Skipped", "#8c959f" },
	{ FP_OUTCOME_NOT_RUN, "Not run", "#8250df" },
};

#define NOUTCOMES (sizeof(outcome_slices) / sizeof(outcome_slices[0]))

/* The largest count read back: slices of a chart add up without overflow
 * and stay exact as doubles. */
#define MAX_PARSED_COUNT 1000000000000000ULL

/* A slice read back without a colour of its own. */
#define DEFAULT_COLOR "#6e7781"

/* Copies `s` into `dst` (`cap` bytes), cut at a character boundary. */
static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = fp_utf8_cut(s, n, cap - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void fp_chart_outcomes(fp_chart *out, const fp_run *run, const char *side)
{
	uint64_t counts[FP_OUTCOME_COUNT] = { 0 };
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < run->ntests; i++)
		counts[fp_test_outcome(&run->tests[i])]++;
	for (i = 0; i < NOUTCOMES; i++) {
		fp_chart_slice *s = &out->slices[i];

		copy_text(s->label, sizeof(s->label), outcome_slices[i].label,
			  strlen(outcome_slices[i].label));
		copy_text(s->color, sizeof(s->color), outcome_slices[i].color, 7);
		s->value = counts[outcome_slices[i].outcome];
	}
	out->nslices = NOUTCOMES;
	snprintf(out->title, sizeof(out->title), "%s the fix: %llu %s", side,
		 (unsigned long long)run->ntests, run->ntests == 1 ? "test" : "tests");
}

uint64_t fp_chart_total(const fp_chart *c)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < c->nslices; i++)
		sum += c->slices[i].value;
	return sum;
}

/* ---- Mermaid ---- */

/* Text for a Mermaid title or quoted label: no '"', no line end. */
static void mermaid_text(fp_buf *out, const char *s)
{
	for (; *s; s++)
		fp_buf_putc(out, *s == '"' ? '\'' : *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s);
}

/*
 * The order slices are written in: largest first, ties in the chart's
 * order. Mermaid draws a pie largest first and colours slices in the
 * order it draws them, so writing them in that order keeps pieN on the
 * slice it was meant for, whichever way the renderer sorts.
 */
static size_t drawn_order(const fp_chart *c, size_t order[FP_CHART_MAX_SLICES])
{
	size_t i, j, n = 0;

	for (i = 0; i < c->nslices; i++) {
		if (!c->slices[i].value)
			continue;
		for (j = n; j > 0 && c->slices[order[j - 1]].value < c->slices[i].value; j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}

void fp_chart_mermaid(fp_buf *out, const fp_chart *c)
{
	fp_buf text = FP_BUF_INIT;
	size_t order[FP_CHART_MAX_SLICES], i, n = drawn_order(c, order);

	if (!n)
		return;
	fp_buf_puts(&text, "%%{init: {\"theme\": \"base\", \"themeVariables\": {");
	for (i = 0; i < n; i++)
		fp_buf_printf(&text, "%s\"pie%zu\": \"%s\"", i ? ", " : "", i + 1,
			      c->slices[order[i]].color);
	fp_buf_puts(&text, "}}}%%\npie showData\n    title ");
	mermaid_text(&text, c->title);
	fp_buf_putc(&text, '\n');
	for (i = 0; i < n; i++) {
		fp_buf_puts(&text, "    \"");
		mermaid_text(&text, c->slices[order[i]].label);
		fp_buf_printf(&text, "\" : %llu\n", (unsigned long long)c->slices[order[i]].value);
	}
	fp_markdown_code_block(out, text.ptr, text.len, "mermaid");
	fp_buf_free(&text);
}

/* The colour the init directive gives pieN, or NULL. */
static const char *directive_color(const char *s, size_t n, size_t nth, char color[8])
{
	char key[32];
	const char *p, *end = s + n;
	size_t k;

	snprintf(key, sizeof(key), "\"pie%zu\": \"#", nth);
	k = strlen(key);
	for (p = s; p + k + 7 <= end; p++) {
		if (memcmp(p, key, k) != 0)
			continue;
		copy_text(color, 8, p + k - 1, 7);
		if (strspn(color + 1, "0123456789abcdefABCDEF") == 6 && p[k + 6] == '"')
			return color;
	}
	return NULL;
}

/* Reads `"label" : count` into the next slice; 0 or FP_EPASSTHROUGH. */
static int parse_slice(fp_chart *c, const char *p, const char *end)
{
	const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
	fp_chart_slice *s;
	unsigned long long v = 0;

	if (!q || c->nslices == FP_CHART_MAX_SLICES)
		return FP_EPASSTHROUGH;
	s = &c->slices[c->nslices];
	copy_text(s->label, sizeof(s->label), p + 1, (size_t)(q - p - 1));
	for (q++; q < end && *q == ' '; q++)
		;
	if (q == end || *q++ != ':')
		return FP_EPASSTHROUGH;
	for (; q < end && *q == ' '; q++)
		;
	if (q == end)
		return FP_EPASSTHROUGH;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		unsigned long long digit = (unsigned long long)(*q - '0');

		if (v > (MAX_PARSED_COUNT - digit) / 10)
			return FP_EPASSTHROUGH;
		v = v * 10 + digit;
	}
	if (q != end)
		return FP_EPASSTHROUGH;
	s->value = v;
	c->nslices++;
	return 0;
}

/* Reads one line of the block, without its line end. */
static int parse_line(fp_chart *c, const char *p, const char *end, int *seen_pie)
{
	size_t n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	n = (size_t)(end - p);
	if (n == 0 || (n >= 2 && p[0] == '%' && p[1] == '%'))
		return 0;
	if (!*seen_pie) {
		if ((n == 3 && memcmp(p, "pie", 3) == 0) || (n == 12 && memcmp(p, "pie showData", 12) == 0)) {
			*seen_pie = 1;
			return 0;
		}
		return FP_EPASSTHROUGH;
	}
	if (n > 6 && memcmp(p, "title ", 6) == 0) {
		copy_text(c->title, sizeof(c->title), p + 6, n - 6);
		return 0;
	}
	return *p == '"' ? parse_slice(c, p, end) : FP_EPASSTHROUGH;
}

int fp_chart_parse_mermaid(fp_chart *out, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *eol;
	int seen_pie = 0, err;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (; p < end; p = eol + (eol < end)) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((err = parse_line(out, p, eol, &seen_pie)) < 0)
			return err;
	}
	if (!seen_pie || !out->nslices)
		return FP_EPASSTHROUGH;
	for (i = 0; i < out->nslices; i++)
		if (!directive_color(s, n, i + 1, out->slices[i].color))
			copy_text(out->slices[i].color, 8, DEFAULT_COLOR, 7);
	return 0;
}

/* ---- SVG ---- */

/* The slice's colour when it is "#rrggbb", else the default grey. */
static const char *svg_color(const fp_chart_slice *s)
{
	return s->color[0] == '#' && strspn(s->color + 1, "0123456789abcdefABCDEF") == 6
		       ? s->color : DEFAULT_COLOR;
}

#define PIE_X 75.0
#define PIE_Y 110.0
#define PIE_R 70.0
#define LEGEND_X 166
#define LEGEND_Y 50
#define LEGEND_STEP 26

/* "Passed: 18; infrastructure failures: 16" in words, for aria-label. */
static void svg_words(fp_buf *out, const fp_chart *c, const size_t *order, size_t n)
{
	size_t i;

	fp_html_escape(out, c->title, strlen(c->title));
	for (i = 0; i < n; i++) {
		const fp_chart_slice *s = &c->slices[order[i]];

		fp_buf_puts(out, i ? "; " : ". ");
		fp_html_escape(out, s->label, strlen(s->label));
		fp_buf_printf(out, ": %llu", (unsigned long long)s->value);
	}
}

/* A point on the circle, `frac` of a turn clockwise from the top. */
static void pie_point(fp_buf *out, double frac)
{
	double a = 2.0 * M_PI * frac;

	fp_buf_printf(out, "%.2f %.2f", PIE_X + PIE_R * sin(a), PIE_Y - PIE_R * cos(a));
}

static void svg_slice(fp_buf *out, const fp_chart_slice *s, double from, double to)
{
	if (to - from >= 1.0) {
		fp_buf_printf(out, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"%.0f\" fill=\"%s\">", PIE_X,
			      PIE_Y, PIE_R, svg_color(s));
	} else {
		fp_buf_printf(out, "<path fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"1.5\" d=\"M%.0f "
			      "%.0f L", svg_color(s), PIE_X, PIE_Y);
		pie_point(out, from);
		fp_buf_printf(out, " A%.0f %.0f 0 %d 1 ", PIE_R, PIE_R, to - from > 0.5);
		pie_point(out, to);
		fp_buf_puts(out, " Z\">");
	}
	fp_buf_puts(out, "<title>");
	fp_html_escape(out, s->label, strlen(s->label));
	fp_buf_printf(out, ": %llu</title>%s\n", (unsigned long long)s->value,
		      to - from >= 1.0 ? "</circle>" : "</path>");
}

static void svg_legend(fp_buf *out, const fp_chart_slice *s, size_t row)
{
	unsigned y = LEGEND_Y + (unsigned)row * LEGEND_STEP;

	fp_buf_printf(out, "<rect x=\"%d\" y=\"%u\" width=\"14\" height=\"14\" rx=\"2\" fill=\"%s\" />"
		      "<text x=\"%d\" y=\"%u\">", LEGEND_X, y, svg_color(s), LEGEND_X + 22, y + 12);
	fp_html_escape(out, s->label, strlen(s->label));
	fp_buf_printf(out, ": <tspan font-weight=\"600\">%llu</tspan></text>\n",
		      (unsigned long long)s->value);
}

void fp_chart_svg(fp_buf *out, const fp_chart *c)
{
	size_t order[FP_CHART_MAX_SLICES], i, n = drawn_order(c, order);
	uint64_t total = fp_chart_total(c), sum = 0;
	unsigned height = LEGEND_Y + (unsigned)n * LEGEND_STEP;

	if (!n)
		return;
	if (height < PIE_Y + PIE_R + 8)
		height = (unsigned)(PIE_Y + PIE_R + 8);
	fp_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
		      "width=\"400\" height=\"%u\" viewBox=\"0 0 400 %u\" aria-label=\"", height, height);
	svg_words(out, c, order, n);
	fp_buf_puts(out, "\" font-family=\"-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\" "
		    "font-size=\"14\" fill=\"#1f2328\">\n<title>");
	svg_words(out, c, order, n);
	fp_buf_puts(out, "</title>\n<text x=\"0\" y=\"20\" font-size=\"16\" font-weight=\"600\">");
	fp_html_escape(out, c->title, strlen(c->title));
	fp_buf_puts(out, "</text>\n");
	for (i = 0; i < n; i++) {
		const fp_chart_slice *s = &c->slices[order[i]];
		double from = (double)sum / (double)total;

		sum += s->value;
		svg_slice(out, s, from, (double)sum / (double)total);
		svg_legend(out, s, i);
	}
	fp_buf_puts(out, "</svg>\n");
}
