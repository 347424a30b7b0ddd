/*
 * fuzz_diff.c - libFuzzer target for the whole pipeline: the input is the
 * run before a fix, a NUL byte, and the run after it (without a NUL, the
 * same text is both). Each side is told apart as the command line does
 * (JUnit XML or collect-only output), read, classified and diffed; the
 * diff model is written, and the proof report is rendered as Markdown,
 * again within a size limit, and as an HTML page. The Markdown must be
 * valid UTF-8 without the hidden marker or a <script>, and the page
 * without a <script>.
 */
#include "fuzz.h"

#include "fixproof/diff.h"
#include "fixproof/render.h"
#include "fixproof/utf8.h"

#define SHORT_REPORT 4000

static fp_run *read_side(const uint8_t *data, size_t size)
{
	if (fp_sniff_bytes(data, size) == FP_SNIFF_COLLECT)
		return fuzz_read_run(data, size, FP_INPUT_COLLECT, fp_collect_parse);
	return fuzz_read_run(data, size, FP_INPUT_JUNIT, fp_junit_parse);
}

static void check_diff_json(const fp_diff *diff)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fuzz_check(f != NULL, "open_memstream works");
	fuzz_check(fp_diff_write_json(diff, f, 0) == 0, "the diff model is written");
	fuzz_check(fclose(f) == 0, "the memory stream closes");
	fuzz_check_json(text, len);
	free(text);
}

static void check_markdown(const fp_buf *md)
{
	fuzz_check(fp_utf8_valid(md->ptr, md->len), "the report is valid UTF-8");
	fuzz_check(!strstr(md->ptr, "<!-- fixproof:"), "the report has no marker");
	fuzz_check(!fuzz_contains_nocase(md->ptr, md->len, "<script"), "the report has no <script");
}

static void check_report(const fp_diff *diff)
{
	fp_report_opts ro;
	fp_buf md = FP_BUF_INIT, html = FP_BUF_INIT;
	int rc;

	memset(&ro, 0, sizeof(ro));
	fuzz_check(fp_report_render(&md, diff, &ro) == 0, "the proof report renders");
	check_markdown(&md);
	fuzz_check(fp_html_page(&html, md.ptr, md.len, "fuzz") == 0, "the page renders");
	fuzz_check(!fuzz_contains_nocase(html.ptr, html.len, "<script"), "the page has no <script");
	if (md.len > SHORT_REPORT) {
		fp_buf_clear(&md);
		ro.max_chars = SHORT_REPORT;
		rc = fp_report_render(&md, diff, &ro);
		fuzz_check(rc == 0 || rc == FP_ELIMIT, "a shortened report renders or says it cannot");
		fuzz_check(rc < 0 || md.len <= SHORT_REPORT, "a shortened report fits");
		if (rc == 0)
			check_markdown(&md);
	}
	fp_buf_free(&md);
	fp_buf_free(&html);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t blen = nul ? (size_t)(nul - data) : size;
	const uint8_t *after = nul ? nul + 1 : data;
	size_t alen = nul ? size - blen - 1 : size;
	fp_run *before = NULL, *aft = NULL;
	fp_diff *diff = NULL;

	if (!(before = read_side(data, blen)) || !(aft = read_side(after, alen)))
		goto out;
	fuzz_check(fp_diff_runs(&diff, before, aft, NULL) == 0, "two runs diff");
	check_diff_json(diff);
	check_report(diff);
out:
	fp_diff_free(diff);
	fp_run_free(aft);
	fp_run_free(before);
	return 0;
}
