/*
 * psu_succ_test.c - C unit tests of the log of a one-stage accumulation
 * that leaves out of the arena the ids that are the successor of the
 * previous record's integer id (design_core.c log_flush, PSU_ID_SUCC):
 * design_psu_iter rebuilds the arena byte for byte as a design that keeps
 * every id has it, design_log_materialize puts it back, merges and
 * canonical order are unchanged, and the stored stream of version 4 (the
 * log as it is, then the array's records) reads back every record under
 * the stored cursor's rule (a successor follows an integer id of its
 * stratum).  Edges: the unsigned successor across
 * 0x7fff... (int64 max to min), no successor of 0xffff... (-1), negative
 * ids, text ids between runs, strata that start in a run, a log of several
 * segments.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design_core.h"
#include "tally_core.h"
#include "tap.h"

/* one row: stratum number, then an integer id (text == 0) or a text id */
typedef struct Key
{
	int			stratum;
	int			text;
	uint64_t	v;
} Key;

static uint32_t
key_bytes(const Key *k, char *out)
{
	int			i;

	if (k->text)
		return (uint32_t) snprintf(out, 40, "tpsu %llu", (unsigned long long) k->v);
	out[0] = 'i';
	for (i = 0; i < 8; i++)
		out[1 + i] = (char) (unsigned char) (k->v >> (8 * (7 - i)));
	return 9;
}

static void
feed(Design *d, const Key *keys, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		char		key[40];
		uint32_t	len,
					st,
					p;
		bool		created;

		snprintf(key, sizeof(key), "ts%d", keys[i].stratum);
		st = design_stratum(d, key, (uint32_t) strlen(key), &created);
		d->strata[st].n_psu = 100000000;
		len = key_bytes(&keys[i], key);
		p = design_psu(d, st, key, len, &created);
		design_add(d, p, UINT32_MAX, (keys[i].v % 3) == 0, 1.0 + (double) (keys[i].v % 7));
	}
}

static bool
same_records(const Design *a, const char *aarena, const PsuRec *ap,
			 const Design *b, const char *barena, const PsuRec *bp, uint32_t n)
{
	uint32_t	i;

	for (i = 0; i < n; i++)
		if (ap[i].stratum != bp[i].stratum || ap[i].id.len != bp[i].id.len ||
			memcmp(aarena + ap[i].id.off, barena + bp[i].id.off, ap[i].id.len) != 0 ||
			ap[i].n_dom != bp[i].n_dom || memcmp(&ap[i].b, &bp[i].b, sizeof(dd_t)) != 0 ||
			memcmp(&ap[i].a, &bp[i].a, sizeof(dd_t)) != 0)
			return false;
	(void) a;
	(void) b;
	return true;
}

/*
 * The rows into a design in log mode and one that looks every PSU up
 * (which keeps every id in the arena, in the order they came): the log's
 * rebuilt arena, records and strata are those of the other, byte for byte.
 */
