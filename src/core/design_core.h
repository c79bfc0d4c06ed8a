/*
 * design_core.h - the sample design behind a tally: strata, PSUs and SSUs
 * with their full-sample sizes and finite population corrections, the
 * PSU- and SSU-level sums of a domain, and the linearized variance of R
 * survey 4.1.1 (svyrecvar / multistage / onestage / onestrat).
 * Plain C, no PostgreSQL headers; memory comes from a caller's allocator.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_DESIGN_CORE_H
#define BAROMETER_DESIGN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dd.h"
#include "tally_core.h"

typedef enum DesignKind
{
	DESIGN_WEIGHTS = 0,			/* weights only; the tally's rows are the sample */
	DESIGN_WEIGHTS_DOMAIN = 1,	/* weights only; a domain of a sample of n_sample rows */
	DESIGN_CLUSTER = 2,			/* strata and PSUs, one stage (ultimate cluster) */
	DESIGN_CLUSTER2 = 3,		/* strata, PSUs and SSUs, fpc at both stages */
	DESIGN_REPLICATE = 4,		/* replicate weights */
	DESIGN_STRATIFIED = 5,		/* strata without clusters: per-stratum sums
								 * (stratified_core.h) */
	DESIGN_CLUSTER_SUMS = 6		/* strata and PSUs kept as per-stratum sums
								 * of the domain's PSU totals (cluster_sums.c) */
} DesignKind;

/* the kinds whose design is one StratSums record per stratum */
static inline bool
design_has_sums(int kind)
{
	return kind == DESIGN_STRATIFIED || kind == DESIGN_CLUSTER_SUMS;
}

typedef enum LonelyPolicy
{
	LONELY_FAIL = 0,
	LONELY_REMOVE = 1,
	LONELY_CERTAINTY = 2,
	LONELY_ADJUST = 3,
	LONELY_AVERAGE = 4
} LonelyPolicy;

#define LONELY_POLICY_NAMES "fail, remove, certainty, adjust, average"

/* an identifier's canonical bytes in the arena: a tag ('i' or 't') then data */
typedef struct IdRef
{
	uint32_t	off;
	uint32_t	len;
} IdRef;

typedef struct StratumRec
{
	IdRef		id;
	int64_t		n_psu;			/* PSUs of the stratum in the whole sample */
	double		popsize;		/* population count of PSUs; 0 = no fpc */
} StratumRec;

typedef struct PsuRec
{
	uint32_t	stratum;		/* index into strata */
	IdRef		id;
	int64_t		n_ssu;			/* SSUs of the PSU in the whole sample (2 stages) */
	double		popsize2;		/* population count of SSUs (2 stages) */
	int64_t		n_dom;			/* domain rows (non-missing y) */
	int64_t		n_pos;			/* domain rows with positive weight */
	dd_t		a;				/* sum w y over domain rows */
	dd_t		b;				/* sum w over domain rows */
} PsuRec;

typedef struct SsuRec
{
	uint32_t	psu;			/* index into psus */
	IdRef		id;
	int64_t		n_dom;
	dd_t		a;
	dd_t		b;
} SsuRec;

/*
 * DESIGN_STRATIFIED: the sums of a stratum's domain rows, one record per
 * stratum record (the same index; the StratumRec's n_psu is the stratum's
 * row count in the whole sample, every row being its own PSU).  96 bytes,
 * no padding.
 */
typedef struct StratSums
{
	int64_t		n_dom;			/* domain rows (non-missing y) */
	int64_t		n_pos;			/* domain rows with positive weight */
	dd_t		a;				/* sum w y */
	dd_t		b;				/* sum w */
	dd_t		ww;				/* sum w^2 */
	dd_t		wwy;			/* sum w^2 y */
	dd_t		wwyy;			/* sum w^2 y^2 */
} StratSums;

