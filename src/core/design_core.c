/*
 * design_core.c - strata, PSUs and SSUs of a tally's domain and the
 * linearized variance of R survey 4.1.1.
 *
 * The aggregate sees only its group's rows, so the full-sample size of
 * every stratum (n_h PSUs) and PSU (m_j SSUs) and the population counts
 * come with each row; records exist only for the strata, PSUs and SSUs that
 * hold domain rows.  PSUs of a stratum without domain rows have zero scores
 * but still count in n_h (R's zero padding in onestrat).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "design_core.h"
#include "guard_core.h"
#include "sort_core.h"
#include "var_core.h"
#include "stratified_core.h"

#define Max3(a, b, c) ((a) > (b) ? ((a) > (c) ? (a) : (c)) : ((b) > (c) ? (b) : (c)))

static const char *const lonely_names[] = {"fail", "remove", "certainty", "adjust", "average"};
static const char *const kind_names[] = {"weights", "weights_domain", "cluster", "cluster2", "replicate",
"stratified", "cluster_sums"};

int
design_lonely_parse(const char *name)
{
	int			i;

	for (i = 0; i < 5; i++)
		if (strcmp(name, lonely_names[i]) == 0)
			return i;
	return -1;
}

const char *
design_lonely_name(int policy)
{
	return policy >= 0 && policy < 5 ? lonely_names[policy] : NULL;
}

const char *
design_kind_name(int kind)
{
	return kind >= 0 && kind < 7 ? kind_names[kind] : NULL;
}

void
design_init(Design *d, DesignKind kind, DesignRealloc fn, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->lonely = LONELY_FAIL;
	d->realloc_fn = fn;
	d->alloc_ctx = ctx;
}

static void *
grow(Design *d, void *ptr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint64_t	ncap;

	if (need <= *cap)
		return ptr;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX)
		ncap = UINT32_MAX;
	/* the host's allocator refuses what passes its limit */
	ptr = d->realloc_fn(d->alloc_ctx, ptr, (size_t) ncap * elem);
	*cap = (uint32_t) ncap;
	return ptr;
}

/* a fast 64-bit mix of the parent index and the key bytes, 8 at a time */
static uint32_t
hash_key(uint32_t parent, const char *key, uint32_t len)
{
	uint64_t	h = 0x9E3779B97F4A7C15ULL ^ ((uint64_t) parent * 0xC2B2AE3D27D4EB4FULL) ^ len;
	uint32_t	i = 0;

	for (; i + 8 <= len; i += 8)
	{
		uint64_t	v;

		memcpy(&v, key + i, 8);
		h = (h ^ v) * 0x9E3779B97F4A7C15ULL;
		h ^= h >> 29;
	}
	if (i < len)
	{
		uint64_t	v = 0;

		memcpy(&v, key + i, len - i);
		h = (h ^ v) * 0x9E3779B97F4A7C15ULL;
		h ^= h >> 29;
	}
	h *= 0xBF58476D1CE4E5B9ULL;
	return (uint32_t) (h ^ (h >> 31) ^ (h >> 47));
}

/*
 * Identifiers of 9 bytes (every integer id: 'i' and 8 bytes) compare as a
 * tag byte and a 64-bit word, without a call to memcmp: the same answer.
 */
