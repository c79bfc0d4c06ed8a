/*
 * barometer.c - module magic.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;
