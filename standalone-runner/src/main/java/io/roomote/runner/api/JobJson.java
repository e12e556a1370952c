package io.roomote.runner.api;

import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.spi.ModelCall;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The API's view of jobs: the original's fields and names first, then what Roomote adds. */
final class JobJson {

    private JobJson() {
    }

    static Map<String, Object> of(Job job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", job.id());
        m.put("type", job.type());
        m.put("status", job.status().dbValue());
        m.put("payload", job.payload());
        m.put("result", job.result());
        m.put("error", job.error());
        m.put("createdAt", iso(job.createdAt()));
        m.put("startedAt", iso(job.startedAt()));
        m.put("completedAt", iso(job.completedAt()));
        m.put("enqueuedJobId", job.enqueuedJobId());
        m.put("attempts", job.attempts());
        m.put("maxAttempts", job.maxAttempts());
        m.put("runAt", iso(job.runAt()));
        m.put("cancelRequested", job.cancelRequested());
        m.put("dedupeKey", job.dedupeKey());
        m.put("workerId", job.leaseOwner());
        m.put("heartbeatAt", iso(job.heartbeatAt()));
        m.put("labels", job.labels());
        m.put("madeUrl", job.madeUrl());
        return m;
    }

    static Map<String, Object> of(JobLogLine line) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", line.seq());
        m.put("attempt", line.attempt());
        m.put("level", line.level());
        m.put("line", line.line());
        m.put("at", iso(line.loggedAt()));
        return m;
    }

    static Map<String, Object> of(ModelCallRepository.StoredModelCall stored) {
        ModelCall call = stored.call();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", stored.id());
        m.put("run", stored.run());
        m.put("at", iso(call.at()));
        m.put("provider", call.provider());
        m.put("model", call.model());
        m.put("tokensIn", call.tokensIn());
        m.put("tokensOut", call.tokensOut());
        m.put("costUsd", call.costUsd());
        m.put("status", call.status());
        m.put("durationMs", call.durationMs());
        m.put("error", call.error());
        return m;
    }

    static Map<String, Object> of(ModelCallRepository.Totals totals) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("calls", totals.calls());
        m.put("tokensIn", totals.tokensIn());
        m.put("tokensOut", totals.tokensOut());
        m.put("costUsd", totals.costUsd());
        return m;
    }

    private static String iso(Instant t) {
        return t == null ? null : t.toString();
    }

}