/*
 * The variable-length encoding of PSU records (the stored tally's versions
 * 3 and 4 and the log of a one-stage accumulation): each record relative to
 * the previous one (design_core.c: "PSU records").
 */
typedef struct DesignPsuCodec
{
	uint32_t	prev_stratum;
	uint32_t	prev_id_end;
	uint32_t	prev_id_len;
	bool		log;			/* the log, or a stored one-stage tally of
								 * version 4: PSU_ID_SUCC */
	bool		succ_next;		/* encode: the next record's id is a successor */
} DesignPsuCodec;

/*
 * The id of a record decoded with a codec of the log kind (the log of a
 * one-stage accumulation, the PSU records of a stored one-stage tally of
 * version 4) that is the successor of the previous record's integer id in
 * the same stratum: not in the arena (design_psu_iter builds it, a stored
 * tally's cursor gives its value).
 */
#define DESIGN_ID_SUCC UINT32_MAX

#define DESIGN_PSU_MAX_BYTES 77

/* an integer identifier's key, as memcmp orders it: 'i' then 8 bytes big-endian */
static inline bool
design_key_is_int(const char *key, uint32_t len)
{
	return len == 9 && key[0] == 'i';
}

static inline uint64_t
design_key_uint(const char *key)
{
	const unsigned char *b = (const unsigned char *) key + 1;
	uint64_t	v = 0;
	int			k;

	for (k = 0; k < 8; k++)
		v = (v << 8) | b[k];
	return v;
}

static inline void
design_key_put_uint(char *out, uint64_t v)
{
	int			k;

	out[0] = 'i';
	for (k = 0; k < 8; k++)
		out[1 + k] = (char) (unsigned char) (v >> (8 * (7 - k)));
}

extern void design_psu_codec_start(DesignPsuCodec *c);
/* the encoded length of r; written at out unless NULL */
extern size_t design_psu_encode(DesignPsuCodec *c, const PsuRec *r, char *out);
/* the record at *p (advanced); false when the bytes up to end do not hold one */
extern bool design_psu_decode(DesignPsuCodec *c, const char **p, const char *end, PsuRec *r);

/* realloc-like allocator: (ctx, NULL, size) allocates, never returns NULL */
typedef void *(*DesignRealloc) (void *ctx, void *ptr, size_t size);

/* a segment of the log of a one-stage accumulation (Design.log) */
typedef struct DesignLogSeg
{
	struct DesignLogSeg *next;
	size_t		len,			/* bytes of records */
				cap;			/* bytes of data */
	char		data[];
} DesignLogSeg;

typedef struct Design
{
	int32_t		kind;			/* DesignKind */
	int32_t		lonely;			/* LonelyPolicy */
	int64_t		n_sample;		/* DESIGN_WEIGHTS_DOMAIN: rows of the whole sample */
	uint32_t	nstrata,
				npsu,
				nssu,
				arena_len;
	StratumRec *strata;
	PsuRec	   *psu;
	SsuRec	   *ssu;
	StratSums  *sums;			/* DESIGN_STRATIFIED: nstrata records */
	char	   *arena;
	/* growth and lookup, not part of the stored form */
	uint32_t	cap_strata,
				cap_psu,
				cap_ssu,
				cap_arena,
				cap_sums;
	uint64_t   *hash_s,
			   *hash_p,
			   *hash_q;			/* open addressing: 0 empty, else the key's
								 * hash << 32 | (index + 1) */
	uint32_t	hcap_s,
				hcap_p,
				hcap_q;
	bool		stale_index;	/* records moved (design_sort): rebuild the
								 * tables before the next lookup */
	bool		log_mode;		/* one-stage accumulation: see design_psu */
	bool		canonical;		/* design_compact found or made canonical
								 * order, nothing added since */
	uint32_t	npsu_compact;	/* PSUs at the last design_compact */
	uint32_t	last_stratum;	/* cache of the previous row's stratum + 1 */
	uint32_t	last_psu;		/* cache of the previous row's PSU + 1 */
	uint32_t	last_ssu;

	/*
	 * Log mode: the PSU records before psu_base are encoded in the log (rows
	 * in PSU order seldom come back to a PSU), d->psu[i] holds PSU psu_base
	 * + i; 0 and NULL otherwise.  The log is a list of segments, each new
	 * one twice the last (512 kB to 8 MB): it grows without copying, and no
	 * record spans two segments.
	 */
	DesignLogSeg *log,			/* the first segment */
			   *log_tail;
	size_t		log_len,		/* bytes of records in all segments */
				log_cap;		/* bytes allocated to them */
	uint32_t	psu_base;
	bool		log_unsorted;	/* the log is not in canonical order */
	bool		log_denormal;	/* a record in the log has sums dd_norm would change */
	bool		log_prev_int;	/* the last record in the log has an integer id */
	uint64_t	log_prev_value; /* its value (as memcmp orders it) */
	uint32_t	log_nsucc;		/* records of the log whose id is not in the arena */
	uint32_t	log_mark;		/* arena bytes before it are final (log_flush) */
	uint32_t	log_mark_strata;	/* strata at log_mark: later ones lie after it */
	DesignPsuCodec log_codec;
	PsuRec		log_last;		/* the last record moved to the log */
	DesignRealloc realloc_fn;
	void	   *alloc_ctx;
} Design;

