package io.roomote.core.util;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Small thread helpers the background parts of Roomote share. */
public final class Threads {

    private Threads() {
    }

    /** Sleeps; an interrupt ends the sleep early and is kept on the thread. */
    public static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets queued work finish for up to {@code seconds}, then stops the executor. */
    public static void drainAndStop(ExecutorService executor, long seconds) {
        executor.shutdown();
        try {
            executor.awaitTermination(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }

    /** A daemon thread factory naming its threads {@code name}. */
    public static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
