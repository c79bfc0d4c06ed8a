# barometer - PGXS build.
#   make / make install          build and install the extension
#   make installcheck            pg_regress tests (sql/*.sql against expected/)
#   make unit                    C unit tests of the statistical core (TAP)
#   make bench                   the benchmark (bench/run)
# test/run runs every test in a throwaway cluster; demo/run runs the demo.
EXTENSION = barometer
EXTVERSION = 0.2
MODULE_big = barometer

# src/core: the statistical core, plain C without PostgreSQL headers;
# src: the fmgr glue
CORE_SRC = $(sort $(wildcard src/core/*.c))
GLUE_SRC = $(sort $(wildcard src/*.c))
OBJS = $(GLUE_SRC:.c=.o) $(CORE_SRC:.c=.o)

# the install script is assembled from sql/install/*.sql in name order;
# the install scripts of earlier releases and the upgrade scripts are kept
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = sql/$(EXTENSION)--0.1.sql $(wildcard sql/$(EXTENSION)--*--*.sql)
REGRESS = $(filter-out $(EXTENSION)--%,$(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)
EXTRA_CLEAN = sql/$(EXTENSION)--$(EXTVERSION).sql $(UNIT_BIN)

PG_CONFIG ?= pg_config
PG_CFLAGS = -ffp-contract=off -I$(srcdir)/src -I$(srcdir)/src/core
SHLIB_LINK = -lRmath -lglpk -lm

# no LLVM bitcode: the JIT is not needed and clang may not be installed
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard sql/install/*.sql))
	( printf '%s\n' '-- barometer $(EXTVERSION); generated from sql/install/*.sql, do not edit' \
	  '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $^; do printf '\n-- %s\n' "$$f"; cat "$$f"; done ) > $@

# every object depends on every header (PGXS tracks no dependencies here)
$(OBJS): $(wildcard src/*.h src/core/*.h)

# C unit tests: every test/unit/*_test.c links the whole core
UNIT_SRC = $(sort $(wildcard test/unit/*_test.c))
UNIT_BIN = $(UNIT_SRC:.c=)
UNIT_CFLAGS = -std=c99 -O2 -g -Wall -Wextra -Werror -ffp-contract=off -Isrc/core

test/unit/%_test: test/unit/%_test.c test/unit/tap.h $(CORE_SRC) $(wildcard src/core/*.h)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(CORE_SRC) -lRmath -lglpk -lm

.PHONY: unit unit-build bench
unit-build: $(UNIT_BIN)
unit: unit-build
	prove --exec '' $(UNIT_BIN)

bench:
	bench/run
