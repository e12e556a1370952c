package io.roomote.core.worker;

import io.roomote.core.store.JobRepository;

import java.time.Duration;
import java.util.List;

/**
 * What one check for expired leases did ({@link WorkerPool#runOneReclaim()}).
 *
 * @param reclaimed   the jobs whose expired leases were taken back, and when each is due again
 * @param nextCheckIn when the pool's timer would check again: shortly after the earliest lease expiry known, at
 *                    most a heartbeat interval
 */
public record ReclaimRound(List<JobRepository.Reclaimed> reclaimed, Duration nextCheckIn) {
}
