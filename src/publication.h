/*
 * publication.h - the glue of the publication rules that other glue files
 * call: looking up a named policy in barometer.policy and forming the
 * barometer.publication composite.  report() uses these to add its status
 * and reason columns.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_PUBLICATION_H
#define BAROMETER_PUBLICATION_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"

#include "policy_core.h"

/*
 * The policy row named name, of the given version (version_null: the
 * highest version).  Cached for the rest of the query in
 * flinfo->fn_extra (the caller must not use fn_extra for anything else).
 * Errors (22023): unknown policy or version, invalid parameters.
 * *version_out receives the version found.
 */
extern const PolicyRow *barometer_policy_lookup(FmgrInfo *flinfo, const char *name,
												bool version_null, int32 version,
												int32 *version_out);

/*
 * Raise 22023 unless the policy applies to object (POLICY_FOR_*); kind is
 * the tally kind for POLICY_FOR_TALLY (nchs2017 takes proportions only).
 */
extern void barometer_policy_check_applies(const PolicyRow *row, const char *name,
										   int object, int kind);

/*
 * the barometer.publication composite (status, reason_en, reason_nl,
 * policy, version, reason_code); reason_code was appended in 0.2
 */
#define PUB_NATTS 6
/* the composite row type of a reader at this call site, cached (fn_extra) */
extern TupleDesc barometer_result_desc(FunctionCallInfo fcinfo, const char *what);

extern Datum barometer_publication_datum(FunctionCallInfo fcinfo, const PubDecision *d,
										 const char *policy, int32 version);

#endif							/* BAROMETER_PUBLICATION_H */
