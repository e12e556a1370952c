package io.roomote.bench.peers.jobrunr;

import io.roomote.bench.StartProbe;

/** JobRunr's job: a method call JobRunr records from a lambda and invokes on the instance its activator gives. */
public final class NoopJob {

    private final StartProbe probe;

    NoopJob(StartProbe probe) {
        this.probe = probe;
    }

    public void run(long seq) {
        probe.started(seq, System.nanoTime());
    }
}
