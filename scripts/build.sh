#!/usr/bin/env bash
# Builds Roomote's images, as the original's scripts/build.sh did. Tags them; never pushes.
#
#   scripts/build.sh base         roomote/runner:<tag> (Dockerfile): roomote.jar for every role — api, controller,
#                                 worker; the image the other targets start from
#   scripts/build.sh api          the same runner image (the API is `roomote/runner:<tag> api`)
#   scripts/build.sh controller   the same runner image (the controller is `roomote/runner:<tag> controller`)
#   scripts/build.sh worker       roomote/worker:<tag> (Dockerfile.worker): the runner plus git, gh, VS Code with
#                                 Roo Code, Node and the agent CLIs — the agents' image; needs `base` first
#
# <tag> is ROOMOTE_IMAGE_TAG, else the project's version from pom.xml without -SNAPSHOT (0.1.0); each image is
# tagged :latest too (ROOMOTE_WORKER_IMAGE and ROOMOTE_WORKER_RUNNER_IMAGE default to :latest).
# ROOMOTE_DOCKER=podman builds with podman. Extra arguments go to `docker build` (e.g. --build-arg WITH_VSCODE=false).
set -euo pipefail

usage() {
  echo "usage: $0 base|api|controller|worker [docker build options…]" >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
target="$1"
shift
case "$target" in
  base|api|controller|worker) ;;
  -h|--help|help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  *) usage ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
docker="${ROOMOTE_DOCKER:-docker}"
case "$docker" in
  docker|podman) ;;
  *) echo "$0: ROOMOTE_DOCKER must be docker or podman, got '$docker'" >&2; exit 2 ;;
esac
command -v "$docker" >/dev/null 2>&1 || { echo "$0: '$docker' is not on the PATH: install it, or set ROOMOTE_DOCKER=docker|podman" >&2; exit 2; }

if [[ -n "${ROOMOTE_IMAGE_TAG:-}" ]]; then
  tag="$ROOMOTE_IMAGE_TAG"
else
  # The project's own <version>: the first one at the top level of the root pom (indented by two spaces).
  version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -n 1)"
  [[ -n "$version" ]] || { echo "$0: no <version> found in $root/pom.xml: set ROOMOTE_IMAGE_TAG" >&2; exit 2; }
  tag="${version%-SNAPSHOT}"
fi
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "$0: '$tag' is not a valid image tag (ROOMOTE_IMAGE_TAG)" >&2; exit 2; }

build_runner() {
  echo "building roomote/runner:$tag with $docker" >&2
  "$docker" build -f "$root/Dockerfile" -t "roomote/runner:$tag" -t roomote/runner:latest "$@" "$root"
}

case "$target" in
  base)
    build_runner "$@" ;;
  api|controller)
    build_runner "$@"
    echo "$target: run it as roomote/runner:$tag $target" >&2 ;;
  worker)
    echo "building roomote/worker:$tag on roomote/runner:$tag with $docker" >&2
    "$docker" build -f "$root/Dockerfile.worker" --build-arg "RUNNER_IMAGE=roomote/runner:$tag" \
      -t "roomote/worker:$tag" -t roomote/worker:latest "$@" "$root" ;;
esac
