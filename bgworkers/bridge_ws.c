/*
 * bridge_ws.c
 *	  The server side of RFC 6455 (WebSocket): the opening handshake's accept
 *	  key, frame parsing with every check the RFC makes a MUST, and framing of
 *	  outgoing messages.
 *
 * Why not libwebsockets: the bridge multiplexes its clients, the postmaster
 * latch and a libpq socket in one PostgreSQL WaitEventSet, serves plain HTTP
 * (the dashboard's files and AG-UI's POST + text/event-stream transport) on
 * the same port, and must never block or allocate outside memory contexts the
 * worker controls.  libwebsockets can run on a foreign loop, but then it owns
 * the sockets' lifecycle through its own callbacks and allocator, and would
 * also own the HTTP side.  The server half of RFC 6455 is small (parsing,
 * masking, fragmentation, control frames, close codes); it is written here
 * against the RFC and tested frame by frame in test/node/ws_protocol.test.mjs.
 * SHA-1 and base64 come from OpenSSL.
 */
#include "postgres.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "bridge.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/*
 * Sec-WebSocket-Accept = base64(SHA-1(key + GUID)).  The key must be the
 * base64 encoding of 16 bytes (RFC 6455 section 4.2.1, item 5).
 */
bool
bridge_ws_accept_key(const char *client_key, char *accept_out, size_t outlen)
{
	unsigned char decoded[32];
	unsigned char digest[SHA_DIGEST_LENGTH];
	char		buf[128];
	size_t		klen = strlen(client_key);
	int			n;

	if (klen != 24 || client_key[22] != '=' || client_key[23] != '=')
		return false;
	n = EVP_DecodeBlock(decoded, (const unsigned char *) client_key, (int) klen);
	if (n != 18)				/* 16 bytes + 2 padding */
		return false;
	snprintf(buf, sizeof(buf), "%s%s", client_key, WS_GUID);
	SHA1((unsigned char *) buf, strlen(buf), digest);
	if (outlen < 29)
		return false;
	EVP_EncodeBlock((unsigned char *) accept_out, digest, SHA_DIGEST_LENGTH);
	return true;
}

/*
 * Parses one client frame at buf[0..len).  On WS_FRAME_OK the payload has been
 * unmasked in place and f->frame_len bytes may be dropped from the buffer.
 * The size limit is checked from the header alone, so an oversize frame is
 * refused before its payload is buffered.
 */
BridgeWsParse
bridge_ws_parse(char *buf, size_t len, size_t max_payload, BridgeWsFrame *f,
				int *close_code, const char **why)
{
	const unsigned char *p = (const unsigned char *) buf;
	size_t		hdr = 2;
	uint64		plen;
	unsigned char mask[4];
	bool		masked;

	if (len < 2)
		return WS_FRAME_INCOMPLETE;
	f->fin = (p[0] & 0x80) != 0;
	f->opcode = p[0] & 0x0F;
	masked = (p[1] & 0x80) != 0;
	plen = p[1] & 0x7F;

	if (p[0] & 0x70)
	{
		*close_code = WS_CLOSE_PROTOCOL;
		*why = "reserved bits set without a negotiated extension";
		return WS_FRAME_ERROR;
	}
	if (!(f->opcode == WS_OP_CONT || f->opcode == WS_OP_TEXT || f->opcode == WS_OP_BIN ||
		  f->opcode == WS_OP_CLOSE || f->opcode == WS_OP_PING || f->opcode == WS_OP_PONG))
	{
		*close_code = WS_CLOSE_PROTOCOL;
		*why = "reserved opcode";
		return WS_FRAME_ERROR;
	}
	if (!masked)
	{
		/* section 5.1: a server MUST close on an unmasked client frame */
		*close_code = WS_CLOSE_PROTOCOL;
		*why = "client frames must be masked";
		return WS_FRAME_ERROR;
	}
	if (f->opcode >= 0x8 && (!f->fin || plen > 125))
	{
		*close_code = WS_CLOSE_PROTOCOL;
		*why = "control frames must not be fragmented nor exceed 125 bytes";
		return WS_FRAME_ERROR;
	}
	if (plen == 126)
	{
		if (len < 4)
			return WS_FRAME_INCOMPLETE;
		plen = ((uint64) p[2] << 8) | p[3];
		hdr = 4;
		if (plen < 126)
		{
			*close_code = WS_CLOSE_PROTOCOL;
			*why = "payload length not in minimal encoding";
			return WS_FRAME_ERROR;
		}
	}
	else if (plen == 127)
	{
		if (len < 10)
			return WS_FRAME_INCOMPLETE;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = (plen << 8) | p[2 + i];
		hdr = 10;
		if (plen >> 63)
		{
			*close_code = WS_CLOSE_PROTOCOL;
			*why = "payload length has its most significant bit set";
			return WS_FRAME_ERROR;
		}
		if (plen < 65536)
		{
			*close_code = WS_CLOSE_PROTOCOL;
			*why = "payload length not in minimal encoding";
			return WS_FRAME_ERROR;
		}
	}
	if (plen > max_payload)
	{
		*close_code = WS_CLOSE_TOO_BIG;
		*why = "frame exceeds tradecore.bridge_max_frame_kb";
		return WS_FRAME_ERROR;
	}
	if (len < hdr + 4 + plen)
		return WS_FRAME_INCOMPLETE;
	memcpy(mask, p + hdr, 4);
	hdr += 4;
	f->payload = buf + hdr;
	f->payload_len = plen;
	for (uint64 i = 0; i < plen; i++)
		f->payload[i] ^= mask[i & 3];
	f->frame_len = hdr + plen;
	return WS_FRAME_OK;
}