static inline uint64_t
load_be64(const char *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline bool
id_equal(const Design *d, IdRef id, const char *key, uint32_t len)
{
	if (id.len != len)
		return false;
	if (len == 9)
	{
		const char *a = d->arena + id.off;
		uint64_t	x,
					y;

		memcpy(&x, a + 1, sizeof(x));
		memcpy(&y, key + 1, sizeof(y));
		return a[0] == key[0] && x == y;
	}
	return memcmp(d->arena + id.off, key, len) == 0;
}

static IdRef
arena_add(Design *d, const char *key, uint32_t len)
{
	IdRef		id;

	d->arena = grow(d, d->arena, &d->cap_arena, d->arena_len + len, 1);
	memcpy(d->arena + d->arena_len, key, len);
	id.off = d->arena_len;
	id.len = len;
	d->arena_len += len;
	return id;
}

/* ---- PSU records, variable length ---------------------------------------
 *
 * A flag byte, then only what the flags do not imply, unaligned:
 *   PSU_SAME_STRATUM  the previous record's stratum, else uint32 stratum
 *   PSU_NEXT_ID       the identifier follows the previous record's in the
 *                     arena and has its length, else uint32 off, uint32 len
 *   PSU_ONE_ROW       n_dom = 1, else int64 n_dom
 *   PSU_ALL_POS       n_pos = n_dom, else int64 n_pos
 *   b.hi always; PSU_B_EXACT: b.lo is +0, else b.lo
 *   bits 5-6 (a): 0 both parts +0; 1 the same bits as b; 2 a.lo is +0,
 *                 then a.hi; 3 a.hi, a.lo
 *   PSU_STAGE2        int64 n_ssu, double popsize2, else both 0 (+0)
 *   In the log of a one-stage accumulation and the records of a stored
 *   one-stage tally of version 4 (codec log), where no record has stage 2
 *   counts, the bit means PSU_ID_SUCC instead: the id is the previous
 *   record's integer id plus one, in the same stratum, not in the arena,
 *   and no id fields follow (log_flush; tally_pack stores the log's
 *   records as they are).
 * Bits are compared, never values, so every record (-0, subnormals,
 * unnormalised sums of a partial state) decodes to the same bytes: a PSU
 * with one row of a proportion takes 9 bytes (and 9 in the arena) where the
 * PsuRec takes 80.
 */
#define PSU_SAME_STRATUM 0x01
#define PSU_NEXT_ID 0x02
#define PSU_ONE_ROW 0x04
#define PSU_ALL_POS 0x08
#define PSU_B_EXACT 0x10
#define PSU_A_SHIFT 5
#define PSU_STAGE2 0x80
#define PSU_ID_SUCC 0x80

static inline bool
bits_equal(double x, double y)
{
	return memcmp(&x, &y, sizeof(double)) == 0;
}

static inline bool
bits_zero(double x)
{
	return bits_equal(x, 0.0);
}

void
design_psu_codec_start(DesignPsuCodec *c)
{
	c->prev_stratum = UINT32_MAX;
	c->prev_id_end = UINT32_MAX;
	c->prev_id_len = 0;
	c->log = false;
	c->succ_next = false;
}

#define PUT(dst, v) (memcpy((dst), &(v), sizeof(v)), (dst) += sizeof(v))

size_t
design_psu_encode(DesignPsuCodec *c, const PsuRec *r, char *out)
{
	uint8_t		f = 0;
	size_t		n = 1 + sizeof(double);
	int			aform;
	bool		succ = c->log && c->succ_next;

	if (r->stratum == c->prev_stratum)
		f |= PSU_SAME_STRATUM;
	else
		n += sizeof(uint32_t);
	if (succ)
		f |= PSU_ID_SUCC;
	else if (r->id.off == c->prev_id_end && r->id.len == c->prev_id_len)
		f |= PSU_NEXT_ID;
	else
		n += 2 * sizeof(uint32_t);
	if (r->n_dom == 1)
		f |= PSU_ONE_ROW;
	else
		n += sizeof(int64_t);
	if (r->n_pos == r->n_dom)
		f |= PSU_ALL_POS;
	else
		n += sizeof(int64_t);
	if (bits_zero(r->b.lo))
		f |= PSU_B_EXACT;
	else
		n += sizeof(double);
	if (bits_zero(r->a.hi) && bits_zero(r->a.lo))
		aform = 0;
	else if (bits_equal(r->a.hi, r->b.hi) && bits_equal(r->a.lo, r->b.lo))
		aform = 1;
	else if (bits_zero(r->a.lo))
		aform = 2, n += sizeof(double);
	else
		aform = 3, n += 2 * sizeof(double);
	f |= aform << PSU_A_SHIFT;
	/* a log's records have no stage 2 counts (one-stage designs only) */
	if (!c->log && (r->n_ssu != 0 || !bits_zero(r->popsize2)))
		f |= PSU_STAGE2, n += sizeof(int64_t) + sizeof(double);
	c->prev_stratum = r->stratum;
	if (!succ)
	{
		c->prev_id_end = r->id.off + r->id.len;
		c->prev_id_len = r->id.len;
	}
	if (out == NULL)
		return n;
	*out++ = (char) f;
	if (!(f & PSU_SAME_STRATUM))
		PUT(out, r->stratum);
	if (!succ && !(f & PSU_NEXT_ID))
	{
		PUT(out, r->id.off);
		PUT(out, r->id.len);
	}
	if (!(f & PSU_ONE_ROW))
		PUT(out, r->n_dom);
	if (!(f & PSU_ALL_POS))
		PUT(out, r->n_pos);
	PUT(out, r->b.hi);
	if (!(f & PSU_B_EXACT))
		PUT(out, r->b.lo);
	if (aform >= 2)
		PUT(out, r->a.hi);
	if (aform == 3)
		PUT(out, r->a.lo);
	if (!c->log && (f & PSU_STAGE2))
	{
		PUT(out, r->n_ssu);
		PUT(out, r->popsize2);
	}
	return n;
}

#define GET(v) \
	do { \
		if (end - q < (ptrdiff_t) sizeof(v)) \
			return false; \
		memcpy(&(v), q, sizeof(v)); \
		q += sizeof(v); \
	} while (0)

bool
design_psu_decode(DesignPsuCodec *c, const char **p, const char *end, PsuRec *r)
{
	const char *q = *p;
	uint8_t		f;
	int			aform;

	if (q >= end)
		return false;
	f = (uint8_t) *q++;
	memset(r, 0, sizeof(*r));
	if (f & PSU_SAME_STRATUM)
		r->stratum = c->prev_stratum;
	else
		GET(r->stratum);
	if (c->log && (f & PSU_ID_SUCC))
	{
		r->id.off = DESIGN_ID_SUCC;
		r->id.len = 9;
	}
	else if (f & PSU_NEXT_ID)
	{
		r->id.off = c->prev_id_end;
		r->id.len = c->prev_id_len;
	}
	else
	{
		GET(r->id.off);
		GET(r->id.len);
	}
	if (f & PSU_ONE_ROW)
		r->n_dom = 1;
	else
		GET(r->n_dom);
	if (f & PSU_ALL_POS)
		r->n_pos = r->n_dom;
	else
		GET(r->n_pos);
	GET(r->b.hi);
	if (!(f & PSU_B_EXACT))
		GET(r->b.lo);
	aform = (f >> PSU_A_SHIFT) & 3;
	if (aform == 1)
		r->a = r->b;
	if (aform >= 2)
		GET(r->a.hi);
	if (aform == 3)
		GET(r->a.lo);
	if (!c->log && (f & PSU_STAGE2))
	{
		GET(r->n_ssu);
		GET(r->popsize2);
	}
	c->prev_stratum = r->stratum;
	if (r->id.off != DESIGN_ID_SUCC)
	{
		c->prev_id_end = r->id.off + r->id.len;
		c->prev_id_len = r->id.len;
	}
	*p = q;
	return true;
}

void
design_psu_iter(const Design *d, DesignPsuIter *it, char *na, uint32_t *strata_off)
{
	memset(it, 0, sizeof(*it));
	it->d = d;
	it->seg = d->log;
	it->p = d->log ? d->log->data : NULL;
	it->end = d->log ? d->log->data + d->log->len : NULL;
	it->next = 0;
	it->na = na;
	it->strata_off = strata_off;
	design_psu_codec_start(&it->c);
	it->c.log = true;
}

/* at the end of a log segment's records: the next segment */
static inline void
iter_seg(DesignPsuIter *it)
{
	while (it->p == it->end && it->seg != NULL && it->seg->next != NULL)
	{
		it->seg = it->seg->next;
		it->p = it->seg->data;
		it->end = it->seg->data + it->seg->len;
	}
}

/* the arena bytes [it->src, to) go to the rebuilt arena, the strata among them too */
static void
iter_span(DesignPsuIter *it, uint32_t to)
{
	const Design *d = it->d;

	if (to <= it->src)
		return;
	if (it->na)
		memcpy(it->na + it->dst, d->arena + it->src, to - it->src);
	for (; it->k < d->nstrata && d->strata[it->k].id.off < to; it->k++)
		if (it->strata_off)
			it->strata_off[it->k] = d->strata[it->k].id.off - it->src + it->dst;
	it->dst += to - it->src;
	it->src = to;
}

bool
design_psu_iter_next(DesignPsuIter *it, PsuRec *r)
{
	const Design *d = it->d;

	if (it->next >= d->npsu)
	{
		if (!it->done)
		{
			/* the strata ids after the last record's, every stratum's offset */
			iter_span(it, d->arena_len);
			for (; it->k < d->nstrata; it->k++)
				if (it->strata_off)
					it->strata_off[it->k] = d->strata[it->k].id.off;
			it->done = true;
		}
		return false;
	}
	if (it->next < d->psu_base)
	{
		/* the log is written by design_psu only: it always decodes */
		iter_seg(it);
		if (!design_psu_decode(&it->c, &it->p, it->end, r))
			return false;
	}
	else
		*r = d->psu[it->next - d->psu_base];
	if (r->id.off == DESIGN_ID_SUCC)
	{
		it->prev_value++;
		if (it->na)
			design_key_put_uint(it->na + it->dst, it->prev_value);
		r->id.off = it->dst;
		it->dst += 9;
	}
	else
	{
		uint32_t	off = r->id.off;

		/* ids in the arena are in record order, strata ids between them */
		iter_span(it, off + r->id.len);
		r->id.off = it->dst - r->id.len;
		if (design_key_is_int(d->arena + off, r->id.len))
			it->prev_value = design_key_uint(d->arena + off);
	}
	it->next++;
	return true;
}

/* how many records the array of a log-mode design holds before they move to the log */
#define LOG_CHUNK 4096

/* the first log segment holds a chunk of the largest records; at most 8 MB */
#define LOG_SEG_FIRST ((size_t) 512 * 1024)
#define LOG_SEG_MAX ((size_t) 8 * 1024 * 1024)

static int cmp_id(const Design *d, IdRef x, IdRef y);

/* whether PSU record y may follow x in canonical order (strata ranked by index) */
static inline bool
psu_follows(const Design *d, const PsuRec *x, const PsuRec *y)
{
	return x->stratum < y->stratum ||
		(x->stratum == y->stratum && cmp_id(d, x->id, y->id) < 0);
}

/* move the records of the array to the log */
static void
log_flush(Design *d)
{
	uint32_t	live = d->npsu - d->psu_base,
				i;

	if (d->log_tail == NULL || d->log_tail->cap - d->log_tail->len < (size_t) live * DESIGN_PSU_MAX_BYTES)
	{
		size_t		ncap = d->log_tail ? d->log_tail->cap * 2 : LOG_SEG_FIRST;
		DesignLogSeg *seg;

		if (ncap > LOG_SEG_MAX)
			ncap = LOG_SEG_MAX;
		while (ncap < (size_t) live * DESIGN_PSU_MAX_BYTES)
			ncap *= 2;

		/*
		 * The log as a whole stays within the host's limit: past it, ask
		 * for all of it at once, which the host's allocator refuses with
		 * its error (guard_core.h); were it granted, it is freed again.
		 */
		if (!core_within_limit(d->log_cap + ncap + sizeof(DesignLogSeg)))
			d->realloc_fn(d->alloc_ctx,
						  d->realloc_fn(d->alloc_ctx, NULL, d->log_cap + ncap + sizeof(DesignLogSeg)), 0);
		seg = d->realloc_fn(d->alloc_ctx, NULL, sizeof(DesignLogSeg) + ncap);
		seg->next = NULL;
		seg->len = 0;
		seg->cap = ncap;
		if (d->log_tail)
			d->log_tail->next = seg;
		else
			d->log = seg;
		d->log_tail = seg;
		d->log_cap += ncap;
	}
	if (d->log_len == 0)
	{
		design_psu_codec_start(&d->log_codec);
		d->log_codec.log = true;
	}
	for (i = 0; i < live; i++)
	{
		const PsuRec *r = &d->psu[i];

		if ((d->psu_base > 0 || i > 0) &&
			!psu_follows(d, i > 0 ? &d->psu[i - 1] : &d->log_last, r))
			d->log_unsorted = true;
		if (!d->log_denormal)
		{
			dd_t		a = dd_norm(r->a),
						b = dd_norm(r->b);

			d->log_denormal = !bits_equal(a.hi, r->a.hi) || !bits_equal(a.lo, r->a.lo) ||
				!bits_equal(b.hi, r->b.hi) || !bits_equal(b.lo, r->b.lo);
		}
	}

	/*
	 * Which ids are the successor of the previous record's, in the same
	 * stratum (no stratum id lies between them in the arena); not the last
	 * record's, which the next flush compares.  Those leave the arena: the
	 * other ids after log_mark (this chunk's, new strata's) move down.
	 */
	{
		uint8_t		succ[LOG_CHUNK];
		uint32_t	src = d->log_mark,
					dst = d->log_mark,
					k = d->log_mark_strata,
					at = d->log_mark;
		uint32_t	prev_stratum = d->psu_base > 0 ? d->log_last.stratum : UINT32_MAX;
		bool		ordered = live <= LOG_CHUNK && d->log_mark <= d->arena_len &&
			k <= d->nstrata;

		/*
		 * What the arena after log_mark holds: the ids of this chunk's
		 * records and of the strata since, each appended in turn.  Anything
		 * else (an arena rebuilt without a new mark) keeps every id.
		 */
		for (i = 0; i < live && ordered; i++)
		{
			ordered = d->psu[i].id.off >= at && d->psu[i].id.len <= d->arena_len - d->psu[i].id.off;
			at = d->psu[i].id.off + d->psu[i].id.len;
		}
		for (at = d->log_mark, i = k; i < d->nstrata && ordered; i++)
		{
			ordered = d->strata[i].id.off >= at;
			at = d->strata[i].id.off + d->strata[i].id.len;
		}
		for (i = 0; i < live; i++)
		{
			PsuRec	   *r = &d->psu[i];
			bool		is_int = design_key_is_int(d->arena + r->id.off, r->id.len);
			uint64_t	v = is_int ? design_key_uint(d->arena + r->id.off) : 0;

			if (i < LOG_CHUNK)
				succ[i] = ordered && is_int && d->log_prev_int && d->log_prev_value != UINT64_MAX &&
					v == d->log_prev_value + 1 && r->stratum == prev_stratum && i + 1 < live;
			d->log_prev_int = is_int;
			d->log_prev_value = v;
			prev_stratum = r->stratum;
		}
		for (i = 0; i <= live && ordered; i++)
		{
			uint32_t	to = i < live ? d->psu[i].id.off : d->arena_len;

			/* the bytes before the record's id (strata ids) */
			if (to > src)
			{
				memmove(d->arena + dst, d->arena + src, to - src);
				for (; k < d->nstrata && d->strata[k].id.off < to; k++)
					d->strata[k].id.off = d->strata[k].id.off - src + dst;
				dst += to - src;
				src = to;
			}
			if (i == live)
				break;
			src = to + d->psu[i].id.len;
			if (!succ[i])
			{
				memmove(d->arena + dst, d->arena + to, d->psu[i].id.len);
				d->psu[i].id.off = dst;
				dst += d->psu[i].id.len;
			}
		}
		if (ordered)
			d->arena_len = dst;
		d->log_mark = d->arena_len;
		d->log_mark_strata = d->nstrata;
		for (i = 0; i < live; i++)
		{
			d->log_codec.succ_next = ordered && succ[i];
		{
			size_t		n = design_psu_encode(&d->log_codec, &d->psu[i],
											  d->log_tail->data + d->log_tail->len);

			d->log_tail->len += n;
			d->log_len += n;
		}
			d->log_nsucc += d->log_codec.succ_next;
		}
		d->log_codec.succ_next = false;
	}
	if (live > 0)
		d->log_last = d->psu[live - 1];
	d->psu_base = d->npsu;
	d->last_psu = 0;
}

void
design_log_materialize(Design *d)
{
	PsuRec	   *all;
	DesignPsuIter it;
	uint32_t	i,
				tick = 0;
	uint32_t	alen;
	char	   *na;
	uint32_t   *soff;

	if (d->psu_base == 0)
		return;
	all = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) d->npsu + 1) * sizeof(PsuRec));
	alen = design_full_arena_len(d);
	na = d->realloc_fn(d->alloc_ctx, NULL, (size_t) alen + 1);
	soff = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) d->nstrata + 1) * sizeof(uint32_t));
	design_psu_iter(d, &it, na, soff);
	for (i = 0; design_psu_iter_next(&it, &all[i]); i++)
		core_poll(&tick);
	(void) design_psu_iter_next(&it, &all[0]);	/* the rest of the arena */
	for (i = 0; i < d->nstrata; i++)
		d->strata[i].id.off = soff[i];
	d->realloc_fn(d->alloc_ctx, soff, 0);
	d->realloc_fn(d->alloc_ctx, d->arena, 0);
	d->arena = na;
	d->arena_len = alen;
	d->cap_arena = alen + 1;
	if (d->psu)
		d->realloc_fn(d->alloc_ctx, d->psu, 0);
	while (d->log != NULL)
	{
		DesignLogSeg *next = d->log->next;

		d->realloc_fn(d->alloc_ctx, d->log, 0);
		d->log = next;
	}
	d->log_tail = NULL;
	d->psu = all;
	d->cap_psu = d->npsu + 1;
	d->log = NULL;
	d->log_len = d->log_cap = 0;
	d->psu_base = 0;
	d->log_unsorted = false;
	d->log_denormal = false;
	d->log_prev_int = false;
	d->log_nsucc = 0;
	d->log_mark = d->arena_len;
	d->log_mark_strata = d->nstrata;
	d->last_psu = 0;
}