/* outcome of a variance computation */
typedef enum DesignStatus
{
	DESIGN_OK = 0,
	DESIGN_LONELY_FAIL,			/* a stratum with one PSU under "fail" */
	DESIGN_UNDEFINED			/* no variance (e.g. R would give NaN) */
} DesignStatus;

#define DESIGN_MAX_REPORTED 10

typedef struct DesignVariance
{
	DesignStatus status;
	double		variance;
	double		df;
	int			stage;			/* stage of the lonely unit (1 or 2) */
	int			nlonely;		/* lonely strata (or PSUs at stage 2) found */
	uint32_t	lonely[DESIGN_MAX_REPORTED];	/* their indexes */
} DesignVariance;

extern void design_init(Design *d, DesignKind kind, DesignRealloc fn, void *ctx);
extern int	design_lonely_parse(const char *name);
extern const char *design_lonely_name(int policy);
extern const char *design_kind_name(int kind);

/*
 * Lookups that create on first sight; return the index.  *created tells
 * whether the record is new (its sizes are then to be set by the caller).
 */
extern uint32_t design_stratum(Design *d, const char *key, uint32_t len, bool *created);
extern uint32_t design_psu(Design *d, uint32_t stratum, const char *key, uint32_t len,
						   bool *created);
extern uint32_t design_ssu(Design *d, uint32_t psu, const char *key, uint32_t len,
						   bool *created);

/*
 * In log mode (one-stage designs being accumulated) design_psu does not
 * look PSUs up: a row of another PSU than the previous row's appends a
 * record, duplicates included, and design_compact sorts and combines them
 * (radix sort for integer identifiers) when the records double or the
 * state is stored.  Rows that arrive PSU by PSU in id order (a sorted
 * table, row numbers as PSUs) then cost no lookup and no sort at all; the
 * first compaction that finds rows out of order turns log mode off, and
 * later rows are looked up in the hash tables.  *created is true for every
 * appended record.
 */
extern void design_compact(Design *d);

/*
 * design_compact leaves a log in canonical order where it is (records
 * before d->psu_base encoded): design_psu_iter reads them all, and
 * design_log_materialize puts them back in d->psu.
 */

/*
 * The PSU records of d in index order, wherever they are (the log of a
 * one-stage accumulation, or the array).
 */
