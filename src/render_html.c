/*
 * render_html.c - the report as one standalone HTML page, with cmark-gfm;
 * see render.h. This is the only file that uses cmark-gfm.
 *
 * The report's Markdown holds a little raw HTML of the built-in templates'
 * own (<details>, <summary>, <br>, the hidden marker comment). Untrusted
 * text never reaches the Markdown as HTML, since fp_markdown_escape writes
 * '<' as "&lt;", but as a second line of defence the page is parsed with
 * raw HTML allowed and every HTML node is then rewritten: the allowed tags
 * stay, any other '<' becomes "&lt;" and so shows as text.
 */
#include "fixproof/render.h"

#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "fixproof/error.h"
#include "fixproof/util.h"

/*
 * Exactly these, in any letter case, without attributes; each is written
 * in the second form, so that the page stays well-formed XML as well.
 */
static const char *const allowed_tags[][2] = {
	{ "<details>", "<details>" }, { "</details>", "</details>" },
	{ "<summary>", "<summary>" }, { "</summary>", "</summary>" },
	{ "<br>", "<br />" }, { "<br/>", "<br />" }, { "<br />", "<br />" }, { NULL, NULL }
};

static const char *const extensions[] = {
	"table", "strikethrough", "autolink", "tasklist", "tagfilter", NULL
};

static const char style[] =
	"body{margin:0;background:#fff;color:#1f2328;font:16px/1.5 -apple-system,"
	"BlinkMacSystemFont,\"Segoe UI\",\"Noto Sans\",Helvetica,Arial,sans-serif}\n"
	"main{box-sizing:border-box;max-width:980px;margin:0 auto;padding:32px 45px}\n"
	"@media (max-width:767px){main{padding:16px}}\n"
	"h1,h2,h3,h4{margin:24px 0 16px;font-weight:600;line-height:1.25}\n"
	"h1,h2{padding-bottom:.3em;border-bottom:1px solid #d1d9e0}\n"
	"h1{font-size:2em}h2{font-size:1.5em}h3{font-size:1.25em}\n"
	"p,ul,ol,table,pre,details,blockquote{margin:0 0 16px}\n"
	"a{color:#0969da}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{padding:6px 13px;border:1px solid #d1d9e0;text-align:left;vertical-align:top}\n"
	"th[align=right],td[align=right]{text-align:right}\n"
	"th{font-weight:600}tr:nth-child(2n){background:#f6f8fa}\n"
	"code,pre{font:85%/1.45 ui-monospace,SFMono-Regular,\"SF Mono\",Menlo,Consolas,"
	"monospace}\n"
	"code{padding:.2em .4em;background:#eff1f3;border-radius:6px;overflow-wrap:break-word}\n"
	"pre{padding:16px;overflow:auto;background:#f6f8fa;border-radius:6px}\n"
	"pre code{padding:0;background:none;font-size:100%}\n"
	"details{padding:0 0 0 1em;border-left:3px solid #d1d9e0}\n"
	"summary{margin-left:-1em;cursor:pointer;font-weight:600}\n"
	"details[open]>summary{margin-bottom:8px}\n"
	"blockquote{padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}\n"
	"hr{height:.25em;margin:24px 0;background:#d1d9e0;border:0}\n"
	"del{color:#59636e}\n"
	"li>input[type=checkbox]{margin:0 .3em 0 -1.4em}\n"
	".verdict{margin:0 0 24px;padding:12px 16px;border:1px solid;border-left-width:6px;"
	"border-radius:6px;font-size:1.125em}\n"
	".verdict strong{margin-right:.4em}\n"
	".verdict-mark{display:inline-block;width:1.4em;font-weight:700}\n"
	".verdict-resolved{background:#dafbe1;border-color:#1a7f37;color:#0f5323}\n"
	".verdict-unblocked{background:#ddf4ff;border-color:#0969da;color:#0a3069}\n"
	".verdict-partially_resolved{background:#fff8c5;border-color:#9a6700;color:#4d2d00}\n"
	".verdict-unresolved{background:#fff1e5;border-color:#bc4c00;color:#762c00}\n"
	".verdict-regressed{background:#ffebe9;border-color:#cf222e;color:#82071e}\n"
	".verdict-inconclusive{background:#f6f8fa;border-color:#59636e;color:#1f2328}\n"
	"figure.chart{display:inline-block;margin:0 24px 16px 0;vertical-align:top}\n"
	"figure.chart svg{max-width:100%;height:auto}\n"
	"@media print{\n"
	"body{font-size:11pt}main{max-width:none;padding:0}\n"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"a{color:inherit}pre{white-space:pre-wrap;overflow:visible}\n"
	"h1,h2,h3,h4,summary{break-after:avoid}\n"
	"tr,pre,figure,.verdict{break-inside:avoid}\n"
	"thead{display:table-header-group}\n"
	"}\n";

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int starts_nocase(const char *s, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++) {
		char c = i < n ? s[i] : '\0';

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != prefix[i])
			return 0;
	}
	return 1;
}

