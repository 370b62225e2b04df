/*
 * tsig_keys.c - TSIG keys from a file in tsig-keygen's format.
 *
 * BIND's tsig-keygen (and `keymgr -t`, and ldns/NSD tools) write keys as
 * BIND key statements:
 *
 *   key "sec1" {
 *           algorithm hmac-sha256;
 *           secret "3cXx...=";
 *   };
 *
 * so the same file serves flipdns and a BIND secondary.  This is a small
 * tokenizer for exactly that: words, quoted strings, braces, semicolons,
 * and the three comment styles named.conf allows; every error is
 * FILE:LINE:COL.  The secret is base64 (RFC 4648), decoded here: it is
 * text framing, not cryptography (the HMAC is OpenSSL's: dns/tsig.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "flipdns/conf/config.h"
#include "flipdns/util/names.h"

/* A key file is a few keys; more than this is not one. */
#define KEYFILE_MAX (1024 * 1024)
/* The longest token: a quoted base64 secret of FD_TSIG_SECRET_MAX bytes. */
#define TOKEN_MAX 512

/* The algorithm names RFC 8945 6 gives, as key files spell them. */
static const struct {
	const char *name;
	enum fd_tsig_alg alg;
} algs[] = {
	{"hmac-sha256", FD_TSIG_HMAC_SHA256},
	{"hmac-sha512", FD_TSIG_HMAC_SHA512},
};

enum tok { TK_EOF, TK_WORD, TK_STRING, TK_LBRACE, TK_RBRACE, TK_SEMI,
    TK_ERROR };

struct lex {
	const char *name;
	const char *p, *end;
	unsigned line, col;          /* of the next character, from 1 */
	unsigned tline, tcol;        /* of the last token */
	char text[TOKEN_MAX + 1];
	char *err;
	size_t errlen;
};

static enum fd_err
lex_err(struct lex *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->errlen == 0)
		return FD_ECONFIG;
	n = snprintf(l->err, l->errlen, "%s:%u:%u: ", l->name, l->tline,
	    l->tcol);
	if (n >= 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return FD_ECONFIG;
}

static void
advance(struct lex *l)
{
	if (*l->p == '\n') {
		l->line++;
		l->col = 1;
	} else
		l->col++;
	l->p++;
}

/* Skip blanks and comments: '#' and '//' to the end of the line, C's. */
static bool
skip_space(struct lex *l)
{
	while (l->p < l->end) {
		if (*l->p == ' ' || *l->p == '\t' || *l->p == '\r' ||
		    *l->p == '\n') {
			advance(l);
		} else if (*l->p == '#' || (*l->p == '/' && l->p + 1 < l->end &&
		    l->p[1] == '/')) {
			while (l->p < l->end && *l->p != '\n')
				advance(l);
		} else if (*l->p == '/' && l->p + 1 < l->end && l->p[1] == '*') {
			l->tline = l->line;
			l->tcol = l->col;
			advance(l);
			advance(l);
			while (l->p + 1 < l->end && !(l->p[0] == '*' &&
			    l->p[1] == '/'))
				advance(l);
			if (l->p + 1 >= l->end)
				return false;
			advance(l);
			advance(l);
		} else
			break;
	}
	return true;
}

