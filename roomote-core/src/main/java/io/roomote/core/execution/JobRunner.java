package io.roomote.core.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.config.Durations;
import io.roomote.core.logging.SecretRedactor;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.core.types.PayloadBinder;
import io.roomote.core.util.Threads;
import io.roomote.spi.Cancellation;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobCancelledException;
import io.roomote.spi.JobFailedException;
import io.roomote.spi.JobLogger;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs one attempt of one job: binds the payload, gives the job type a context (log, cancellation,
 * deadline, work directory, configuration), enforces the deadline with a grace period, and turns whatever
 * happened into a {@link JobOutcome}. Knows nothing of the queue, so a Jenkins build can use it directly.
 */
public final class JobRunner {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final JobTypeRegistry registry;
    private final PayloadBinder binder;
    private final ObjectMapper mapper;
    private final Configuration config;
    private final SecretRedactor redactor;
    private final Path workRoot;
    private final Duration cancelGrace;
    private final ScheduledExecutorService timers;
    private final ModelCallSink modelCalls;
    /** Reused threads for attempts: starting a thread per job showed on the pickup path. */
    private final ExecutorService jobThreads = Executors.newCachedThreadPool(Threads.daemon("roomote-job-idle"));

    /** A runner whose jobs' model calls are only lines in their logs ({@link ModelCallSink#NONE}). */
    public JobRunner(JobTypeRegistry registry, ObjectMapper mapper, Configuration config, SecretRedactor redactor,
                     Path workRoot, Duration cancelGrace, ScheduledExecutorService timers) {
        this(registry, mapper, config, redactor, workRoot, cancelGrace, timers, ModelCallSink.NONE);
    }

    /** @param modelCalls keeps every model call a job reports through {@code JobContext.modelCalls()} */
    public JobRunner(JobTypeRegistry registry, ObjectMapper mapper, Configuration config, SecretRedactor redactor,
                     Path workRoot, Duration cancelGrace, ScheduledExecutorService timers, ModelCallSink modelCalls) {
        this.modelCalls = java.util.Objects.requireNonNull(modelCalls, "modelCalls");
        this.registry = registry;
        this.binder = new PayloadBinder(mapper);
        this.mapper = mapper;
        this.config = config;
        this.redactor = redactor;
        this.workRoot = workRoot;
        this.cancelGrace = cancelGrace;
        this.timers = timers;
    }

    public JobOutcome run(JobRequest request) {
        JobLogger jobLog = (level, line) -> request.logSink().write(request.jobId(), request.attempt(), level,
                redactor.redact(line));
        JobType<?, ?> type = registry.find(request.type()).orElse(null);
        if (type == null) {
            return failed(jobLog, "unknown job type '" + request.type() + "'; this runner knows: "
                    + String.join(", ", registry.ids()), false, null);
        }
        return runTyped(type, request, jobLog);
    }

    /**
     * The link of what a finished job made, from its type's own description (stored as {@code made_url}, so lists
     * and "finished as" never read a result's fields). A type that cannot describe it made nothing with a link.
     */
    private <P> String madeUrl(JobType<P, ?> type, P payload, JsonNode result, long jobId) {
        if (result == null || !result.isObject()) {
            return null;
        }
        try {
            java.util.Map<String, Object> fields = mapper.convertValue(result,
                    new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, Object>>() { });
            return type.describe(payload, java.util.Optional.of(fields), config)
                    .flatMap(io.roomote.spi.JobDescription::made)
                    .map(made -> made.link().url())
                    .filter(url -> !url.isBlank())
                    .map(url -> url.length() > 2000 ? null : url)
                    .orElse(null);
        } catch (RuntimeException e) {
            log.debug("job {}: its type {} could not describe what it made", jobId, type.id(), e);
            return null;
        }
    }

