/* cli_report.c - placeholder. */
#include "cli.h"
int fp_cli_diff(int argc, char **argv) { (void)argc; (void)argv; return 2; }
int fp_cli_report(int argc, char **argv) { (void)argc; (void)argv; return 2; }
