/*
 * cli_side.c - what `diff` and `report` share: the options that name both
 * sides, reading and diffing them, and the exit status --fail-on asks for.
 */
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "cli_side.h"
#include "fixproof/error.h"

const fp_opt_choice fp_cli_fail_on_choices[] = {
	{ "regressed", FP_FAIL_REGRESSED }, { "unresolved", FP_FAIL_UNRESOLVED },
	{ "any", FP_FAIL_ANY }, { "never", FP_FAIL_NEVER }, { NULL, 0 }
};

const fp_opt_choice fp_cli_goal_choices[] = {
	{ "pass", FP_GOAL_PASS }, { "reach", FP_GOAL_REACH }, { NULL, 0 }
};

int fp_cli_side_check(const fp_cli_side *o, const char *cmd)
{
	size_t k;

	fp_cli_set_quiet(o->quiet);
	for (k = 0; k < o->targets.n; k++)
		if (!o->targets.v[k][0])
			return fp_error_set(FP_EUSAGE, "%s: --target needs a non-empty PATTERN", cmd);
	return fp_cli_check_stdin(cmd, &o->before, &o->after);
}

int fp_cli_side_diff(fp_diff **out, fp_run **before, fp_run **after, fp_cli_side *o,
		     const char *cmd)
{
	fp_rules *rules = NULL;
	int err;

	if ((o->before.n == 0) != (o->after.n == 0))
		return fp_error_set(FP_EUSAGE, "%s: both --before and --after are needed (or neither, "
				    "for the two newest captures); see 'fixproof %s --help'", cmd, cmd);
	if ((err = fp_cli_captures_expand(&o->captures, &o->before, &o->after)) < 0)
		return err;
	if ((err = fp_cli_load_rules(&rules, o->rules_path)) < 0)
		return err;
	err = fp_cli_read_runs(before, after, &o->before, &o->after, rules);
	if (err == 0) {
		fp_diff_opts dopts = { o->targets.v, o->targets.n, (fp_goal)o->goal,
				       { o->captures.prov[0], o->captures.prov[1] } };

		err = fp_diff_runs(out, *before, *after, &dopts);
	}
	fp_rules_free(rules);
	return err;
}

/* `unblocked` is a success only for a fix whose goal was to reach the
 * code under test (--goal reach); it is never given otherwise. */
static int verdict_fails(fp_fail_on f, fp_verdict v, fp_goal goal)
{
	int success = v == FP_VERDICT_RESOLVED || (goal == FP_GOAL_REACH && v == FP_VERDICT_UNBLOCKED);

	switch (f) {
	case FP_FAIL_REGRESSED: return v == FP_VERDICT_REGRESSED;
	case FP_FAIL_UNRESOLVED: return !success && v != FP_VERDICT_PARTIALLY_RESOLVED;
	case FP_FAIL_ANY: return !success;
	default: return 0;
	}
}

int fp_cli_side_status(const fp_cli_side *o, const fp_diff *d)
{
	if (verdict_fails((fp_fail_on)o->fail, d->verdict, d->goal)) {
		fp_cli_warnf("verdict is %s (--fail-on)", fp_verdict_name(d->verdict));
		return FP_EXIT_VERDICT;
	}
	return FP_EXIT_OK;
}

void fp_cli_side_free(fp_cli_side *o)
{
	fp_cli_captures_free(&o->captures);
}

int fp_cli_side_write(fp_cli_side *o, const char *cmd, fp_cli_diff_writer write,
		      const void *ctx)
{
	fp_run *before = NULL, *after = NULL;
	fp_diff *diff = NULL;
	fp_output out = FP_OUTPUT_INIT;
	int err, status;

	err = fp_cli_side_check(o, cmd);
	if (err == 0)
		err = fp_cli_side_diff(&diff, &before, &after, o, cmd);
	if (err == 0)
		err = fp_output_open(&out, o->output);
	if (err == 0)
		err = fp_output_finish(&out, write(out.f, diff, ctx));
	fp_output_abort(&out);
	status = err < 0 ? fp_cli_status(err) : fp_cli_side_status(o, diff);
	fp_diff_free(diff);
	fp_run_free(before);
	fp_run_free(after);
	return status;
}
