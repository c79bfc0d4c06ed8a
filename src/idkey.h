/*
 * idkey.h - canonical bytes of an identifier or category argument of any
 * type (stratum, PSU, SSU, table categories): 'i' + the integer as 8 bytes
 * big-endian for int2/int4/int8, 't' + the text for text types and the
 * text form of any other type.  Equal values give equal bytes whatever the
 * row, so states built in parallel merge by key.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_IDKEY_H
#define BAROMETER_IDKEY_H

#include "postgres.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

typedef struct IdKey
{
	Oid			type;			/* InvalidOid until the first call */
	int			how;			/* 0 integer, 1 text bytes, 2 output function */
	FmgrInfo	out;
	StringInfoData buf;
} IdKey;

/* the key of (non-NULL) argument argno, in ik->buf */
extern StringInfo idkey_arg(FunctionCallInfo fcinfo, IdKey *ik, int argno);

#endif							/* BAROMETER_IDKEY_H */
