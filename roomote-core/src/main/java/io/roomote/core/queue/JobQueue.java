package io.roomote.core.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.metrics.JobMetrics;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobPage;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobRepository;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.core.types.PayloadBinder;
import io.roomote.core.jobs.RetryPolicy;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every way in (REST API, webhooks, CLI, Jenkins) does with jobs: enqueue after validation, look up,
 * list, cancel, retry, read logs. Invalid input is refused before anything is written.
 */
public final class JobQueue {

    /** An enqueued job, and whether it is new or an active job with the same dedupe key. */
    public record Enqueued(Job job, boolean created) {
    }

    /** What a cancel request did. */
    public enum CancelOutcome { CANCELLED, CANCEL_REQUESTED, ALREADY_FINISHED, NOT_FOUND }

    public record CancelResult(CancelOutcome outcome, Job job) {
    }

    /** What a retry request did. */
    public enum RetryOutcome { REQUEUED, NOT_RETRYABLE, DUPLICATE_ACTIVE, NOT_FOUND }

    public record RetryResult(RetryOutcome outcome, Job job) {
    }

    /** What a delete request did. */
    public enum DeleteOutcome { DELETED, ACTIVE, NOT_FOUND }

    public record DeleteResult(DeleteOutcome outcome, Job job) {
    }

    private final JobRepository jobs;
    private final JobSearchRepository search;
    private final JobLogRepository logs;
    private final JobTypeRegistry registry;
    private final PayloadBinder binder;
    private final RetryPolicy retry;
    private final Configuration config;
    private final JobMetrics metrics;
    private final EnqueueBatcher inserts;

    /** @param config this runner's settings: a job its type cannot run with them is refused at enqueue */
    public JobQueue(JobRepository jobs, JobSearchRepository search, JobLogRepository logs, JobTypeRegistry registry,
                    ObjectMapper mapper, RetryPolicy retry, Configuration config) {
        this(jobs, search, logs, registry, mapper, retry, config, JobMetrics.none());
    }

    /** As the other constructor, counting enqueued jobs in {@code metrics}. */
    public JobQueue(JobRepository jobs, JobSearchRepository search, JobLogRepository logs, JobTypeRegistry registry,
                    ObjectMapper mapper, RetryPolicy retry, Configuration config, JobMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.jobs = jobs;
        this.inserts = new EnqueueBatcher(jobs, retry.maxAttempts());
        this.search = search;
        this.logs = logs;
        this.registry = registry;
        this.binder = new PayloadBinder(mapper);
        this.retry = retry;
    }

    public JobTypeRegistry registry() {
        return registry;
    }

    /**
     * Validates and enqueues. The dedupe key is the request's, else the one the job type derives from the
     * payload.
     *
     * @throws InvalidJobException for an unknown type or a bad payload; nothing is written then
     */
    public Enqueued enqueue(EnqueueRequest request) {
        // Every way in (API, webhook, CLI) ends here: nothing PostgreSQL would refuse or mangle gets to the insert.
        NewJob job = validated(request);
        // Enqueues under way together share a statement and a commit (EnqueueBatcher); a lone one is one round trip.
        JobRepository.Inserted inserted = inserts.insert(job);
        if (inserted.created()) {
            metrics.enqueued(request.type());
        }
        return new Enqueued(inserted.job(), inserted.created());
    }

