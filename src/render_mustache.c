/*
 * render_mustache.c - the Mustache engine; see render.h.
 *
 * A template is compiled once into a flat array of nodes in document order;
 * a container (section, inverted section, parent, block) is followed by its
 * contents and records in `next` where its subtree ends, so rendering is a
 * loop over ranges and a section over a hundred thousand items never
 * re-scans text. Compiling takes three passes over the source:
 *
 *   1. tokenize: split the text into text runs and tags, following
 *      delimiter changes;
 *   2. standalone: decide which tags sit alone on their line and trim the
 *      whitespace and line end around them, as the spec asks;
 *   3. build: check nesting, and emit nodes, one per line of text.
 *
 * Indentation of standalone partials, parents and blocks is applied while
 * rendering: the renderer keeps the current indentation and a "pending" flag
 * that is set after every line end of template text, and writes the
 * indentation before the next text or interpolation. Values that contain
 * line ends are not indented, exactly as if the indentation had been
 * prepended to each line of the partial's source.
 *
 * Inheritance follows the spec's ~inheritance module including block
 * reindentation: a standalone block removes the indentation of its first
 * content line from every line of its content (at compile time), and adds
 * the indentation of the site where it is expanded (at render time).
 */
#include "fixproof/render.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"

#define DEFAULT_MAX_DEPTH 64
#define DEFAULT_MAX_OUTPUT ((size_t)256 << 20)
#define DEFAULT_MAX_STEPS ((size_t)100000000)

enum {
	N_TEXT,
	N_VAR,      /* {{name}}: escaped */
	N_RAW,      /* {{{name}}} and {{&name}} */
	N_SECTION,
	N_INVERTED,
	N_PARTIAL,
	N_PARENT,
	N_BLOCK
};

enum {
	F_STANDALONE = 1,  /* alone on its line, which was removed */
	F_DYNAMIC = 2,     /* {{>*name}}: the name is looked up in the context */
	F_LEFTCLEAR = 4,   /* only whitespace before the tag on its line */
	F_BOL = 8,         /* text that starts a line of the template */
	F_OVERRIDE = 16,   /* a block given inside a parent tag */
	F_DEINDENTED = 32  /* a block whose content lost its own indentation */
};

typedef struct mstr {
	const char *p;
	size_t n;
} mstr;

typedef struct mnode {
	uint8_t kind;
	uint8_t flags;
	uint16_t nparts;  /* parts of a dotted name; 0 for "." */
	uint32_t line, col;
	size_t next;      /* the index after this node's subtree */
	mstr text;        /* text, or the name as written */
	size_t key;       /* offset of the name in `keys`, parts NUL-separated */
	mstr lead;        /* the whitespace before the tag on its line */
	mstr ind;         /* the indentation added to the lines it expands */
} mnode;

struct fp_mustache_template {
	char *name;
	char *src;
	size_t len;
	mnode *nodes;
	size_t n, cap;
	fp_buf keys;
};

/* ---- compiling ---- */

/* A text run or a tag found by the tokenizer. */
typedef struct rtok {
	char type;        /* 0 for text, else the sigil; 'v' for a plain variable */
	uint8_t dynamic;
	uint8_t standalone;
	uint8_t leftclear;
	uint8_t zone;     /* opened directly inside a parent, outside blocks */
	size_t a, b;      /* the source range */
	size_t ta, tb;    /* text: what is left after standalone trimming */
	mstr raw;         /* the tag's content, trimmed (closing tags match it) */
	mstr name;        /* raw without a dynamic '*' */
	mstr lead;
	uint32_t line, col;
} rtok;

typedef struct compiler {
	fp_mustache_template *t;
	rtok *tok;
	size_t ntok, captok;
	size_t *stack;
	size_t nstack;
	size_t line, linestart, scanned; /* line counting, done incrementally */
} compiler;

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static mstr trim(const char *p, size_t n)
{
	mstr s;

	while (n && is_space(*p)) {
		p++;
		n--;
	}
	while (n && is_space(p[n - 1]))
		n--;
	s.p = p;
	s.n = n;
	return s;
}

static int mstr_eq(mstr a, mstr b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Finds `needle` in the `n` bytes at `hay`; memmem is not C11. */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
	const char *end;

	if (m == 0 || m > n)
		return NULL;
	end = hay + (n - m);
	while (hay <= end) {
		const char *p = memchr(hay, needle[0], (size_t)(end - hay) + 1);

		if (!p)
			return NULL;
		if (memcmp(p, needle, m) == 0)
			return p;
		hay = p + 1;
	}
	return NULL;
}

