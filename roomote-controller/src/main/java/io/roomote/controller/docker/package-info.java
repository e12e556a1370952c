/**
 * The {@code docker} launcher ({@code ROOMOTE_LAUNCHER=docker}): one {@code docker run --rm} (or podman) container
 * of the runner image per single-job worker, found again by its labels.
 */
package io.roomote.controller.docker;
