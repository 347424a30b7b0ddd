/*
 * source.c - the byte source: reading and hashing an input once, reading a
 * large file ahead on a thread, waiting for a FIFO's writer, and telling
 * formats apart by the first bytes; see source.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixproof/error.h"
#include "fixproof/source.h"
#include "fixproof/util.h"

/*
 * Reading ahead. A regular file of some size is read and hashed by a
 * second thread, a few chunks ahead of the parser, so that the parser's
 * thread spends its time parsing: SHA-256 and the copies out of the kernel
 * are a tenth of the cost of reading a large file. The bytes, their order
 * and the hash are the same as reading inline.
 */
#define AHEAD_MIN (1u << 20)    /* files smaller than this are read inline */
#define AHEAD_CHUNK (256u << 10)
#define AHEAD_CHUNKS 4

typedef struct fp_readahead {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *chunk[AHEAD_CHUNKS];
	size_t len[AHEAD_CHUNKS];
	size_t filled, taken;    /* chunks filled by the reader, taken by the parser */
	size_t pos;              /* bytes of chunk `taken` handed out */
	int eof, stop, error;    /* error: the errno of a failed read */
	int fd;
	fp_sha256 sha;
	uint64_t bytes;
} fp_readahead;

/* The reader thread: fills free chunks until the end, an error, or stop. */
static void *readahead_main(void *arg)
{
	fp_readahead *ra = arg;

	for (;;) {
		unsigned char *buf;
		size_t have = 0;
		ssize_t got = 0;
		int stop, e = 0;

		pthread_mutex_lock(&ra->lock);
		while (!ra->stop && ra->filled - ra->taken == AHEAD_CHUNKS)
			pthread_cond_wait(&ra->cond, &ra->lock);
		buf = ra->chunk[ra->filled % AHEAD_CHUNKS];
		stop = ra->stop;
		pthread_mutex_unlock(&ra->lock);
		if (stop)
			break;
		while (have < AHEAD_CHUNK) {
			got = read(ra->fd, buf + have, AHEAD_CHUNK - have);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				e = errno ? errno : EIO;
			if (got <= 0)
				break;
			have += (size_t)got;
		}
		fp_sha256_update(&ra->sha, buf, have);
		ra->bytes += have;
		pthread_mutex_lock(&ra->lock);
		ra->len[ra->filled % AHEAD_CHUNKS] = have;
		if (have)
			ra->filled++;
		if (got < 0)
			ra->error = e;
		else if (got == 0)
			ra->eof = 1;
		pthread_cond_broadcast(&ra->cond);
		pthread_mutex_unlock(&ra->lock);
		if (got <= 0)
			break;
	}
	return NULL;
}

/* Starts reading `src` ahead, after the bytes already sniffed (which are
 * hashed first). Returns 0 when it could not, and the source reads inline. */
static int readahead_start(fp_source *src)
{
	fp_readahead *ra = fp_xcalloc(1, sizeof(*ra));
	size_t i;

	ra->fd = src->fd;
	ra->sha = src->sha;
	fp_sha256_update(&ra->sha, src->head, src->headlen);
	ra->bytes = src->headlen;
	for (i = 0; i < AHEAD_CHUNKS; i++)
		ra->chunk[i] = fp_xmalloc(AHEAD_CHUNK);
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->cond, NULL);
	if (pthread_create(&ra->thread, NULL, readahead_main, ra) != 0) {
		pthread_cond_destroy(&ra->cond);
		pthread_mutex_destroy(&ra->lock);
		for (i = 0; i < AHEAD_CHUNKS; i++)
			free(ra->chunk[i]);
		free(ra);
		return 0;
	}
	src->ahead = ra;
	return 1;
}