static void compact_tracking(Design *d, uint32_t *track);

/* the parent and id of record i of a level: 0 strata, 1 PSUs, 2 SSUs */
static void
record_key(const Design *d, int level, uint32_t i, uint32_t *parent, IdRef *id)
{
	switch (level)
	{
		case 0:
			*parent = 0;
			*id = d->strata[i].id;
			break;
		case 1:
			*parent = d->psu[i].stratum;
			*id = d->psu[i].id;
			break;
		default:
			*parent = d->ssu[i].psu;
			*id = d->ssu[i].id;
			break;
	}
}

/*
 * The lookup tables: open addressing with linear probing, load below 1/2.
 * A slot keeps the key's 32-bit hash beside the record index, so a probe
 * touches a record (and its identifier bytes) only when the hashes agree.
 */
#define SLOT(hash, index) (((uint64_t) (hash) << 32) | ((uint64_t) (index) + 1))
#define SLOT_INDEX(slot) ((uint32_t) ((slot) & 0xFFFFFFFFu) - 1)
#define SLOT_HASH(slot) ((uint32_t) ((slot) >> 32))

/* (re)build the table of a level for its first count records */
static void
hash_build(Design *d, int level, uint64_t **table, uint32_t *hcap, uint32_t count)
{
	uint32_t	ncap = 64,
				mask,
				i;

	while (ncap < 2 * count + 2)
		ncap *= 2;
	if (*table)
		d->realloc_fn(d->alloc_ctx, *table, 0);
	*table = d->realloc_fn(d->alloc_ctx, NULL, (size_t) ncap * sizeof(uint64_t));
	*hcap = ncap;
	memset(*table, 0, (size_t) ncap * sizeof(uint64_t));
	mask = ncap - 1;
	for (i = 0; i < count; i++)
	{
		uint32_t	parent,
					h,
					slot;
		IdRef		id;

		if ((i & (CORE_POLL_EVERY - 1)) == 0)
			core_check_interrupts();
		record_key(d, level, i, &parent, &id);
		h = hash_key(parent, d->arena + id.off, id.len);
		slot = h & mask;
		while ((*table)[slot] != 0)
			slot = (slot + 1) & mask;
		(*table)[slot] = SLOT(h, i);
	}
}

