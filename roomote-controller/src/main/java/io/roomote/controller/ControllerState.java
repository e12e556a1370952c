package io.roomote.controller;

import java.time.Instant;

/**
 * What the controller knows after its latest look, for {@code /api/health} and the dashboard.
 *
 * @param alive          workers alive now, as the engine reports them (plus ones just launched it does not list yet)
 * @param starting       of those, the ones that hold no job yet: each is about to claim one pending job
 * @param pending        jobs that could be claimed now (counted up to 1000)
 * @param launched       workers this controller started since it started
 * @param failedStarts   launches that failed, and workers that exited with an error before claiming a job
 * @param lastFailure    what went wrong last (a launch, a worker's exit, the engine or the database); null if nothing
 * @param lastFailureAt  when; null if nothing
 * @param backoffUntil   no worker is started before this, after failed starts; null when not backing off
 * @param checkedAt      time of the latest look; null before the first
 */
public record ControllerState(String controllerId, String launcher, int maxWorkers, int alive, int starting,
                              int pending, long launched, long failedStarts, String lastFailure, Instant lastFailureAt,
                              Instant backoffUntil, Instant checkedAt) {
}