    private <P, R> JobOutcome runTyped(JobType<P, R> type, JobRequest request, JobLogger jobLog) {
        PayloadBinder.Binding<P> binding = binder.bind(type, request.payload(), "payload");
        if (!binding.ok()) {
            String problems = binding.problems().stream().map(ValidationProblem::toString)
                    .collect(Collectors.joining("; "));
            return failed(jobLog, "invalid payload: " + problems, false, null);
        }
        CancellationSignal signal = request.cancellation();
        Instant deadline = Instant.now().plus(request.timeout());
        jobLog.info("attempt " + request.attempt() + " of job " + request.jobId() + " (" + type.id() + ") started;"
                + " deadline in " + Durations.describe(request.timeout()));

        ScheduledFuture<?> deadlineTimer = timers.schedule(() -> signal.fire(Cancellation.Reason.TIMED_OUT),
                request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<R> work = new CompletableFuture<>();
        CompletableFuture<Void> graceOver = new CompletableFuture<>();
        RunningJobContext context = new RunningJobContext(request.jobId(), request.attempt(), jobLog, signal, deadline,
                cancelGrace, workRoot, config, modelCalls, redactor);
        AtomicReference<Thread> runningOn = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        signal.onCancel(() -> timers.schedule(() -> graceOver.complete(null), cancelGrace.toMillis(), TimeUnit.MILLISECONDS));
        java.util.Map<String, String> mdc = io.roomote.core.logging.JobMdc.capture();
        jobThreads.execute(() -> {
            io.roomote.core.logging.JobMdc.restore(mdc);
            Thread current = Thread.currentThread();
            String poolName = current.getName();
            current.setName("roomote-job-" + request.jobId());
            runningOn.set(current);
            try {
                work.complete(type.run(binding.payload(), context));
            } catch (Throwable t) {
                work.completeExceptionally(t);
            } finally {
                runningOn.set(null);
                Thread.interrupted(); // a pooled thread must not carry this job's interrupt into the next
                current.setName(poolName);
                org.slf4j.MDC.clear();
                ended.countDown();
            }
        });
        try {
            CompletableFuture.anyOf(work, graceOver).join();
        } catch (RuntimeException ignored) {
            // the work failed; inspected below
        } finally {
            deadlineTimer.cancel(false);
        }

        JobOutcome outcome;
        if (!work.isDone()) {
            Thread stuck = runningOn.get();
            if (stuck != null) {
                stuck.interrupt();
            }
            Cancellation.Reason reason = signal.reason().orElseThrow();
            outcome = new JobOutcome.Stopped(reason, stopMessage(reason, request.timeout()), null, true);
            jobLog.error("the job did not stop within " + Durations.describe(cancelGrace) + " of being asked to ("
                    + reason.name().toLowerCase(java.util.Locale.ROOT) + "); it was abandoned");
            log.warn("job {} did not stop within the grace period; its thread is abandoned", request.jobId());
        } else {
            outcome = outcomeOf(type, binding.payload(), work, signal, request, jobLog);
            awaitQuietly(ended); // the future completes a moment before the task ends
        }
        Path workDir = context.createdWorkDir();
        if (workDir != null && ended.getCount() == 0) {
            deleteQuietly(workDir);
        }
        return outcome;
    }

    private <P, R> JobOutcome outcomeOf(JobType<P, R> type, P payload, CompletableFuture<R> work,
                                        CancellationSignal signal, JobRequest request, JobLogger jobLog) {
        Throwable failure;
        try {
            JsonNode result = toJson(work.getNow(null));
            jobLog.info("attempt " + request.attempt() + " succeeded");
            return new JobOutcome.Succeeded(result, madeUrl(type, payload, result, request.jobId()));
        } catch (CompletionException e) {
            failure = e.getCause();
        } catch (IllegalStateException e) {
            return failed(jobLog, e.getMessage(), false, null);
        }
        JsonNode result = failure instanceof JobFailedException jfe ? toJson(jfe.result()) : null;
        Optional<Cancellation.Reason> reason = signal.reason();
        if (reason.isPresent()) {
            // Whatever it threw, a job that ends after being asked to stop was stopped.
            String message = stopMessage(reason.get(), request.timeout());
            jobLog.warn(message);
            return new JobOutcome.Stopped(reason.get(), message, result, false);
        }
        if (failure instanceof JobFailedException || failure instanceof JobCancelledException) {
            return failed(jobLog, failure.getMessage(), type.isRetryable(failure), result);
        }
        log.warn("job {} attempt {} failed", request.jobId(), request.attempt(), failure);
        return failed(jobLog, describe(failure), type.isRetryable(failure), result);
    }

    static String stopMessage(Cancellation.Reason reason, Duration timeout) {
        return switch (reason) {
            case CANCELLED -> "cancelled by request";
            case TIMED_OUT -> "timed out after " + Durations.describe(timeout);
            case LEASE_LOST -> "stopped: the job's lease was taken back by the queue";
            case SHUTDOWN -> "stopped: the runner is shutting down; the job goes back to the queue";
        };
    }

    private JobOutcome failed(JobLogger jobLog, String message, boolean retryable, JsonNode result) {
        String safe = redactor.redact(message);
        jobLog.error("attempt failed" + (retryable ? " (retryable)" : "") + ": " + safe);
        return new JobOutcome.Failed(safe, retryable, result);
    }

    private static String describe(Throwable t) {
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
    }

    private JsonNode toJson(Object value) {
        if (value == null) {
            return null;
        }
        try {
            // Round-trip through text so that secrets in any string of the result are masked.
            return mapper.readTree(redactor.redact(mapper.writeValueAsString(value)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the job's result cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void awaitQuietly(CountDownLatch ended) {
        try {
            ended.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("could not delete work directory {}: {}", dir, e.getMessage());
        }
    }
}