/* Hands out up to `n` bytes read ahead: 0 at the end, -1 on an error. */
static ssize_t readahead_read(fp_source *src, void *buf, size_t n)
{
	fp_readahead *ra = src->ahead;
	size_t k, left;

	pthread_mutex_lock(&ra->lock);
	while (ra->filled == ra->taken && !ra->eof && !ra->error)
		pthread_cond_wait(&ra->cond, &ra->lock);
	if (ra->filled == ra->taken) {
		int e = ra->error;

		pthread_mutex_unlock(&ra->lock);
		if (!e)
			return 0;
		src->failed = fp_error_set(FP_EINPUT, "cannot read '%s': %s", src->path, strerror(e));
		return -1;
	}
	k = ra->taken % AHEAD_CHUNKS;
	pthread_mutex_unlock(&ra->lock);
	left = ra->len[k] - ra->pos;
	if (n > left)
		n = left;
	memcpy(buf, ra->chunk[k] + ra->pos, n);
	ra->pos += n;
	if (ra->pos == ra->len[k]) {
		pthread_mutex_lock(&ra->lock);
		ra->taken++;
		ra->pos = 0;
		pthread_cond_broadcast(&ra->cond);
		pthread_mutex_unlock(&ra->lock);
	}
	return (ssize_t)n;
}

/* Stops the reader thread. With `keep_hash`, after it has hashed the
 * whole file, whose hash and size become the source's. */
static void readahead_end(fp_source *src, int keep_hash)
{
	fp_readahead *ra = src->ahead;
	size_t i;

	if (!ra)
		return;
	pthread_mutex_lock(&ra->lock);
	ra->stop = !keep_hash;
	pthread_cond_broadcast(&ra->cond);
	pthread_mutex_unlock(&ra->lock);
	if (keep_hash) {
		unsigned char sink[4096];
		ssize_t got;

		while ((got = readahead_read(src, sink, sizeof(sink))) > 0)
			;
	}
	pthread_join(ra->thread, NULL);
	if (keep_hash) {
		src->sha = ra->sha;
		src->bytes = ra->bytes;
	}
	pthread_cond_destroy(&ra->cond);
	pthread_mutex_destroy(&ra->lock);
	for (i = 0; i < AHEAD_CHUNKS; i++)
		free(ra->chunk[i]);
	free(ra);
	src->ahead = NULL;
}

/* A number from the environment (0 only when `zero_ok`), else `def`. */
static uint64_t env_number(const char *name, uint64_t def, int zero_ok)
{
	const char *v = getenv(name);
	uint64_t n;

	if (!v || fp_uint_parse(&n, v, strlen(v), zero_ok ? 0 : 1, UINT64_MAX, NULL) < 0)
		return def;
	return n;
}

/*
 * The most bytes one input may hold (source.h), read from the environment
 * once: the two sides of a diff are read on two threads at the same time.
 */
static pthread_once_t cap_once = PTHREAD_ONCE_INIT;
static uint64_t cap_bytes;

static void cap_init(void)
{
	cap_bytes = env_number("FIXPROOF_MAX_INPUT_BYTES", FP_MAX_INPUT_BYTES, 0);
}

static uint64_t input_cap(void)
{
	pthread_once(&cap_once, cap_init);
	return cap_bytes;
}

/* ---- making and ending sources ---- */

void fp_source_memory(fp_source *src, const char *path, const void *data, size_t len)
{
	memset(src, 0, sizeof(*src));
	src->path = path;
	src->fd = -1;
	src->mem = data;
	src->memlen = len;
	fp_sha256_init(&src->sha);
}

void fp_source_fd(fp_source *src, const char *path, int fd)
{
	memset(src, 0, sizeof(*src));
	src->path = path;
	src->fd = fd;
	src->type = FP_SOURCE_STREAM;
	fp_sha256_init(&src->sha);
}