static void
check_keys(const char *what, const Key *keys, int n, bool expect_succ)
{
	Design		h,
				l;
	DesignPsuIter it;
	PsuRec	   *recs;
	char	   *na;
	uint32_t   *soff;
	uint32_t	i,
				cnt = 0;
	bool		same;
	char		msg[256];

	design_init(&h, DESIGN_CLUSTER, tap_realloc, NULL);
	design_init(&l, DESIGN_CLUSTER, tap_realloc, NULL);
	l.log_mode = true;
	feed(&h, keys, n);
	feed(&l, keys, n);
	snprintf(msg, sizeof(msg), "%s: the log leaves %s ids out of the arena", what,
			 expect_succ ? "successor" : "no");
	ok(expect_succ ? (l.log_nsucc > 0 && l.arena_len + 9 * l.log_nsucc == h.arena_len) :
	   (l.log_nsucc == 0), msg);
	snprintf(msg, sizeof(msg), "%s: the whole arena has the length of every id", what);
	ok(design_full_arena_len(&l) == h.arena_len && l.npsu == h.npsu, msg);

	na = malloc(design_full_arena_len(&l) + 1);
	soff = malloc(sizeof(uint32_t) * (l.nstrata + 1));
	recs = malloc(sizeof(PsuRec) * (l.npsu + 1));
	design_psu_iter(&l, &it, na, soff);
	while (design_psu_iter_next(&it, &recs[cnt]))
		cnt++;
	same = cnt == h.npsu && memcmp(na, h.arena, h.arena_len) == 0;
	for (i = 0; same && i < h.nstrata; i++)
		same = soff[i] == h.strata[i].id.off;
	for (i = 0; same && i < h.npsu; i++)
		same = recs[i].id.off == h.psu[i].id.off;
	snprintf(msg, sizeof(msg), "%s: design_psu_iter rebuilds the arena and offsets byte for byte", what);
	ok(same, msg);
	snprintf(msg, sizeof(msg), "%s: every record decodes to the same stratum, id and sums", what);
	ok(same_records(&l, na, recs, &h, h.arena, h.psu, h.npsu), msg);

	/*
	 * The stored stream of version 4 as tally_pack writes it (the log's
	 * bytes, then the array's records with the log's codec), read as the
	 * stored tally's cursor reads it (tally_psu_next: a successor follows an
	 * integer id in its stratum, its value the previous plus one, the other
	 * ids in the log's arena): the same records as the other design's.
	 */
	{
		size_t		cap = l.log_len + (size_t) (l.npsu - l.psu_base + 1) * DESIGN_PSU_MAX_BYTES;
		char	   *st = malloc(cap);
		size_t		ns = 0;
		const DesignLogSeg *seg;
		DesignPsuCodec cw,
					cr;
		const char *q;
		PsuRec		x;
		uint32_t	k,
					nsucc = 0;
		uint32_t	prev_stratum = 0;
		uint64_t	prev_value = 0;
		bool		prev_int = false,
					rules = true,
					ids = true;

		for (seg = l.log; seg != NULL; seg = seg->next)
		{
			memcpy(st + ns, seg->data, seg->len);
			ns += seg->len;
		}
		cw = l.log_codec;
		cw.succ_next = false;
		for (k = 0; k < l.npsu - l.psu_base; k++)
			ns += design_psu_encode(&cw, &l.psu[k], st + ns);
		design_psu_codec_start(&cr);
		cr.log = true;
		q = st;
		for (i = 0; i < h.npsu && ids; i++)
		{
			char		key[9];
			const char *kb;

			if (!design_psu_decode(&cr, &q, st + ns, &x))
			{
				ids = false;
				break;
			}
			if (x.id.off == DESIGN_ID_SUCC)
			{
				rules = rules && i > 0 && prev_int && x.stratum == prev_stratum && prev_value != UINT64_MAX;
				design_key_put_uint(key, ++prev_value);
				kb = key;
				nsucc++;
			}
			else
			{
				kb = l.arena + x.id.off;
				prev_int = x.id.off + x.id.len <= l.arena_len && design_key_is_int(kb, x.id.len);
				if (prev_int)
					prev_value = design_key_uint(kb);
			}
			prev_stratum = x.stratum;
			ids = x.stratum == h.psu[i].stratum && x.id.len == h.psu[i].id.len &&
				memcmp(kb, h.arena + h.psu[i].id.off, x.id.len) == 0 &&
				memcmp(&x.b, &h.psu[i].b, sizeof(dd_t)) == 0 && x.n_dom == h.psu[i].n_dom;
		}
		snprintf(msg, sizeof(msg), "%s: the stored stream reads back every record, ids from the log's arena or successors", what);
		ok(ids && i == h.npsu && q == st + ns, msg);
		snprintf(msg, sizeof(msg), "%s: every successor follows an integer id of its stratum (%u successors)", what, nsucc);
		ok(rules && nsucc == l.log_nsucc && (nsucc > 0) == expect_succ, msg);
		free(st);
	}

	design_log_materialize(&l);
	same = l.psu_base == 0 && l.arena_len == h.arena_len &&
		memcmp(l.arena, h.arena, h.arena_len) == 0;
	for (i = 0; same && i < h.nstrata; i++)
		same = l.strata[i].id.off == h.strata[i].id.off;
	snprintf(msg, sizeof(msg), "%s: design_log_materialize puts every id back in place", what);
	ok(same && same_records(&l, l.arena, l.psu, &h, h.arena, h.psu, h.npsu), msg);
	free(na);
	free(soff);
	free(recs);
}

