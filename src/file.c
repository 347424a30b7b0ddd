/* file.c - reading a whole small file up to a cap; see file.h. */
#include "fixproof/file.h"

#include <errno.h>
#include <fcntl.h>
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
