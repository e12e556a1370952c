package io.roomote.jenkins;

import hudson.Extension;
import hudson.ExtensionList;
import hudson.init.Terminator;
import hudson.util.ClassLoaderSanityThreadFactory;
import hudson.util.DaemonThreadFactory;
import hudson.util.NamingThreadFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The plugin's threads, owned by one extension instead of static pools, and shut down with Jenkins.
 * <ul>
 *   <li>{@link #steps()}: one thread per running {@code roomoteFix} call (it waits for the worker on the node).
 *       Unbounded like workflow-step-api's own {@code SynchronousNonBlockingStepExecution.getExecutorService()}
 *       (a cached pool): the number of calls is already bounded by the executors and the Roomote cap. Its thread
 *       factory is wrapped in core's {@link ClassLoaderSanityThreadFactory}, as that pool's is, so a new thread
 *       does not inherit the context class loader of the CPS VM thread that submitted to it (JENKINS-49206:
 *       the Pipeline script's class loader would otherwise leak through the pool's threads).</li>
 *   <li>{@link #events()}: one thread handling GitHub deliveries in order, off the webhook's request thread.</li>
 * </ul>
 */
@Extension
public class RoomoteThreads {

    private final ExecutorService steps = Executors.newCachedThreadPool(
            new NamingThreadFactory(new ClassLoaderSanityThreadFactory(new DaemonThreadFactory()), "roomoteFix"));
    private final ExecutorService events = Executors.newSingleThreadExecutor(
            new NamingThreadFactory(new ClassLoaderSanityThreadFactory(new DaemonThreadFactory()), "roomote-github-events"));

    static RoomoteThreads get() {
        return ExtensionList.lookupSingleton(RoomoteThreads.class);
    }

    ExecutorService steps() {
        return steps;
    }

    ExecutorService events() {
        return events;
    }

    @Terminator
    public static void shutdown() {
        RoomoteThreads t = ExtensionList.lookup(RoomoteThreads.class).get(RoomoteThreads.class);
        if (t != null) {
            t.events.shutdownNow();
            t.steps.shutdown();
        }
    }
}
