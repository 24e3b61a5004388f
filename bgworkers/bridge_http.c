/*
 * bridge_http.c
 *	  The HTTP/1.1 side of the bridge: request parsing (bounded, defensive),
 *	  responses, the dashboard's static files and the text/event-stream framing
 *	  of AG-UI's HTTP transport.  Every response closes the connection except
 *	  WebSocket upgrades and event streams, so there is no keep-alive state.
 */
#include "postgres.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "utils/json.h"

#include "bridge.h"

#define STATIC_MAX_BYTES (16 * 1024 * 1024)

const char *
bridge_http_reason(int status)
{
	switch (status)
	{
		case 101:
			return "Switching Protocols";
		case 200:
			return "OK";
		case 204:
			return "No Content";
		case 400:
			return "Bad Request";
		case 401:
			return "Unauthorized";
		case 403:
			return "Forbidden";
		case 404:
			return "Not Found";
		case 405:
			return "Method Not Allowed";
		case 411:
			return "Length Required";
		case 413:
			return "Content Too Large";
		case 415:
			return "Unsupported Media Type";
		case 422:
			return "Unprocessable Content";
		case 426:
			return "Upgrade Required";
		case 431:
			return "Request Header Fields Too Large";
		case 500:
			return "Internal Server Error";
		case 501:
			return "Not Implemented";
		case 503:
			return "Service Unavailable";
		case 505:
			return "HTTP Version Not Supported";
		default:
			return "Error";
	}
}