/* Line and column (in code points, from 1) of source offset `off`. */
static void locate(compiler *c, size_t off, uint32_t *line, uint32_t *col)
{
	const char *s = c->t->src;
	size_t i, cols = 1;

	for (i = c->scanned; i < off; i++) {
		if (s[i] == '\n') {
			c->line++;
			c->linestart = i + 1;
		}
	}
	if (off > c->scanned)
		c->scanned = off;
	for (i = c->linestart; i < off; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cols++;
	*line = (uint32_t)(c->line > UINT32_MAX ? UINT32_MAX : c->line);
	*col = (uint32_t)(cols > UINT32_MAX ? UINT32_MAX : cols);
}

/*
 * Sets the message "template 'NAME' line L column C: ..." and returns
 * `code`. Quoted subjects are printed with "%.*s" and capped by the caller.
 */
static int errat(const fp_mustache_template *t, int code, uint32_t line, uint32_t col,
		 const char *fmt, ...) FP_PRINTF(5, 6);

static int errat(const fp_mustache_template *t, int code, uint32_t line, uint32_t col,
		 const char *fmt, ...)
{
	fp_buf msg = FP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	fp_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	code = fp_error_set(code, "template '%s' line %u column %u: %s", t->name, line, col,
			    msg.ptr);
	fp_buf_free(&msg);
	return code;
}

/* Quoted subjects in messages are cut to this many bytes. */
#define SUBJ(s) (int)((s).n > 100 ? 100 : (s).n), (s).p

static rtok *add_tok(compiler *c, char type, size_t a, size_t b)
{
	rtok *k;

	FP_ARRAY_GROW(c->tok, c->ntok + 1, c->captok);
	k = &c->tok[c->ntok++];
	memset(k, 0, sizeof(*k));
	k->type = type;
	k->a = k->ta = a;
	k->b = k->tb = b;
	return k;
}

/*
 * Reads a set-delimiter tag's content, "<% %>", into the new delimiters.
 * Both must be non-empty and contain neither whitespace nor '='.
 */
static int parse_delims(mstr in, mstr *open, mstr *close)
{
	size_t i = 0, j;

	while (i < in.n && !is_space(in.p[i]))
		i++;
	open->p = in.p;
	open->n = i;
	while (i < in.n && is_space(in.p[i]))
		i++;
	close->p = in.p + i;
	close->n = in.n - i;
	if (!open->n || !close->n)
		return -1;
	for (j = 0; j < open->n; j++)
		if (open->p[j] == '=')
			return -1;
	for (j = 0; j < close->n; j++)
		if (close->p[j] == '=' || is_space(close->p[j]))
			return -1;
	return 0;
}

/* True when `name` is "." or dot-separated non-empty parts. */
static int valid_dotted(mstr name)
{
	size_t i;

	if (name.n == 1 && name.p[0] == '.')
		return 1;
	if (!name.n || name.p[0] == '.' || name.p[name.n - 1] == '.')
		return 0;
	for (i = 1; i < name.n; i++)
		if (name.p[i] == '.' && name.p[i - 1] == '.')
			return 0;
	return 1;
}

/* Checks a tag's name and records it; comments and delimiters have none. */
static int tag_name(compiler *c, rtok *k)
{
	size_t i;

	if (k->type == '!' || k->type == '=')
		return 0;
	k->name = k->raw;
	if ((k->type == '>' || k->type == '<') && k->raw.n && k->raw.p[0] == '*') {
		k->dynamic = 1;
		k->name = trim(k->raw.p + 1, k->raw.n - 1);
	}
	if (!k->name.n)
		return errat(c->t, FP_ETEMPLATE, k->line, k->col, "empty tag");
	for (i = 0; i < k->name.n; i++)
		if (is_space(k->name.p[i]))
			return errat(c->t, FP_ETEMPLATE, k->line, k->col,
				     "whitespace inside the tag name '%.*s'", SUBJ(k->raw));
	if ((k->dynamic || !strchr("></$", k->type)) && !valid_dotted(k->name))
		return errat(c->t, FP_ETEMPLATE, k->line, k->col, "bad name '%.*s'", SUBJ(k->raw));
	return 0;
}

/* Pass 1: text runs and tags, following delimiter changes. */
static int tokenize(compiler *c)
{
	const char *s = c->t->src;
	size_t len = c->t->len, p = 0;
	mstr open = { "{{", 2 }, close = { "}}", 2 };
	fp_buf seq = FP_BUF_INIT;
	int rc = 0;

	while (p < len) {
		const char *t = find(s + p, len - p, open.p, open.n);
		size_t ts = t ? (size_t)(t - s) : len, q;
		const char *end;
		char type;
		rtok *k;

		if (ts > p)
			add_tok(c, 0, p, ts);
		if (!t)
			break;
		q = ts + open.n;
		type = q < len && strchr("#^/!><$=&{", s[q]) && s[q] ? s[q] : 'v';
		if (type != 'v')
			q++;
		/* A triple mustache ends with '}' and a set-delimiter tag with '='. */
		fp_buf_clear(&seq);
		if (type == '{' || type == '=')
			fp_buf_putc(&seq, type == '{' ? '}' : '=');
		fp_buf_add(&seq, close.p, close.n);
		end = find(s + q, len - q, seq.ptr, seq.len);
		k = add_tok(c, type, ts, end ? (size_t)(end - s) + seq.len : len);
		locate(c, ts, &k->line, &k->col);
		if (!end) {
			mstr head = trim(s + ts, len - ts > 20 ? 20 : len - ts);

			rc = errat(c->t, FP_ETEMPLATE, k->line, k->col, "unclosed tag '%.*s'",
				   SUBJ(head));
			goto out;
		}
		k->raw = trim(s + q, (size_t)(end - (s + q)));
		if (type == '=' && parse_delims(k->raw, &open, &close) < 0) {
			rc = errat(c->t, FP_ETEMPLATE, k->line, k->col,
				   "bad delimiter change '%.*s'", SUBJ(k->raw));
			goto out;
		}
		if ((rc = tag_name(c, k)) < 0)
			goto out;
		p = k->b;
	}
out:
	fp_buf_free(&seq);
	return rc;
}

/*
 * True when only spaces and tabs stand between the start of the line and
 * tag `i`; `lead` is set to that whitespace.
 */
static int left_clear(const compiler *c, size_t i, mstr *lead)
{
	const char *s = c->t->src;
	const rtok *k;
	size_t j;

	lead->p = s + c->tok[i].a;
	lead->n = 0;
	if (i == 0)
		return 1;
	k = &c->tok[i - 1];
	if (k->type)
		return 0;
	for (j = k->b; j > k->a && is_ws(s[j - 1]); j--)
		;
	if (j > k->a ? s[j - 1] != '\n' : i - 1 != 0)
		return 0;
	lead->p = s + j;
	lead->n = k->b - j;
	return 1;
}

/*
 * True when only whitespace follows tag `i` up to the end of its line (or of
 * the template); `*end` is set to the offset just past that line end.
 */
static int right_clear(const compiler *c, size_t i, size_t *end)
{
	const char *s = c->t->src;
	const rtok *k;
	size_t j;

	*end = c->tok[i].b;
	if (i + 1 == c->ntok)
		return 1;
	k = &c->tok[i + 1];
	if (k->type)
		return 0;
	for (j = k->a; j < k->b && is_ws(s[j]); j++)
		;
	if (j < k->b && s[j] == '\r' && j + 1 < k->b && s[j + 1] == '\n')
		j++;
	if (j < k->b) {
		if (s[j] != '\n')
			return 0;
		j++;
	} else if (i + 2 != c->ntok) {
		return 0;
	}
	*end = j;
	return 1;
}

/* Removes the whitespace before tag `i` on its line. */
static void strip_left(compiler *c, size_t i, mstr lead)
{
	rtok *k;

	if (i == 0 || c->tok[i - 1].type)
		return;
	k = &c->tok[i - 1];
	k->tb = (size_t)(lead.p - c->t->src);
	if (k->tb < k->ta)
		k->tb = k->ta;
}

/* Removes what follows tag `i` up to `end`, its line end included. */
static void strip_right(compiler *c, size_t i, size_t end)
{
	rtok *k;

	if (i + 1 == c->ntok || c->tok[i + 1].type)
		return;
	k = &c->tok[i + 1];
	if (end > k->ta)
		k->ta = end;
	if (k->tb < k->ta)
		k->tb = k->ta;
}

/* The spec's rule: a tag alone on its line takes the whole line with it. */
static void standalone_core(compiler *c, size_t i)
{
	rtok *k = &c->tok[i];
	size_t end;

	k->leftclear = (uint8_t)left_clear(c, i, &k->lead);
	if (k->leftclear && right_clear(c, i, &end)) {
		k->standalone = 1;
		strip_left(c, i, k->lead);
		strip_right(c, i, end);
	}
}

/*
 * Pass 2: decides which tags are standalone. Inside a parent tag (outside
 * its blocks) text is ignored, which changes the rule there: the parent's
 * opening and closing tags form a standalone pair when the first starts its
 * line and the second ends its line; a block given to a parent is
 * standalone when nothing but a line end follows its opening tag, and its
 * closing tag only takes the whitespace before it.
 */
static void mark_standalone(compiler *c)
{
	size_t i, end;

	c->nstack = 0;
	for (i = 0; i < c->ntok; i++) {
		rtok *k = &c->tok[i];
		const rtok *top = c->nstack ? &c->tok[c->stack[c->nstack - 1]] : NULL;
		int zone = top && top->type == '<';

		switch (k->type) {
		case 0: case 'v': case '&': case '{':
			break;
		case '/':
			if (!c->nstack)
				break;
			c->nstack--;
			if (top->type == '<' && !top->zone) {
				if (top->leftclear && right_clear(c, i, &end)) {
					c->tok[c->stack[c->nstack]].standalone = 1;
					strip_left(c, c->stack[c->nstack], top->lead);
					strip_right(c, i, end);
				}
			} else if (top->type == '$' && top->zone) {
				if (left_clear(c, i, &k->lead))
					strip_left(c, i, k->lead);
			} else {
				standalone_core(c, i);
			}
			break;
		default:
			k->zone = (uint8_t)zone;
			if (k->type == '<' && !zone) {
				k->leftclear = (uint8_t)left_clear(c, i, &k->lead);
			} else if (k->type == '$' && zone) {
				if (right_clear(c, i, &end)) {
					k->standalone = 1;
					strip_right(c, i, end);
				}
			} else if (!zone) {
				standalone_core(c, i);
			}
			if (strchr("#^<$", k->type))
				c->stack[c->nstack++] = i;
		}
	}
}

static size_t add_node(compiler *c, int kind, const rtok *k)
{
	fp_mustache_template *t = c->t;
	mnode *m;

	FP_ARRAY_GROW(t->nodes, t->n + 1, t->cap);
	m = &t->nodes[t->n];
	memset(m, 0, sizeof(*m));
	m->kind = (uint8_t)kind;
	m->next = t->n + 1;
	if (k) {
		m->line = k->line;
		m->col = k->col;
		m->text = k->name;
		m->lead = k->lead;
		if (k->standalone)
			m->flags |= F_STANDALONE;
		if (k->leftclear)
			m->flags |= F_LEFTCLEAR;
		if (k->dynamic)
			m->flags |= F_DYNAMIC;
	}
	return t->n++;
}

/*
 * Records a node's name in `keys`, NUL-terminated; a name that is looked up
 * in the context is split at its dots.
 */
static void add_key(compiler *c, size_t ni, int dotted)
{
	fp_mustache_template *t = c->t;
	mnode *m = &t->nodes[ni];
	size_t i;

	m->key = t->keys.len;
	if (dotted && m->text.n == 1 && m->text.p[0] == '.') {
		fp_buf_putc(&t->keys, '\0');
		return;
	}
	m->nparts = 1;
	for (i = 0; i < m->text.n; i++) {
		char ch = m->text.p[i];

		if (dotted && ch == '.') {
			ch = '\0';
			if (m->nparts < UINT16_MAX)
				m->nparts++;
		}
		fp_buf_putc(&t->keys, ch);
	}
	fp_buf_putc(&t->keys, '\0');
}

static void add_text(compiler *c, const rtok *k)
{
	const char *s = c->t->src;
	size_t a = k->ta;

	while (a < k->tb) {
		const char *nl = memchr(s + a, '\n', k->tb - a);
		size_t b = nl ? (size_t)(nl - s) + 1 : k->tb;
		size_t ni = add_node(c, N_TEXT, NULL);
		mnode *m = &c->t->nodes[ni];

		m->text.p = s + a;
		m->text.n = b - a;
		if (a == 0 || s[a - 1] == '\n')
			m->flags |= F_BOL;
		a = b;
	}
}

/* Removes the common prefix of `s` and `pre`. */
static void unindent(mstr *s, mstr pre)
{
	size_t k = 0;

	while (k < s->n && k < pre.n && s->p[k] == pre.p[k])
		k++;
	if (k) {
		s->p += k;
		s->n -= k;
	}
}

/*
 * Block reindentation: when a block's opening tag is standalone, the
 * indentation of its first content line is removed from every line of its
 * content. A block at its site of expansion then adds that indentation back
 * (or, when it has no content, the indentation of its tag); a block given
 * to a parent takes the indentation of the parent's site instead. Nested
 * blocks were reindented when they closed; only their recorded indentation
 * changes here.
 */
static void finish_block(compiler *c, size_t bi)
{
	fp_mustache_template *t = c->t;
	mstr intr = { "", 0 };
	size_t j, end = t->nodes[bi].next;

	if (!(t->nodes[bi].flags & F_STANDALONE))
		return;
	if (end > bi + 1) {
		const mnode *first = &t->nodes[bi + 1];

		if (first->kind == N_TEXT && (first->flags & F_BOL)) {
			intr.p = first->text.p;
			while (intr.n < first->text.n && is_ws(intr.p[intr.n]))
				intr.n++;
		} else if (first->flags & F_STANDALONE) {
			intr = first->lead;
		}
	} else {
		intr = t->nodes[bi].lead;
	}
	for (j = bi + 1; j < end;) {
		mnode *m = &t->nodes[j];

		if (m->kind == N_TEXT && (m->flags & F_BOL))
			unindent(&m->text, intr);
		unindent(&m->lead, intr);
		unindent(&m->ind, intr);
		j = m->kind == N_BLOCK && (m->flags & F_DEINDENTED) ? m->next : j + 1;
	}
	t->nodes[bi].ind = intr;
	t->nodes[bi].flags |= F_DEINDENTED;
}

static const char *kind_word(int kind)
{
	switch (kind) {
	case N_SECTION: return "section";
	case N_INVERTED: return "inverted section";
	case N_PARENT: return "parent";
	default: return "block";
	}
}

static int close_tag(compiler *c, const rtok *k)
{
	fp_mustache_template *t = c->t;
	mnode *open;
	size_t oi;

	if (!c->nstack)
		return errat(t, FP_ETEMPLATE, k->line, k->col, "closing tag '%.*s' has no open "
			     "section", SUBJ(k->raw));
	oi = c->stack[--c->nstack];
	open = &t->nodes[oi];
	if (!mstr_eq(c->tok[open->key].raw, k->raw)) {
		const rtok *ok = &c->tok[open->key];

		return errat(t, FP_ETEMPLATE, k->line, k->col, "closing tag '%.*s' does not match "
			     "'%.*s' opened at line %u column %u", SUBJ(k->raw), SUBJ(ok->raw),
			     ok->line, ok->col);
	}
	open->next = t->n;
	if (open->kind == N_PARENT && c->tok[open->key].standalone)
		open->flags |= F_STANDALONE;
	/* `key` held the opening token's index until now. */
	add_key(c, oi, open->kind == N_SECTION || open->kind == N_INVERTED ||
		(open->flags & F_DYNAMIC));
	if (open->kind == N_BLOCK)
		finish_block(c, oi);
	return 0;
}

/* Pass 3: nodes, with nesting checked. */
static int build(compiler *c)
{
	fp_mustache_template *t = c->t;
	size_t i;

	c->nstack = 0;
	for (i = 0; i < c->ntok; i++) {
		const rtok *k = &c->tok[i];
		int zone = c->nstack && t->nodes[c->stack[c->nstack - 1]].kind == N_PARENT;
		size_t ni;
		int rc;

		switch (k->type) {
		case 0:
			if (!zone)
				add_text(c, k);
			break;
		case '!': case '=':
			break;
		case 'v': case '&': case '{': case '>':
			if (zone)
				break;
			ni = add_node(c, k->type == 'v' ? N_VAR : k->type == '>' ? N_PARTIAL : N_RAW, k);
			if (k->type == '>' && k->standalone)
				t->nodes[ni].ind = k->lead;
			add_key(c, ni, k->type != '>' || k->dynamic);
			break;
		case '/':
			if ((rc = close_tag(c, k)) < 0)
				return rc;
			break;
		default:
			if (zone && k->type != '$')
				return errat(t, FP_ETEMPLATE, k->line, k->col, "tag '%.*s' inside a "
					     "parent tag is not a block", SUBJ(k->raw));
			ni = add_node(c, k->type == '#' ? N_SECTION : k->type == '^' ? N_INVERTED :
				      k->type == '<' ? N_PARENT : N_BLOCK, k);
			if (k->type == '<')
				t->nodes[ni].ind = t->nodes[ni].lead;
			if (k->type == '$' && zone)
				t->nodes[ni].flags |= F_OVERRIDE;
			/* The opening token, for the closing tag's checks. */
			t->nodes[ni].key = i;
			c->stack[c->nstack++] = ni;
		}
	}
	if (c->nstack) {
		const mnode *m = &t->nodes[c->stack[c->nstack - 1]];

		return errat(t, FP_ETEMPLATE, m->line, m->col, "unclosed %s '%.*s'",
			     kind_word(m->kind), SUBJ(c->tok[m->key].raw));
	}
	return 0;
}

void fp_mustache_template_free(fp_mustache_template *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->src);
	free(t->nodes);
	fp_buf_free(&t->keys);
	free(t);
}