static enum tok
next(struct lex *l)
{
	size_t n = 0;
	char c;

	if (!skip_space(l)) {
		lex_err(l, "comment not closed");
		return TK_ERROR;
	}
	l->tline = l->line;
	l->tcol = l->col;
	l->text[0] = '\0';
	if (l->p >= l->end)
		return TK_EOF;
	c = *l->p;
	if (c == '{' || c == '}' || c == ';') {
		advance(l);
		return c == '{' ? TK_LBRACE : c == '}' ? TK_RBRACE : TK_SEMI;
	}
	if (c == '"') {
		advance(l);
		while (l->p < l->end && *l->p != '"' && *l->p != '\n') {
			if (n == TOKEN_MAX) {
				lex_err(l, "string too long");
				return TK_ERROR;
			}
			l->text[n++] = *l->p;
			advance(l);
		}
		if (l->p >= l->end || *l->p != '"') {
			lex_err(l, "string not closed on its line");
			return TK_ERROR;
		}
		advance(l);
		l->text[n] = '\0';
		return TK_STRING;
	}
	while (l->p < l->end && strchr(" \t\r\n{};\"#", *l->p) == NULL) {
		if (n == TOKEN_MAX) {
			lex_err(l, "word too long");
			return TK_ERROR;
		}
		if (*l->p == '\0') {
			lex_err(l, "NUL byte");
			return TK_ERROR;
		}
		l->text[n++] = *l->p;
		advance(l);
	}
	l->text[n] = '\0';
	return TK_WORD;
}

static int
b64_value(char c)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c != '\0' ? strchr(digits, c) : NULL;

	return at != NULL ? (int)(at - digits) : -1;
}

/* RFC 4648 base64 with padding; spaces are not allowed in one token. */
static bool
b64_decode(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t len = strlen(s), o = 0, pad = 0;
	uint32_t acc = 0;

	if (len == 0 || len % 4 != 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		int v;

		if (s[i] == '=') {
			/* only at the end, at most two */
			if (i < len - 2)
				return false;
			pad++;
			v = 0;
		} else if (pad > 0 || (v = b64_value(s[i])) < 0)
			return false;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			uint8_t b[3] = {acc >> 16, (acc >> 8) & 0xff,
			    acc & 0xff};
			size_t keep = 3 - (i == len - 1 ? pad : 0);

			if (o + keep > cap)
				return false;
			memcpy(out + o, b, keep);
			o += keep;
			acc = 0;
		}
	}
	*outlen = o;
	return true;
}

/* The body of one key statement, after its name and '{'. */
static enum fd_err
key_body(struct lex *l, struct fd_tsig_key *k)
{
	bool have_alg = false, have_secret = false;
	unsigned kline = l->tline, kcol = l->tcol;
	enum tok t;

	for (;;) {
		if ((t = next(l)) == TK_ERROR)
			return FD_ECONFIG;
		if (t == TK_RBRACE)
			break;
		if (t != TK_WORD)
			return lex_err(l, "key %s: expected 'algorithm', "
			    "'secret' or '}'", k->name);
		if (strcasecmp(l->text, "algorithm") == 0) {
			size_t i;

			if (have_alg)
				return lex_err(l, "key %s: algorithm given "
				    "twice", k->name);
			t = next(l);
			if (t != TK_WORD && t != TK_STRING)
				return t == TK_ERROR ? FD_ECONFIG :
				    lex_err(l, "key %s: expected an algorithm "
				    "name", k->name);
			for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
				if (strcasecmp(l->text, algs[i].name) == 0)
					break;
			if (i == sizeof(algs) / sizeof(algs[0]))
				return lex_err(l, "key %s: algorithm '%s' is "
				    "not hmac-sha256 or hmac-sha512", k->name,
				    l->text);
			k->alg = algs[i].alg;
			have_alg = true;
		} else if (strcasecmp(l->text, "secret") == 0) {
			if (have_secret)
				return lex_err(l, "key %s: secret given twice",
				    k->name);
			t = next(l);
			if (t != TK_STRING && t != TK_WORD)
				return t == TK_ERROR ? FD_ECONFIG :
				    lex_err(l, "key %s: expected the secret",
				    k->name);
			/* RFC 8945 6: a key shorter than 16 bytes is weak */
			if (!b64_decode(l->text, k->secret, sizeof(k->secret),
			    &k->secret_len) || k->secret_len < 16)
				return lex_err(l, "key %s: the secret is not "
				    "base64 of 16 to %d bytes", k->name,
				    FD_TSIG_SECRET_MAX);
			have_secret = true;
		} else
			return lex_err(l, "key %s: unknown option '%s'",
			    k->name, l->text);
		if ((t = next(l)) != TK_SEMI)
			return t == TK_ERROR ? FD_ECONFIG :
			    lex_err(l, "key %s: expected ';'", k->name);
	}
	if ((t = next(l)) != TK_SEMI)
		return t == TK_ERROR ? FD_ECONFIG :
		    lex_err(l, "key %s: expected ';' after '}'", k->name);
	if (!have_alg || !have_secret) {
		l->tline = kline;
		l->tcol = kcol;
		return lex_err(l, "key %s: needs an algorithm and a secret",
		    k->name);
	}
	return FD_OK;
}

