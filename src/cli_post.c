/* cli_post.c - placeholder until the GitHub client lands. */
#include "cli.h"
#include "fixproof/error.h"

int fp_cli_post(int argc, char **argv)
{
	(void)argc; (void)argv;
	fp_cli_errorf("post: not built yet");
	return FP_EXIT_USAGE;
}
