/* file.c - reading a whole small file up to a cap, copying one, making
 * directories; see file.h. */
#include "fixproof/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/error.h"

/* Opens `path` as fp_file_read's flags say; a descriptor, or a negative code. */
static int file_open(const char *path, unsigned flags)
{
	struct stat st;
	int fd, e;

	if ((flags & FP_FILE_STDIN) && strcmp(path, "-") == 0)
		return STDIN_FILENO;
	fd = open(path, O_RDONLY | O_CLOEXEC | ((flags & FP_FILE_REGULAR) ? O_NONBLOCK : 0));
	if (fd < 0)
		return errno == ENOENT && (flags & FP_FILE_MISSING_OK) ? FP_ENOTFOUND : FP_EINPUT;
	if (flags & FP_FILE_REGULAR) {
		e = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
		if (e) {
			close(fd);
			errno = e;
			return FP_EINPUT;
		}
	}
	return fd;
}

int fp_file_read(fp_buf *out, const char *path, size_t cap, unsigned flags)
{
	char chunk[65536];
	size_t start = out->len;
	ssize_t got;
	int fd, err = 0, e;

	if ((fd = file_open(path, flags)) < 0)
		return fd;
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = FP_EINPUT;
			break;
		}
		if (out->len - start + (size_t)got > cap) {
			fp_buf_add(out, chunk, cap - (out->len - start));
			err = FP_ELIMIT;
			break;
		}
		fp_buf_add(out, chunk, (size_t)got);
	}
	e = errno;
	if (fd != STDIN_FILENO)
		close(fd);
	errno = e;
	return err;
}

int fp_file_copy(const char *from, const char *to)
{
	char chunk[65536];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	int err = 0;

	if (!in || !out)
		err = fp_error_set(FP_EIO, "cannot copy '%s' to '%s': %s", from, to, strerror(errno));
	while (err == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (fwrite(chunk, 1, n, out) != n)
			err = fp_error_set(FP_EIO, "cannot write '%s': %s", to, strerror(errno));
	if (err == 0 && ferror(in))
		err = fp_error_set(FP_EIO, "cannot read '%s': %s", from, strerror(errno));
	if (in)
		fclose(in);
	if (out && fclose(out) != 0 && err == 0)
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", to, strerror(errno));
	return err;
}

int fp_file_mkdirs(const char *path)
{
	fp_buf b = FP_BUF_INIT;
	size_t i;
	int err = 0;

	fp_buf_puts(&b, path);
	for (i = 1; i <= b.len && err == 0; i++) {
		if (b.ptr[i] != '/' && b.ptr[i] != '\0')
			continue;
		b.ptr[i] = '\0';
		if (mkdir(b.ptr, 0777) != 0 && errno != EEXIST)
			err = fp_error_set(FP_EIO, "cannot make directory '%s': %s", b.ptr, strerror(errno));
		if (i < b.len)
			b.ptr[i] = '/';
	}
	fp_buf_free(&b);
	return err;
}

int fp_file_dir_in_use(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int used = 0;

	if (!d)
		return errno != ENOENT;
	while (!used && (de = readdir(d)))
		used = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return used;
}
