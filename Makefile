# PGXS build of the usage_value extension: `make && make install`, then `make installcheck`
# against a running server. scripts/demo and scripts/test drive all of it on a throwaway cluster.

EXTENSION  = usage_value
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" usage_value.control)
MODULE_big = usage_value

# One list of sources, shared with CMakeLists.txt (which globs the same folders).
CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
GLUE_SRCS = $(sort $(wildcard src/pg/*.cpp))
OBJS      = $(CORE_SRCS:.cpp=.o) $(GLUE_SRCS:.cpp=.o)

# The SQL surface has one readable source, sql/usage_value.sql: the current definition of every
# object, once, in sections by concern (as pgvector keeps sql/vector.sql). The current version's
# install script is a copy of it, generated here. Released versions are frozen: the first install
# script sql/usage_value--0.1.0.sql and each upgrade script sql/usage_value--A--B.sql stay
# installed, so that ALTER EXTENSION usage_value UPDATE works from any released version.
# To change the SQL surface: edit sql/usage_value.sql AND write the same change into the upgrade
# script of the version in development (sql/usage_value--<previous>--<new>.sql, with the new
# version in usage_value.control's default_version). test/shell/upgrade.t keeps the two in step:
# it compares a fresh install with 0.1.0 updated through the chain, object by object.
CURRENT_SCRIPT  = sql/$(EXTENSION).sql
BASE_SCRIPT     = sql/$(EXTENSION)--0.1.0.sql
UPGRADE_SCRIPTS = $(shell ls sql/$(EXTENSION)--*--*.sql | sort -V)
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA       = $(BASE_SCRIPT) $(UPGRADE_SCRIPTS)

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

# The install script of the current version: the current script as it is.
sql/$(EXTENSION)--$(EXTVERSION).sql: $(CURRENT_SCRIPT) usage_value.control
	cp $(CURRENT_SCRIPT) $@

# Header dependencies recorded by -MMD.
-include $(OBJS:.o=.d)
