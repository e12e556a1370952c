#!/usr/bin/env bash
# Webhook benchmark (docs/PERFORMANCE.md, "Webhooks"): signed issues.opened deliveries to a runner on its
# embedded, durable PostgreSQL, timed at the client. Report: standalone-runner/target/webhook-bench.md.
#   bench/webhook-bench.sh [RUNS]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${1:-2000}"

if [[ -x ./mvnw ]]; then mvn=./mvnw; else mvn=mvn; fi
"$mvn" -q -B -pl standalone-runner -am install -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest=WebhookBench -Droomote.bench.webhook=true -Droomote.bench.runs="$runs"

cat standalone-runner/target/webhook-bench.md