/* double a table: the slots move by their stored hashes, no record is read */
static void
hash_grow(Design *d, uint64_t **table, uint32_t *hcap)
{
	uint32_t	ncap = *hcap * 2,
				mask = ncap - 1,
				i;
	uint64_t   *old = *table;
	uint64_t   *nt = d->realloc_fn(d->alloc_ctx, NULL, (size_t) ncap * sizeof(uint64_t));

	memset(nt, 0, (size_t) ncap * sizeof(uint64_t));
	for (i = 0; i < *hcap; i++)
	{
		uint32_t	slot;

		if (old[i] == 0)
			continue;
		slot = SLOT_HASH(old[i]) & mask;
		while (nt[slot] != 0)
			slot = (slot + 1) & mask;
		nt[slot] = old[i];
	}
	d->realloc_fn(d->alloc_ctx, old, 0);
	*table = nt;
	*hcap = ncap;
}

/*
 * Find a record of a level by (parent, key): its index, or UINT32_MAX with
 * *h the key's hash and *at the empty slot where it would go.
 */
static uint32_t
hash_probe(const Design *d, int level, const uint64_t *table, uint32_t hcap,
		   uint32_t parent, const char *key, uint32_t len, uint32_t *h, uint32_t *at)
{
	uint32_t	mask = hcap - 1,
				slot;

	*h = hash_key(parent, key, len);
	slot = *h & mask;
	while (table[slot] != 0)
	{
		if (SLOT_HASH(table[slot]) == *h)
		{
			uint32_t	i = SLOT_INDEX(table[slot]);
			uint32_t	p;
			IdRef		id;

			record_key(d, level, i, &p, &id);
			if (p == parent && id_equal(d, id, key, len))
				return i;
		}
		slot = (slot + 1) & mask;
	}
	*at = slot;
	return UINT32_MAX;
}

/*
 * Find or create the record (parent, key) of a level with count records:
 * returns its index; *created when it is new (index count, which the
 * caller then appends).
 */
static uint32_t
find_or_add(Design *d, int level, uint64_t **table, uint32_t *hcap, uint32_t count,
			uint32_t parent, const char *key, uint32_t len, bool *created)
{
	uint32_t	h,
				at,
				i;

	if (d->stale_index)
		design_reindex(d);
	if (*hcap == 0)
		hash_build(d, level, table, hcap, count);
	i = hash_probe(d, level, *table, *hcap, parent, key, len, &h, &at);
	*created = (i == UINT32_MAX);
	if (!*created)
		return i;
	if (*hcap < 2 * (count + 1) + 2)
	{
		/* grow: move the slots by their stored hashes, then find the new slot */
		hash_grow(d, table, hcap);
		(void) hash_probe(d, level, *table, *hcap, parent, key, len, &h, &at);
	}
	(*table)[at] = SLOT(h, count);
	return count;
}

uint32_t
design_stratum(Design *d, const char *key, uint32_t len, bool *created)
{
	uint32_t	i;
	StratumRec *s;

	if (d->last_stratum != 0 && !d->stale_index &&
		id_equal(d, d->strata[d->last_stratum - 1].id, key, len))
	{
		*created = false;
		return d->last_stratum - 1;
	}
	i = find_or_add(d, 0, &d->hash_s, &d->hcap_s, d->nstrata, 0, key, len, created);
	if (*created)
	{
		d->canonical = false;
		d->strata = grow(d, d->strata, &d->cap_strata, d->nstrata + 1, sizeof(StratumRec));
		s = &d->strata[d->nstrata++];
		memset(s, 0, sizeof(*s));
		s->id = arena_add(d, key, len);
	}
	d->last_stratum = i + 1;
	return i;
}

uint32_t
design_psu(Design *d, uint32_t stratum, const char *key, uint32_t len, bool *created)
{
	uint32_t	i;
	PsuRec	   *p;

	/* rows usually arrive PSU by PSU: try the previous row's PSU first */
	if (d->last_psu != 0 && !d->stale_index)
	{
		p = &d->psu[d->last_psu - 1 - d->psu_base];
		if (p->stratum == stratum && id_equal(d, p->id, key, len))
		{
			*created = false;
			return d->last_psu - 1;
		}
	}
	if (d->log_mode && d->npsu >= 2 * (uint64_t) d->npsu_compact + 65536)
		compact_tracking(d, &stratum);	/* strata move too; may end log mode */
	if (d->log_mode)
	{
		/* the array holds LOG_CHUNK records at most: the others go to the log */
		if (d->npsu - d->psu_base >= LOG_CHUNK)
			log_flush(d);
		i = d->npsu;
		*created = true;
	}
	else
		i = find_or_add(d, 1, &d->hash_p, &d->hcap_p, d->npsu, stratum, key, len, created);
	if (*created)
	{
		d->canonical = false;
		d->psu = grow(d, d->psu, &d->cap_psu, d->npsu - d->psu_base + 1, sizeof(PsuRec));
		p = &d->psu[d->npsu++ - d->psu_base];
		memset(p, 0, sizeof(*p));
		p->stratum = stratum;
		p->id = arena_add(d, key, len);
	}
	d->last_psu = i + 1;
	return i;
}

uint32_t
design_ssu(Design *d, uint32_t psu, const char *key, uint32_t len, bool *created)
{
	uint32_t	i;
	SsuRec	   *q;

	if (d->last_ssu != 0 && !d->stale_index)
	{
		q = &d->ssu[d->last_ssu - 1];
		if (q->psu == psu && id_equal(d, q->id, key, len))
		{
			*created = false;
			return d->last_ssu - 1;
		}
	}
	i = find_or_add(d, 2, &d->hash_q, &d->hcap_q, d->nssu, psu, key, len, created);
	if (*created)
	{
		d->canonical = false;
		d->ssu = grow(d, d->ssu, &d->cap_ssu, d->nssu + 1, sizeof(SsuRec));
		q = &d->ssu[d->nssu++];
		memset(q, 0, sizeof(*q));
		q->psu = psu;
		q->id = arena_add(d, key, len);
	}
	d->last_ssu = i + 1;
	return i;
}

void
design_add(Design *d, uint32_t p, uint32_t q, double y, double w)
{
	PsuRec	   *r = &d->psu[p - d->psu_base];
	dd_t		wy = (y == 1.0) ? dd_make(w, 0.0) : (y == 0.0 ? dd_make(0.0, 0.0) : dd_two_prod(w, y));

	r->n_dom++;
	if (w > 0)
		r->n_pos++;
	dd_acc_dd(&r->a, wy);
	dd_acc(&r->b, w);
	if (q != UINT32_MAX)
	{
		SsuRec	   *s = &d->ssu[q];

		s->n_dom++;
		dd_acc_dd(&s->a, wy);
		dd_acc(&s->b, w);
	}
}

