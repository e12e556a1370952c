package io.roomote.core.events;

import io.roomote.core.jobs.Job;

/**
 * Hears a job start and finish (Slack, GitHub issue comments, metrics). Called on worker threads: a
 * listener must return at once and never fail the job — do slow work (HTTP) in the background.
 */
public interface JobEventListener {

    /** The job was claimed and its attempt is starting; {@code job} is the claimed row. */
    default void jobStarted(Job job) {
    }

    /** The job reached a terminal status; {@code job} is the stored row with its result and error. */
    default void jobFinished(Job job) {
    }

    /**
     * Whether this listener hears anything. The worker pool reads a finished job's stored row only for a
     * listener that does: a round trip per job saved when nothing listens.
     */
    default boolean listens() {
        return true;
    }

    JobEventListener NONE = new JobEventListener() {
        @Override
        public boolean listens() {
            return false;
        }
    };

    /**
     * All of {@code listeners}, each shielded from the others' failures. It listens while one of them does, asked
     * each time: a forwarding listener may be given its targets after the pool starts.
     */
    static JobEventListener all(java.util.List<JobEventListener> listeners) {
        return new JobEventListener() {
            @Override
            public boolean listens() {
                for (JobEventListener l : listeners) {
                    if (l.listens()) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public void jobStarted(Job job) {
                for (JobEventListener l : listeners) {
                    try {
                        l.jobStarted(job);
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(JobEventListener.class).warn("a job listener failed: {}", e.toString());
                    }
                }
            }

            @Override
            public void jobFinished(Job job) {
                for (JobEventListener l : listeners) {
                    try {
                        l.jobFinished(job);
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(JobEventListener.class).warn("a job listener failed: {}", e.toString());
                    }
                }
            }
        };
    }
}
