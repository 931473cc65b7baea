/* cp/keyfile.c — reading a key from the file the config names (keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp/keyfile.h"

int cp_key_read(const char *path, uint8_t *key, size_t cap, size_t *len)
{
	uint8_t buf[CP_KEY_MAX + 3];   /* the key, a "\r\n", one byte to see "too long" */
	size_t n = 0, want;
	struct stat st;
	int fd, rc = 0;

	if (!path || !path[0] || !key || !len || cap > CP_KEY_MAX)
		return -EINVAL;
	/* O_NONBLOCK: a FIFO in the key's place must not hang the start */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	want = cap + 3;
	while (n < want) {
		ssize_t r = read(fd, buf + n, want - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n && buf[n - 1] == '\n') {
		n--;
		if (n && buf[n - 1] == '\r')
			n--;
	}
	if (n == 0)
		rc = -ENODATA;
	else if (n > cap)
		rc = -E2BIG;
	else {
		memcpy(key, buf, n);
		*len = n;
	}
out:
	memset(buf, 0, sizeof(buf));
	close(fd);
	return rc;
}

const char *cp_key_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -ENODATA:
		return "is empty";
	case -E2BIG:
		return "holds a key too long";
	case -EINVAL:
		return "is not a regular file";
	default:
		return strerror(-rc);
	}
}
