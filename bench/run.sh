#!/usr/bin/env bash
# Builds the bench jar and runs the queue benchmark; arguments go to the bench (try --help).
# Progress goes to stderr; the setup and the result tables (plain and Markdown) go to stdout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -x ./mvnw ]]; then mvn=./mvnw; else mvn=mvn; fi
"$mvn" -q -B -pl bench -am package -DskipTests

# Say which code was measured.
if commit="$(git rev-parse --short HEAD 2>/dev/null)"; then
    if [[ -n "$(git status --porcelain -- roomote-spi roomote-core 2>/dev/null)" ]]; then
        commit="$commit + uncommitted changes in roomote-spi/roomote-core"
    fi
    echo "Measured: commit $commit"
fi

exec java ${JAVA_OPTS:-} -jar bench/target/roomote-bench.jar "$@"
