# barometer - PGXS build.  `make`, `make install`, `make installcheck` (pg_regress),
# `make unit` (C unit tests of the statistical core); test/run runs everything.
EXTENSION = barometer
MODULE_big = barometer
OBJS = src/barometer.o src/tally_core.o src/ci.o src/dist.o \
	src/tally_io.o src/tally_agg.o src/tally_read.o
DATA = $(wildcard sql/barometer--*.sql)
REGRESS = tally_io tally_agg tally_errors
REGRESS_OPTS = --load-extension=barometer

PG_CONFIG ?= pg_config
PG_CFLAGS = -ffp-contract=off -I$(srcdir)/src
SHLIB_LINK = -lRmath -lm

# no LLVM bitcode: the JIT is not needed and clang may not be installed
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

CORE_SRC = src/tally_core.c src/ci.c src/dist.c
UNIT_CFLAGS = -std=c99 -O2 -g -Wall -Wextra -Werror -ffp-contract=off -Isrc

test/unit/core_test: test/unit/core_test.c $(CORE_SRC) src/*.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/unit/core_test.c $(CORE_SRC) -lRmath -lm

.PHONY: unit
unit: test/unit/core_test
	test/unit/core_test

EXTRA_CLEAN = test/unit/core_test
