#!/usr/bin/env bash
# Type-checks the plugin's main and test sources against the sources of Jenkins core 2.541.3 (Java 17) and of the
# plugins they use, where the Jenkins Maven repository is not reachable (docs/jenkins.md, "Type-checking").
#
#   usage: MIRROR=DIR [CHECKER=.../typecheck.sh] jenkins-plugin/typecheck.sh [main|test|all]
#     MIRROR   folder of bare snapshots jenkinsci+<name>/repo of the repositories in REPOS below
#     CHECKER  the shared checker (default /work/shared/tools/jenkins-typecheck/typecheck.sh); it is not edited:
#              the test run passes the test folder as its PLUGIN_DIR, more source roots as arguments, more
#              repositories in TC_REPOS and the test libraries in TC_EXTRA_DEPS.
# Exit status: 0 when both have 0 errors in the plugin's own files. It cannot check annotation processing, Jelly,
# or behaviour; it never runs a test.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$HERE")
CHECKER=${CHECKER:-/work/shared/tools/jenkins-typecheck/typecheck.sh}
export MIRROR=${MIRROR:?set MIRROR to the folder of jenkinsci+<name>/repo snapshots}
export TC_REFS=${TC_REFS:-"jenkins=jenkins-2.541.3"} TC_RELEASE=${TC_RELEASE:-17}
what=${1:-all}
BASE="jenkins stapler remoting lib-annotation-indexer lib-symbol-annotation lib-version-number lib-task-reactor \
lib-crypto-util json-lib jelly constant-pool-scanner workflow-step-api-plugin structs-plugin credentials-plugin \
plain-credentials-plugin scm-api-plugin github-plugin display-url-api-plugin script-security-plugin slack-plugin \
docker-workflow-plugin lockable-resources-plugin github-branch-source-plugin"
# Libraries of the Roomote modules that Jenkins does not provide (the versions of the parent POM).
ROOMOTE_DEPS="com.zaxxer:HikariCP:6.3.0 org.flywaydb:flyway-core:11.14.1 org.postgresql:postgresql:42.7.8 io.micrometer:micrometer-core:1.16.8 io.micrometer:micrometer-commons:1.16.8 io.micrometer:micrometer-observation:1.16.8"
MAIN_ROOTS=("$ROOT/roomote-core/src/main/java" "$ROOT/roomote-spi/src/main/java" "$ROOT/roomote-sandbox/src/main/java"
  "$ROOT/roomote-agents/src/main/java"
  "$ROOT/job-types/github-issue-fix/src/main/java" "$ROOT/jenkins-bridge/src/main/java")
rc=0
if [ "$what" = main ] || [ "$what" = all ]; then
  echo "== main"
  TC_REPOS="$BASE" TC_EXTRA_DEPS="$ROOMOTE_DEPS" "$CHECKER" "$HERE" "${MAIN_ROOTS[@]}" || rc=1
  if grep -E "^($ROOT/roomote-core|$ROOT/roomote-spi|$ROOT/roomote-sandbox|$ROOT/roomote-agents|$ROOT/job-types|$ROOT/jenkins-bridge)/.*: error:" "${TC_WORK:-/tmp/jenkins-tc}/last-javac.log"; then rc=1; fi
fi
if [ "$what" = test ] || [ "$what" = all ]; then
  echo "== test"
  gen=$(mktemp -d /tmp/roomote-plugin-messages.XXXXXX); trap 'rm -rf "$gen"' EXIT
  python3 "$(dirname "$CHECKER")/tools/gen_messages_stubs.py" "$gen" "$HERE/src/main/resources" >/dev/null
  TC_REPOS="$BASE jenkins-test-harness workflow-job-plugin workflow-cps-plugin workflow-api-plugin workflow-support-plugin" \
  TC_EXTRA_DEPS="org.junit.jupiter:junit-jupiter-api:5.14.1 org.opentest4j:opentest4j:1.3.0 org.apiguardian:apiguardian-api:1.1.2
junit:junit:4.13.2 org.hamcrest:hamcrest:3.0 org.assertj:assertj-core:3.27.7 org.awaitility:awaitility:4.3.0
org.htmlunit:htmlunit:4.21.0 org.htmlunit:htmlunit-core-js:4.21.0 org.htmlunit:htmlunit-cssparser:4.21.0
org.htmlunit:htmlunit-xpath:4.21.0 org.eclipse.jetty:jetty-server:12.1.14 org.eclipse.jetty:jetty-security:12.1.14
org.eclipse.jetty:jetty-util:12.1.14 org.eclipse.jetty:jetty-http:12.1.14 org.eclipse.jetty:jetty-io:12.1.14
$ROOMOTE_DEPS" \
  "$CHECKER" "$HERE/src/test/java" "$gen" "$HERE/src/main/java" "${MAIN_ROOTS[@]}" \
      "$ROOT/roomote-core/src/test/java" "$ROOT/roomote-agents/src/test/java" "$ROOT/job-types/github-issue-fix/src/test/java" \
      "$ROOT/jenkins-bridge/src/test/java" || rc=1
  # The checker counts only errors under the test folder as the plugin's; errors in the Roomote roots count too.
  if grep -E "^($HERE|$ROOT/roomote-core|$ROOT/roomote-spi|$ROOT/roomote-sandbox|$ROOT/roomote-agents|$ROOT/job-types|$ROOT/jenkins-bridge)/.*: error:" "${TC_WORK:-/tmp/jenkins-tc}/last-javac.log"; then rc=1; fi
fi
exit $rc
