/*
 * diff_json.c - the diff model as JSON (schema "fixproof.diff/1"), streamed
 * test by test; see diff.h and the README's "JSON contracts".
 */
#include "fixproof/diff.h"

#include <stdlib.h>

#include "fixproof/error.h"
#include "fixproof/json.h"
#include "fixproof/provenance.h"

static void write_side(const fp_diff *d, int side, FILE *f)
{
	const fp_run *run = side ? d->after : d->before;
	const fp_cause_count (*causes)[FP_DIFF_MAX_CAUSES] = d->causes[side];
	int c;
	size_t i;

	fputs(side ? "\"after\":{" : "\"before\":{", f);
	fp_run_write_inputs_json(run, f);
	fp_summary_write_json(run, f);
	fputs(",\n\"causes\":{", f);
	for (c = 0; c < 2; c++) {
		fprintf(f, "%s\"%s\":{", c ? "," : "", fp_category_name((fp_category)(c + 1)));
		for (i = 0; causes[c][i].cause; i++) {
			if (i)
				putc(',', f);
			fp_json_str(f, causes[c][i].cause);
			fprintf(f, ":%llu", (unsigned long long)causes[c][i].count);
		}
		putc('}', f);
	}
	fputs("}}", f);
}

static void write_metric(const char *name, const fp_fraction *b, const fp_fraction *a,
			 int first, FILE *f)
{
	fprintf(f, "%s\"%s\":{\"before\":", first ? "" : ",\n  ", name);
	fp_json_fraction(f, b->num, b->den);
	fputs(",\"after\":", f);
	fp_json_fraction(f, a->num, a->den);
	putc('}', f);
}

/*
 * "reasons": the sentences; "reasons_detail": the same with their text and
 * the tests they name apart, for a report that shows ids as code.
 */
static void write_reasons(const fp_diff *d, FILE *f)
{
	fp_buf b = FP_BUF_INIT;
	size_t i, k;

	fputs("\"reasons\":[", f);
	for (i = 0; i < d->nreasons; i++) {
		fp_buf_clear(&b);
		fp_reason_format(&b, &d->reasons[i]);
		fputs(i ? ",\n  " : "\n  ", f);
		fp_json_str(f, b.ptr);
	}
	fputs("],\n\"reasons_detail\":[", f);
	for (i = 0; i < d->nreasons; i++) {
		const fp_reason *r = &d->reasons[i];

		fputs(i ? ",\n  {\"text\":" : "\n  {\"text\":", f);
		fp_json_str(f, r->text);
		fputs(",\"ids\":[", f);
		for (k = 0; k < r->nids; k++) {
			if (k)
				putc(',', f);
			fp_json_str(f, r->ids[k]);
		}
		fprintf(f, "],\"more\":%llu}", (unsigned long long)r->more);
	}
	putc(']', f);
	fp_buf_free(&b);
}

/* What one thread formats entries with. */
typedef struct entry_json {
	const fp_diff *d;
	int changed_only;
	fp_test_json *before, *after;
} entry_json;

static const char *json_bool(int b)
{
	return b ? "true" : "false";
}

static void format_entries(void *ctx, size_t from, size_t to, fp_buf *out)
{
	entry_json *ej = ctx;
	const fp_diff *d = ej->d;
	size_t i;

	for (i = from; i < to; i++) {
		const fp_diff_entry *e = &d->entries[i];
		const fp_test *b = fp_diff_before(d, e), *a = fp_diff_after(d, e);

		if (ej->changed_only && e->change == FP_CHANGE_UNCHANGED && !(e->flags & FP_ENTRY_TARGET))
			continue;
		fp_buf_puts(out, ",\n  {\"id\":");
		fp_test_json_id(a ? ej->after : ej->before, out, a ? a : b);
		fp_buf_puts(out, ",\"change\":\"");
		fp_buf_puts(out, fp_change_name((fp_change)e->change));
		fp_buf_puts(out, "\",\"target\":");
		fp_buf_puts(out, json_bool(e->flags & FP_ENTRY_TARGET));
		fp_buf_puts(out, ",\"module\":");
		fp_buf_puts(out, json_bool(e->flags & FP_ENTRY_MODULE));
		fp_buf_puts(out, ",\"cause_changed\":");
		fp_buf_puts(out, json_bool(e->flags & FP_ENTRY_CAUSE_CHANGED));
		fp_buf_puts(out, ",\"via_module\":");
		fp_buf_puts(out, json_bool(e->flags & FP_ENTRY_VIA_MODULE));
		fp_buf_puts(out, ",\"outcome\":{\"before\":\"");
		fp_buf_puts(out, fp_outcome_name((fp_outcome)e->outcome_before));
		fp_buf_puts(out, "\",\"after\":\"");
		fp_buf_puts(out, fp_outcome_name((fp_outcome)e->outcome_after));
		fp_buf_puts(out, "\"},\"before\":");
		if (b)
			fp_test_json_add(ej->before, out, b);
		else
			fp_buf_puts(out, "null");
		fp_buf_puts(out, ",\"after\":");
		if (a)
			fp_test_json_add(ej->after, out, a);
		else
			fp_buf_puts(out, "null");
		fp_buf_putc(out, '}');
	}
}

