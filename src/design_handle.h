/*
 * design_handle.h - barometer.design_row, the per-row handle of a declared
 * design (barometer.declare_design): what the tally of one row needs from
 * the whole sample, computed by the declared view over the whole source,
 * partition by partition, before any WHERE or GROUP BY.
 *
 * Stored layout (version 1), a varlena whose data is:
 *   DesignRowHdr                          (fixed, 56 bytes)
 *   stratum key, PSU key, SSU key         (slen, plen, qlen bytes: idkey.h
 *                                          canonical bytes; empty when the
 *                                          kind has no such unit)
 *   DESIGN_CLUSTER2: int64 n_ssu, double popsize2
 *   DESIGN_REPLICATE: repw (nrep float4 or float8, per flags), then the
 *                     barometer.replicates value (its varlena, whole)
 * The data may sit unaligned (short varlena headers): readers copy the
 * fixed parts out (design_row_read).
 *
 * Identity: stamp is the design's random stamp (barometer.designs.stamp,
 * new at every declaration); part is a 64-bit hash of the row's partition
 * values (0 without partition_by).  A tally refuses rows of different
 * stamps or parts in one cell.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_DESIGN_HANDLE_H
#define BAROMETER_DESIGN_HANDLE_H

#include "postgres.h"

#include "fmgr.h"

#include "design_core.h"

#define DESIGN_ROW_VERSION 1
#define DESIGN_ROW_F4 0x01		/* replicate weights stored as float4 */

typedef struct DesignRowHdr
{
	uint8		version;
	uint8		kind;			/* DesignKind: WEIGHTS_DOMAIN, CLUSTER,
								 * CLUSTER2, STRATIFIED, REPLICATE */
	uint8		lonely;			/* LonelyPolicy */
	uint8		flags;
	uint16		slen,
				plen,
				qlen;
	uint16		pad;
	uint32		nrep;			/* DESIGN_REPLICATE */
	int64		stamp;			/* the design's identity */
	uint64		part;			/* hash of the partition values */
	double		w;				/* the row's weight */
	int64		n;				/* n_sample, n_psu or n_stratum */
	double		popsize;		/* population count of the first stage (0: none) */
} DesignRowHdr;

/* a handle read for the tally: pointers into the (detoasted) value */
typedef struct DesignRow
{
	DesignRowHdr h;
	const char *skey,
			   *pkey,
			   *qkey;
	int64		n_ssu;
	double		popsize2;
	const char *repw;			/* unaligned; nrep float4 or float8 */
	const char *spec;			/* unaligned; the replicates varlena */
	uint32		speclen;
} DesignRow;

/*
 * The identity a declared aggregate's state keeps (tally, tally_ratio,
 * quantile, distribution): the design's stamp, the partition's hash and
 * the design kind; kind -1 while no row was seen (and in the states of the
 * explicit forms, which carry none).
 */
typedef struct DeclIdent
{
	int64		stamp;
	uint64		part;
	int32		kind;			/* DesignKind; -1 while no row seen */
	int32		pad;
} DeclIdent;

/* the identity of a handle */
static inline void
decl_ident_of(const DesignRow *r, DeclIdent *id)
{
	id->stamp = r->h.stamp;
	id->part = r->h.part;
	id->kind = r->h.kind;
	id->pad = 0;
}

/* 22023: a state would mix two designs, declarations or partitions */
extern void decl_ident_mixed(const DeclIdent *a, const DeclIdent *b) pg_attribute_noreturn();

/* merge identity b into a (tally_declared.c): an error when they differ */
extern void decl_ident_merge(DeclIdent *a, const DeclIdent *b);

/*
 * 42704 unless the design of stamp id->stamp is still declared
 * (declared_check.c; nothing to check when id->kind < 0); for the final
 * functions, which keep their cache in fn_extra
 */
extern void decl_check_declared(FunctionCallInfo fcinfo, const DeclIdent *id);

/* read a handle's data (len bytes at p), already validated */
extern void design_row_read(const char *p, uint32 len, DesignRow *r);

#endif							/* BAROMETER_DESIGN_HANDLE_H */