/*
 * The length of the allowed tag or marker comment at `s`, or 0; `*emit` is
 * set to what to write for it (NULL: the text itself).
 */
static size_t allowed_at(const char *s, size_t n, const char **emit)
{
	static const char marker[] = "<!-- fixproof:";
	size_t i;

	*emit = NULL;
	for (i = 0; allowed_tags[i][0]; i++) {
		if (starts_nocase(s, n, allowed_tags[i][0])) {
			*emit = allowed_tags[i][1];
			return strlen(allowed_tags[i][0]);
		}
	}
	if (n > sizeof(marker) - 1 && memcmp(s, marker, sizeof(marker) - 1) == 0) {
		size_t k = sizeof(marker) - 1, start = k;

		while (k < n && k - start < 200 && (is_alnum(s[k]) || strchr("._:/+-", s[k])))
			k++;
		if (k > start && n - k >= 4 && memcmp(s + k, " -->", 4) == 0)
			return k + 4;
	}
	return 0;
}

/* The length of the character reference at `s` ("&amp;", "&#35;"), or 0. */
static size_t reference_at(const char *s, size_t n)
{
	size_t k = 1, start;

	if (k < n && s[k] == '#') {
		int hex = ++k < n && (s[k] == 'x' || s[k] == 'X');

		k += (size_t)hex;
		start = k;
		while (k < n && k - start < 7 &&
		       ((s[k] >= '0' && s[k] <= '9') ||
			(hex && ((s[k] >= 'a' && s[k] <= 'f') || (s[k] >= 'A' && s[k] <= 'F')))))
			k++;
	} else {
		start = k;
		while (k < n && k - start < 32 && is_alnum(s[k]))
			k++;
	}
	return k > start && k < n && s[k] == ';' ? k + 1 : 0;
}

/* Rewrites raw HTML so that only the allowed tags remain markup. */
static void sanitize(fp_buf *out, const char *s, size_t n)
{
	const char *emit;
	size_t i = 0, k;

	while (i < n) {
		if (s[i] == '<' && (k = allowed_at(s + i, n - i, &emit)) != 0) {
			if (emit)
				fp_buf_puts(out, emit);
			else
				fp_buf_add(out, s + i, k);
			i += k;
		} else if (s[i] == '&' && (k = reference_at(s + i, n - i)) != 0) {
			fp_buf_add(out, s + i, k);
			i += k;
		} else if (s[i] == '<' || s[i] == '>' || s[i] == '&') {
			fp_buf_puts(out, s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : "&amp;");
			i++;
		} else {
			fp_buf_putc(out, s[i++]);
		}
	}
}

static void sanitize_tree(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	fp_buf clean = FP_BUF_INIT;
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(node);
		const char *lit;

		if (ev != CMARK_EVENT_ENTER ||
		    (type != CMARK_NODE_HTML_BLOCK && type != CMARK_NODE_HTML_INLINE))
			continue;
		lit = cmark_node_get_literal(node);
		if (!lit)
			continue;
		fp_buf_clear(&clean);
		sanitize(&clean, lit, strlen(lit));
		if (strcmp(clean.ptr, lit) != 0)
			cmark_node_set_literal(node, clean.ptr);
	}
	cmark_iter_free(it);
	fp_buf_free(&clean);
}

/* ---- what the page adds to the Markdown ---- */

/* The banner's mark (a plain symbol, not an emoji) and sentence, by fp_verdict. */
static const struct banner {
	fp_verdict verdict;
	const char *mark, *meaning;
} banners[] = {
	{ FP_VERDICT_INCONCLUSIVE, "?", "the test results cannot carry a verdict." },
	{ FP_VERDICT_REGRESSED, "\xe2\x9c\x97", "a test that passed before fails after the fix." },
	{ FP_VERDICT_RESOLVED, "\xe2\x9c\x93", "every target passes after the fix." },
	{ FP_VERDICT_PARTIALLY_RESOLVED, "\xe2\x97\x90", "some targets improved, not every one passes." },
	{ FP_VERDICT_UNRESOLVED, "\xe2\x9c\x97", "no target improved." },
	{ FP_VERDICT_UNBLOCKED, "\xe2\x86\x91", "every target now reaches the code under test." },
};