const char *
design_merge(Design *a, const Design *b, uint32_t *where)
{
	uint32_t   *map_s = NULL,
			   *map_p = NULL;
	uint32_t	i,
				tick = 0;
	bool		created;
	const char *problem = NULL;

	if (design_has_sums(b->kind))
		return stratified_merge(a, b, where);
	/* PSU records in a log (one-stage accumulations) come back to the arrays */
	design_log_materialize(a);
	design_log_materialize((Design *) b);
	a->log_mark = a->arena_len;
	a->log_mark_strata = a->nstrata;
	if (a->nstrata == 0 && a->npsu == 0 && a->nssu == 0)
	{
		/* into an empty design: copy the records, index them when needed */
		a->strata = grow(a, a->strata, &a->cap_strata, b->nstrata, sizeof(StratumRec));
		a->psu = grow(a, a->psu, &a->cap_psu, b->npsu, sizeof(PsuRec));
		a->ssu = grow(a, a->ssu, &a->cap_ssu, b->nssu, sizeof(SsuRec));
		a->arena = grow(a, a->arena, &a->cap_arena, b->arena_len, 1);
		if (b->nstrata)
			memcpy(a->strata, b->strata, b->nstrata * sizeof(StratumRec));
		if (b->npsu)
			memcpy(a->psu, b->psu, (size_t) b->npsu * sizeof(PsuRec));
		if (b->nssu)
			memcpy(a->ssu, b->ssu, (size_t) b->nssu * sizeof(SsuRec));
		if (b->arena_len)
			memcpy(a->arena, b->arena, b->arena_len);
		a->nstrata = b->nstrata;
		a->npsu = b->npsu;
		a->nssu = b->nssu;
		a->arena_len = b->arena_len;
		a->canonical = false;
		a->stale_index = true;
		a->last_stratum = a->last_psu = a->last_ssu = 0;
		return NULL;
	}
	if (b->nstrata > 0)
		map_s = a->realloc_fn(a->alloc_ctx, NULL, b->nstrata * sizeof(uint32_t));
	if (b->npsu > 0)
		map_p = a->realloc_fn(a->alloc_ctx, NULL, b->npsu * sizeof(uint32_t));
	a->last_stratum = a->last_psu = a->last_ssu = 0;
	for (i = 0; i < b->nstrata && problem == NULL; i++)
	{
		const StratumRec *s = &b->strata[i];
		uint32_t	j = design_stratum(a, b->arena + s->id.off, s->id.len, &created);

		core_poll(&tick);
		if (created)
		{
			a->strata[j].n_psu = s->n_psu;
			a->strata[j].popsize = s->popsize;
		}
		else if (a->strata[j].n_psu != s->n_psu || a->strata[j].popsize != s->popsize)
		{
			problem = "A stratum has different PSU counts or population sizes in the two tallies.";
			*where = i;
		}
		map_s[i] = j;
	}
	for (i = 0; i < b->npsu && problem == NULL; i++)
	{
		const PsuRec *p = &b->psu[i];
		uint32_t	j = design_psu(a, map_s[p->stratum], b->arena + p->id.off, p->id.len, &created);
		PsuRec	   *r = &a->psu[j];

		core_poll(&tick);
		if (created)
		{
			r->n_ssu = p->n_ssu;
			r->popsize2 = p->popsize2;
		}
		else if (r->n_ssu != p->n_ssu || r->popsize2 != p->popsize2)
		{
			problem = "A PSU has different SSU counts or population sizes in the two tallies.";
			*where = p->stratum;
		}
		r->n_dom = tally_count_add(r->n_dom, p->n_dom);
		r->n_pos = tally_count_add(r->n_pos, p->n_pos);
		r->a = dd_add(r->a, p->a);
		r->b = dd_add(r->b, p->b);
		map_p[i] = j;
	}
	for (i = 0; i < b->nssu && problem == NULL; i++)
	{
		const SsuRec *q = &b->ssu[i];
		uint32_t	j = design_ssu(a, map_p[q->psu], b->arena + q->id.off, q->id.len, &created);
		SsuRec	   *r = &a->ssu[j];

		core_poll(&tick);
		r->n_dom = tally_count_add(r->n_dom, q->n_dom);
		r->a = dd_add(r->a, q->a);
		r->b = dd_add(r->b, q->b);
	}
	if (map_s)
		a->realloc_fn(a->alloc_ctx, map_s, 0);
	if (map_p)
		a->realloc_fn(a->alloc_ctx, map_p, 0);
	a->last_stratum = a->last_psu = a->last_ssu = 0;
	return problem;
}

/* ---- canonical order ------------------------------------------------- */

static int
cmp_id(const Design *d, IdRef x, IdRef y)
{
	uint32_t	n = x.len < y.len ? x.len : y.len;
	int			c;

	if (x.len == 9 && y.len == 9)
	{
		const unsigned char *a = (const unsigned char *) d->arena + x.off;
		const unsigned char *b = (const unsigned char *) d->arena + y.off;
		uint64_t	u,
					v;

		if (a[0] != b[0])
			return a[0] < b[0] ? -1 : 1;
		u = load_be64((const char *) a + 1);
		v = load_be64((const char *) b + 1);
		return u < v ? -1 : (u > v ? 1 : 0);
	}
	c = memcmp(d->arena + x.off, d->arena + y.off, n);

	if (c != 0)
		return c;
	return x.len < y.len ? -1 : (x.len > y.len ? 1 : 0);
}

/* what the comparisons of design_sort need: the design and the parents' new ranks */
typedef struct SortArg
{
	const Design *d;
	const uint32_t *rank;
} SortArg;

static int
cmp_stratum(uint32_t a, uint32_t b, const void *arg)
{
	const Design *d = ((const SortArg *) arg)->d;

	return cmp_id(d, d->strata[a].id, d->strata[b].id);
}

/* PSUs and SSUs compare by the new rank of their parent, then by id */
static int
cmp_psu(uint32_t a, uint32_t b, const void *arg)
{
	const SortArg *s = arg;
	const PsuRec *x = &s->d->psu[a];
	const PsuRec *y = &s->d->psu[b];

	if (s->rank[x->stratum] != s->rank[y->stratum])
		return s->rank[x->stratum] < s->rank[y->stratum] ? -1 : 1;
	return cmp_id(s->d, x->id, y->id);
}

static int
cmp_ssu(uint32_t a, uint32_t b, const void *arg)
{
	const SortArg *s = arg;
	const SsuRec *x = &s->d->ssu[a];
	const SsuRec *y = &s->d->ssu[b];

	if (s->rank[x->psu] != s->rank[y->psu])
		return s->rank[x->psu] < s->rank[y->psu] ? -1 : 1;
	return cmp_id(s->d, x->id, y->id);
}

static uint32_t *
identity_perm(Design *d, uint32_t n)
{
	uint32_t   *perm = d->realloc_fn(d->alloc_ctx, NULL, (n ? n : 1) * sizeof(uint32_t));
	uint32_t	i;

	for (i = 0; i < n; i++)
		perm[i] = i;
	return perm;
}

/* copy id bytes into a new arena in the new order */
static IdRef
rearena(char *arena, uint32_t *len, const Design *d, IdRef id)
{
	IdRef		r;

	memcpy(arena + *len, d->arena + id.off, id.len);
	r.off = *len;
	r.len = id.len;
	*len += id.len;
	return r;
}

/* the integer value of an identifier 'i' + 8 bytes big-endian, as memcmp orders it */
static inline uint64_t
id_uint(const Design *d, IdRef id)
{
	const unsigned char *b = (const unsigned char *) d->arena + id.off + 1;
	uint64_t	v = 0;
	int			k;

	for (k = 0; k < 8; k++)
		v = (v << 8) | b[k];
	return v;
}

/*
 * Order the PSUs (level 1) or SSUs (level 2) of d into perm: by the new
 * rank of the parent (arg->rank), then by id.  Input already in order
 * costs one pass; integer identifiers (the usual case: address or row
 * numbers) are radix sorted; others are merge sorted.
 */