/* two logs of interleaved runs merged = the whole in one design, in canonical order */
static void
check_merge(void)
{
	enum
	{
	N = 30000};
	Key		   *ka = malloc(sizeof(Key) * N),
			   *kb = malloc(sizeof(Key) * N),
			   *kw = malloc(sizeof(Key) * 2 * N);
	Design		a,
				b,
				w;
	uint32_t	where;
	int			i,
				na = 0,
				nb = 0;
	bool		same;

	for (i = 0; i < 2 * N; i++)
	{
		Key			k = {1 + (i >= N), 0, (uint64_t) i};

		/* runs of 5000 to a, 5000 to b, ... */
		if ((i / 5000) % 2 == 0)
			ka[na++] = k;
		else
			kb[nb++] = k;
		kw[i] = k;
	}
	design_init(&a, DESIGN_CLUSTER, tap_realloc, NULL);
	design_init(&b, DESIGN_CLUSTER, tap_realloc, NULL);
	design_init(&w, DESIGN_CLUSTER, tap_realloc, NULL);
	a.log_mode = b.log_mode = true;
	feed(&a, ka, na);
	feed(&b, kb, nb);
	feed(&w, kw, 2 * N);
	ok(a.log_nsucc > 0 && b.log_nsucc > 0, "merge: both logs have successor ids");
	a.log_mode = false;			/* as tally_acc_merge does */
	ok(design_merge(&a, &b, &where) == NULL, "merge: the logs merge");
	design_sort(&a);
	design_sort(&w);
	same = a.npsu == w.npsu && a.arena_len == w.arena_len &&
		memcmp(a.arena, w.arena, w.arena_len) == 0 &&
		same_records(&a, a.arena, a.psu, &w, w.arena, w.psu, w.npsu);
	ok(same, "merge: interleaved runs give the whole sample's canonical records");
	/* more rows after the merge, looked up */
	{
		Key			more[6000];

		for (i = 0; i < 6000; i++)
			more[i] = (Key) {3, 0, (uint64_t) (100000 + i)};
		feed(&a, more, 6000);
		feed(&w, more, 6000);
		design_compact(&a);
		design_compact(&w);
		design_log_materialize(&a);
		design_log_materialize(&w);
		same = a.npsu == w.npsu && a.arena_len == w.arena_len &&
			memcmp(a.arena, w.arena, w.arena_len) == 0 &&
			same_records(&a, a.arena, a.psu, &w, w.arena, w.psu, w.npsu);
		ok(same, "merge: rows after the merge keep every id");
	}
	free(ka);
	free(kb);
	free(kw);
}

int
main(void)
{
	enum
	{
	M = 20000};
	Key		   *k = malloc(sizeof(Key) * M);
	int			i;

	for (i = 0; i < M; i++)
		k[i] = (Key) {1, 0, (uint64_t) i};
	check_keys("consecutive ids", k, M, true);

	for (i = 0; i < M; i++)
		k[i] = (Key) {1, 0, UINT64_C(0x7fffffffffffffff) - 5000 + (uint64_t) i};
	check_keys("across 0x7fff...ff to 0x8000...00", k, M, true);

	for (i = 0; i < M; i++)
		k[i] = (Key) {1, 0, UINT64_C(0xffffffffffffffff) - (M - 1 - 4096) + (uint64_t) i};
	check_keys("up to 0xffff...ff, then wrapped to 0 (no successor)", k, M, true);

	for (i = 0; i < M; i++)
		k[i] = (Key) {1, 0, (uint64_t) (int64_t) (i - M)};
	check_keys("negative ids -20000..-1", k, M, true);

	for (i = 0; i < M; i++)
		k[i] = (Key) {1 + i / 3001, (i % 1000) == 999, (uint64_t) i};
	check_keys("text ids between runs, strata starting in a run", k, M, true);

	for (i = 0; i < M; i++)
		k[i] = (Key) {1 + (i % 7 == 0), 0, (uint64_t) i};
	check_keys("strata alternating", k, M, true);

	for (i = 0; i < M; i++)
		k[i] = (Key) {1, 0, (uint64_t) (2 * i)};
	check_keys("ids with gaps", k, M, false);

	for (i = 0; i < M; i++)
		k[i] = (Key) {1, 1, (uint64_t) i};
	check_keys("text ids only", k, M, false);

	check_merge();
	free(k);

	/*
	 * A log of several segments (512 kB, 1, 2, 4 MB): records on both sides
	 * of every segment boundary decode, copy and materialize the same.
	 */
	{
		enum
		{
		L = 400000};
		Key		   *kl = malloc(sizeof(Key) * L);
		Design		l;
		uint32_t	nseg = 0;
		size_t		len = 0;
		const DesignLogSeg *g;

		for (i = 0; i < L; i++)
			kl[i] = (Key) {1 + i / 150001, 0, (uint64_t) (i + i / 977)};	/* a gap every 977 */
		design_init(&l, DESIGN_CLUSTER, tap_realloc, NULL);
		l.log_mode = true;
		feed(&l, kl, L);
		for (g = l.log; g != NULL; g = g->next)
		{
			nseg++;
			len += g->len;
		}
		ok(nseg >= 3 && len == l.log_len && l.log_cap >= l.log_len,
		   "a log of 400,000 records spans several segments whose records add up to its length");
		design_log_materialize(&l);
		check_keys("400,000 records over several log segments", kl, L, true);
		free(kl);
	}
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
