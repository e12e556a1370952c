package io.roomote.controller;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller's decisions, one {@link Controller#tick()} at a time. The launcher and the queue are in-memory
 * doubles of our own interfaces ({@link WorkerLauncher}, {@link PendingJobs}); the clock is a settable one. Real
 * processes and PostgreSQL are in ProcessLauncherTest and the runner's ControllerProcessTest.
 */
class ControllerTest {

    /** An engine in memory: workers are alive until the test ends them. */
    static class FakeLauncher implements WorkerLauncher {
        final Map<String, LaunchedWorker> alive = new LinkedHashMap<>();
        final Map<String, Integer> exited = new LinkedHashMap<>();
        final List<WorkerSpec> specs = new ArrayList<>();
        int launchAttempts;
        String failWith;

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public LaunchedWorker launch(WorkerSpec spec) throws IOException {
            launchAttempts++;
            if (failWith != null) {
                throw new IOException(failWith);
            }
            specs.add(spec);
            LaunchedWorker w = new LaunchedWorker("id-" + specs.size(), spec.workerName(), Instant.EPOCH);
            alive.put(spec.workerName(), w);
            return w;
        }

        @Override
        public List<LaunchedWorker> alive(String controllerId) {
            return List.copyOf(alive.values());
        }

        @Override
        public List<ReapedWorker> reap(String controllerId) {
            List<ReapedWorker> r = new ArrayList<>();
            exited.forEach((name, code) -> r.add(new ReapedWorker(name, name, code == null ? OptionalInt.empty() : OptionalInt.of(code))));
            exited.clear();
            return r;
        }

        void exit(String name, Integer code) {
            alive.remove(name);
            exited.put(name, code);
        }

        String newest() {
            return specs.get(specs.size() - 1).workerName();
        }
    }

    /** The queue in memory: claimable jobs and which workers hold one. */
    static final class FakeQueue implements PendingJobs {
        int claimable;
        final Set<String> holders = new HashSet<>();
        int reclaims;

        @Override
        public int claimable(int limit) {
            return Math.min(limit, claimable);
        }

        @Override
        public Set<String> leaseHolders(Collection<String> workerNames) {
            Set<String> s = new HashSet<>(holders);
            s.retainAll(workerNames);
            return s;
        }

        @Override
        public void reclaimExpiredLeases() {
            reclaims++;
        }

        /** A starting worker claims a job: one fewer claimable, it holds a lease. */
        void claim(String worker) {
            claimable--;
            holders.add(worker);
        }
    }

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    FakeLauncher launcher;
    FakeQueue queue;
    MutableClock clock;
    Controller controller;

    @BeforeEach
    void setUp() {
        launcher = new FakeLauncher();
        queue = new FakeQueue();
        clock = new MutableClock();
        controller = controller(3);
    }

    private Controller controller(int maxWorkers) {
        return new Controller(new ControllerSettings("ctl-1", "process", maxWorkers, Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofSeconds(8)), launcher, queue,
                new WorkerEnvironment(Map.of("GH_TOKEN", "ghp_secret", "JOB_TIMEOUT", "5m", "PATH", "/usr/bin",
                        "DATABASE_URL", "postgresql://u:p@db/roomote", "ROOMOTE_API_TOKEN", "api-token-0123456789",
                        "PORT", "3001")), clock);
    }

    @Test
    void startsOneWorkerPerPendingJobUpToMaxWorkers() {
        queue.claimable = 10;
        ControllerState s = controller.tick();
        assertThat(launcher.alive).hasSize(3);
        assertThat(s.alive()).isEqualTo(3);
        assertThat(s.starting()).isEqualTo(3);
        assertThat(s.launched()).isEqualTo(3);

        // Nothing changed: no worker more, however often it looks.
        controller.tick();
        controller.tick();
        assertThat(launcher.launchAttempts).isEqualTo(3);
    }

    @Test
    void startingWorkersCoverPendingJobsSoNoSecondWorkerIsStartedForTheSameJob() {
        queue.claimable = 1;
        controller.tick();
        assertThat(launcher.alive).hasSize(1);
        controller.tick(); // the worker has not claimed yet: the job is still pending, and covered
        assertThat(launcher.launchAttempts).isEqualTo(1);

        queue.claimable = 2; // a second job arrives
        controller.tick();
        assertThat(launcher.alive).hasSize(2);
    }