static void
sort_level(Design *d, int level, uint32_t *perm, uint32_t n, const SortArg *arg,
		   uint32_t *work)
{
	CoreIndexCmp cmp = level == 1 ? cmp_psu : cmp_ssu;
	bool		sorted = true,
				integers = true;
	uint32_t	i,
				tick = 0;

	for (i = 0; i < n; i++)
	{
		IdRef		id = level == 1 ? d->psu[i].id : d->ssu[i].id;

		if (id.len != 9 || d->arena[id.off] != 'i')
			integers = false;
		if (i > 0 && sorted && cmp(i - 1, i, arg) > 0)
			sorted = false;
		core_poll(&tick);
	}
	if (sorted)
		return;					/* perm is the identity */
	if (integers && n >= 4096)
	{
		CoreSortKey *keys = d->realloc_fn(d->alloc_ctx, NULL, (size_t) n * sizeof(CoreSortKey));
		CoreSortKey *tmp = d->realloc_fn(d->alloc_ctx, NULL, (size_t) n * sizeof(CoreSortKey));
		size_t	   *counts = d->realloc_fn(d->alloc_ctx, NULL, 65536 * sizeof(size_t));

		for (i = 0; i < n; i++)
		{
			uint32_t	parent = level == 1 ? d->psu[i].stratum : d->ssu[i].psu;

			keys[i].lo = id_uint(d, level == 1 ? d->psu[i].id : d->ssu[i].id);
			keys[i].hi = arg->rank[parent];
			keys[i].idx = i;
		}
		core_radix_sort(keys, n, tmp, counts);
		for (i = 0; i < n; i++)
			perm[i] = keys[i].idx;
		d->realloc_fn(d->alloc_ctx, keys, 0);
		d->realloc_fn(d->alloc_ctx, tmp, 0);
		d->realloc_fn(d->alloc_ctx, counts, 0);
		return;
	}
	core_sort_index(perm, n, cmp, arg, work);
}

/* design_write_sorted; *track (if given), an old stratum index, becomes its new one */
static void
write_sorted(const Design *d, StratumRec *ns, PsuRec *np, SsuRec *nq, char *na,
			 uint32_t *track)
{
	Design	   *dm = (Design *) d;	/* for the allocator only */
	uint32_t   *ps = identity_perm(dm, d->nstrata);
	uint32_t   *pp = identity_perm(dm, d->npsu);
	uint32_t   *pq = identity_perm(dm, d->nssu);
	uint32_t   *rank_s = identity_perm(dm, d->nstrata);
	uint32_t   *rank_p = identity_perm(dm, d->npsu);
	uint32_t   *work = identity_perm(dm, Max3(d->nstrata, d->npsu, d->nssu));
	uint32_t	alen = 0,
				i,
				tick = 0;
	SortArg		arg = {d, NULL};

	core_sort_index(ps, d->nstrata, cmp_stratum, &arg, work);
	for (i = 0; i < d->nstrata; i++)
		rank_s[ps[i]] = i;
	if (track && *track < d->nstrata)
		*track = rank_s[*track];
	arg.rank = rank_s;
	sort_level(dm, 1, pp, d->npsu, &arg, work);
	for (i = 0; i < d->npsu; i++)
		rank_p[pp[i]] = i;
	arg.rank = rank_p;
	sort_level(dm, 2, pq, d->nssu, &arg, work);

	/* records are copied whole, so their padding stays zero */
	for (i = 0; i < d->nstrata; i++)
	{
		memcpy(&ns[i], &d->strata[ps[i]], sizeof(StratumRec));
		ns[i].id = rearena(na, &alen, d, ns[i].id);
	}
	for (i = 0; i < d->npsu; i++)
	{
		memcpy(&np[i], &d->psu[pp[i]], sizeof(PsuRec));
		np[i].stratum = rank_s[np[i].stratum];
		np[i].id = rearena(na, &alen, d, np[i].id);
		core_poll(&tick);
	}
	for (i = 0; i < d->nssu; i++)
	{
		memcpy(&nq[i], &d->ssu[pq[i]], sizeof(SsuRec));
		nq[i].psu = rank_p[nq[i].psu];
		nq[i].id = rearena(na, &alen, d, nq[i].id);
		core_poll(&tick);
	}
	d->realloc_fn(d->alloc_ctx, ps, 0);
	d->realloc_fn(d->alloc_ctx, pp, 0);
	d->realloc_fn(d->alloc_ctx, pq, 0);
	d->realloc_fn(d->alloc_ctx, rank_s, 0);
	d->realloc_fn(d->alloc_ctx, rank_p, 0);
	d->realloc_fn(d->alloc_ctx, work, 0);
}

void
design_write_sorted(const Design *d, StratumRec *ns, PsuRec *np, SsuRec *nq, char *na)
{
	write_sorted(d, ns, np, nq, na, NULL);
}

static void
sort_tracking(Design *d, uint32_t *track)
{
	StratumRec *ns = d->realloc_fn(d->alloc_ctx, NULL, (d->nstrata + 1) * sizeof(StratumRec));
	PsuRec	   *np = d->realloc_fn(d->alloc_ctx, NULL, (d->npsu + 1) * sizeof(PsuRec));
	SsuRec	   *nq = d->realloc_fn(d->alloc_ctx, NULL, (d->nssu + 1) * sizeof(SsuRec));
	char	   *na = d->realloc_fn(d->alloc_ctx, NULL, d->arena_len + 1);

	write_sorted(d, ns, np, nq, na, track);
	if (d->strata)
		d->realloc_fn(d->alloc_ctx, d->strata, 0);
	if (d->psu)
		d->realloc_fn(d->alloc_ctx, d->psu, 0);
	if (d->ssu)
		d->realloc_fn(d->alloc_ctx, d->ssu, 0);
	if (d->arena)
		d->realloc_fn(d->alloc_ctx, d->arena, 0);
	d->strata = ns;
	d->psu = np;
	d->ssu = nq;
	d->arena = na;
	d->cap_strata = d->nstrata + 1;
	d->cap_psu = d->npsu + 1;
	d->cap_ssu = d->nssu + 1;
	d->cap_arena = d->arena_len + 1;
	d->stale_index = true;
	d->last_stratum = d->last_psu = d->last_ssu = 0;
	d->log_mark = d->arena_len;
	d->log_mark_strata = d->nstrata;
}

/*
 * Sort the design into canonical order and combine PSU records of the
 * same (stratum, id): the log of a one-stage accumulation becomes a set.
 * One-stage records carry no SSU counts, so there is nothing to disagree.
 */
void
design_sort(Design *d)
{
	sort_tracking(d, NULL);
}

static void
compact_tracking(Design *d, uint32_t *track)
{
	uint32_t	i,
				j,
				alen = 0,
				tick = 0;
	IdRef		prev = {0, 0};
	char	   *na;

	if (d->nssu != 0)
		return;					/* two-stage designs are always a set */
	/*
	 * Rows that arrived PSU by PSU in id order (a sorted table, or one PSU
	 * per row in row order) leave the log in canonical order already: then
	 * only the new records are compared, and nothing moves.
	 */
	if (d->canonical && d->npsu_compact == d->npsu)
		return;
	{
		bool		sorted = !d->log_unsorted;
		uint32_t	start = d->npsu_compact > d->psu_base ? d->npsu_compact : d->psu_base;

		for (i = 1; i < d->nstrata && sorted; i++)
			sorted = cmp_id(d, d->strata[i - 1].id, d->strata[i].id) < 0;
		/* the log was checked as it was written (log_flush) */
		for (i = start > 0 ? start : 1; i < d->npsu && sorted; i++)
		{
			const PsuRec *x = i - 1 < d->psu_base ? &d->log_last : &d->psu[i - 1 - d->psu_base],
					   *y = &d->psu[i - d->psu_base];

			sorted = psu_follows(d, x, y);
			core_poll(&tick);
		}
		if (sorted)
		{
			d->npsu_compact = d->npsu;
			d->canonical = true;
			return;
		}
	}
	design_log_materialize(d);
	sort_tracking(d, track);
	na = d->realloc_fn(d->alloc_ctx, NULL, d->arena_len + 1);
	for (i = 0; i < d->nstrata; i++)
		d->strata[i].id = rearena(na, &alen, d, d->strata[i].id);
	for (i = 0, j = 0; i < d->npsu; i++)
	{
		PsuRec	   *r = &d->psu[i];

		if (j > 0 && d->psu[j - 1].stratum == r->stratum &&
			id_equal(d, prev, d->arena + r->id.off, r->id.len))
		{
			PsuRec	   *t = &d->psu[j - 1];

			t->n_dom = tally_count_add(t->n_dom, r->n_dom);
			t->n_pos = tally_count_add(t->n_pos, r->n_pos);
			t->a = dd_add(t->a, r->a);
			t->b = dd_add(t->b, r->b);
		}
		else
		{
			prev = r->id;
			if (j != i)
				memcpy(&d->psu[j], r, sizeof(PsuRec));
			d->psu[j].id = rearena(na, &alen, d, prev);
			j++;
		}
		core_poll(&tick);
	}
	d->realloc_fn(d->alloc_ctx, d->arena, 0);
	d->arena = na;
	d->cap_arena = d->arena_len + 1;
	d->arena_len = alen;
	d->log_mark = alen;
	d->log_mark_strata = d->nstrata;
	d->npsu = j;
	d->npsu_compact = j;
	d->canonical = true;
	d->stale_index = true;
	/*
	 * Rows in no particular PSU order: from here on, look PSUs up (the
	 * records are a set now) rather than sort the log again and again.
	 */
	d->log_mode = false;
	d->last_stratum = d->last_psu = d->last_ssu = 0;
}

