package io.roomote.core.events;

import io.roomote.core.jobs.Job;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Whether anything listens decides whether the worker pool reads a finished job's row again. */
class JobEventListenerTest {

    private static final JobEventListener HEARS = new JobEventListener() {
    };

    @Test
    void nothingListensWhenNoListenerOrOnlySilentOnesAreGiven() {
        assertThat(JobEventListener.NONE.listens()).isFalse();
        assertThat(JobEventListener.all(List.of()).listens()).isFalse();
        assertThat(JobEventListener.all(List.of(JobEventListener.NONE, JobEventListener.all(List.of()))).listens()).isFalse();
        assertThat(JobEventListener.all(List.of(JobEventListener.NONE, HEARS)).listens()).isTrue();
    }

    /** The runner composes its listeners before runner extensions hand theirs to a forwarder. */
    @Test
    void aForwarderGivenItsTargetsLaterIsHeardFromThen() {
        AtomicReference<JobEventListener> targets = new AtomicReference<>(JobEventListener.NONE);
        JobEventListener forwarder = new JobEventListener() {
            @Override
            public void jobFinished(Job job) {
                targets.get().jobFinished(job);
            }

            @Override
            public boolean listens() {
                return targets.get().listens();
            }
        };
        JobEventListener all = JobEventListener.all(List.of(JobEventListener.NONE, forwarder));
        assertThat(all.listens()).isFalse();

        targets.set(HEARS);
        assertThat(all.listens()).isTrue();
    }
}
