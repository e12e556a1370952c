# syntax=docker/dockerfile:1
#
# roomote/runner — the standalone runner (roomote.jar) for every role, chosen by the arguments:
#   docker run roomote/runner:0.1.0              # serve: API + worker pool (needs DATABASE_URL or a volume)
#   docker run roomote/runner:0.1.0 api          # the REST API only (port 3001)
#   docker run roomote/runner:0.1.0 controller   # starts single-job workers (ROOMOTE_LAUNCHER)
#   docker run roomote/runner:0.1.0 worker       # a worker pool; `worker --once`: one job, then exit
# Build: scripts/build.sh base (or: docker build -t roomote/runner:0.1.0 .).
#
# The image holds no secret: no ARG or ENV carries a token, key or password, and .dockerignore keeps .env out of
# the build context. Settings and secrets come from the environment at run time (compose's .env, a Kubernetes
# Secret, the controller's 0600 --env-file).
#
# It carries git (Roomote clones and pushes itself), bubblewrap and socat (the default agent sandbox and its
# bridges) and a static docker CLI (for `controller` with ROOMOTE_LAUNCHER=docker, which then needs the host's
# Docker socket mounted into the controller — never into workers). It carries no agent: a worker that runs
# agents in its own container uses roomote/worker (Dockerfile.worker), which is built on this image.
#
# Base images are pinned by exact tag. A digest (@sha256:…) would be stronger, but none could be looked up where
# this was written (no registry access, no Docker engine): pin digests when you build.
# NOT BUILT OR RUN where this was written; validated only by parsing (DeployFilesTest).

FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# Only the runner and the modules it needs (-pl … -am); tests run in CI, not in the image build. The Maven
# repository is a BuildKit cache, so it is neither downloaded again each build nor part of any layer.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -ntp -DskipTests -pl standalone-runner -am package \
 && cp standalone-runner/target/roomote.jar /tmp/roomote.jar

# The docker CLI only (a static binary), for the controller's docker launcher.
FROM docker:28.3.3-cli AS docker-cli

FROM eclipse-temurin:17.0.16_8-jre-noble AS runner
ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    ROOMOTE_HOME=/var/lib/roomote
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bubblewrap socat ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 roomote \
 && useradd --uid 10001 --gid 10001 --home-dir /home/roomote --create-home --shell /usr/sbin/nologin roomote \
 && mkdir -p /opt/roomote /var/lib/roomote \
 && chown roomote:roomote /var/lib/roomote
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=build /tmp/roomote.jar /opt/roomote/roomote.jar
# Numeric, so that Kubernetes' runAsNonRoot can verify it (a user name cannot be checked).
USER 10001:10001
WORKDIR /home/roomote
VOLUME ["/var/lib/roomote"]
# The API's port (PORT); the dashboard is on the same port at /admin/queues.
EXPOSE 3001
ENTRYPOINT ["java","-jar","/opt/roomote/roomote.jar"]
CMD ["serve"]