void
design_compact(Design *d)
{
	compact_tracking(d, NULL);
}

void
design_reindex(Design *d)
{
	d->stale_index = false;
	d->last_stratum = d->last_psu = d->last_ssu = 0;
	if (d->nstrata)
		hash_build(d, 0, &d->hash_s, &d->hcap_s, d->nstrata);
	if (d->npsu && !d->log_mode)
		hash_build(d, 1, &d->hash_p, &d->hcap_p, d->npsu);
	if (d->nssu)
		hash_build(d, 2, &d->hash_q, &d->hcap_q, d->nssu);
}

/* ---- consistency of a stored design ---------------------------------- */

static bool
dd_ok(dd_t x)
{
	return isfinite(x.hi) && isfinite(x.lo) && x.hi + x.lo == x.hi;
}

static bool
id_ok(const Design *d, IdRef id)
{
	return id.len >= 1 && id.off <= d->arena_len && id.len <= d->arena_len - id.off &&
		(d->arena[id.off] == 'i' ? id.len == 9 : d->arena[id.off] == 't');
}

const char *
design_check(const Design *d, const TallyCore *core)
{
	return design_check_iter(d, core, NULL, NULL);
}

const char *
design_check_iter(const Design *d, const TallyCore *core, DesignPsuNext next, void *arg)
{
	PsuRec		buf[2];
	const PsuRec *prev = &buf[1];
	uint32_t	i,
				tick = 0;
	uint64_t	prev_value = 0;
	bool		succ;
	int64_t		n_dom = 0,
				n_pos = 0,
				in_stratum = 0;
	double		wsum = 0;

	if (design_kind_name(d->kind) == NULL)
		return "The design kind is not known.";
	if (design_lonely_name(d->lonely) == NULL)
		return "The lonely PSU policy is not known.";
	if (d->kind == DESIGN_WEIGHTS_DOMAIN)
	{
		if (d->nstrata || d->npsu || d->nssu || d->arena_len)
			return "A weights-only design has no strata or PSUs.";
		if (d->lonely != LONELY_FAIL)
			return "A weights-only design has no lonely PSU policy.";
		if (d->n_sample < core->n + core->n_missing)
			return "The sample has fewer rows than the tally.";
		return NULL;
	}
	if (design_has_sums(d->kind))
		return stratified_check(d, core);
	if (d->kind != DESIGN_CLUSTER && d->kind != DESIGN_CLUSTER2)
		return "This design kind has no strata.";
	if (d->n_sample != 0)
		return "A clustered design has no sample row count.";
	if (d->kind == DESIGN_CLUSTER && d->nssu != 0)
		return "A one-stage design has no SSUs.";
	for (i = 0; i < d->nstrata; i++)
	{
		const StratumRec *s = &d->strata[i];

		if (!id_ok(d, s->id))
			return "A stratum identifier is malformed.";
		if (s->n_psu < 1 || !isfinite(s->popsize) || s->popsize < 0 ||
			(s->popsize > 0 && s->popsize < (double) s->n_psu))
			return "A stratum's PSU count or population size is out of range.";
		if (i > 0 && cmp_id(d, d->strata[i - 1].id, s->id) >= 0)
			return "Strata are not in canonical order or repeat.";
		core_poll(&tick);
	}
	if (next != NULL && d->kind == DESIGN_CLUSTER2)
		return "A two-stage design is checked with its PSU records at hand.";
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < d->npsu; i++)
	{
		const PsuRec *p;

		/* records from next alternate between two buffers: prev stays */
		if (next == NULL)
			p = &d->psu[i];
		else if (next(arg, &buf[i & 1]))
			p = &buf[i & 1];
		else
			return "The PSU records are malformed.";
		/* nothing is allocated here: the host may stop us (guard_core.h) */
		core_poll(&tick);
		succ = p->id.off == DESIGN_ID_SUCC;
		if (p->stratum >= d->nstrata || (succ ? next == NULL : !id_ok(d, p->id)))
			return "A PSU refers to a missing stratum or has a malformed identifier.";
		if (i > 0)
		{
			const PsuRec *q = prev;
			int			c;

			/*
			 * A successor id (a stored tally's records, decoded one at a
			 * time: the host has checked that it follows an integer id in
			 * the same stratum) is the previous id plus one; after one,
			 * the next id is compared with its value.
			 */
			if (q->stratum != p->stratum)
				c = q->stratum < p->stratum ? -1 : 1;
			else if (succ)
				c = -1;
			else if (q->id.off != DESIGN_ID_SUCC)
				c = cmp_id(d, q->id, p->id);
			else if (design_key_is_int(d->arena + p->id.off, p->id.len))
			{
				uint64_t	v = design_key_uint(d->arena + p->id.off);

				c = prev_value < v ? -1 : (prev_value > v ? 1 : 0);
			}
			else
				c = (unsigned char) 'i' < (unsigned char) d->arena[p->id.off] ? -1 : 1;
			if (c >= 0)
				return "PSUs are not in canonical order or repeat.";
		}
		if (succ)
			prev_value++;
		else if (design_key_is_int(d->arena + p->id.off, p->id.len))
			prev_value = design_key_uint(d->arena + p->id.off);
		/* PSUs of a stratum are adjacent (checked above): count them as we go */
		in_stratum = (i > 0 && prev->stratum == p->stratum) ? in_stratum + 1 : 1;
		if (in_stratum > d->strata[p->stratum].n_psu)
			return "A stratum has more PSUs than its PSU count.";
		if (p->n_dom < 1 || p->n_pos < 0 || p->n_pos > p->n_dom || p->n_dom > core->n)
			return "A PSU's row counts are out of range.";
		/* a ratio's b is sum w x: 0 also where every x is 0 */
		if (!dd_ok(p->a) || !dd_ok(p->b) || p->b.hi < 0 ||
			(core->kind == TALLY_RATIO ? (p->n_pos == 0 && p->b.hi != 0) : (p->n_pos == 0) != (p->b.hi == 0)))
			return "A PSU's sums are malformed.";
		if (d->kind == DESIGN_CLUSTER2)
		{
			if (p->n_ssu < 1 || !isfinite(p->popsize2) || p->popsize2 < (double) p->n_ssu)
				return "A PSU's SSU count or population size is out of range.";
			if (d->strata[p->stratum].popsize <= 0)
				return "A two-stage design needs the first-stage population size.";
		}
		else if (p->n_ssu != 0 || p->popsize2 != 0 || signbit(p->popsize2))
			return "A one-stage design has no SSU counts (n_ssu and popsize2 are 0).";
		n_dom = tally_count_add(n_dom, p->n_dom);
		n_pos = tally_count_add(n_pos, p->n_pos);
		wsum += p->b.hi;
		prev = p;
		core_poll(&tick);
	}
	if (n_dom != core->n || n_pos != core->n_pos)
		return "The PSUs' row counts do not add up to the tally's.";
	if (fabs(wsum - core->s[S_W].hi) > 1e-9 * fmax(1.0, core->s[S_W].hi))
		return "The PSUs' weights do not add up to the tally's.";
	for (i = 0; i < d->nssu; i++)
	{
		const SsuRec *q = &d->ssu[i];

		core_poll(&tick);
		if (q->psu >= d->npsu || !id_ok(d, q->id) || q->n_dom < 1 || q->n_dom > core->n ||
			!dd_ok(q->a) || !dd_ok(q->b) || q->b.hi < 0)
			return "An SSU is malformed.";
		if (i > 0)
		{
			const SsuRec *r = &d->ssu[i - 1];
			int			c;

			c = r->psu != q->psu ? (r->psu < q->psu ? -1 : 1) : cmp_id(d, r->id, q->id);
			if (c >= 0)
				return "SSUs are not in canonical order or repeat.";
		}
		core_poll(&tick);
	}
	if (d->kind == DESIGN_CLUSTER2)
	{
		/* every PSU's SSUs add up to it and stay within its SSU count */
		uint32_t	j = 0;

		for (i = 0; i < d->npsu; i++)
		{
			int64_t		rows = 0,
						count = 0;

			while (j < d->nssu && d->ssu[j].psu == i)
			{
				rows = tally_count_add(rows, d->ssu[j].n_dom);
				count++;
				j++;
			}
			if (rows != d->psu[i].n_dom || count > d->psu[i].n_ssu)
				return "A PSU's SSUs do not add up to it.";
		}
	}
	return NULL;
}

