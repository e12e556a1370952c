#!/usr/bin/env bash
# Workspace benchmark (docs/PERFORMANCE.md, "Workspace"): a fresh git clone of a large repository (built
# locally with git fast-import: 50,000 commits, 20,000 files by default) against Roomote's warm mirror cache.
#   bench/workspace-bench.sh [RUNS] [COMMITS] [FILES]
# The repository is built once under job-types/github-issue-fix/target/workspace-bench and kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ -x ./mvnw ]]; then mvn=./mvnw; else mvn=mvn; fi
"$mvn" -q -B -pl job-types/github-issue-fix -am test -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest=WorkspaceBench -Droomote.bench.workspace=true -Droomote.bench.runs="${1:-5}" \
    -Droomote.bench.commits="${2:-50000}" -Droomote.bench.files="${3:-20000}"

cat job-types/github-issue-fix/target/workspace-bench/workspace-bench.md
