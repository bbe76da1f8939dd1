#!/usr/bin/env bash
# prove test/distributed/ runs this: the distributed test (see run.sh).
exec bash "$(dirname "$0")/run.sh"