/* ---- variance ---------------------------------------------------------- */

/* score total of a unit: (a - p b) / W */
static inline double
score(dd_t a, dd_t b, dd_t p, dd_t W)
{
	return dd_to_double(dd_div(dd_sub(a, dd_mul(p, b)), W));
}

/*
 * R svyrecvar -> multistage -> onestage -> onestrat on the domain's score
 * totals (var_core.c: every rule lives there), with the default options
 * (survey.ultimate.cluster = FALSE, survey.adjust.domain.lonely = FALSE):
 * stage 1 over the PSUs with domain rows, stage 2 (two-stage designs, fpc
 * given) over the SSUs of each such PSU.  PSUs of a stratum without domain
 * rows are absent and count as zero scores (zero padding).
 * df (R degf of the domain): PSUs with positive-weight domain rows minus
 * strata with such PSUs.  The weights-only domain is one stratum of
 * n_sample one-row PSUs.
 */
void
design_variance(const Design *d, const TallyCore *core, DesignVariance *out)
{
	dd_t		W = core->s[S_W];
	dd_t		p;

	if (design_has_sums(d->kind))
	{
		stratified_variance(d, core, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	out->variance = NAN;
	out->df = 0;
	if (core->n_pos == 0 || !(W.hi > 0))
	{
		out->status = DESIGN_UNDEFINED;
		return;
	}
	p = dd_div(core->s[S_WY], W);

	if (d->kind == DESIGN_WEIGHTS_DOMAIN)
	{
		double		N = (double) d->n_sample;
		dd_t		dev = dd_add(dd_sub(tally_sum(core, S_WWYY), dd_mul_d(dd_mul(p, core->s[S_WWY]), 2.0)),
								 dd_mul(dd_mul(p, p), core->s[S_WW]));

		out->df = core->n_pos > 1 ? (double) (core->n_pos - 1) : 0.0;
		if (N < 2)
		{
			out->status = DESIGN_UNDEFINED;
			return;
		}
		if (dev.hi < 0)
			dev = dd_from_double(0.0);
		out->variance = N / (N - 1) * dd_to_double(dd_div(dev, dd_mul(W, W)));
		return;
	}
	design_variance_scores(d, p, W, out);
}

/*
 * The same engine on the scores (a - p b) / W of the PSU and SSU sums (a =
 * sum w y, b = sum w): the mean's with p its estimate and W its weight
 * sum; a total's with p = 0 and W = 1 (total_core.c).  Clustered
 * designs only (one or two stages): weights-only domains and stratified
 * designs have their own sums.
 */
void
design_variance_scores(const Design *d, dd_t p, dd_t W,
					   DesignVariance *out)
{
	uint32_t	i;
	double		V = 0;
	int64_t		psus = 0,
				strata = 0;

	memset(out, 0, sizeof(*out));
	out->variance = NAN;
	out->df = 0;
	/* the PSUs (and SSUs) with domain rows and their score totals */
	{
		VarUnits	u;
		uint32_t   *stratum_of = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) d->npsu + 1) * sizeof(uint32_t));
		uint32_t   *index = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) d->npsu + 1) * sizeof(uint32_t));
		double	   *z = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) d->npsu + d->nssu + 1) * sizeof(double));
		int64_t    *n_sub = NULL;
		double	   *N_sub = NULL,
				   *zs = NULL;
		uint32_t   *unit_of = NULL,
				   *has = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) d->nstrata + 1) * sizeof(uint32_t));
		uint32_t	m = 0,
					q = 0;

		memset(&u, 0, sizeof(u));
		memset(has, 0, ((size_t) d->nstrata + 1) * sizeof(uint32_t));
		for (i = 0; i < d->npsu; i++)
		{
			const PsuRec *r = &d->psu[i];

			if (r->n_pos > 0)
			{
				psus++;
				if (!has[r->stratum]++)
					strata++;
			}
			index[i] = UINT32_MAX;
			if (r->n_dom == 0)
				continue;
			index[i] = m;
			stratum_of[m] = r->stratum;
			z[m] = score(r->a, r->b, p, W);
			m++;
		}
		out->df = (double) (psus - strata);
		u.K = 1;
		u.lonely = d->lonely;
		u.nstrata = d->nstrata;
		u.strata = d->strata;
		u.nunits = m;
		u.stratum_of = stratum_of;
		u.z = z;
		if (d->kind == DESIGN_CLUSTER2)
		{
			n_sub = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) m + 1) * sizeof(int64_t));
			N_sub = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) m + 1) * sizeof(double));
			unit_of = d->realloc_fn(d->alloc_ctx, NULL, ((size_t) d->nssu + 1) * sizeof(uint32_t));
			zs = z + m;
			for (i = 0; i < d->npsu; i++)
				if (index[i] != UINT32_MAX)
				{
					n_sub[index[i]] = d->psu[i].n_ssu;
					N_sub[index[i]] = d->psu[i].popsize2;
				}
			for (i = 0; i < d->nssu; i++)
			{
				const SsuRec *r = &d->ssu[i];

				if (r->n_dom == 0 || index[r->psu] == UINT32_MAX)
					continue;
				unit_of[q] = index[r->psu];
				zs[q] = score(r->a, r->b, p, W);
				q++;
			}
			u.n_sub = n_sub;
			u.N_sub = N_sub;
			u.nsub = q;
			u.unit_of = unit_of;
			u.zs = zs;
		}
		{
			double		df = out->df;

			var_linearized(&u, &V, out, d->realloc_fn, d->alloc_ctx);
			out->df = df;
		}
		/* lonely units at stage 2 are reported by PSU index of the design */
		if (out->stage == 2)
			for (i = 0; i < (uint32_t) out->nlonely && i < DESIGN_MAX_REPORTED; i++)
			{
				uint32_t	k;

				for (k = 0; k < d->npsu; k++)
					if (index[k] == out->lonely[i])
					{
						out->lonely[i] = k;
						break;
					}
			}
		d->realloc_fn(d->alloc_ctx, stratum_of, 0);
		d->realloc_fn(d->alloc_ctx, index, 0);
		d->realloc_fn(d->alloc_ctx, z, 0);
		d->realloc_fn(d->alloc_ctx, has, 0);
		if (n_sub)
		{
			d->realloc_fn(d->alloc_ctx, n_sub, 0);
			d->realloc_fn(d->alloc_ctx, N_sub, 0);
			d->realloc_fn(d->alloc_ctx, unit_of, 0);
		}
	}
	out->variance = out->status == DESIGN_OK ? V : NAN;
}
