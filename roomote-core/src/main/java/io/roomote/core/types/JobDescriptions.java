package io.roomote.core.types;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.jobs.Job;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobDescription;
import io.roomote.spi.JobType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Asks a job's type how to speak of it ({@link JobType#describe}) with the stored payload and result, so that
 * Slack threads and comments never read a type's fields themselves. A type that is not installed here, a
 * payload that no longer binds, or a type that throws gives no description: the caller then says
 * "Running {@code <type>}".
 */
public final class JobDescriptions implements Function<Job, Optional<JobDescription>> {

    private static final Logger log = LoggerFactory.getLogger(JobDescriptions.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final JobTypeRegistry types;
    private final ObjectMapper mapper;
    private final Configuration config;

    public JobDescriptions(JobTypeRegistry types, ObjectMapper mapper, Configuration config) {
        this.types = types;
        // Stored payloads may carry fields a newer version added: describe what binds.
        this.mapper = mapper.copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.config = config;
    }

    /** None: every job is "Running {@code <type>}" (tests, and callers without job types). */
    public static Function<Job, Optional<JobDescription>> none() {
        return job -> Optional.empty();
    }

    @Override
    public Optional<JobDescription> apply(Job job) {
        Optional<JobType<?, ?>> type = types.find(job.type());
        if (type.isEmpty() || job.payload() == null || !job.payload().isObject()) {
            return Optional.empty();
        }
        try {
            return describe(type.get(), job);
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            log.debug("job {}: its type {} could not describe it", job.id(), job.type(), e);
            return Optional.empty();
        }
    }

    /** The agent the job's type says it drives, or empty (no type, a payload that does not bind, none named). */
    public Optional<String> agentOf(Job job) {
        Optional<JobType<?, ?>> type = types.find(job.type());
        if (type.isEmpty() || job.payload() == null || !job.payload().isObject()) {
            return Optional.empty();
        }
        try {
            return agent(type.get(), job);
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            log.debug("job {}: its type {} could not name its agent", job.id(), job.type(), e);
            return Optional.empty();
        }
    }

    private <P> Optional<String> agent(JobType<P, ?> type, Job job) throws com.fasterxml.jackson.core.JsonProcessingException {
        P payload = mapper.treeToValue(job.payload(), type.payloadType());
        return payload == null ? Optional.empty() : type.agent(payload, config);
    }

    private <P> Optional<JobDescription> describe(JobType<P, ?> type, Job job)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        P payload = mapper.treeToValue(job.payload(), type.payloadType());
        Optional<Map<String, Object>> result = job.result() != null && job.result().isObject()
                ? Optional.of(mapper.convertValue(job.result(), MAP)) : Optional.empty();
        return payload == null ? Optional.empty() : type.describe(payload, result, config);
    }
}