int fp_mustache_compile(fp_mustache_template **out, const char *tmpl, size_t len,
			const char *name)
{
	compiler c;
	fp_mustache_template *t = fp_xcalloc(1, sizeof(*t));
	int rc;

	memset(&c, 0, sizeof(c));
	c.t = t;
	c.line = 1;
	t->name = fp_xstrdup(name ? name : "(unnamed)");
	t->src = fp_xstrndup(tmpl ? tmpl : "", tmpl ? len : 0);
	t->len = tmpl ? len : 0;
	fp_buf_init(&t->keys);
	if ((rc = tokenize(&c)) < 0)
		goto out;
	c.stack = fp_xmalloc((c.ntok + 1) * sizeof(*c.stack));
	mark_standalone(&c);
	rc = build(&c);
out:
	free(c.tok);
	free(c.stack);
	if (rc < 0) {
		fp_mustache_template_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* ---- rendering ---- */

/* The blocks given to one parent tag, and those given further out. */
typedef struct bframe {
	const fp_mustache_template *t;
	size_t node;
	const struct bframe *up;
} bframe;

typedef struct cached {
	char *name;
	fp_mustache_template *t; /* NULL: there is no such partial */
} cached;

typedef struct renderer {
	fp_buf *out;
	size_t start;
	const fp_mustache_opts *o;
	size_t max_depth, max_output, max_steps;
	size_t depth, steps;
	const cJSON **stack;
	size_t nstack, capstack;
	fp_buf indent;     /* the indentation in force is indent.ptr[ibase..len] */
	size_t ibase;
	int pending;       /* a template line just ended: indent what comes next */
	cached *cache;
	size_t ncache, capcache;
} renderer;

static int render_range(renderer *r, const fp_mustache_template *t, size_t from, size_t to,
			const bframe *bf);

static int check_output(renderer *r, const fp_mustache_template *t)
{
	if (r->out->len - r->start > r->max_output)
		return fp_error_set(FP_ELIMIT, "template '%s': output larger than %zu bytes",
				    t->name, r->max_output);
	return 0;
}

static void flush_indent(renderer *r)
{
	if (r->pending) {
		fp_buf_add(r->out, r->indent.ptr + r->ibase, r->indent.len - r->ibase);
		r->pending = 0;
	}
}

static int emit_text(renderer *r, const fp_mustache_template *t, mstr s)
{
	if (!s.n)
		return 0;
	/* Empty lines are not indented, so indentation adds no trailing spaces. */
	if (s.p[0] == '\n' || (s.n == 2 && s.p[0] == '\r' && s.p[1] == '\n'))
		r->pending = 0;
	flush_indent(r);
	fp_buf_add(r->out, s.p, s.n);
	r->pending = s.p[s.n - 1] == '\n';
	return check_output(r, t);
}

static const cJSON *lookup(const renderer *r, const fp_mustache_template *t, const mnode *m)
{
	const char *key = t->keys.ptr + m->key;
	const cJSON *v = NULL;
	size_t i;
	uint16_t part;

	if (m->nparts == 0)
		return r->stack[r->nstack - 1];
	for (i = r->nstack; i-- > 0;) {
		if (cJSON_IsObject(r->stack[i]) &&
		    (v = cJSON_GetObjectItemCaseSensitive(r->stack[i], key)) != NULL)
			break;
	}
	for (part = 1; v && part < m->nparts; part++) {
		key += strlen(key) + 1;
		v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL;
	}
	return v;
}

/* Tells opts->missing about a name no context has; its code, or 0. */
static int report_missing(const renderer *r, const fp_mustache_template *t, const mnode *m,
			  const cJSON *v)
{
	fp_buf name = FP_BUF_INIT;
	int rc;

	if (v || !r->o->missing)
		return 0;
	fp_buf_add(&name, m->text.p, m->text.n);
	rc = r->o->missing(r->o->missing_ctx, t->name, m->line, m->col, name.ptr);
	fp_buf_free(&name);
	return rc < 0 ? rc : 0;
}

/*
 * The spec leaves truthiness to the host language ("!!data"); the data is
 * JSON, so JavaScript's rule applies: missing, null, false, 0 and "" are
 * falsy, and so is an empty list. A count of zero hides a section, which is
 * what report templates want ({{#changes.regressed}}...).
 */
static int truthy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v) || cJSON_IsInvalid(v))
		return 0;
	if (cJSON_IsArray(v))
		return v->child != NULL;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return v->valuestring && v->valuestring[0];
	return 1;
}

