/*
 * output.c - output files that appear only once complete (output.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/output.h"


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
