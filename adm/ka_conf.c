/* adm/ka_conf.c — keepalived.conf's syntax, read into a tree of
 * statements (keyword, arguments, optional block), each with the file and
 * line it came from. What the statements mean is keepalived.c's business.
 *
 * The syntax, as keepalived's own parser takes it: words separated by
 * blanks; a statement ends at the end of its line; "{" opens the block of
 * the statement before it (on its line or alone on the next) and "}"
 * closes it; "#" and "!" start a comment; "..." quotes a word; "include
 * PATTERN" reads the files the glob names, a relative one from the
 * including file's directory. */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm/adm.h"

#define KA_MAX_INCLUDE_DEPTH 8
#define KA_MAX_TOKENS        (1u << 20)

struct ka_tok {
	char *text;             /* NULL: the end of a line */
	const char *file;
	int line;
	bool quoted;
};

struct ka_lex {
	struct ka_tok *t;
	size_t n, cap;
	char **files;           /* every file name read, kept for the tokens */
	size_t n_files;
	char *err;
	size_t errlen;
};

static int push(struct ka_lex *lx, char *text, const char *file, int line, bool quoted)
{
	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 256;
		struct ka_tok *t;

		if (cap > KA_MAX_TOKENS) {
			snprintf(lx->err, lx->errlen, "%s:%d: too many words", file, line);
			free(text);
			return -E2BIG;
		}
		t = realloc(lx->t, cap * sizeof(*t));
		if (!t) {
			free(text);
			return -ENOMEM;
		}
		lx->t = t;
		lx->cap = cap;
	}
	lx->t[lx->n++] = (struct ka_tok){ text, file, line, quoted };
	return 0;
}

static int lex_file(struct ka_lex *lx, const char *path, int depth);

static int include(struct ka_lex *lx, const char *from, int line, const char *pattern, int depth)
{
	char *dir = strdup(from), *full = NULL;
	glob_t g;
	int rc = 0;

	if (!dir)
		return -ENOMEM;
	if (pattern[0] == '/')
		full = strdup(pattern);
	else if (asprintf(&full, "%s/%s", dirname(dir), pattern) < 0)
		full = NULL;
	free(dir);
	if (!full)
		return -ENOMEM;
	if (glob(full, 0, NULL, &g) != 0) {
		snprintf(lx->err, lx->errlen, "%s:%d: include %s: no such file", from, line, pattern);
		free(full);
		return -ENOENT;
	}
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
		rc = lex_file(lx, g.gl_pathv[i], depth + 1);
	globfree(&g);
	free(full);
	return rc;
}

static int lex_file(struct ka_lex *lx, const char *path, int depth)
{
	FILE *f;
	char *line = NULL, *name, **files;
	size_t cap = 0;
	int ln = 0, rc = 0;

	if (depth > KA_MAX_INCLUDE_DEPTH) {
		snprintf(lx->err, lx->errlen, "%s: includes nested deeper than %d", path,
			 KA_MAX_INCLUDE_DEPTH);
		return -ELOOP;
	}
	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(lx->err, lx->errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	name = strdup(path);
	files = realloc(lx->files, (lx->n_files + 1) * sizeof(*files));
	if (!name || !files) {
		free(name);
		if (files)
			lx->files = files;
		fclose(f);
		return -ENOMEM;
	}
	lx->files = files;
	lx->files[lx->n_files++] = name;
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		size_t first = lx->n;
		char *p = line;

		ln++;
		while (rc == 0) {
			char *start, *w;
			bool quoted = false;

			while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
				p++;
			if (!*p || *p == '#' || *p == '!')
				break;
			if (*p == '{' || *p == '}') {
				w = strndup(p, 1);
				p++;
			} else if (*p == '"') {
				start = ++p;
				while (*p && *p != '"' && *p != '\n')
					p++;
				if (*p != '"') {
					snprintf(lx->err, lx->errlen, "%s:%d: unterminated quote", path, ln);
					rc = -EINVAL;
					break;
				}
				w = strndup(start, (size_t)(p - start));
				p++;
				quoted = true;
			} else {
				start = p;
				while (*p && !strchr(" \t\r\n{}#!\"", *p))
					p++;
				w = strndup(start, (size_t)(p - start));
			}
			if (!w) {
				rc = -ENOMEM;
				break;
			}
			rc = push(lx, w, name, ln, quoted);
		}
		if (rc == 0 && lx->n - first >= 2 && !lx->t[first].quoted &&
		    strcmp(lx->t[first].text, "include") == 0) {
			char *kw = lx->t[first].text, *pat = lx->t[first + 1].text;

			for (size_t k = first + 2; k < lx->n; k++)
				free(lx->t[k].text);
			lx->n = first;     /* the include statement itself goes */
			rc = include(lx, name, ln, pat, depth);
			free(pat);
			free(kw);
			continue;
		}
		if (rc == 0)
			rc = push(lx, NULL, name, ln, false);
	}
	free(line);
	fclose(f);
	return rc;
}