/* A new node of `type` holding raw HTML. */
static cmark_node *html_node(cmark_node_type type, const char *html)
{
	cmark_node *node = cmark_node_new(type);

	cmark_node_set_literal(node, html);
	return node;
}

/* Puts the verdict banner under the first heading (or first on the page). */
static void add_banner(cmark_node *doc, int verdict, fp_buf *tmp)
{
	cmark_node *node, *banner;
	size_t i;

	for (i = 0; i < sizeof(banners) / sizeof(banners[0]); i++)
		if ((int)banners[i].verdict == verdict)
			break;
	if (i == sizeof(banners) / sizeof(banners[0]))
		return;
	fp_buf_clear(tmp);
	fp_buf_printf(tmp, "<div class=\"verdict verdict-%s\" role=\"note\"><span class=\"verdict-mark\" "
		      "aria-hidden=\"true\">%s</span><strong>Verdict: %s</strong> \xe2\x80\x94 %s</div>\n",
		      fp_verdict_name((fp_verdict)verdict), banners[i].mark,
		      fp_verdict_label(verdict), banners[i].meaning);
	banner = html_node(CMARK_NODE_HTML_BLOCK, tmp->ptr);
	for (node = cmark_node_first_child(doc); node; node = cmark_node_next(node))
		if (cmark_node_get_type(node) == CMARK_NODE_HEADING)
			break;
	if (node)
		cmark_node_insert_after(node, banner);
	else
		cmark_node_prepend_child(doc, banner);
}

/* Inline code whose text may wrap after "::", '/' and '.', not mid-name:
 * a test id or a path (one word holding "::" or '/'); other code, such as
 * evidence ("Decimal('89.00')"), wraps only where a browser would. */
static void code_with_breaks(fp_buf *out, const char *s)
{
	size_t i, start = 0, n = strlen(s);
	int id = !strpbrk(s, " \t") && (strstr(s, "::") || strchr(s, '/'));

	fp_buf_puts(out, "<code>");
	for (i = 0; id && i + 1 < n; i++) {
		if (s[i] == '/' || s[i] == '.' || (s[i] == ':' && i > 0 && s[i - 1] == ':')) {
			fp_html_escape(out, s + start, i + 1 - start);
			fp_buf_puts(out, "<wbr />");
			start = i + 1;
		}
	}
	fp_html_escape(out, s + start, n - start);
	fp_buf_puts(out, "</code>");
}

/*
 * What the rewrite of the tree keeps. GFM's tag filter (as on GitHub)
 * escapes any <title> in raw HTML, the SVG's own included, so the tree
 * gets a placeholder tag, which no input can produce (sanitize_tree
 * escapes every tag it does not allow), and the SVG replaces it in the
 * rendered page.
 */
typedef struct rewrite {
	fp_buf tmp;
	char **svgs;
	size_t nsvgs, cap;
} rewrite;

#define PLACEHOLDER "<fixproof-chart n=\""
#define PLACEHOLDER_END "\"></fixproof-chart>"

/* The HTML that replaces `node`, or NULL to keep it: inline code with its
 * break points, a Mermaid pie drawn as SVG. */
static cmark_node *replacement(cmark_node *node, rewrite *rw)
{
	const char *lit = cmark_node_get_literal(node), *info;
	fp_buf svg = FP_BUF_INIT;
	fp_chart chart;

	fp_buf_clear(&rw->tmp);
	if (cmark_node_get_type(node) == CMARK_NODE_CODE) {
		code_with_breaks(&rw->tmp, lit ? lit : "");
		return html_node(CMARK_NODE_HTML_INLINE, rw->tmp.ptr);
	}
	info = cmark_node_get_fence_info(node);
	if (cmark_node_get_type(node) != CMARK_NODE_CODE_BLOCK || !info || strcmp(info, "mermaid") != 0 ||
	    !lit || fp_chart_parse_mermaid(&chart, lit, strlen(lit)) < 0)
		return NULL;
	fp_buf_puts(&svg, "<figure class=\"chart\">\n");
	fp_chart_svg(&svg, &chart);
	fp_buf_puts(&svg, "</figure>\n");
	FP_ARRAY_GROW(rw->svgs, rw->nsvgs + 1, rw->cap);
	rw->svgs[rw->nsvgs] = fp_buf_detach(&svg, NULL);
	fp_buf_printf(&rw->tmp, PLACEHOLDER "%zu" PLACEHOLDER_END "\n", rw->nsvgs++);
	return html_node(CMARK_NODE_HTML_BLOCK, rw->tmp.ptr);
}

