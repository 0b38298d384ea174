// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the DNS path (src/dns): the input is one captured
 * payload.  It goes through pt_dns_ingest() twice, as a whole message and
 * as the prefix of a longer one (a capture cut short), into a small table
 * (so eviction runs too); every address it holds is then looked up, with
 * an ancestry, and the table is swept.  ASan/UBSan catch memory errors;
 * the asserts check the parser's contract.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/dns \
 *     tests/fuzz/fuzz_dns.c src/dns/{parse,names,ingest}.c -lresolv -o fuzz_dns
 *   ./fuzz_dns -max_total_time=60 tests/fuzz/corpus/dns
 * (or `make fuzz-dns`)
 */
#include <arpa/nameser.h>
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ingest.h"

static struct pt_dns_table *table;
static uint64_t now = 1000000000ull;

static void check_names(const struct pt_dns_msg *m)
{
	unsigned i;
	const char *p;

	for (i = 0; i < m->nnames; i++) {
		assert(strlen(m->names[i]) < PT_DNS_NAME_MAX);
		for (p = m->names[i]; *p; p++)
			assert(*p > 0x20 && *p < 0x7f && !(*p >= 'A' && *p <= 'Z'));
	}
	for (i = 0; i < m->nrr; i++)
		assert(m->rr[i].owner < m->nnames && m->rr[i].target < m->nnames);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t anc[] = { 2, 1 };
	static struct pt_dns_msg m;
	struct pt_dns_capture cap = { 1, 2, data, size, size };
	struct pt_dns_ingest_res res;
	struct pt_dns_result r;
	unsigned i;
	int ret;

	if (!table) {
		struct pt_dns_opts o;

		pt_dns_opts_init(&o);
		o.max_entries = 64;
		o.seed = 1;
		if (pt_dns_table_new(&table, &o))
			abort();
	}
	now += 1000000000ull;

	ret = pt_dns_parse(data, size, 0, &m);
	assert(ret == 0 || ret == PT_DNS_EMALFORMED || ret == PT_DNS_EIGNORED);
	assert((ret == PT_DNS_EMALFORMED) == pt_dns_reason_malformed(m.reason));
	check_names(&m);
	assert(pt_dns_ingest(table, &cap, now, &res, NULL) == ret);
	/* whatever names the addresses got are live and bounded */
	for (i = 0; ret == 0 && i < m.nrr; i++) {
		if (m.rr[i].type == ns_t_cname)
			continue;
		if (!pt_dns_table_lookup(table, 1, m.rr[i].type == ns_t_a ? AF_INET : AF_INET6,
					 m.rr[i].addr, now, anc, 2, &r)) {
			assert(r.name && strlen(r.name) < PT_DNS_TEXT_MAX);
			assert(r.ncnames <= PT_DNS_MAX_CNAMES && r.expires_ns > now);
		}
	}

	/* the same bytes as the start of a longer message */
	cap.msglen = size + 100;
	ret = pt_dns_ingest(table, &cap, now, &res, NULL);
	assert(ret == 0 || ret == PT_DNS_EMALFORMED || ret == PT_DNS_EIGNORED);
	ret = pt_dns_parse(data, size, PT_DNS_PARSE_PREFIX, &m);
	check_names(&m);

	if (now % 16000000000ull == 0)
		pt_dns_table_expire(table, now);
	return 0;
}
