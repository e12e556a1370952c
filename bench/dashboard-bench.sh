#!/usr/bin/env bash
# Dashboard benchmark (docs/PERFORMANCE.md, "Dashboard"): loads ROWS jobs (default 1,000,000) into a fresh
# embedded PostgreSQL with generate_series, then times the dashboard's pages over HTTP; the server time is read
# from each answer's Server-Timing header. Report: standalone-runner/target/dashboard-bench.md.
#   bench/dashboard-bench.sh [ROWS]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rows="${1:-1000000}"

if [[ -x ./mvnw ]]; then mvn=./mvnw; else mvn=mvn; fi
"$mvn" -q -B -pl standalone-runner -am install -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest=DashboardBench -Droomote.bench.dashboard=true -Droomote.bench.rows="$rows"

cat standalone-runner/target/dashboard-bench.md
