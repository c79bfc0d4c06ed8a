/*
 * idkey.c - canonical bytes of identifier arguments (see idkey.h).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "idkey.h"

StringInfo
idkey_arg(FunctionCallInfo fcinfo, IdKey *ik, int argno)
{
	Datum		v = PG_GETARG_DATUM(argno);

	if (ik->type == InvalidOid)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		ik->type = get_fn_expr_argtype(fcinfo->flinfo, argno);
		if (!OidIsValid(ik->type))
			elog(ERROR, "could not determine the type of argument %d", argno + 1);
		if (ik->type == INT2OID || ik->type == INT4OID || ik->type == INT8OID)
			ik->how = 0;
		else if (ik->type == TEXTOID || ik->type == VARCHAROID || ik->type == BPCHAROID)
			ik->how = 1;
		else
		{
			Oid			fn;
			bool		isvarlena;

			getTypeOutputInfo(ik->type, &fn, &isvarlena);
			fmgr_info_cxt(fn, &ik->out, fcinfo->flinfo->fn_mcxt);
			ik->how = 2;
		}
		initStringInfo(&ik->buf);
		MemoryContextSwitchTo(old);
	}
	resetStringInfo(&ik->buf);
	if (ik->how == 0)
	{
		int64		x = ik->type == INT2OID ? DatumGetInt16(v) :
			ik->type == INT4OID ? DatumGetInt32(v) : DatumGetInt64(v);
		unsigned char *k;
		int			i;

		if (ik->buf.maxlen < 10)	/* once: the key and its NUL fit after */
			enlargeStringInfo(&ik->buf, 9);
		k = (unsigned char *) ik->buf.data;
		k[0] = 'i';
		for (i = 0; i < 8; i++)
			k[1 + i] = (unsigned char) ((uint64) x >> (8 * (7 - i)));
		ik->buf.len = 9;
		ik->buf.data[9] = '\0';
	}
	else if (ik->how == 1)
	{
		text	   *t = DatumGetTextPP(v);

		appendStringInfoChar(&ik->buf, 't');
		appendBinaryStringInfo(&ik->buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	else
	{
		char	   *s = OutputFunctionCall(&ik->out, v);

		appendStringInfoChar(&ik->buf, 't');
		appendStringInfoString(&ik->buf, s);
		pfree(s);
	}
	return &ik->buf;
}
