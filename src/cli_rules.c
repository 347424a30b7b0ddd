/*
 * cli_rules.c - `fixproof rules`: print the effective classification
 * rules as JSON.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "fixproof/classify.h"
#include "fixproof/error.h"

typedef struct rules_opts {
	const char *rules;
} rules_opts;

static const fp_opt rules_options[] = {
	FP_OPTION_STRING("rules", 0, rules_opts, rules, "FILE",
			 "classification rules (JSON) that come before the defaults"),
	FP_OPTION_END
};

static const fp_opt_command rules_command = {
	"rules", "[--rules FILE]",
	"Prints the effective classification rules, in the order they are tried,\n"
	"as JSON: the rules from --rules FILE first, then the built-in defaults.\n",
	rules_options, NULL, 0, NULL, NULL,
	0
};

int fp_cli_rules(int argc, char **argv)
{
	rules_opts o;
	fp_rules *rules = NULL;
	fp_output out = FP_OUTPUT_INIT;
	int err, status;

	memset(&o, 0, sizeof(o));
	err = fp_opt_parse(&rules_command, &o, argc, argv);
	if (err == 0)
		err = fp_cli_load_rules(&rules, o.rules);
	if (err == 0)
		err = fp_output_open(&out, NULL);
	if (err == 0)
		err = fp_output_finish(&out, fp_rules_write_json(rules, out.f));
	status = fp_cli_status(err);
	fp_rules_free(rules);
	fp_opt_free(&rules_command, &o);
	return status;
}
