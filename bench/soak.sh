#!/usr/bin/env bash
# The crash soak of issue 14 (see docs/PERFORMANCE.md, "Crash soak"): builds the runner jar and the bench, then
# runs two runner processes on a PostgreSQL of Debian's package (apt-get install postgresql) started in a temp
# folder on a loopback port, kills them with -9, restarts PostgreSQL, stops a runner past its lease, and checks
# that no job was lost, no side effects overlapped, no stale token recorded an outcome and no job was stuck.
# Arguments go to the soak (try --help; --ci is the short form CI runs). Progress goes to stderr; the figures,
# as a table and as Markdown, to stdout. Exit code 0 when every figure that must be 0 is, 1 when one is not.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -x ./mvnw ]]; then mvn=./mvnw; else mvn=mvn; fi
"$mvn" -q -B -ntp -pl standalone-runner,bench -am package -DskipTests

if commit="$(git rev-parse --short HEAD 2>/dev/null)"; then
    [[ -z "$(git status --porcelain 2>/dev/null)" ]] || commit="$commit + uncommitted changes"
    echo "Soaked: commit $commit"
fi

exec java ${JAVA_OPTS:-} -cp bench/target/roomote-bench.jar io.roomote.bench.soak.CrashSoak \
    --runner-jar standalone-runner/target/roomote.jar "$@"