/* Numbers print as JSON writes them: integers without a fraction. */
static void put_number(fp_buf *b, double v)
{
	char tmp[40];

	if (!isfinite(v))
		return;
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(tmp, sizeof(tmp), "%.0f", v == 0 ? 0.0 : v);
	} else {
		snprintf(tmp, sizeof(tmp), "%.15g", v);
		if (strtod(tmp, NULL) != v)
			snprintf(tmp, sizeof(tmp), "%.17g", v);
	}
	fp_buf_puts(b, tmp);
}

static int interpolate(renderer *r, const fp_mustache_template *t, const mnode *m)
{
	const cJSON *v = lookup(r, t, m);
	fp_escape esc = m->kind == N_RAW ? FP_ESCAPE_NONE : r->o->escape;
	const char *s = NULL;
	fp_buf nb = FP_BUF_INIT;
	int rc;

	if ((rc = report_missing(r, t, m, v)) < 0)
		return rc;
	flush_indent(r);
	if (cJSON_IsString(v) || cJSON_IsRaw(v)) {
		s = v->valuestring;
	} else if (cJSON_IsNumber(v)) {
		put_number(&nb, v->valuedouble);
		s = nb.ptr;
	} else if (cJSON_IsBool(v)) {
		s = cJSON_IsTrue(v) ? "true" : "false";
	}
	if (s) {
		if (esc == FP_ESCAPE_HTML)
			fp_html_escape(r->out, s, strlen(s));
		else if (esc == FP_ESCAPE_MARKDOWN)
			fp_markdown_escape(r->out, s, strlen(s));
		else
			fp_buf_puts(r->out, s);
	}
	fp_buf_free(&nb);
	return check_output(r, t);
}

