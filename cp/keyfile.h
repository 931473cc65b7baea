/* cp/keyfile.h — secrets that the config names by file ("key_file"), so that
 * the config itself (and GET /config) never holds them: the routing
 * speakers' authentication keys.
 *
 * A key file holds the key's bytes as they are, like the password string a
 * router's configuration would quote; one trailing newline ("\n" or
 * "\r\n") is not part of it, so `echo secret > file` makes the key
 * "secret". Keep the file mode 0600. */
#ifndef MGW_CP_KEYFILE_H
#define MGW_CP_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

/* The largest key any user takes (TCP-MD5's TCP_MD5SIG_MAXKEYLEN). */
#define CP_KEY_MAX 80

/* Reads the key in path into key[0..cap) and its length into *len.
 * 0, -ENODATA (empty), -E2BIG (longer than cap), -EINVAL (not a regular
 * file), or the -errno of open/read. Never blocks on a FIFO. */
int cp_key_read(const char *path, uint8_t *key, size_t cap, size_t *len);

/* What to tell an operator about cp_key_read's rc ("is empty", ...). */
const char *cp_key_strerror(int rc);

#endif