    /**
     * Validates every request, then enqueues all of them in one transaction with one multi-row insert and one
     * wake-up of idle workers. All or nothing: when any request is invalid, nothing is written and the
     * exception lists every problem, each path prefixed with the item's index ({@code jobs[3].payload.repo}).
     * Dedupe keys work as in {@link #enqueue}: an item whose key an active job holds gets that job; of items
     * sharing a key within the batch, the first is enqueued and the later ones get its job. Answers are in the
     * order of {@code requests}.
     *
     * @throws InvalidJobException for an empty list or any invalid item; nothing is written then
     */
    public List<Enqueued> enqueueAll(List<EnqueueRequest> requests) {
        if (requests.isEmpty()) {
            throw new InvalidJobException(List.of(new ValidationProblem("jobs", "must list at least one job")));
        }
        List<ValidationProblem> problems = new java.util.ArrayList<>();
        List<NewJob> batch = new java.util.ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            EnqueueRequest request = requests.get(i);
            try {
                batch.add(validated(request));
            } catch (InvalidJobException e) {
                problems.addAll(itemProblems(i, e.problems()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidJobException(problems);
        }
        List<JobRepository.Inserted> inserted = jobs.insertAll(batch, retry.maxAttempts());
        List<Enqueued> answers = new java.util.ArrayList<>(inserted.size());
        for (JobRepository.Inserted in : inserted) {
            if (in.created()) {
                metrics.enqueued(in.job().type());
            }
            answers.add(new Enqueued(in.job(), in.created()));
        }
        return answers;
    }

    /** What {@link #enqueue} would refuse {@code request} for; empty when it would accept it. Writes nothing. */
    public List<ValidationProblem> problems(EnqueueRequest request) {
        try {
            validated(request);
            return List.of();
        } catch (InvalidJobException e) {
            return e.problems();
        }
    }

    /** {@code problems} of the batch's item {@code index}, their paths under {@code jobs[index]}. */
    public static List<ValidationProblem> itemProblems(int index, List<ValidationProblem> problems) {
        String prefix = "jobs[" + index + "]";
        return problems.stream()
                .map(p -> new ValidationProblem(p.path().isEmpty() ? prefix : prefix + "." + p.path(), p.message()))
                .toList();
    }

    /** What {@link #enqueue} checks, as the job to insert. */
    private NewJob validated(EnqueueRequest request) {
        List<ValidationProblem> unstorable = request.unstorable();
        if (!unstorable.isEmpty()) {
            throw new InvalidJobException(unstorable);
        }
        JobType<?, ?> type = registry.find(request.type()).orElseThrow(() -> new InvalidJobException(List.of(
                new ValidationProblem("type", "unknown job type '" + request.type() + "'; known types: "
                        + String.join(", ", registry.ids())))));
        Keys keys = validatedKeys(type, request);
        return new NewJob(request.type(), request.payload(), keys.dedupe(), request.maxAttempts(), keys.concurrency(),
                keys.labels());
    }

    /** The keys a job is stored with: dedupe (merge into an active job) and concurrency (queue behind it). */
    private record Keys(String dedupe, String concurrency, Map<String, String> labels) {
    }

    /**
     * Checks the payload, then returns the request's dedupe key or the one the type derives from the payload, and
     * the type's concurrency key (prefixed with the type like the dedupe key, and bounded the same way).
     */
    private <P> Keys validatedKeys(JobType<P, ?> type, EnqueueRequest request) {
        PayloadBinder.Binding<P> binding = binder.bind(type, request.payload(), "payload");
        if (!binding.ok()) {
            throw new InvalidJobException(binding.problems());
        }
        List<ValidationProblem> unrunnable = type.configurationProblems(binding.payload(), config).stream()
                .map(p -> new ValidationProblem(p.path().isEmpty() ? "payload" : "payload." + p.path(), p.message()))
                .toList();
        if (!unrunnable.isEmpty()) {
            throw new InvalidJobException(unrunnable);
        }
        String concurrency = type.concurrencyKey(binding.payload()).map(k -> bounded(type.id() + ":" + k)).orElse(null);
        Map<String, String> labels = JobLabels.checked(type.id(), type.labels(binding.payload()));
        if (request.dedupeKey() != null) {
            return new Keys(request.dedupeKey(), concurrency, labels);
        }
        return new Keys(type.dedupeKey(binding.payload()).map(k -> bounded(type.id() + ":" + k)).orElse(null),
                concurrency, labels);
    }

    /**
     * A key derived from a payload can be as long as the payload; the unique index on {@code dedupe_key} takes at
     * most ~2.7 kB per entry. A long key is stored as its SHA-256, which keeps "same key, same job".
     */
    static String bounded(String key) {
        if (key.length() <= EnqueueRequest.MAX_DEDUPE_KEY_LENGTH) {
            return key;
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return key.substring(0, 64) + "…sha256:" + java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    public Optional<Job> get(long id) {
        return jobs.find(id);
    }

    /**
     * A page of whole jobs, newest first, that {@code filter} matches: the dashboard's search (its filters and
     * its index-friendly SQL) is the only way jobs are listed; this adds their payloads and results.
     *
     * @param beforeId the cursor: jobs older than this id; null for the newest page
     */
    public JobPage list(JobSearchRepository.Filter filter, Long beforeId, int limit) {
        JobSearchRepository.Page page = search.search(filter, beforeId, null, limit);
        List<Job> found = jobs.findAll(page.jobs().stream().map(JobSearchRepository.Summary::id).toList());
        return new JobPage(found, page.olderCursor());
    }

    public Map<JobStatus, Long> counts() {
        return jobs.countByStatus();
    }

    public CancelResult cancel(long id) {
        Optional<Job> changed = jobs.requestCancel(id);
        if (changed.isPresent()) {
            Job job = changed.get();
            return new CancelResult(job.status() == JobStatus.CANCELLED ? CancelOutcome.CANCELLED
                    : CancelOutcome.CANCEL_REQUESTED, job);
        }
        return jobs.find(id).map(job -> new CancelResult(CancelOutcome.ALREADY_FINISHED, job))
                .orElse(new CancelResult(CancelOutcome.NOT_FOUND, null));
    }

    public RetryResult retry(long id) {
        try {
            Optional<Job> requeued = jobs.requeue(id);
            if (requeued.isPresent()) {
                return new RetryResult(RetryOutcome.REQUEUED, requeued.get());
            }
        } catch (io.roomote.core.store.DuplicateActiveJobException e) {
            return new RetryResult(RetryOutcome.DUPLICATE_ACTIVE, jobs.find(id).orElse(null));
        }
        return jobs.find(id).map(job -> new RetryResult(RetryOutcome.NOT_RETRYABLE, job))
                .orElse(new RetryResult(RetryOutcome.NOT_FOUND, null));
    }

    /** Deletes a finished job and its log; a pending or processing job must be cancelled first. */
    public DeleteResult delete(long id) {
        Optional<Job> deleted = jobs.deleteFinished(id);
        if (deleted.isPresent()) {
            return new DeleteResult(DeleteOutcome.DELETED, deleted.get());
        }
        return jobs.find(id).map(job -> new DeleteResult(DeleteOutcome.ACTIVE, job))
                .orElse(new DeleteResult(DeleteOutcome.NOT_FOUND, null));
    }

    /**
     * Deletes jobs of the given finished statuses that finished more than {@code olderThan} ago, with their logs.
     * Returns how many were deleted.
     */
    public long clean(java.util.Collection<JobStatus> statuses, java.time.Duration olderThan) {
        if (olderThan.isNegative()) {
            throw new IllegalArgumentException("olderThan must not be negative");
        }
        return jobs.deleteFinishedBefore(statuses, java.time.Instant.now().minus(olderThan), 1000);
    }

    public List<JobLogLine> logs(long jobId, long afterSeq, int limit) {
        return logs.read(jobId, afterSeq, limit);
    }
}
