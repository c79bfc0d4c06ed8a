/*
 * policy_guard.c - the trigger that keeps barometer.policy behaving like
 * data.  The rows shipped with the extension (builtin = true) come back
 * with CREATE EXTENSION and are not dumped, so an edit of one would be lost
 * silently by pg_dump/pg_restore.  Outside the extension's own scripts:
 *   - a shipped row cannot be updated or deleted (42501; the hint says to
 *     add a new version instead),
 *   - no row can be made builtin (42501), so every user row is dumped,
 *   - the table cannot be truncated (42501; delete your own rows).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/rel.h"

/* the value of column name of a row (NULL: isnull) */
static Datum
column(HeapTuple tuple, TupleDesc desc, const char *name, bool *isnull)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return heap_getattr(tuple, i + 1, desc, isnull);
	}
	elog(ERROR, "barometer.policy has no column \"%s\"", name);
	return (Datum) 0;
}

static bool
is_builtin(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		d = column(tuple, desc, "builtin", &isnull);

	return !isnull && DatumGetBool(d);
}

static void pg_attribute_noreturn()
shipped_row(HeapTuple tuple, TupleDesc desc, const char *action)
{
	bool		n_null,
				v_null;
	Datum		name = column(tuple, desc, "name", &n_null);
	Datum		version = column(tuple, desc, "version", &v_null);
	char	   *n = n_null ? "?" : TextDatumGetCString(name);
	int32		v = v_null ? 0 : DatumGetInt32(version);

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot %s policy \"%s\" version %d: it is shipped with barometer", action, n, v),
			 errdetail("Shipped policies are part of the extension; a change would be lost by pg_dump and pg_restore."),
			 errhint("Add a policy of your own instead (a new name, or a higher version of \"%s\"): INSERT INTO barometer.policy (name, version, kind, params) VALUES (...).",
					 n)));
}

PG_FUNCTION_INFO_V1(barometer_policy_protect);
Datum
barometer_policy_protect(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "barometer_policy_protect: not called as a trigger");
	desc = RelationGetDescr(td->tg_relation);

	/* CREATE EXTENSION and ALTER EXTENSION UPDATE manage the shipped rows */
	if (creating_extension)
		return PointerGetDatum(TRIGGER_FIRED_FOR_ROW(td->tg_event) ?
							   (TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple) :
							   NULL);

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot truncate barometer.policy"),
				 errdetail("It holds the policies shipped with barometer."),
				 errhint("Delete your own rows: DELETE FROM barometer.policy WHERE NOT builtin.")));
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BEFORE(td->tg_event))
		elog(ERROR, "barometer_policy_protect: must be a BEFORE ... FOR EACH ROW trigger");

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		if (is_builtin(td->tg_trigtuple, desc))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("cannot add a policy with builtin = true"),
					 errdetail("Only barometer's own scripts add shipped policies; user policies must be dumped with the database."),
					 errhint("Leave builtin out (it defaults to false).")));
		return PointerGetDatum(td->tg_trigtuple);
	}
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		if (is_builtin(td->tg_trigtuple, desc))
			shipped_row(td->tg_trigtuple, desc, "delete");
		return PointerGetDatum(td->tg_trigtuple);
	}
	/* UPDATE */
	if (is_builtin(td->tg_trigtuple, desc))
		shipped_row(td->tg_trigtuple, desc, "change");
	if (is_builtin(td->tg_newtuple, desc))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot mark a policy builtin"),
				 errdetail("Only barometer's own scripts add shipped policies; user policies must be dumped with the database.")));
	return PointerGetDatum(td->tg_newtuple);
}