typedef struct DesignPsuIter
{
	const Design *d;
	const DesignLogSeg *seg;	/* the log segment p is in */
	const char *p,
			   *end;			/* the end of seg's records */
	DesignPsuCodec c;
	uint32_t	next;
	/* the whole arena, rebuilt as the records go (design_psu_iter) */
	char	   *na;
	uint32_t   *strata_off;
	uint32_t	src,
				dst,
				k;
	uint64_t	prev_value;
	bool		done;
} DesignPsuIter;

/*
 * The log does not keep in the arena the id of a record whose integer id
 * is the successor of the previous record's (same stratum): the arena with
 * every id in its place (the bytes it had before) is
 * design_full_arena_len(d) bytes long.  design_psu_iter writes it into na
 * (unless NULL) as the records go, the records' ids pointing into it, and
 * the strata's offsets in it into strata_off[nstrata] (unless NULL);
 * design_psu_iter_next writes the rest of it when it returns false.
 */
static inline uint32_t
design_full_arena_len(const Design *d)
{
	return d->arena_len + 9 * d->log_nsucc;
}
extern void design_psu_iter(const Design *d, DesignPsuIter *it, char *na, uint32_t *strata_off);
extern bool design_psu_iter_next(DesignPsuIter *it, PsuRec *r);

/* every PSU record in d->psu again (d->psu_base 0), the log freed */
extern void design_log_materialize(Design *d);

/*
 * The record of PSU p, as design_psu returned it, until the next
 * design_psu call (a one-stage log keeps the records before d->psu_base
 * encoded).
 */
static inline PsuRec *
design_psu_rec(Design *d, uint32_t p)
{
	return &d->psu[p - d->psu_base];
}

/* the row (y, w) of the domain falls in PSU p (and SSU q, or UINT32_MAX) */
extern void design_add(Design *d, uint32_t p, uint32_t q, double y, double w);

/*
 * Merge design b into a (same kind, policy and sample checked by the
 * caller).  Returns NULL, or a sentence describing the conflict; *where
 * receives the index (in b) of the stratum or PSU in conflict.  Stratified
 * designs are merged by stratified_merge.
 */
extern const char *design_merge(Design *a, const Design *b, uint32_t *where);

/*
 * canonical order: strata by id, PSUs by (stratum, id), SSUs by (PSU, id);
 * the lookup tables are rebuilt on the next lookup
 */
extern void design_sort(Design *d);

/*
 * The records and identifier arena of d in canonical order, written into
 * the caller's arrays (nstrata, npsu, nssu records, arena_len bytes); d is
 * left as it is.
 */
extern void design_write_sorted(const Design *d, StratumRec *ns, PsuRec *np, SsuRec *nq,
								char *na);

/* rebuild the lookup tables (after reading a stored form) */
extern void design_reindex(Design *d);

/* consistency of a stored design (stratified ones: stratified_check); NULL or a sentence */
extern const char *design_check(const Design *d, const TallyCore *core);

/*
 * The same with the PSU records from next (d->psu unused), which yields
 * d->npsu records in order and false when none is left; one-stage designs
 * only.  A record from next may have the id DESIGN_ID_SUCC (a stored
 * tally's successor id: the previous record's integer id plus one, which
 * next has checked follows an integer id in the same stratum).
 */
typedef bool (*DesignPsuNext) (void *arg, PsuRec *out);
extern const char *design_check_iter(const Design *d, const TallyCore *core,
									 DesignPsuNext next, void *arg);

/*
 * Linearized variance of the tally's mean (proportion) under the design,
 * and the design degrees of freedom (stratified designs:
 * stratified_variance).
 */
extern void design_variance(const Design *d, const TallyCore *core,
							DesignVariance *out);

/*
 * The linearized variance (and df) of the scores (a - p b) / W of a
 * clustered design's PSU and SSU sums: design_variance with the mean's p
 * and W; a total's with p = 0, W = 1 (total_core.h).
 */
extern void design_variance_scores(const Design *d, dd_t p, dd_t W, DesignVariance *out);

#endif							/* BAROMETER_DESIGN_CORE_H */