int fp_source_open(fp_source *src, const char *path)
{
	struct stat st;
	int fd;

	/* Non-blocking, so that opening a FIFO with no writer cannot hang;
	 * reads are made blocking again once the writer is there. */
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fp_error_set(FP_EINPUT, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		return fp_error_set(FP_EINPUT, "cannot read '%s': %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		close(fd);
		return fp_error_set(FP_EINPUT, "cannot read '%s': not a regular file, FIFO or directory",
				    path);
	}
	fp_source_fd(src, path, fd);
	src->own_fd = 1;
	if (S_ISREG(st.st_mode)) {
		src->type = FP_SOURCE_REGULAR;
		src->size = (uint64_t)st.st_size;
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	} else {
		src->type = FP_SOURCE_FIFO;
	}
	return 0;
}

void fp_source_close(fp_source *src)
{
	readahead_end(src, 0);
	free(src->head);
	src->head = NULL;
	src->headlen = src->headpos = 0;
	if (src->own_fd && src->fd >= 0)
		close(src->fd);
	src->own_fd = 0;
	src->fd = -1;
}

/* ---- reading ---- */

/* Reads from the underlying fd or memory, without hashing. */
static ssize_t raw_read(fp_source *src, void *buf, size_t n)
{
	ssize_t got;

	if (src->fd < 0) {
		size_t left = src->memlen - src->mempos;

		if (n > left)
			n = left;
		memcpy(buf, src->mem + src->mempos, n);
		src->mempos += n;
		return (ssize_t)n;
	}
	do
		got = read(src->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		src->failed = fp_error_set(FP_EINPUT, "cannot read '%s': %s", src->path,
					   strerror(errno));
	return got;
}

ssize_t fp_source_read(fp_source *src, void *buf, size_t n)
{
	ssize_t got;

	if (src->failed)
		return -1;
	if (src->headpos < src->headlen) {
		size_t left = src->headlen - src->headpos;

		if (n > left)
			n = left;
		memcpy(buf, src->head + src->headpos, n);
		src->headpos += n;
		got = (ssize_t)n;
	} else {
		got = src->ahead ? readahead_read(src, buf, n) : raw_read(src, buf, n);
		if (got <= 0)
			return got;
	}
	if (src->handed + (uint64_t)got > input_cap()) {
		/* An endless source (/dev/zero, a runaway writer) must end. */
		src->failed = fp_error_set(FP_ELIMIT, "cannot read '%s': larger than %llu bytes, the "
					   "most one input may hold (FIXPROOF_MAX_INPUT_BYTES)",
					   src->path, (unsigned long long)input_cap());
		return -1;
	}
	src->handed += (uint64_t)got;
	/* Reading ahead, the reader thread hashes and counts. */
	if (!src->ahead) {
		fp_sha256_update(&src->sha, buf, (size_t)got);
		src->bytes += (uint64_t)got;
	}
	return got;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A FIFO opened (non-blocking) before any program opened it for writing
 * reads as empty, so a writer started a moment after fixproof would be
 * missed. This waits, up to FP_FIFO_WAIT_SECONDS, until a writer is there:
 * a read then finds data (the byte read is kept for the sniffing), or
 * fails with EAGAIN while the writer has not written yet; a writer that
 * came and left shows as a hang-up, and what it wrote (perhaps nothing)
 * is read as usual. With no writer at all it fails instead of hanging.
 */
static int fifo_wait(fp_source *src)
{
	uint64_t wait = env_number("FIXPROOF_FIFO_WAIT", FP_FIFO_WAIT_SECONDS, 1);
	double deadline = now_seconds() + (double)wait;
	unsigned char b;

	for (;;) {
		struct pollfd pfd = { src->fd, POLLIN, 0 };
		ssize_t got = read(src->fd, &b, 1);
		double left;

		if (got == 1) {
			src->head = fp_xmalloc(FP_SOURCE_PEEK);
			src->head[0] = b;
			src->headlen = 1;
			return 0;
		}
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (got < 0 && errno != EINTR)
			return fp_error_set(FP_EINPUT, "cannot read '%s': %s", src->path, strerror(errno));
		if (got < 0)
			continue;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP))
			return 0;
		left = deadline - now_seconds();
		if (left <= 0)
			return fp_error_set(FP_EINPUT, "cannot read '%s': no program opened the FIFO for "
					    "writing within %llu seconds (FIXPROOF_FIFO_WAIT)", src->path,
					    (unsigned long long)wait);
		/* Wakes on data or a hang-up; a writer that opens and stays
		 * silent is seen by the read at the next turn. */
		(void)poll(&pfd, 1, left < 0.1 ? (int)(left * 1000) + 1 : 100);
	}
}

int fp_source_peek(fp_source *src, const unsigned char **p, size_t *n)
{
	int err;

	if (!src->peeked) {
		src->peeked = 1;
		if (src->type == FP_SOURCE_FIFO) {
			if ((err = fifo_wait(src)) < 0)
				return err;
			(void)fcntl(src->fd, F_SETFL, fcntl(src->fd, F_GETFL) & ~O_NONBLOCK);
		}
		if (!src->head)
			src->head = fp_xmalloc(FP_SOURCE_PEEK);
		while (src->headlen < FP_SOURCE_PEEK) {
			ssize_t got = raw_read(src, src->head + src->headlen,
					       FP_SOURCE_PEEK - src->headlen);

			if (got < 0)
				return src->failed;
			if (got == 0)
				break;
			src->headlen += (size_t)got;
		}
	}
	*p = src->head ? src->head : (const unsigned char *)"";
	*n = src->headlen;
	return 0;
}

void fp_source_read_ahead(fp_source *src)
{
	/* A file that ends within the peeked bytes has nothing left to read. */
	if (src->type == FP_SOURCE_REGULAR && src->size >= AHEAD_MIN && !src->ahead &&
	    src->headlen == FP_SOURCE_PEEK && src->headpos == 0)
		readahead_start(src);
}

int fp_source_finish(fp_source *src, char sha256[65], uint64_t *bytes)
{
	unsigned char buf[65536];
	ssize_t got;

	while ((got = fp_source_read(src, buf, sizeof(buf))) > 0)
		;
	if (got < 0)
		return src->failed;
	readahead_end(src, 1);
	fp_sha256_final_hex(&src->sha, sha256);
	*bytes = src->bytes;
	return 0;
}

/* ---- telling formats apart ---- */

static int has_prefix(const unsigned char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(p, prefix, k) == 0;
}

static const unsigned char *memfind(const unsigned char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (p[i] == (unsigned char)needle[0] && memcmp(p + i, needle, k) == 0)
			return p + i;
	return NULL;
}

/* A collect-only tree node: "<" then a capitalised name (Module, Dir,
 * Function, or a plugin's YamlItem, DoctestTextfile...), a space, and a
 * ">" closing the line. XML has no such element with a space before a
 * closing ">" on the first line while also lacking "=" (attributes). */
static int looks_like_collect_node(const unsigned char *p, size_t n)
{
	size_t i = 1;

	if (n < 3 || !(p[1] >= 'A' && p[1] <= 'Z'))
		return 0;
	while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
			 (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
		i++;
	if (i >= n || p[i] != ' ')
		return 0;
	for (; i < n && p[i] != '\n'; i++)
		if (p[i] == '=' || p[i] == '"')
			return 0;
	return i > 0 && p[i - 1 - (p[i - 1] == '\r')] == '>';
}

fp_sniff fp_sniff_bytes(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (has_prefix(p, n, "\xef\xbb\xbf"))
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	p += i;
	n -= i;
	if (n == 0)
		return FP_SNIFF_UNKNOWN;
	if (p[0] == '{')
		return FP_SNIFF_JSON;
	if (has_prefix(p, n, "<?xml") || has_prefix(p, n, "<testsuite") ||
	    has_prefix(p, n, "<!DOCTYPE") || has_prefix(p, n, "<!--"))
		return FP_SNIFF_JUNIT;
	/* UTF-16 XML starts with a byte-order mark or "<\0". */
	if (has_prefix(p, n, "\xff\xfe") || has_prefix(p, n, "\xfe\xff") ||
	    (n >= 2 && p[0] == '<' && p[1] == 0))
		return FP_SNIFF_JUNIT;
	if (memfind(p, n, "<testsuite") || memfind(p, n, "<testcase"))
		return p[0] == '<' ? FP_SNIFF_JUNIT : FP_SNIFF_COLLECT;
	if (p[0] == '<' && !looks_like_collect_node(p, n))
		return FP_SNIFF_JUNIT;
	return FP_SNIFF_COLLECT;
}


int fp_sniff_pytest(const unsigned char *p, size_t n)
{
	/* What collect-only output, a session that never started, and a test
	 * run's console output show near their start. */
	static const char *const marks[] = {
		"collected", "<Module", "::", ".py: ", "test session starts", "no tests ran",
		"ImportError while loading conftest", "INTERNALERROR> ", "ERROR: usage: ",
		"ERROR: file or directory not found: ", "ERROR: not found: ", "%]\n", "%]\r",
		NULL
	};
	size_t i;

	for (i = 0; marks[i]; i++)
		if (memfind(p, n, marks[i]))
			return 1;
	return 0;
}
