/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One DNS response -> the facts pidtree records: the question, and the
 * A, AAAA and CNAME records of the answer section.
 *
 * The wire format is read with glibc's libresolv (ns_initparse, ns_parserr,
 * ns_name_uncompress): it checks the header counts against the message
 * length, decompresses names with loop and bounds checks, and hands back
 * every RR's type, class, TTL and a bounded rdata slice.  Nothing here walks
 * the wire format by hand.
 *
 * Names are hostile input (any byte can appear in a label).  They come out
 * in the RFC 1035 presentation format produced by libresolv, which escapes
 * every byte outside 0x21..0x7e as \DDD and the characters . " ; \ ( ) @ $
 * inside a label as \c, so a name holds printable ASCII only, never a blank,
 * a control character, a quote or a non-ASCII byte.  Then they are
 * normalised: ASCII letters lowercased (DNS names compare case-blind), no
 * trailing dot.  A name whose presentation form is longer than
 * PT_DNS_NAME_MAX - 1 characters (only possible with escapes: a legal name
 * without them has at most 253) is not recorded: the question makes the
 * message "ignored", a record with such a name is skipped.  The root name
 * "." is never recorded either.
 *
 * The caller counts the outcome: 0 (something to record), PT_DNS_EMALFORMED
 * (not a well-formed DNS message: truncated, bad counts, bad labels,
 * compression loops or pointers out of bounds, rdata of the wrong length)
 * or PT_DNS_EIGNORED (well formed, but nothing pidtree can use: a query, an
 * error response, TC set, ...); msg->reason says which case.
 */
#ifndef PIDTREE_DNS_PARSE_H
#define PIDTREE_DNS_PARSE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name kept, NUL included: 253 characters, a full legal name. */
#define PT_DNS_NAME_MAX 254
/* Answer RRs of interest (A, AAAA, CNAME) kept from one message. */
#define PT_DNS_MAX_RRS 64
/* Distinct names (question, owners, CNAME targets) kept from one message. */
#define PT_DNS_MAX_NAMES 32
/* Bytes of a message parsed at most (the largest DNS/TCP message). */
#define PT_DNS_MSG_MAX 65535

#define PT_DNS_EMALFORMED (-EBADMSG)
#define PT_DNS_EIGNORED (-ENOMSG)

/* Why a message was malformed or ignored (msg->reason). */
enum pt_dns_reason {
	PT_DNS_R_OK = 0,
	/* malformed */
	PT_DNS_R_SHORT,       /* shorter than the 12-byte header */
	PT_DNS_R_SECTIONS,    /* counts or records do not fit the message (ns_initparse) */
	PT_DNS_R_RR,          /* a record cannot be read: bad name, loop, out of bounds (ns_parserr) */
	PT_DNS_R_RDATA,       /* A/AAAA rdata not 4/16 bytes, CNAME rdata not one name */
	/* ignored */
	PT_DNS_R_QUERY,       /* QR = 0: a query, not a response */
	PT_DNS_R_OPCODE,      /* opcode is not QUERY */
	PT_DNS_R_RCODE,       /* rcode is not NOERROR (NXDOMAIN, SERVFAIL, ...) */
	PT_DNS_R_TC,          /* TC set: truncated, the client retries over TCP */
	PT_DNS_R_QDCOUNT,     /* not exactly one question */
	PT_DNS_R_QUESTION,    /* question not class IN, type A or AAAA */
	PT_DNS_R_QNAME,       /* question name too long to keep, or the root */
	PT_DNS_R_NOANSWER,    /* no A, AAAA or CNAME record in the answer section */
	PT_DNS_R_MAX
};

/* Short fixed text for a reason ("compression loop" is PT_DNS_R_RR). */
const char *pt_dns_reason_str(enum pt_dns_reason r);
/* True for the reasons that make a message malformed. */
bool pt_dns_reason_malformed(enum pt_dns_reason r);

struct pt_dns_rr {
	uint16_t type;   /* 1 (A), 28 (AAAA) or 5 (CNAME) */
	uint8_t owner;   /* index in msg->names */
	uint8_t target;  /* CNAME: index in msg->names */
	uint32_t ttl;    /* seconds; RFC 2181 8: a TTL with the top bit set is 0 */
	uint8_t addr[16]; /* A: 4 bytes, AAAA: 16 */
};

/* pt_dns_parse() flags */
#define PT_DNS_PARSE_PREFIX (1u << 0) /* buf is the start of a longer message */

struct pt_dns_msg {
	uint16_t id;
	bool qr, aa, tc, rd, ra;
	uint8_t opcode, rcode;
	uint16_t qtype, qclass;
	uint16_t qdcount, ancount, nscount, arcount; /* as parsed (see PREFIX) */
	bool prefix;          /* parsed from a prefix: later records unseen */
	enum pt_dns_reason reason;
	uint16_t nrr;         /* entries of rr[] */
	uint16_t nnames;      /* entries of names[]; names[0] is the question */
	/* answer RRs not kept: other types or classes, names too long, or
	 * more than PT_DNS_MAX_RRS / PT_DNS_MAX_NAMES */
	uint16_t skipped;
	struct pt_dns_rr rr[PT_DNS_MAX_RRS];
	char names[PT_DNS_MAX_NAMES][PT_DNS_NAME_MAX];
};

/*
 * Parse the len bytes at buf (a whole DNS message, without the TCP length
 * prefix) into msg.  With PT_DNS_PARSE_PREFIX, buf holds only the first
 * len bytes of a longer message (a capture cut short): the question and the
 * answer records that lie wholly inside it are used, the rest is ignored
 * (msg->prefix is set).  Returns 0, PT_DNS_EMALFORMED or PT_DNS_EIGNORED,
 * with msg->reason set in every case.  msg is filled as far as parsing got
 * (header fields first) and never points into buf.  No allocation.
 */
int pt_dns_parse(const uint8_t *buf, size_t len, unsigned flags, struct pt_dns_msg *msg);

/*
 * Normalise a presentation-format name in place: lowercase ASCII letters,
 * drop one trailing dot (the root "." stays ".").  Returns its new length.
 */
size_t pt_dns_name_normalise(char *name);

#endif