static int enter(renderer *r, const fp_mustache_template *t, const mnode *m)
{
	if (++r->depth > r->max_depth)
		return errat(t, FP_ELIMIT, m->line, m->col, "'%.*s' is nested deeper than %zu "
			     "sections, partials and blocks", SUBJ(m->text), r->max_depth);
	return 0;
}

static void push(renderer *r, const cJSON *v)
{
	FP_ARRAY_GROW(r->stack, r->nstack + 1, r->capstack);
	r->stack[r->nstack++] = v;
}

static int section(renderer *r, const fp_mustache_template *t, size_t i, const bframe *bf)
{
	const mnode *m = &t->nodes[i];
	const cJSON *v = lookup(r, t, m);
	int rc;

	if ((rc = report_missing(r, t, m, v)) < 0)
		return rc;
	if (m->kind == N_INVERTED ? truthy(v) : !truthy(v))
		return 0;
	if ((rc = enter(r, t, m)) < 0)
		return rc;
	if (m->kind == N_SECTION && cJSON_IsArray(v)) {
		const cJSON *e;

		for (e = v->child; e && rc == 0; e = e->next) {
			if (++r->steps > r->max_steps)
				break;
			push(r, e);
			rc = render_range(r, t, i + 1, m->next, bf);
			r->nstack--;
		}
	} else if (m->kind == N_SECTION) {
		push(r, v);
		rc = render_range(r, t, i + 1, m->next, bf);
		r->nstack--;
	} else {
		rc = render_range(r, t, i + 1, m->next, bf);
	}
	r->depth--;
	return rc;
}