/* Rewrites inline code and Mermaid pies (see replacement), after the walk
 * that finds them, so the walk never sees a node it has replaced. */
static void rewrite_tree(cmark_node *doc, rewrite *rw)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_node **found = NULL;
	size_t n = 0, cap = 0, i;
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(node);

		if (ev != CMARK_EVENT_ENTER || (type != CMARK_NODE_CODE && type != CMARK_NODE_CODE_BLOCK))
			continue;
		FP_ARRAY_GROW(found, n + 1, cap);
		found[n++] = node;
	}
	cmark_iter_free(it);
	for (i = 0; i < n; i++) {
		cmark_node *html = replacement(found[i], rw);

		if (html) {
			cmark_node_replace(found[i], html);
			cmark_node_free(found[i]);
		}
	}
	free(found);
}

/* Appends the rendered `html` with each placeholder replaced by its SVG. */
static void put_body(fp_buf *out, const char *html, const rewrite *rw)
{
	const char *p = html, *at;

	while ((at = strstr(p, PLACEHOLDER)) != NULL) {
		const char *end = at + strlen(PLACEHOLDER);
		uint64_t k = UINT64_MAX;

		end += fp_uint_prefix(&k, end, SIZE_MAX, UINT64_MAX);
		fp_buf_add(out, p, (size_t)(at - p));
		p = end;
		if (k < rw->nsvgs && strncmp(end, PLACEHOLDER_END, strlen(PLACEHOLDER_END)) == 0) {
			fp_buf_puts(out, rw->svgs[k]);
			p = end + strlen(PLACEHOLDER_END);
			if (*p == '\n')
				p++;
		}
	}
	fp_buf_puts(out, p);
}

/* Appends the page around the rendered body. */
static void page_frame(fp_buf *out, const char *html, const rewrite *rw, const char *title)
{
	fp_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
		    "<title>");
	title = title && *title ? title : "fixproof report";
	fp_html_escape(out, title, strlen(title));
	fp_buf_puts(out, "</title>\n<style>\n");
	fp_buf_puts(out, style);
	fp_buf_puts(out, "</style>\n</head>\n<body>\n<main>\n");
	put_body(out, html, rw);
	fp_buf_puts(out, "</main>\n</body>\n</html>\n");
}

/* The page, with the banner of `verdict` (an fp_verdict) or, for -1, none. */
static int render_page(fp_buf *out, const char *markdown, size_t len, const char *title,
		       int verdict)
{
	const int options = CMARK_OPT_UNSAFE | CMARK_OPT_GITHUB_PRE_LANG | CMARK_OPT_VALIDATE_UTF8;
	cmark_mem *mem = cmark_get_default_mem_allocator();
	cmark_parser *parser = NULL;
	cmark_node *doc = NULL;
	char *html = NULL;
	rewrite rw = { FP_BUF_INIT, NULL, 0, 0 };
	size_t i;
	int rc = 0;

	cmark_gfm_core_extensions_ensure_registered();
	parser = cmark_parser_new_with_mem(options, mem);
	for (i = 0; extensions[i]; i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extensions[i]);

		if (!ext) {
			rc = fp_error_set(FP_EINTERNAL, "cannot render HTML: cmark-gfm has no '%s' "
					  "extension", extensions[i]);
			goto out;
		}
		cmark_parser_attach_syntax_extension(parser, ext);
	}
	cmark_parser_feed(parser, markdown ? markdown : "", markdown ? len : 0);
	doc = cmark_parser_finish(parser);
	sanitize_tree(doc);
	rewrite_tree(doc, &rw);
	if (verdict >= 0)
		add_banner(doc, verdict, &rw.tmp);
	html = cmark_render_html_with_mem(doc, options, cmark_parser_get_syntax_extensions(parser),
					  mem);
	page_frame(out, html, &rw, title);
out:
	if (html)
		mem->free(html);
	if (doc)
		cmark_node_free(doc);
	if (parser)
		cmark_parser_free(parser);
	for (i = 0; i < rw.nsvgs; i++)
		free(rw.svgs[i]);
	free(rw.svgs);
	fp_buf_free(&rw.tmp);
	return rc;
}

int fp_html_page(fp_buf *out, const char *markdown, size_t len, const char *title)
{
	return render_page(out, markdown, len, title, -1);
}

int fp_html_report_page(fp_buf *out, const char *markdown, size_t len, const char *title,
			int verdict)
{
	return render_page(out, markdown, len, title, verdict);
}

const char *fp_html_cmark_version(void)
{
	return cmark_version_string();
}
