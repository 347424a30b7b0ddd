/*
 * cli.c - the shared pieces of the command line (messages, exit statuses,
 * input lists) and the `parse` and `rules` commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "fixproof/classify.h"
#include "fixproof/ctrf.h"
#include "fixproof/error.h"
#include "fixproof/parse.h"

static int quiet;

void fp_cli_errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("fixproof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void fp_cli_warnf(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fputs("fixproof: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int fp_cli_exit_status(int code)
{
	switch (code) {
	case FP_OK: return FP_EXIT_OK;
	case FP_EUSAGE: return FP_EXIT_USAGE;
	case FP_EINPUT: case FP_EIO: case FP_ELIMIT: case FP_ETEMPLATE: return FP_EXIT_INPUT;
	case FP_ENET: case FP_EAPI: return FP_EXIT_NETWORK;
	case FP_EINTERRUPTED: return FP_EXIT_INTERRUPTED;
	default: return FP_EXIT_INTERNAL;
	}
}

int fp_cli_fail(int code)
{
	const char *msg = fp_error_message();

	fp_cli_errorf("%s", msg[0] ? msg : "unknown error");
	return fp_cli_exit_status(code);
}

int fp_cli_status(int err)
{
	if (err == 0 || err == FP_EHELP)
		return FP_EXIT_OK;
	return fp_cli_fail(err);
}

void fp_cli_set_quiet(int on)
{
	quiet = on;
}

int fp_cli_check_stdin(const char *cmd, const fp_args *a, const fp_args *b)
{
	size_t n = fp_args_count(a, "-") + (b ? fp_args_count(b, "-") : 0);

	if (n > 1)
		return fp_error_set(FP_EUSAGE, "%s: standard input (-) is given %zu times; it can be "
				    "read only once", cmd, n);
	return 0;
}

/* Progress goes to a terminal, or anywhere when FIXPROOF_PROGRESS=1; never
 * with --quiet, so CI logs and pipes stay clean. */
static int progress_wanted(void)
{
	const char *env = getenv("FIXPROOF_PROGRESS");

	if (quiet)
		return 0;
	if (env && *env)
		return strcmp(env, "0") != 0;
	return isatty(2);
}

void fp_cli_progress(void *ctx, const char *path, size_t done, size_t total)
{
	(void)ctx;
	if (progress_wanted())
		fprintf(stderr, "fixproof: reading %s (%zu/%zu)\n", path, done + 1, total);
}

void fp_cli_progress_side(const char *side, size_t ninputs)
{
	if (progress_wanted())
		fprintf(stderr, "fixproof: reading the run %s the fix (%zu %s)\n", side, ninputs,
			ninputs == 1 ? "input" : "inputs");
}

int fp_cli_load_rules(fp_rules **out, const char *rules_path)
{
	fp_rules *rules = NULL;
	int err;

	if ((err = fp_rules_default(&rules)) < 0)
		return err;
	if (rules_path && (err = fp_rules_load_file(rules, rules_path)) < 0) {
		fp_rules_free(rules);
		return err;
	}
	*out = rules;
	return 0;
}

void fp_cli_report_warnings(const fp_run *run)
{
	size_t i, j;

	for (j = 0; j < run->nwarnings; j++)
		fp_cli_warnf("%s", run->warnings[j]);
	if (run->warnings_dropped)
		fp_cli_warnf("%zu more warnings not shown", run->warnings_dropped);
	for (i = 0; i < run->ninputs; i++) {
		for (j = 0; j < run->inputs[i].nwarnings; j++)
			fp_cli_warnf("%s", run->inputs[i].warnings[j]);
		if (run->inputs[i].warnings_dropped)
			fp_cli_warnf("'%s': %zu more warnings not shown", run->inputs[i].path,
				     run->inputs[i].warnings_dropped);
	}
}

/* Parses, merges and classifies one side, printing nothing. */
static int read_run_quiet(fp_run **out, const fp_args *inputs, const fp_rules *rules)
{
	fp_run *run = NULL;
	int err;

	if ((err = fp_parse_inputs(&run, inputs->v, inputs->n, fp_cli_progress, NULL)) < 0)
		return err;
	fp_classify_run(run, rules);
	*out = run;
	return 0;
}

int fp_cli_read_run(fp_run **out, const fp_args *inputs, const fp_rules *rules)
{
	int err = read_run_quiet(out, inputs, rules);

	if (err == 0)
		fp_cli_report_warnings(*out);
	return err;
}

