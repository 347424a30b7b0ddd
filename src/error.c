/* error.c - the error message of each thread; see error.h. */
#include "fixproof/error.h"

#include <stdarg.h>

/* One message per thread: the two sides of a diff are read at once. */
static _Thread_local fp_buf last_message = FP_BUF_INIT;

int fp_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	fp_buf_clear(&last_message);
	va_start(ap, fmt);
	fp_buf_vprintf(&last_message, fmt, ap);
	va_end(ap);
	for (i = 0; i < last_message.len; i++)
		if (last_message.ptr[i] == '\n' || last_message.ptr[i] == '\r')
			last_message.ptr[i] = ' ';
	return code;
}

const char *fp_error_message(void)
{
	return last_message.ptr;
}

void fp_error_clear(void)
{
	fp_buf_clear(&last_message);
}

void fp_error_shutdown(void)
{
	fp_buf_free(&last_message);
}
