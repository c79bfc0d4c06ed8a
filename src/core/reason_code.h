/*
 * reason_code.h - a short, stable machine code for each reason of a
 * publication decision (barometer.publication's reason_code).  Plain C, no
 * PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_REASON_CODE_H
#define BAROMETER_REASON_CODE_H

/*
 * The code of an English reason text as policy_core.c and suppress_together
 * write it (numbers and parameters do not change the code); NULL for a
 * text that no rule writes.  Also reads the reasons of stored values of
 * earlier releases, whose texts are the same.
 */
extern const char *pub_reason_code(const char *reason_en);

#endif							/* BAROMETER_REASON_CODE_H */