/* ---- statements ------------------------------------------------------ */

static void node_free(struct adm_ka_node *n)
{
	for (size_t i = 0; i < n->n_kids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
	free(n->args);
}

void adm_ka_free(struct adm_ka_conf *c)
{
	if (!c)
		return;
	node_free(&c->root);
	for (size_t i = 0; i < c->n_words; i++)
		free(c->words[i]);
	free(c->words);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

struct ka_parse {
	struct ka_tok *t;
	size_t n, i;
	char *err;
	size_t errlen;
};

static int add_kid(struct adm_ka_node *parent, struct adm_ka_node **out)
{
	struct adm_ka_node *k = realloc(parent->kids, (parent->n_kids + 1) * sizeof(*k));

	if (!k)
		return -ENOMEM;
	parent->kids = k;
	*out = &k[parent->n_kids++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/* Statements until "}" (top: until the end). */
static int parse_block(struct ka_parse *ps, struct adm_ka_node *parent, bool top)
{
	while (ps->i < ps->n) {
		struct ka_tok *t = &ps->t[ps->i];
		struct adm_ka_node *n;
		int rc;

		if (!t->text) {                        /* an empty line */
			ps->i++;
			continue;
		}
		if (!t->quoted && strcmp(t->text, "}") == 0) {
			if (top) {
				snprintf(ps->err, ps->errlen, "%s:%d: '}' closes no block", t->file,
					 t->line);
				return -EINVAL;
			}
			ps->i++;
			return 0;
		}
		if (!t->quoted && strcmp(t->text, "{") == 0) {
			snprintf(ps->err, ps->errlen, "%s:%d: '{' opens no statement's block", t->file,
				 t->line);
			return -EINVAL;
		}
		if ((rc = add_kid(parent, &n)) < 0)
			return rc;
		n->kw = t->text;
		n->file = t->file;
		n->line = t->line;
		ps->i++;
		/* its words, to the end of the line or a brace */
		while (ps->i < ps->n && ps->t[ps->i].text &&
		       (ps->t[ps->i].quoted || !strchr("{}", ps->t[ps->i].text[0]) ||
			ps->t[ps->i].text[1])) {
			const char **a = realloc(n->args, (n->n_args + 1) * sizeof(*a));

			if (!a)
				return -ENOMEM;
			n->args = a;
			n->args[n->n_args++] = ps->t[ps->i++].text;
		}
		/* a block on this line, or alone on the next */
		{
			size_t j = ps->i;

			if (j < ps->n && !ps->t[j].text && j + 1 < ps->n && ps->t[j + 1].text &&
			    !ps->t[j + 1].quoted && strcmp(ps->t[j + 1].text, "{") == 0)
				j++;
			if (j < ps->n && ps->t[j].text && !ps->t[j].quoted &&
			    strcmp(ps->t[j].text, "{") == 0) {
				ps->i = j + 1;
				n->block = true;
				if ((rc = parse_block(ps, n, false)) < 0)
					return rc;
			}
		}
	}
	if (!top) {
		snprintf(ps->err, ps->errlen, "%s:%d: %s: its block is never closed",
			 parent->file, parent->line, parent->kw);
		return -EINVAL;
	}
	return 0;
}

int adm_ka_read(const char *path, struct adm_ka_conf **out, char *err, size_t errlen)
{
	struct ka_lex lx = { .err = err, .errlen = errlen };
	struct adm_ka_conf *c = calloc(1, sizeof(*c));
	struct ka_parse ps;
	int rc;

	if (!c)
		return -ENOMEM;
	err[0] = 0;
	rc = lex_file(&lx, path, 0);
	/* the conf owns every word and file name from here on */
	c->files = lx.files;
	c->n_files = lx.n_files;
	c->words = malloc((lx.n ? lx.n : 1) * sizeof(*c->words));
	if (!c->words) {
		rc = -ENOMEM;
	} else {
		for (size_t i = 0; i < lx.n; i++)
			if (lx.t[i].text)
				c->words[c->n_words++] = lx.t[i].text;
	}
	if (rc == 0) {
		ps = (struct ka_parse){ lx.t, lx.n, 0, err, errlen };
		c->root.kw = "";
		c->root.file = path;
		rc = parse_block(&ps, &c->root, true);
	}
	free(lx.t);
	if (rc < 0) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		adm_ka_free(c);
		return rc;
	}
	*out = c;
	return 0;
}
