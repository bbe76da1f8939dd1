# PGXS build of the usage_value extension: `make && make install`, then `make installcheck`
# against a running server. scripts/demo and scripts/test drive all of it on a throwaway cluster.

EXTENSION  = usage_value
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" usage_value.control)
MODULE_big = usage_value

# One list of sources, shared with CMakeLists.txt (which globs the same folders).
CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
GLUE_SRCS = $(sort $(wildcard src/pg/*.cpp))
OBJS      = $(CORE_SRCS:.cpp=.o) $(GLUE_SRCS:.cpp=.o)

# The install script for the current version is generated from sql/usage_value.sql (pgvector's
# layout); upgrade scripts and frozen old versions are committed as sql/usage_value--*.sql.
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA       = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# pg_regress tests live in sql/ with their expected output in expected/.
REGRESS      = $(shell sed -n 's/^test: *//p' test/schedule)
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) -Isrc
PG_CXXFLAGS = -std=c++17 -fvisibility=hidden -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP
SHLIB_LINK  = -lstdc++

# LLVM bitcode for JIT inlining would need the C++17 flags passed to clang as well; the
# extension's hot paths gain nothing from inlining, so it is switched off (pg_duckdb does too).
override with_llvm = no

EXTRA_CLEAN = $(DATA_built) $(OBJS:.o=.d) results regression.diffs regression.out

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(DATA_built): sql/$(EXTENSION).sql usage_value.control
	cp $< $@

# Header dependencies recorded by -MMD.
-include $(OBJS:.o=.d)
