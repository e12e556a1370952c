#!/usr/bin/env bash
# Queue a github.issue.fix job for a real GitHub issue, as the original Roomote script did:
# reads the issue with the GitHub CLI (gh) and posts it to the Roomote API.
#
#   scripts/enqueue-github-issue-job.sh ISSUE [REPO]
#
# REPO defaults to $ROOMOTE_DEFAULT_REPO. The API is $ROOMOTE_URL (default http://localhost:3001), with
# $ROOMOTE_API_TOKEN as bearer token when set. Needs gh (logged in, or GH_TOKEN set) and curl.
# Without gh, `java -jar standalone-runner/target/roomote.jar enqueue ISSUE --repo REPO` does the same.
set -euo pipefail

usage() { echo "usage: $0 ISSUE [OWNER/REPO]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
issue="$1"
repo="${2:-${ROOMOTE_DEFAULT_REPO:-}}"
url="${ROOMOTE_URL:-http://localhost:3001}"
url="${url%/}"

[[ "$issue" =~ ^[1-9][0-9]*$ ]] || { echo "error: ISSUE must be a positive number, got '$issue'" >&2; exit 2; }
[ -n "$repo" ] || { echo "error: no repository: pass OWNER/REPO or set ROOMOTE_DEFAULT_REPO" >&2; exit 2; }
[[ "$repo" =~ ^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$ ]] || { echo "error: '$repo' is not OWNER/REPO" >&2; exit 2; }
command -v gh >/dev/null || { echo "error: the GitHub CLI (gh) is not installed; use 'roomote enqueue' instead" >&2; exit 1; }
command -v curl >/dev/null || { echo "error: curl is not installed" >&2; exit 1; }

# gh's built-in jq builds the whole request, so no jq is needed here.
if ! body=$(gh issue view "$issue" --repo "$repo" --json title,body,labels \
    --jq "{type: \"github.issue.fix\", payload: {repo: \"$repo\", issue: $issue, title: .title, body: (.body // \"\"), labels: [.labels[].name]}}"); then
  echo "error: could not read issue #$issue of $repo with gh (does it exist? is gh logged in?)" >&2
  exit 1
fi

auth=()
[ -n "${ROOMOTE_API_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $ROOMOTE_API_TOKEN")
if ! answer=$(curl -sS --fail-with-body -X POST "$url/api/jobs" -H "Content-Type: application/json" "${auth[@]}" -d "$body"); then
  echo "error: Roomote at $url did not accept the job: $answer" >&2
  exit 1
fi
job=$(printf '%s' "$answer" | sed -n 's/.*"jobId":\([0-9]*\).*/\1/p')
echo "$answer"
echo "Follow it: $url/api/jobs/$job  (log: $url/api/jobs/$job/logs?follow=true, dashboard: $url/admin/queues/jobs/$job)"
