#!/usr/bin/env bash
# API load, footprint and start-up of issue 14 (see docs/PERFORMANCE.md, "API load, footprint and start-up"):
# builds the runner jar and the bench (never installs), then, each in a runner process of its own:
#   - start to the first 200 of GET /api/health, first start and restart, with Debian's PostgreSQL (started by the
#     bench in a temp folder on a loopback port) and with the runner's embedded PostgreSQL (a fresh ROOMOTE_HOME);
#   - idle RSS of the runner's JVM after each start (its PostgreSQL children apart);
#   - POST /api/jobs under Debian's wrk against the API-only role, with wrk's own figures, and the jobs written
#     counted in cloud_jobs against wrk's 2xx answers.
# Needs Debian's wrk and postgresql packages (not needed by CI):  sudo apt-get install wrk postgresql
# Arguments go to the bench (try --help; e.g. --duration 60 --connections 64). Progress goes to stderr; wrk's
# output and the Markdown table to stdout. Exit code 0 when every target is met, 1 when one is missed, 2 when a
# prerequisite is missing. Run it on an otherwise idle machine: other work skews every figure (it is reported).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if ((${#missing[@]})); then
    echo "api-bench: missing Debian package(s): ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
    exit 2
fi

if [[ -x ./mvnw ]]; then mvn=./mvnw; else mvn=mvn; fi
"$mvn" -q -B -ntp -pl standalone-runner,bench -am package -DskipTests

if commit="$(git rev-parse --short HEAD 2>/dev/null)"; then
    [[ -z "$(git status --porcelain 2>/dev/null)" ]] || commit="$commit + uncommitted changes"
    echo "Measured: commit $commit"
fi

exec java ${JAVA_OPTS:-} -cp bench/target/roomote-bench.jar io.roomote.bench.api.ApiBench \
    --runner-jar standalone-runner/target/roomote.jar "$@"