static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* percent-decodes s in place (and '+' as space when form is true); false on a bad escape or NUL */
static bool
url_decode(char *s, bool form)
{
	char	   *w = s;

	for (char *r = s; *r; r++)
	{
		if (*r == '%')
		{
			int			hi = hexval(r[1]);
			int			lo = hi >= 0 ? hexval(r[2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			*w++ = (char) (hi * 16 + lo);
			r += 2;
		}
		else if (form && *r == '+')
			*w++ = ' ';
		else
			*w++ = *r;
	}
	*w = '\0';
	return true;
}

/*
 * Parses a request in buf[0..len).  Returns INCOMPLETE until the headers and
 * the announced body have arrived.  On ERROR *status is the HTTP status to
 * answer with.  The buffer is modified (NUL terminators, decoded path).
 */
BridgeHttpParse
bridge_http_parse(char *buf, int len, BridgeHttpRequest *req, int *status, const char **why)
{
	char	   *end = NULL;
	char	   *p;
	char	   *line_end;
	char	   *target;
	const char *cl;
	int			hdr_len;

	memset(req, 0, sizeof(*req));
	for (int i = 0; i + 3 < len; i++)
	{
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
		{
			end = buf + i;
			break;
		}
	}
	if (end == NULL)
	{
		if (len >= BRIDGE_MAX_HEADER_BYTES)
		{
			*status = 431;
			*why = "request headers too large";
			return HTTP_PARSE_ERROR;
		}
		return HTTP_PARSE_INCOMPLETE;
	}
	hdr_len = (end - buf) + 4;
	if (memchr(buf, '\0', hdr_len) != NULL)
	{
		*status = 400;
		*why = "NUL byte in request headers";
		return HTTP_PARSE_ERROR;
	}
	*end = '\0';

	/* request line: METHOD SP target SP HTTP/1.x */
	line_end = strstr(buf, "\r\n");
	if (line_end)
		*line_end = '\0';
	req->method = buf;
	p = strchr(buf, ' ');
	if (p == NULL)
		goto bad;
	*p++ = '\0';
	for (char *m = req->method; *m; m++)
		if (!is_tchar(*m))
			goto bad;
	target = p;
	p = strchr(p, ' ');
	if (p == NULL)
		goto bad;
	*p++ = '\0';
	if (strncmp(p, "HTTP/1.", 7) != 0 || !(p[7] == '0' || p[7] == '1') || p[8] != '\0')
	{
		*status = 505;
		*why = "only HTTP/1.0 and HTTP/1.1 are served";
		return HTTP_PARSE_ERROR;
	}
	req->minor_version = p[7] - '0';
	if (target[0] != '/')
		goto bad;
	req->query = strchr(target, '?');
	if (req->query)
		*req->query++ = '\0';
	if (strchr(target, '#'))
		goto bad;
	if (!url_decode(target, false))
		goto bad;
	req->path = target;

	/* headers */
	p = line_end ? line_end + 2 : end;
	while (p < end && *p)
	{
		char	   *eol = strstr(p, "\r\n");
		char	   *colon;
		char	   *v;
		char	   *ve;

		if (eol)
			*eol = '\0';
		colon = strchr(p, ':');
		if (colon == NULL || colon == p)
			goto bad;
		for (char *c = p; c < colon; c++)
			if (!is_tchar(*c))
				goto bad;		/* also refuses obsolete line folding */
		*colon = '\0';
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		ve = v + strlen(v);
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			*--ve = '\0';
		if (req->nheaders >= BRIDGE_MAX_HEADERS)
		{
			*status = 431;
			*why = "too many request headers";
			return HTTP_PARSE_ERROR;
		}
		req->hname[req->nheaders] = p;
		req->hvalue[req->nheaders] = v;
		req->nheaders++;
		if (eol == NULL)
			break;
		p = eol + 2;
	}

	if (bridge_http_header(req, "Transfer-Encoding") != NULL)
	{
		*status = 501;
		*why = "chunked request bodies are not accepted; send Content-Length";
		return HTTP_PARSE_ERROR;
	}
	cl = bridge_http_header(req, "Content-Length");
	if (cl != NULL)
	{
		char	   *e;
		long		n;

		errno = 0;
		n = strtol(cl, &e, 10);
		if (errno != 0 || *e != '\0' || n < 0 || e == cl)
			goto bad;
		if (n > BRIDGE_MAX_BODY_BYTES)
		{
			*status = 413;
			*why = "request body too large";
			return HTTP_PARSE_ERROR;
		}
		if (len < hdr_len + n)
			return HTTP_PARSE_INCOMPLETE;
		req->body = buf + hdr_len;
		req->body_len = (int) n;
	}
	req->total_len = hdr_len + req->body_len;
	return HTTP_PARSE_OK;

bad:
	*status = 400;
	*why = "malformed HTTP request";
	return HTTP_PARSE_ERROR;
}

const char *
bridge_http_header(const BridgeHttpRequest *req, const char *name)
{
	for (int i = 0; i < req->nheaders; i++)
		if (pg_strcasecmp(req->hname[i], name) == 0)
			return req->hvalue[i];
	return NULL;
}

/* true when the comma-separated header NAME lists TOKEN (case-insensitive) */
bool
bridge_http_header_has_token(const BridgeHttpRequest *req, const char *name, const char *token)
{
	size_t		tl = strlen(token);

	for (int i = 0; i < req->nheaders; i++)
	{
		const char *v;

		if (pg_strcasecmp(req->hname[i], name) != 0)
			continue;
		v = req->hvalue[i];
		while (*v)
		{
			const char *e;
			const char *s;

			while (*v == ' ' || *v == '\t' || *v == ',')
				v++;
			s = v;
			e = strchr(v, ',');
			if (e == NULL)
				e = v + strlen(v);
			v = e;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if ((size_t) (e - s) == tl && pg_strncasecmp(s, token, tl) == 0)
				return true;
		}
	}
	return false;
}

/* a decoded copy of query parameter NAME, or NULL */
char *
bridge_query_param(const char *query, const char *name)
{
	size_t		nl = strlen(name);
	const char *p = query;

	if (query == NULL)
		return NULL;
	while (*p)
	{
		const char *amp = strchr(p, '&');
		size_t		seglen = amp ? (size_t) (amp - p) : strlen(p);

		if (seglen > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
		{
			char	   *v = pnstrdup(p + nl + 1, seglen - nl - 1);

			if (!url_decode(v, true))
				return NULL;
			return v;
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return NULL;
}

void
bridge_http_response(StringInfo out, int status, const char *content_type,
					 const char *body, int body_len, const char *extra_headers)
{
	appendStringInfo(out,
					 "HTTP/1.1 %d %s\r\n"
					 "Content-Length: %d\r\n"
					 "Connection: close\r\n"
					 "X-Content-Type-Options: nosniff\r\n"
					 "Cache-Control: no-cache\r\n",
					 status, bridge_http_reason(status), body_len);
	if (content_type)
		appendStringInfo(out, "Content-Type: %s\r\n", content_type);
	if (extra_headers)
		appendStringInfoString(out, extra_headers);
	appendStringInfoString(out, "\r\n");
	if (body_len > 0)
		appendBinaryStringInfo(out, body, body_len);
}

/* a JSON error body {"error": message} */
void
bridge_http_error(StringInfo out, int status, const char *message)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"error\":");
	escape_json(&b, message);
	appendStringInfoString(&b, "}\n");
	bridge_http_response(out, status, "application/json", b.data, b.len,
						 status == 426 ? "Sec-WebSocket-Version: 13\r\n" : NULL);
	pfree(b.data);
}

static const char *
content_type_for(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0 || strcmp(dot, ".mjs") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".json") == 0 || strcmp(dot, ".map") == 0)
		return "application/json";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	if (strcmp(dot, ".ico") == 0)
		return "image/x-icon";
	return "application/octet-stream";
}

/*
 * Serves WEB_DIR/PATH.  The path is restricted to a conservative character
 * set without "..", and the resolved file must lie inside the resolved web
 * directory, so neither encoded dots nor symlinks leave it.  Returns false
 * (nothing appended) when there is no such file.
 */
bool
bridge_http_static(StringInfo out, const char *web_dir, const char *path, bool head_only)
{
	char		rel[512];
	char		full[MAXPGPATH];
	char		root_real[PATH_MAX];
	char		file_real[PATH_MAX];
	struct stat st;
	int			fd;
	char	   *data;
	size_t		rl;
	ssize_t		got = 0;
	static const char *csp =
		"Content-Security-Policy: default-src 'self'; style-src 'self' 'unsafe-inline'; "
		"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'\r\n"
		"Referrer-Policy: no-referrer\r\n";

	if (web_dir == NULL || web_dir[0] == '\0')
		return false;
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	rl = strlen(path);
	if (rl >= sizeof(rel) || strstr(path, "..") != NULL || strstr(path, "//") != NULL)
		return false;
	for (const char *c = path; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			  *c == '/' || *c == '.' || *c == '-' || *c == '_'))
			return false;
	strlcpy(rel, path, sizeof(rel));
	snprintf(full, sizeof(full), "%s%s", web_dir, rel);
	if (realpath(web_dir, root_real) == NULL || realpath(full, file_real) == NULL)
		return false;
	if (strncmp(file_real, root_real, strlen(root_real)) != 0 ||
		file_real[strlen(root_real)] != '/')
		return false;
	fd = open(file_real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_BYTES)
	{
		close(fd);
		return false;
	}
	data = palloc(st.st_size + 1);
	while (got < st.st_size)
	{
		ssize_t		r = read(fd, data + got, st.st_size - got);

		if (r <= 0)
		{
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		got += r;
	}
	close(fd);
	if (got != st.st_size)
	{
		pfree(data);
		return false;
	}
	bridge_http_response(out, 200, content_type_for(file_real), data,
						 head_only ? 0 : (int) got, csp);
	pfree(data);
	return true;
}

void
bridge_sse_headers(StringInfo out)
{
	appendStringInfoString(out,
						   "HTTP/1.1 200 OK\r\n"
						   "Content-Type: text/event-stream\r\n"
						   "Cache-Control: no-cache\r\n"
						   "Connection: close\r\n"
						   "X-Accel-Buffering: no\r\n"
						   "X-Content-Type-Options: nosniff\r\n"
						   "\r\n");
}

/*
 * One server-sent event.  The JSON never contains a raw newline (escape_json
 * escapes them), so it fits one data: line.  id: carries the outbox id so that
 * an EventSource resumes with Last-Event-ID.
 */
void
bridge_sse_event(StringInfo out, int64 id, const char *json, int len)
{
	if (id > 0)
		appendStringInfo(out, "id: " INT64_FORMAT "\n", id);
	appendStringInfoString(out, "data: ");
	appendBinaryStringInfo(out, json, len);
	appendStringInfoString(out, "\n\n");
}
