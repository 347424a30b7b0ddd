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

#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "fixproof/error.h"

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
	"table{border-collapse:collapse;display:block;width:max-content;max-width:100%;"
	"overflow:auto}\n"
	"th,td{padding:6px 13px;border:1px solid #d1d9e0}\n"
	"th{font-weight:600}tr:nth-child(2n){background:#f6f8fa}\n"
	"code,pre{font:85%/1.45 ui-monospace,SFMono-Regular,\"SF Mono\",Menlo,Consolas,"
	"monospace}\n"
	"code{padding:.2em .4em;background:#eff1f3;border-radius:6px}\n"
	"td code{overflow-wrap:anywhere}\n"
	"pre{padding:16px;overflow:auto;background:#f6f8fa;border-radius:6px}\n"
	"pre code{padding:0;background:none;font-size:100%}\n"
	"details{padding:0 0 0 1em;border-left:3px solid #d1d9e0}\n"
	"summary{margin-left:-1em;cursor:pointer;font-weight:600}\n"
	"details[open]>summary{margin-bottom:8px}\n"
	"blockquote{padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}\n"
	"hr{height:.25em;margin:24px 0;background:#d1d9e0;border:0}\n"
	"del{color:#59636e}\n"
	"li>input[type=checkbox]{margin:0 .3em 0 -1.4em}\n";

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

int fp_html_page(fp_buf *out, const char *markdown, size_t len, const char *title)
{
	const int options = CMARK_OPT_UNSAFE | CMARK_OPT_GITHUB_PRE_LANG | CMARK_OPT_VALIDATE_UTF8;
	cmark_mem *mem = cmark_get_default_mem_allocator();
	cmark_parser *parser = NULL;
	cmark_node *doc = NULL;
	char *html = NULL;
	size_t i;
	int rc = 0;

	cmark_gfm_core_extensions_ensure_registered();
	parser = cmark_parser_new_with_mem(options, mem);
	for (i = 0; extensions[i]; i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extensions[i]);

		if (!ext) {
			rc = fp_error_set(FP_EIO, "cannot render HTML: cmark-gfm has no '%s' extension",
					  extensions[i]);
			goto out;
		}
		cmark_parser_attach_syntax_extension(parser, ext);
	}
	cmark_parser_feed(parser, markdown ? markdown : "", markdown ? len : 0);
	doc = cmark_parser_finish(parser);
	sanitize_tree(doc);
	html = cmark_render_html_with_mem(doc, options, cmark_parser_get_syntax_extensions(parser),
					  mem);
	fp_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
		    "<title>");
	title = title && *title ? title : "fixproof report";
	fp_html_escape(out, title, strlen(title));
	fp_buf_puts(out, "</title>\n<style>\n");
	fp_buf_puts(out, style);
	fp_buf_puts(out, "</style>\n</head>\n<body>\n<main>\n");
	fp_buf_puts(out, html);
	fp_buf_puts(out, "</main>\n</body>\n</html>\n");
out:
	if (html)
		mem->free(html);
	if (doc)
		cmark_node_free(doc);
	if (parser)
		cmark_parser_free(parser);
	return rc;
}

const char *fp_html_cmark_version(void)
{
	return cmark_version_string();
}