enum fd_err
fd_tsig_keys_parse(const char *name, const char *buf, size_t len,
    struct fd_tsig_key *keys, int *nkeys, char *err, size_t errlen)
{
	struct lex l = {name, buf, buf + len, 1, 1, 1, 1, "", err, errlen};
	uint8_t wire[FD_DNAME_WIRE_MAX];
	struct fd_tsig_key *k;
	enum tok t;
	int n;

	*nkeys = 0;
	if (errlen > 0)
		err[0] = '\0';
	for (;;) {
		if ((t = next(&l)) == TK_EOF)
			break;
		if (t == TK_ERROR)
			return FD_ECONFIG;
		if (t != TK_WORD || strcasecmp(l.text, "key") != 0)
			return lex_err(&l, "expected a key statement");
		if (*nkeys == FD_CONF_MAX_TSIG_KEYS)
			return lex_err(&l, "too many keys (at most %d)",
			    FD_CONF_MAX_TSIG_KEYS);
		k = &keys[*nkeys];
		memset(k, 0, sizeof(*k));
		t = next(&l);
		if (t != TK_STRING && t != TK_WORD)
			return t == TK_ERROR ? FD_ECONFIG :
			    lex_err(&l, "expected the key's name");
		/* a key name is a domain name (RFC 8945 4.2): compare them so */
		if ((n = fd_dname_from_text(l.text, wire)) <= 0 ||
		    fd_dname_to_text(wire, (size_t)n, k->name,
		    sizeof(k->name)) < 0)
			return lex_err(&l, "'%s' is not a valid key name",
			    l.text);
		for (int i = 0; i < *nkeys; i++)
			if (strcmp(keys[i].name, k->name) == 0)
				return lex_err(&l, "key %s is defined twice",
				    k->name);
		if ((t = next(&l)) != TK_LBRACE)
			return t == TK_ERROR ? FD_ECONFIG :
			    lex_err(&l, "key %s: expected '{'", k->name);
		if (key_body(&l, k) != FD_OK)
			return FD_ECONFIG;
		(*nkeys)++;
	}
	return FD_OK;
}

enum fd_err
fd_tsig_keys_load(const char *path, struct fd_tsig_key *keys, int *nkeys,
    char *err, size_t errlen)
{
	struct stat sb;
	FILE *f = NULL;
	char *buf = NULL;
	size_t len;
	enum fd_err rc;

	*nkeys = 0;
	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = FD_ESYS;
		goto out;
	}
	/* Secrets: nobody but the daemon's user and group may read them. */
	if (sb.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		snprintf(err, errlen, "%s: holds TSIG secrets, so it must not "
		    "be readable by others nor writable by its group "
		    "(chmod 0640 or 0600)", path);
		rc = FD_ECONFIG;
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > KEYFILE_MAX) {
		snprintf(err, errlen, "%s: not a key file (a regular file "
		    "under %d bytes)", path, KEYFILE_MAX);
		rc = FD_ECONFIG;
		goto out;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = FD_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = FD_ESYS;
		goto out;
	}
	rc = fd_tsig_keys_parse(path, buf, len, keys, nkeys, err, errlen);
out:
	if (buf != NULL) {
		/* the secrets do not outlive their use in a freed buffer */
		explicit_bzero(buf, (size_t)sb.st_size);
		free(buf);
	}
	if (f != NULL)
		fclose(f);
	return rc;
}