/* The compiled partial `name`, from the cache or the caller; NULL if none. */
static int load(fp_mustache_template **out, renderer *r, const char *name)
{
	fp_buf text = FP_BUF_INIT;
	fp_mustache_template *t = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < r->ncache; i++) {
		if (strcmp(r->cache[i].name, name) == 0) {
			*out = r->cache[i].t;
			return 0;
		}
	}
	if (r->o->partial) {
		rc = r->o->partial(r->o->partial_ctx, name, &text);
		if (rc == 0)
			rc = fp_mustache_compile(&t, text.ptr, text.len, name);
		else if (rc == FP_ENOTFOUND)
			rc = 0;
		if (rc < 0)
			goto out;
	}
	FP_ARRAY_GROW(r->cache, r->ncache + 1, r->capcache);
	r->cache[r->ncache].name = fp_xstrdup(name);
	r->cache[r->ncache++].t = t;
	*out = t;
out:
	fp_buf_free(&text);
	return rc;
}

/*
 * Renders nodes [from, to) of `t` with an indentation: a standalone tag
 * adds its own to the one in force, an inline one continues the current
 * line and indents the lines that follow by `inline_ind` alone (partials)
 * or added to the current one (blocks).
 */
static int expand(renderer *r, const fp_mustache_template *caller, const mnode *m,
		  const fp_mustache_template *t, size_t from, size_t to, const bframe *bf)
{
	size_t len = r->indent.len, base = r->ibase;
	int standalone = (m->flags & F_STANDALONE) != 0, rc;

	if ((rc = enter(r, caller, m)) < 0)
		return rc;
	if (standalone) {
		fp_buf_add(&r->indent, m->ind.p, m->ind.n);
	} else {
		flush_indent(r);
		if (m->kind == N_BLOCK && (m->flags & F_LEFTCLEAR))
			fp_buf_add(&r->indent, m->lead.p, m->lead.n);
		else if (m->kind != N_BLOCK)
			r->ibase = len;
	}
	rc = render_range(r, t, from, to, bf);
	fp_buf_truncate(&r->indent, len);
	r->ibase = base;
	r->pending = standalone;
	r->depth--;
	return rc;
}

