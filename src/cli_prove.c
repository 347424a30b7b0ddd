/*
 * cli_prove.c - the `prove` command.
 */
#include "cli.h"

int fp_cli_prove(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return FP_EXIT_USAGE;
}