    @Test
    void aWorkerThatClaimedFreesThePendingCountAndAnExitedOneFreesItsSlot() {
        queue.claimable = 5;
        controller.tick();
        List<String> first = List.copyOf(launcher.alive.keySet());
        first.forEach(queue::claim); // all three claimed: 2 pending left, no room
        ControllerState s = controller.tick();
        assertThat(s.alive()).isEqualTo(3);
        assertThat(s.starting()).isZero();
        assertThat(s.pending()).isEqualTo(2);
        assertThat(launcher.launchAttempts).isEqualTo(3);

        launcher.exit(first.get(0), 0);
        queue.holders.remove(first.get(0));
        s = controller.tick();
        assertThat(launcher.launchAttempts).isEqualTo(4);
        assertThat(s.alive()).isEqualTo(3);
        assertThat(s.failedStarts()).isZero();
    }

    @Test
    void countsWorkersOfAnEarlierControllerAndStartsNoExtra() {
        // What a restarted controller finds: three workers alive in the engine (one still starting), 10 pending.
        for (int i = 1; i <= 3; i++) {
            launcher.alive.put("old-" + i, new LaunchedWorker("pid" + i, "old-" + i, Instant.EPOCH));
        }
        queue.holders.add("old-1");
        queue.holders.add("old-2");
        queue.claimable = 8;
        ControllerState s = controller.tick();
        assertThat(launcher.launchAttempts).isZero();
        assertThat(s.alive()).isEqualTo(3);
        assertThat(s.starting()).isEqualTo(1);

        // One of them ends (exit code unknown: not this controller's child): one new worker, not more.
        launcher.exit("old-1", null);
        queue.holders.remove("old-1");
        s = controller.tick();
        assertThat(launcher.launchAttempts).isEqualTo(1);
        assertThat(s.alive()).isEqualTo(3);
        assertThat(s.failedStarts()).isZero();
    }

    @Test
    void failedLaunchesBackOffExponentiallyUpToTheCapAndRecover() {
        queue.claimable = 2;
        launcher.failWith = "cannot run /nonexistent";
        ControllerState s = controller.tick();
        assertThat(launcher.launchAttempts).isEqualTo(1); // the first failure stops this round
        assertThat(s.failedStarts()).isEqualTo(1);
        assertThat(s.lastFailure()).contains("cannot run /nonexistent");
        assertThat(s.backoffUntil()).isEqualTo(clock.now.plusSeconds(1));

        // Looking again during the pause starts nothing.
        clock.advance(Duration.ofMillis(500));
        controller.tick();
        assertThat(launcher.launchAttempts).isEqualTo(1);

        // Pauses of 1, 2, 4, 8, 8 s: each ends with one more attempt, never a burst.
        List<Duration> pauses = new ArrayList<>();
        Instant until = s.backoffUntil();
        for (int i = 0; i < 5; i++) {
            clock.now = until;
            ControllerState t = controller.tick();
            pauses.add(Duration.between(clock.now, t.backoffUntil()));
            until = t.backoffUntil();
        }
        assertThat(pauses).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(8), Duration.ofSeconds(8));
        assertThat(launcher.launchAttempts).isEqualTo(6);