/* {{>name}} and {{<name}}...{{/name}}. */
static int include(renderer *r, const fp_mustache_template *t, size_t i, const bframe *bf)
{
	const mnode *m = &t->nodes[i];
	const char *name = t->keys.ptr + m->key;
	fp_mustache_template *pt = NULL;
	bframe nb;
	int rc;

	if (m->flags & F_DYNAMIC) {
		const cJSON *v = lookup(r, t, m);

		if (!cJSON_IsString(v))
			return 0;
		name = v->valuestring;
	}
	if ((rc = load(&pt, r, name)) < 0 || !pt)
		return rc;
	if (m->kind == N_PARENT) {
		nb.t = t;
		nb.node = i;
		nb.up = bf;
		bf = &nb;
	}
	return expand(r, t, m, pt, 0, pt->n, bf);
}

/*
 * {{$name}}...{{/name}} where it is expanded: the content given by the
 * outermost parent tag that gives one, or the default content.
 */
static int block(renderer *r, const fp_mustache_template *t, size_t i, const bframe *bf)
{
	const mnode *m = &t->nodes[i];
	const fp_mustache_template *ct = t;
	const bframe *f;
	size_t from = i + 1, to = m->next, k;

	for (f = bf; f; f = f->up) {
		const mnode *nodes = f->t->nodes;

		for (k = f->node + 1; k < nodes[f->node].next; k = nodes[k].next) {
			if (nodes[k].kind == N_BLOCK && mstr_eq(nodes[k].text, m->text)) {
				ct = f->t;
				from = k + 1;
				to = nodes[k].next;
				break;
			}
		}
	}
	return expand(r, t, m, ct, from, to, bf);
}

