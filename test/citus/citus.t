#!/usr/bin/env bash
# prove test/citus/ runs this: the Citus test (see run.sh).
exec bash "$(dirname "$0")/run.sh"
