#!/bin/sh
# The `fuzz` suite's test: fuzz-run.sh FUZZER SEEDGEN WORKDIR
# Writes the seed corpus with SEEDGEN, then runs FUZZER for FUZZ_SECONDS
# (default 60). New interesting inputs accumulate in
# WORKDIR/corpus across runs; a crash leaves WORKDIR/crash-* and fails.
set -eu

fuzzer=$1
seedgen=$2
work=$3
seconds=${FUZZ_SECONDS:-60}

mkdir -p "$work/corpus" "$work/seeds"
"$seedgen" "$work/seeds"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$work/seeds"