/* a server frame: FIN set, never masked (section 5.1) */
void
bridge_ws_frame(StringInfo out, int opcode, const char *payload, size_t len)
{
	unsigned char h[10];
	int			hl;

	h[0] = 0x80 | (opcode & 0x0F);
	if (len < 126)
	{
		h[1] = (unsigned char) len;
		hl = 2;
	}
	else if (len < 65536)
	{
		h[1] = 126;
		h[2] = (len >> 8) & 0xFF;
		h[3] = len & 0xFF;
		hl = 4;
	}
	else
	{
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = ((uint64) len >> (8 * (7 - i))) & 0xFF;
		hl = 10;
	}
	appendBinaryStringInfo(out, (char *) h, hl);
	if (len > 0)
		appendBinaryStringInfo(out, payload, len);
}

void
bridge_ws_close_frame(StringInfo out, int code, const char *reason)
{
	char		body[125];
	size_t		rl = reason ? strlen(reason) : 0;

	if (rl > sizeof(body) - 2)
		rl = sizeof(body) - 2;
	body[0] = (code >> 8) & 0xFF;
	body[1] = code & 0xFF;
	if (rl > 0)
		memcpy(body + 2, reason, rl);
	bridge_ws_frame(out, WS_OP_CLOSE, body, rl + 2);
}

/* close codes a peer may send (section 7.4.1 and the IANA registry) */
bool
bridge_ws_close_code_valid(int code)
{
	if (code >= 3000 && code <= 4999)
		return true;
	switch (code)
	{
		case 1000:
		case 1001:
		case 1002:
		case 1003:
		case 1007:
		case 1008:
		case 1009:
		case 1010:
		case 1011:
		case 1012:
		case 1013:
		case 1014:
			return true;
		default:
			return false;
	}
}

/*
 * Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), as
 * section 8.1 requires of text frames.  pg_utf8_islegal checks one sequence;
 * this walks a buffer that may contain NUL bytes.
 */
bool
bridge_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = p[i];
		int			n;
		uint32		cp;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		else if ((c & 0xE0) == 0xC0)
		{
			n = 1;
			cp = c & 0x1F;
		}
		else if ((c & 0xF0) == 0xE0)
		{
			n = 2;
			cp = c & 0x0F;
		}
		else if ((c & 0xF8) == 0xF0)
		{
			n = 3;
			cp = c & 0x07;
		}
		else
			return false;
		for (int k = 1; k <= n; k++)
		{
			if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
			cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}