static int render_range(renderer *r, const fp_mustache_template *t, size_t from, size_t to,
			const bframe *bf)
{
	size_t i;
	int rc = 0;

	for (i = from; i < to && rc == 0; i = t->nodes[i].next) {
		const mnode *m = &t->nodes[i];

		if (++r->steps > r->max_steps)
			return fp_error_set(FP_ELIMIT, "template '%s': rendering takes more than %zu "
					    "steps", t->name, r->max_steps);
		switch (m->kind) {
		case N_TEXT:
			rc = emit_text(r, t, m->text);
			break;
		case N_VAR: case N_RAW:
			rc = interpolate(r, t, m);
			break;
		case N_SECTION: case N_INVERTED:
			rc = section(r, t, i, bf);
			break;
		case N_PARTIAL: case N_PARENT:
			rc = include(r, t, i, bf);
			break;
		default:
			rc = block(r, t, i, bf);
		}
	}
	if (rc == 0 && r->steps > r->max_steps)
		rc = fp_error_set(FP_ELIMIT, "template '%s': rendering takes more than %zu steps",
				  t->name, r->max_steps);
	return rc;
}

int fp_mustache_render_template(fp_buf *out, const fp_mustache_template *t, const cJSON *data,
				const fp_mustache_opts *opts)
{
	static const fp_mustache_opts defaults = { FP_ESCAPE_HTML, NULL, NULL, 0, 0, 0, NULL, NULL };
	renderer r;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	r.out = out;
	r.start = out->len;
	r.o = opts ? opts : &defaults;
	r.max_depth = r.o->max_depth ? r.o->max_depth : DEFAULT_MAX_DEPTH;
	r.max_output = r.o->max_output ? r.o->max_output : DEFAULT_MAX_OUTPUT;
	r.max_steps = r.o->max_steps ? r.o->max_steps : DEFAULT_MAX_STEPS;
	r.capstack = 16;
	r.stack = fp_xmalloc(r.capstack * sizeof(*r.stack));
	r.stack[r.nstack++] = data;
	fp_buf_init(&r.indent);
	r.pending = 1;
	rc = render_range(&r, t, 0, t->n, NULL);
	for (i = 0; i < r.ncache; i++) {
		free(r.cache[i].name);
		fp_mustache_template_free(r.cache[i].t);
	}
	free(r.cache);
	free(r.stack);
	fp_buf_free(&r.indent);
	return rc;
}

int fp_mustache_render(fp_buf *out, const char *tmpl, size_t len, const char *name,
		       const cJSON *data, const fp_mustache_opts *opts)
{
	fp_mustache_template *t = NULL;
	int rc;

	if ((rc = fp_mustache_compile(&t, tmpl, len, name)) < 0)
		return rc;
	rc = fp_mustache_render_template(out, t, data, opts);
	fp_mustache_template_free(t);
	return rc;
}