        // The engine works again: after the pause, workers start and the pause is over.
        launcher.failWith = null;
        clock.now = until;
        s = controller.tick();
        assertThat(launcher.alive).hasSize(2);
        assertThat(s.backoffUntil()).isNull();
        assertThat(s.failedStarts()).isEqualTo(6);
    }

    @Test
    void aWorkerThatExitsWithAnErrorBeforeClaimingIsAFailedStart() {
        queue.claimable = 1;
        controller.tick();
        String w = launcher.newest();
        launcher.exit(w, 1);
        ControllerState s = controller.tick();
        assertThat(s.failedStarts()).isEqualTo(1);
        assertThat(s.lastFailure()).contains(w).contains("code 1");
        assertThat(s.backoffUntil()).isNotNull();
        assertThat(launcher.launchAttempts).isEqualTo(1); // not replaced during the pause

        clock.advance(Duration.ofSeconds(1));
        controller.tick();
        assertThat(launcher.launchAttempts).isEqualTo(2);
    }

    @Test
    void aWorkerThatHeldAJobAndThenFailedIsNoFailedStart() {
        queue.claimable = 1;
        controller.tick();
        String w = launcher.newest();
        queue.claim(w);
        controller.tick();
        launcher.exit(w, 137); // killed mid-job: its lease expires and the queue takes the job back
        queue.holders.remove(w);
        ControllerState s = controller.tick();
        assertThat(s.failedStarts()).isZero();
        assertThat(s.backoffUntil()).isNull();
        assertThat(queue.reclaims).isEqualTo(3);
    }

    @Test
    void aWorkerThatFoundNothingAndExitedCleanlyIsNoFailure() {
        queue.claimable = 1;
        controller.tick();
        queue.claimable = 0; // another runner took the job
        launcher.exit(launcher.newest(), 0);
        ControllerState s = controller.tick();
        assertThat(s.failedStarts()).isZero();
        assertThat(s.alive()).isZero();
        assertThat(launcher.launchAttempts).isEqualTo(1);
    }

    @Test
    void anEngineThatCannotBeAskedStartsNothingAndIsReported() {
        WorkerLauncher broken = new FakeLauncher() {
            @Override
            public List<LaunchedWorker> alive(String controllerId) {
                throw new IllegalStateException("engine down");
            }
        };
        Controller c = new Controller(new ControllerSettings("ctl-1", "process", 3, Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofSeconds(8)), broken, queue, new WorkerEnvironment(Map.of()), clock);
        queue.claimable = 3;
        ControllerState s = c.tick();
        assertThat(((FakeLauncher) broken).launchAttempts).isZero();
        assertThat(s.lastFailure()).contains("engine down");
    }

    @Test
    void specsCarrySettingsAndSecretsApartAndNameTheWorker() {
        queue.claimable = 2;
        controller.tick();
        WorkerSpec spec = launcher.specs.get(0);
        assertThat(spec.controllerId()).isEqualTo("ctl-1");
        assertThat(spec.workerName()).startsWith("roomote-ctl-1-").matches("[a-z0-9-]{1,63}");
        assertThat(spec.environment()).containsEntry("JOB_TIMEOUT", "5m")
                .containsEntry("ROOMOTE_RUNNER_ID", spec.workerName())
                .containsEntry("ROOMOTE_CONTROLLER_ID", "ctl-1")
                .containsEntry("MAX_WORKERS", "1")
                .doesNotContainKeys("PATH", "GH_TOKEN", "DATABASE_URL", "PORT");
        assertThat(spec.secrets()).containsEntry("GH_TOKEN", "ghp_secret")
                .containsEntry("DATABASE_URL", "postgresql://u:p@db/roomote")
                .doesNotContainKey("ROOMOTE_API_TOKEN");
        assertThat(spec.toString()).doesNotContain("ghp_secret");
        assertThat(launcher.specs.get(1).workerName()).isNotEqualTo(spec.workerName());
    }

    @Test
    void neverMoreThanMaxWorkersOverManyRandomRounds() {
        java.util.Random random = new java.util.Random(42);
        queue.claimable = 40;
        int maxSeen = 0;
        for (int round = 0; round < 500 && (queue.claimable > 0 || !launcher.alive.isEmpty()); round++) {
            controller.tick();
            maxSeen = Math.max(maxSeen, launcher.alive.size());
            for (String w : List.copyOf(launcher.alive.keySet())) {
                int r = random.nextInt(4);
                if (r == 0 && !queue.holders.contains(w) && queue.claimable > 0) {
                    queue.claim(w);
                } else if (r == 1 && queue.holders.contains(w)) {
                    queue.holders.remove(w);
                    launcher.exit(w, 0);
                } else if (r == 2 && !queue.holders.contains(w) && queue.claimable == 0) {
                    launcher.exit(w, 0); // nothing left for it
                }
            }
            clock.advance(Duration.ofMillis(100));
        }
        assertThat(maxSeen).isEqualTo(3);
        assertThat(queue.claimable).isZero();
        assertThat(launcher.alive).isEmpty();
    }
}