/* The "after" side, read on a thread of its own. */
typedef struct side_job {
	const fp_args *inputs;
	const fp_rules *rules;
	fp_run *run;
	int err;
	char *message; /* the error message, which is per thread */
} side_job;

static void *read_side(void *arg)
{
	side_job *job = arg;

	job->err = read_run_quiet(&job->run, job->inputs, job->rules);
	if (job->err < 0)
		job->message = fp_xstrdup(fp_error_message());
	fp_error_shutdown();
	return NULL;
}

/*
 * Both sides are read at once, the "after" side on a second thread: they
 * are independent until the diff, and reading is most of the time a diff
 * or a report takes. What is printed, and which error wins, is what
 * reading them one after the other gives: the "before" side's warnings
 * first, and its error when both fail. Without a thread, one after the
 * other it is.
 */
int fp_cli_read_runs(fp_run **before, fp_run **after, const fp_args *before_inputs,
		     const fp_args *after_inputs, const fp_rules *rules)
{
	side_job job = { after_inputs, rules, NULL, 0, NULL };
	pthread_t worker;
	int err, threaded;

	fp_cli_progress_side("before", before_inputs->n);
	fp_cli_progress_side("after", after_inputs->n);
	fp_parse_prepare();
	threaded = pthread_create(&worker, NULL, read_side, &job) == 0;
	err = read_run_quiet(before, before_inputs, rules);
	if (threaded)
		pthread_join(worker, NULL);
	else if (err == 0)
		read_side(&job);
	if (err == 0 && job.err < 0)
		err = fp_error_set(job.err, "%s", job.message);
	free(job.message);
	if (err < 0) {
		/* The message of the side that failed first stands. */
		fp_run_free(*before);
		fp_run_free(job.run);
		*before = NULL;
		return err;
	}
	fp_cli_report_warnings(*before);
	fp_cli_report_warnings(job.run);
	*after = job.run;
	return 0;
}

/* ---- parse ---- */

typedef enum { PARSE_JSON = 0, PARSE_CTRF } parse_format;

typedef struct parse_opts {
	fp_args inputs;
	const char *rules, *output;
	int format; /* parse_format */
	int quiet;
} parse_opts;

static const fp_opt_choice parse_formats[] = {
	{ "json", PARSE_JSON }, { "ctrf", PARSE_CTRF }, { NULL, 0 }
};

static const fp_opt parse_options[] = {
	FP_OPTION_STRING("rules", 0, parse_opts, rules, "FILE",
			 "classification rules (JSON) that come before the defaults"),
	FP_OPTION_ENUM("format", 0, parse_opts, format, "FMT", parse_formats,
		       "json (the run model, the default) or ctrf (a CTRF report, "
		       "the collect-only figures and classification under extra)"),
	FP_OPTION_STRING("output", 'o', parse_opts, output, "FILE",
			 "write to FILE instead of standard output"),
	FP_OPTION_FLAG("quiet", 'q', parse_opts, quiet, "no warnings on standard error"),
	FP_OPTION_END
};

static const fp_opt_command parse_command = {
	"parse", "[--rules FILE] [--format json|ctrf] [-o FILE] [--quiet]\n"
	"                      INPUT...",
	"Reads JUnit XML and `pytest --collect-only` output and prints the run\n"
	"model (schema fixproof.run/1) as JSON: every test with its status, phase,\n"
	"failure category (infrastructure or business_logic), cause and the rule\n"
	"that decided it, plus each input's sha256.\n",
	parse_options, "INPUT...", offsetof(parse_opts, inputs),
	"a file, a directory (searched recursively), or - for stdin", NULL,
	0
};

int fp_cli_parse(int argc, char **argv)
{
	parse_opts o;
	fp_rules *rules = NULL;
	fp_run *run = NULL;
	fp_output out = FP_OUTPUT_INIT;
	int err, status;

	memset(&o, 0, sizeof(o));
	err = fp_opt_parse(&parse_command, &o, argc, argv);
	fp_cli_set_quiet(o.quiet);
	if (err == 0 && o.inputs.n == 0)
		err = fp_error_set(FP_EUSAGE, "parse: no INPUT given; see 'fixproof parse --help'");
	if (err == 0)
		err = fp_cli_check_stdin("parse", &o.inputs, NULL);
	if (err == 0)
		err = fp_cli_load_rules(&rules, o.rules);
	if (err == 0)
		err = fp_cli_read_run(&run, &o.inputs, rules);
	if (err == 0)
		err = fp_output_open(&out, o.output);
	if (err == 0)
		err = fp_output_finish(&out, o.format == PARSE_CTRF ? fp_ctrf_write(run, out.f) :
				       fp_run_write_json(run, out.f));
	fp_output_abort(&out);
	status = fp_cli_status(err);
	fp_run_free(run);
	fp_rules_free(rules);
	fp_opt_free(&parse_command, &o);
	return status;
}

