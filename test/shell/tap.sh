# Minimal TAP helpers for the shell tests (run by `prove`). Source it.
set -u
test_number=0
failures=0
PSQL="psql -X -q -v ON_ERROR_STOP=1"

ok() {  # ok CONDITION-EXIT-STATUS DESCRIPTION
    test_number=$((test_number + 1))
    if [ "$1" = 0 ]; then echo "ok $test_number - $2"; else echo "not ok $test_number - $2"; failures=$((failures + 1)); fi
}

is() {  # is HAVE WANT DESCRIPTION
    test_number=$((test_number + 1))
    if [ "$1" = "$2" ]; then
        echo "ok $test_number - $3"
    else
        echo "not ok $test_number - $3"; echo "#   have: $1"; echo "#   want: $2"; failures=$((failures + 1))
    fi
}

skip() {  # skip DESCRIPTION REASON: counted, reported as a TAP skip with its reason
    test_number=$((test_number + 1))
    echo "ok $test_number - $1 # skip $2"
}

fresh_database() {  # fresh_database NAME: an empty database with the extension
    $PSQL -d postgres -c "DROP DATABASE IF EXISTS \"$1\"" -c "CREATE DATABASE \"$1\""
    $PSQL -d "$1" -c "CREATE EXTENSION usage_value"
}

done_testing() { echo "1..$test_number"; [ "$failures" = 0 ]; }
