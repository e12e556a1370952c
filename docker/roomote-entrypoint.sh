#!/bin/sh
# Entry point of roomote/worker (Dockerfile.worker). The image serves three callers:
#  - the docker and kubernetes launchers start `IMAGE worker --once` (a Roomote command: run roomote.jar);
#  - Roomote's docker SANDBOX mode starts `IMAGE /bin/sh -c <bridge script> …` (run it as given);
#  - Jenkins' Docker Pipeline starts `IMAGE cat` and works through `docker exec` (run it as given).
# So a first argument that is one of Roomote's commands or an option goes to roomote.jar; anything else runs.
set -e
case "${1:-}" in
  serve|api|worker|controller|migrate|enqueue|help|-*)
    exec java -jar /opt/roomote/roomote.jar "$@" ;;
  "")
    exec java -jar /opt/roomote/roomote.jar worker --once ;;
  *)
    exec "$@" ;;
esac