/* "provenance": how each run was made, as its provenance.json holds it. */
static void write_provenance(const fp_diff *d, FILE *f)
{
	int side;

	fputs("\"provenance\":{", f);
	for (side = 0; side < 2; side++) {
		cJSON *o = d->provenance[side] ? fp_provenance_json_object(d->provenance[side]) : NULL;
		char *text = o ? cJSON_PrintUnformatted(o) : NULL;

		fprintf(f, "%s\"%s\":%s", side ? "," : "", side ? "after" : "before",
			text ? text : "null");
		cJSON_free(text);
		cJSON_Delete(o);
	}
	putc('}', f);
}

int fp_diff_write_json(const fp_diff *d, FILE *f, int changed_only)
{
	static const char *const metric_names[] = {
		"collection_rate", "execution_rate", "business_logic_reach", "pass_rate"
	};
	entry_json ej[2];
	void *ctx[2];
	size_t i;
	int c, o;

	fprintf(f, "{\"schema\":\"fixproof.diff/1\",\n\"verdict\":\"%s\",\n\"goal\":\"%s\",\n",
		fp_verdict_name(d->verdict), fp_goal_name(d->goal));
	write_reasons(d, f);
	fputs(",\n\"targets\":[", f);
	for (i = 0; i < d->ntargets; i++) {
		fputs(i ? "," : "", f);
		fputs("{\"pattern\":", f);
		fp_json_str(f, d->targets[i].pattern);
		fprintf(f, ",\"matched\":%zu}", d->targets[i].matched);
	}
	fprintf(f, "],\n\"target_count\":%zu,\n", d->target_count);
	write_side(d, 0, f);
	fputs(",\n", f);
	write_side(d, 1, f);
	fputs(",\n\"metrics\":{", f);
	for (c = 0; c < 4; c++) {
		const fp_fraction *b = &d->metrics[0].collection_rate + c;
		const fp_fraction *a = &d->metrics[1].collection_rate + c;

		write_metric(metric_names[c], b, a, c == 0, f);
	}
	fputs("},\n\"changes\":{", f);
	for (c = 0; c < FP_CHANGE_COUNT; c++)
		fprintf(f, "%s\"%s\":%llu", c ? "," : "", fp_change_name((fp_change)c),
			(unsigned long long)d->changes[c]);
	fputs("},\n\"matrix\":{", f);
	for (o = 0; o < FP_OUTCOME_COUNT; o++) {
		fprintf(f, "%s\"%s\":{", o ? "," : "", fp_outcome_name((fp_outcome)o));
		for (c = 0; c < FP_OUTCOME_COUNT; c++)
			fprintf(f, "%s\"%s\":%llu", c ? "," : "", fp_outcome_name((fp_outcome)c),
				(unsigned long long)d->matrix[o][c]);
		putc('}', f);
	}
	fputs("},\n", f);
	write_provenance(d, f);
	fputs(",\n\"tests\":[", f);
	for (c = 0; c < 2; c++) {
		ej[c].d = d;
		ej[c].changed_only = changed_only;
		ej[c].before = fp_test_json_new(d->before);
		ej[c].after = fp_test_json_new(d->after);
		ctx[c] = &ej[c];
	}
	fp_json_write_items(f, d->nentries, format_entries, ctx);
	fputs("\n]}\n", f);
	for (c = 0; c < 2; c++) {
		fp_test_json_free(ej[c].before);
		fp_test_json_free(ej[c].after);
	}
	if (fflush(f) != 0 || ferror(f))
		return fp_error_set(FP_EIO, "cannot write the diff model: write error");
	return 0;
}