/* ---- rules ---- */

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

/* ---- output files ---- */

/* How many names open_temp() tries before it gives up. */
#define TEMP_ATTEMPTS 100

/*
 * Creates the temporary file that becomes `path`, beside it, and returns
 * its descriptor (or -1 with errno set); its name is left in `tmp`. It is
 * created with mode 0666, which the umask trims, as a file that open(2)
 * creates; it takes the mode of `existing` when `path` exists, so that
 * replacing a file does not change who may read it. (mkstemp's 0600 would
 * do neither.)
 */
static int open_temp(fp_buf *tmp, const char *path, const struct stat *existing)
{
	static unsigned counter;
	unsigned attempt;
	int fd = -1;

	for (attempt = 0; attempt < TEMP_ATTEMPTS && fd < 0; attempt++) {
		fp_buf_clear(tmp);
		fp_buf_printf(tmp, "%s.tmp-%ld-%u", path, (long)getpid(), counter++);
		fd = open(tmp->ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			return -1;
	}
	if (fd < 0)
		return -1;
	if (existing && fchmod(fd, existing->st_mode & 07777) != 0) {
		int e = errno;

		close(fd);
		unlink(tmp->ptr);
		errno = e;
		return -1;
	}
	return fd;
}

int fp_output_open(fp_output *out, const char *path)
{
	fp_buf tmp = FP_BUF_INIT;
	struct stat st;
	int fd, exists;

	if (!path || strcmp(path, "-") == 0) {
		out->f = stdout;
		return 0;
	}
	exists = stat(path, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return fp_error_set(FP_EIO, "cannot write '%s': it is a directory", path);
		/* A device or a FIFO (/dev/null, /dev/stdout, a pipe) is written
		 * in place: a temporary file renamed over it would replace it.
		 * Opened without blocking, a FIFO nobody reads fails at once
		 * (ENXIO) instead of hanging; writes then block as usual. */
		fd = open(path, O_WRONLY | O_NONBLOCK);
		if (fd >= 0)
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		if (fd < 0 || !(out->f = fdopen(fd, "w"))) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			return fp_error_set(FP_EIO, "cannot write '%s': %s", path,
					    e == ENXIO ? "no program is reading the FIFO" : strerror(e));
		}
		out->path = fp_xstrdup(path);
		return 0;
	}
	fd = open_temp(&tmp, path, exists ? &st : NULL);
	if (fd < 0) {
		int e = fp_error_set(FP_EIO, "cannot write '%s': %s", path, strerror(errno));

		fp_buf_free(&tmp);
		return e;
	}
	out->f = fdopen(fd, "w");
	if (!out->f) {
		close(fd);
		unlink(tmp.ptr);
		fp_buf_free(&tmp);
		return fp_error_set(FP_EIO, "cannot write '%s': %s", path, strerror(errno));
	}
	out->tmp = fp_buf_detach(&tmp, NULL);
	out->path = fp_xstrdup(path);
	return 0;
}

int fp_output_commit(fp_output *out)
{
	int err = 0;

	if (!out->f)
		return 0;
	if (out->f == stdout) {
		if (fflush(stdout) != 0 || ferror(stdout))
			err = fp_error_set(FP_EIO, "cannot write to standard output: %s", strerror(errno));
		out->f = NULL;
		return err;
	}
	if (fflush(out->f) != 0 || ferror(out->f) || (out->tmp && fsync(fileno(out->f)) != 0))
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", out->path, strerror(errno));
	if (fclose(out->f) != 0 && err == 0)
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", out->path, strerror(errno));
	out->f = NULL;
	if (err == 0 && out->tmp && rename(out->tmp, out->path) != 0)
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", out->path, strerror(errno));
	if (err < 0 && out->tmp)
		unlink(out->tmp);
	free(out->tmp);
	free(out->path);
	out->tmp = out->path = NULL;
	return err;
}

int fp_output_finish(fp_output *out, int err)
{
	int commit;

	if (err < 0 && err != FP_EIO)
		return err;
	commit = fp_output_commit(out);
	return commit < 0 ? commit : err;
}

void fp_output_abort(fp_output *out)
{
	if (out->f && out->f != stdout)
		fclose(out->f);
	if (out->tmp)
		unlink(out->tmp);
	free(out->tmp);
	free(out->path);
	out->f = NULL;
	out->tmp = out->path = NULL;
}
