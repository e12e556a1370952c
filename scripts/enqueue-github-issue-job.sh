#!/usr/bin/env bash
# Queue a github.issue.fix job for a real GitHub issue, as the original Roomote script did:
# reads the issue with the GitHub CLI (gh) and posts it to the Roomote API.
#
#   scripts/enqueue-github-issue-job.sh ISSUE [OWNER/REPO]
#
# Without OWNER/REPO (the original's usage), the repository is the GitHub remote `origin` of the current
# folder (https://github.com/OWNER/REPO(.git), git@github.com:OWNER/REPO(.git) or
# ssh://git@github.com/OWNER/REPO(.git)), else $ROOMOTE_DEFAULT_REPO. The API is $ROOMOTE_URL (default
# http://localhost:3001), with $ROOMOTE_API_TOKEN as bearer token when set. Needs gh (logged in, or GH_TOKEN
# set) and curl. Without gh, `java -jar standalone-runner/target/roomote.jar enqueue ISSUE --repo REPO` does the same.
set -euo pipefail

usage() { echo "usage: $0 ISSUE [OWNER/REPO]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
issue="$1"
url="${ROOMOTE_URL:-http://localhost:3001}"
url="${url%/}"
repo_pattern='^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$'

# OWNER/REPO of a GitHub remote URL, or nothing.
github_repo_of() {
  local u="${1%/}" path
  u="${u%.git}"
  case "$u" in
    https://github.com/*|http://github.com/*|ssh://git@github.com/*|git://github.com/*) path="${u#*://*/}" ;;
    https://*@github.com/*) path="${u#*@github.com/}" ;;
    git@github.com:*) path="${u#git@github.com:}" ;;
    *) return 0 ;;
  esac
  if [[ "$path" =~ $repo_pattern ]]; then printf '%s\n' "$path"; fi
}

[[ "$issue" =~ ^[1-9][0-9]*$ ]] || { echo "error: ISSUE must be a positive number, got '$issue'" >&2; exit 2; }
if [ $# -eq 2 ]; then
  repo="$2"
else
  origin=""
  if command -v git >/dev/null; then
    origin=$(git config --get remote.origin.url 2>/dev/null || true)
  fi
  repo=$(github_repo_of "$origin")
  if [ -n "$repo" ]; then
    echo "repository $repo (from the git remote origin of $(pwd))" >&2
  elif [ -n "${ROOMOTE_DEFAULT_REPO:-}" ]; then
    repo="$ROOMOTE_DEFAULT_REPO"
    echo "repository $repo (from ROOMOTE_DEFAULT_REPO)" >&2
  else
    seen="this folder has no git remote origin"
    [ -n "$origin" ] && seen="the git remote origin here, $origin, is not on GitHub"
    echo "error: which repository? Pass OWNER/REPO, run this inside a clone of a GitHub repository, or set ROOMOTE_DEFAULT_REPO ($seen)" >&2
    exit 2
  fi
fi
[[ "$repo" =~ $repo_pattern ]] || { echo "error: '$repo' is not OWNER/REPO" >&2; exit 2; }
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
curl_err=$(mktemp)
trap 'rm -f "$curl_err"' EXIT
# The HTTP status goes on a last line of its own; curl's own complaint (no connection...) goes to $curl_err.
if reply=$(curl -sS --connect-timeout 10 --max-time 60 -w '\n%{http_code}' -X POST "$url/api/jobs" \
    -H "Content-Type: application/json" "${auth[@]}" -d "$body" 2>"$curl_err"); then
  rc=0
else
  rc=$?
fi
if [ "$rc" -ne 0 ]; then
  case "$rc" in
    7) echo "error: no Roomote answering at $url (connection refused): start it with 'java -jar standalone-runner/target/roomote.jar', or set ROOMOTE_URL to where it runs" >&2 ;;
    6) echo "error: cannot resolve the host of ROOMOTE_URL ($url): check ROOMOTE_URL" >&2 ;;
    28) echo "error: Roomote at $url did not answer in time: is it overloaded, or is ROOMOTE_URL wrong?" >&2 ;;
    *) echo "error: could not reach Roomote at $url: $(tr -s '\n' ' ' <"$curl_err" | sed 's/^curl: ([0-9]*) //; s/ *$//') (curl exit code $rc)" >&2 ;;
  esac
  exit 1
fi
status="${reply##*$'\n'}"
answer="${reply%$'\n'*}"
if [ "$status" != 200 ] && [ "$status" != 201 ]; then
  hint=""
  [ "$status" = 401 ] && hint=" (set ROOMOTE_API_TOKEN to Roomote's API token)"
  echo "error: Roomote at $url refused the job: HTTP $status${answer:+ $answer}$hint" >&2
  exit 1
fi
job=$(printf '%s' "$answer" | sed -n 's/.*"jobId":\([0-9]*\).*/\1/p')
echo "$answer"
echo "Follow it: $url/api/jobs/$job  (log: $url/api/jobs/$job/logs?follow=true, dashboard: $url/admin/queues/jobs/$job)"
