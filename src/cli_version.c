/*
 * cli_version.c - `fixproof --version`: fixproof's version, then the
 * libraries it runs with, each asked by the module that uses it, so a bug
 * report says which libxml2 read the file and which libcurl posted it.
 */
#include <stdio.h>

#include "cli.h"
#include "fixproof/parse.h"
#include "fixproof/publish.h"
#include "fixproof/render.h"

void fp_cli_print_version(FILE *f)
{
	fp_buf v = FP_BUF_INIT;

	fputs("fixproof " FIXPROOF_VERSION "\n", f);
	fp_junit_libxml2_version(&v);
	fprintf(f, "libxml2 %s\n", v.ptr);
	fp_ctrf_cjson_version(&v);
	fprintf(f, "cJSON %s\n", v.ptr);
	fprintf(f, "cmark-gfm %s\n", fp_html_cmark_version());
	fp_github_curl_version(&v);
	fprintf(f, "libcurl %s\n", v.ptr);
	fp_buf_free(&v);
}
