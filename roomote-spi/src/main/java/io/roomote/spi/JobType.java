package io.roomote.spi;

import java.util.List;
import java.util.Optional;

/**
 * A kind of work Roomote can queue and run, such as {@code github.issue.fix}.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/io.roomote.spi.JobType} of a jar on the classpath or in
 * {@code $ROOMOTE_HOME/plugins/}. An implementation must have a public no-argument constructor and
 * must be safe to call from several worker threads at once.
 *
 * @param <P> the payload: a record (or bean) that Jackson can bind from the job's JSON payload
 * @param <R> the result: anything Jackson can serialise; it is stored in {@code cloud_jobs.result}
 */
public interface JobType<P, R> {

    /** Stable identifier stored in {@code cloud_jobs.type}, e.g. {@code github.issue.fix}. Never change it. */
    String id();

    /** The class the JSON payload is bound to before {@link #validate} and {@link #run}. */
    Class<P> payloadType();

    /**
     * Every problem with a payload, each with the path of the field it concerns. An empty list means the
     * payload is acceptable. Called before anything is written, so a rejected job never exists.
     */
    default List<ValidationProblem> validate(P payload) {
        return List.of();
    }

    /**
     * What this runner's configuration lacks for jobs of this type, one sentence each, naming the setting and
     * which jobs cannot run without it (e.g. {@code GH_TOKEN is not set: every job is refused}). Logged as
     * warnings at start; empty (the default) when nothing is missing.
     */
    default List<String> missingConfiguration(Configuration config) {
        return List.of();
    }

    /**
     * Why this valid payload cannot run with this runner's configuration (a missing token, an agent without its
     * key), each with the path of the field it concerns ({@code ""} for the payload as a whole). Checked at
     * enqueue after {@link #validate}: a job that can only fail is refused before anything is written.
     */
    default List<ValidationProblem> configurationProblems(P payload, Configuration config) {
        return List.of();
    }

    /**
     * A key that makes this job unique while it is pending or processing (e.g. {@code owner/repo#123}):
     * enqueueing a second job with the same key returns the first one. Empty means no de-duplication.
     */
    default Optional<String> dedupeKey(P payload) {
        return Optional.empty();
    }

    /**
     * A key under which at most one job runs at a time (e.g. {@code owner/repo#7}: the review rounds on one pull
     * request). A job whose key has a job processing stays pending until that job ends, and jobs sharing a key
     * are claimed in the order they are due. Unlike {@link #dedupeKey}, a second job is queued behind the first,
     * not merged into it. Empty (the default) means no such limit.
     */
    default Optional<String> concurrencyKey(P payload) {
        return Optional.empty();
    }

    /**
     * What lists and searches may filter this job by, as names and values: e.g. {@code repo} and {@code issue} for
     * a job about a GitHub issue (the API's and dashboard's {@code repo=} and {@code issue=} filters match these).
     * Stored with the job at enqueue; the platform never reads a payload's fields itself. Names are lower case
     * ({@code [a-z][a-z0-9_.-]*}, at most 40 characters), at most 20 labels; a value is stored cut to 200 characters.
     * Empty (the default): none.
     */
    default java.util.Map<String, String> labels(P payload) {
        return java.util.Map.of();
    }

    /**
     * How Roomote speaks of this job in Slack threads and comments: what it does, what it works on, and (once it
     * has a result) what it made. Empty (the default) makes Roomote say "Running {@code <type>}". Called on the
     * runner's threads with stored data: it must not block and must not throw.
     *
     * @param result the stored result as JSON-like maps and lists, or empty while the job has none
     * @param config this runner's configuration (e.g. a server address for links)
     */
    default Optional<JobDescription> describe(P payload, Optional<java.util.Map<String, Object>> result, Configuration config) {
        return Optional.empty();
    }

    /**
     * The coding agent this job drives (e.g. {@code "codex"}), named in the Slack thread's first message; empty
     * (the default) for a job without one. Called like {@link #describe}: stored data, must not block or throw.
     */
    default Optional<String> agent(P payload, Configuration config) {
        return Optional.empty();
    }

    /**
     * Does the work. Must honour {@link JobContext#cancellation()}: return or throw promptly once it fires
     * (cancelled by a user, deadline reached, lease lost or runner shutting down).
     *
     * @return the result to store with the completed job
     * @throws JobFailedException to fail with a clear message, saying whether another attempt could help
     * @throws Exception anything else; {@link #isRetryable(Throwable)} decides whether it is retried
     */
    R run(P payload, JobContext context) throws Exception;

    /**
     * Whether a failure is worth another attempt. The default retries I/O trouble and failures the type
     * itself marked retryable; everything else (bad input, the agent gave up, bugs) is final.
     */
    default boolean isRetryable(Throwable failure) {
        if (failure instanceof JobFailedException jobFailed) {
            return jobFailed.retryable();
        }
        return failure instanceof java.io.IOException || failure instanceof java.io.UncheckedIOException;
    }
}
