package io.roomote.jobs.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.extension.WebhookHandler;
import io.roomote.core.extension.WebhookRequest;
import io.roomote.core.extension.WebhookResponse;
import io.roomote.core.queue.EnqueueRequest;
import io.roomote.core.queue.InvalidJobException;
import io.roomote.core.queue.JobQueue;
import io.roomote.core.queue.StorableText;
import io.roomote.core.slack.SlackMessages;
import io.roomote.core.slack.SlackNotifier;
import io.roomote.jobs.github.revise.PullRequestRevisePayload;
import io.roomote.jobs.github.revise.RevisionRounds;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * {@code POST /api/webhooks/github}: verifies the signature over the raw body, records the delivery (a
 * redelivery gets the first answer and creates nothing), applies the trigger policy and enqueues — nothing
 * slow, so GitHub gets its answer at once. The signature is this endpoint's authentication: it takes no
 * bearer token. The runner serves it at {@link #PATH} and bounds the body's size.
 */
public final class GitHubWebhookHandler implements WebhookHandler {

    public static final String PATH = "/api/webhooks/github";
    static final String FIX_TYPE = "github.issue.fix";
    /** GitHub's delivery ids are GUIDs and its event names words: printable ASCII is plenty, and storable. */
    private static final java.util.regex.Pattern HEADER_TOKEN = java.util.regex.Pattern.compile("[\\x21-\\x7e]{1,100}");

    private static final Logger log = LoggerFactory.getLogger(GitHubWebhookHandler.class);

    private final Optional<WebhookSignature> signature;
    private final TriggerPolicy policy;
    private final JobQueue queue;
    private final DeliveryRepository deliveries;
    private final IssueSlackThreads threads;
    private final Optional<SlackNotifier> slack;
    private final SlackMessages slackMessages;
    private final ObjectMapper mapper;
    private final io.micrometer.core.instrument.MeterRegistry meters;
    private final ReviewTriggers review;
    private final ReviseTrigger revise;

    public GitHubWebhookHandler(Configuration config, JobQueue queue, DeliveryRepository deliveries, IssueSlackThreads threads,
                                Optional<SlackNotifier> slack, ObjectMapper mapper) {
        this(config, queue, deliveries, threads, slack, mapper, new io.micrometer.core.instrument.composite.CompositeMeterRegistry());
    }

    /** @param meters counts deliveries by event and decision ({@code roomote.webhook.deliveries}) */
    public GitHubWebhookHandler(Configuration config, JobQueue queue, DeliveryRepository deliveries, IssueSlackThreads threads,
                                Optional<SlackNotifier> slack, ObjectMapper mapper, io.micrometer.core.instrument.MeterRegistry meters) {
        this(config, queue, deliveries, threads, slack, mapper, meters, Optional.empty());
    }

    /**
     * @param pullRequests asks GitHub about a pull request before a review round starts on it; empty (no GitHub
     *                     credentials): mentions on pull requests are refused with that reason
     */
    public GitHubWebhookHandler(Configuration config, JobQueue queue, DeliveryRepository deliveries, IssueSlackThreads threads,
                                Optional<SlackNotifier> slack, ObjectMapper mapper, io.micrometer.core.instrument.MeterRegistry meters,
                                Optional<PullRequestLookup> pullRequests) {
        this.meters = meters;
        this.review = ReviewTriggers.from(config);
        this.revise = new ReviseTrigger(pullRequests, RevisionRounds.max(config));
        Optional<String> secret = config.get("GH_WEBHOOK_SECRET");
        boolean wanted = config.get("GITHUB_WEBHOOKS").map(Boolean::parseBoolean).orElse(secret.isPresent());
        if (wanted && secret.isEmpty()) {
            throw new ConfigurationException("GITHUB_WEBHOOKS=true but GH_WEBHOOK_SECRET is not set: without a secret anyone"
                    + " could start agents with your token. Set GH_WEBHOOK_SECRET to the secret of the GitHub webhook.");
        }
        this.signature = wanted ? secret.map(WebhookSignature::new) : Optional.empty();
        this.policy = TriggerPolicy.from(config, mapper);
        this.queue = queue;
        this.deliveries = deliveries;
        this.threads = threads;
        this.slack = slack;
        this.slackMessages = new SlackMessages();
        this.mapper = mapper;
        if (signature.isEmpty()) {
            log.info("GitHub webhooks are off (no GH_WEBHOOK_SECRET)");
        }
    }

    public boolean enabled() {
        return signature.isPresent();
    }

    @Override
    public WebhookResponse handle(WebhookRequest request) {
        String event = request.header("X-GitHub-Event").orElse(null);
        if (signature.isEmpty()) {
            return answer(event, 404, error("webhooks_disabled", "GitHub webhooks are off: set GH_WEBHOOK_SECRET to enable them"));
        }
        String contentType = request.header("Content-Type").orElse(null);
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return answer(event, 415, error("unsupported_media_type", "set the webhook's content type to application/json"));
        }
        byte[] body = request.body();
        switch (signature.get().verify(body, request.header("X-Hub-Signature-256").orElse(null))) {
            case MISSING -> {
                return answer(event, 400, error("missing_signature", null));
            }
            case INVALID -> {
                return answer(event, 401, error("invalid_signature", null));
            }
            case VALID -> {
                // go on
            }
        }
        JsonNode payload;
        try {
            payload = mapper.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(body);
        } catch (IOException e) {
            return answer(event, 400, error("bad_request", "the body is not JSON"));
        }
        String delivery = request.header("X-GitHub-Delivery").orElse(null);
        if (delivery == null || !HEADER_TOKEN.matcher(delivery).matches()) {
            return answer(event, 400, error("missing_delivery_id", "X-GitHub-Delivery is required: up to 100 printable ASCII characters"));
        }
        if (event != null && !HEADER_TOKEN.matcher(event).matches()) {
            return answer(event, 400, error("bad_request", "X-GitHub-Event must be up to 100 printable ASCII characters"));
        }
        JsonNode actionNode = payload.path("action");
        String action = actionNode.isTextual() ? actionNode.textValue() : null;
        if (action != null && (action.length() > 100 || StorableText.problem(action).isPresent())) {
            return answer(event, 400, error("bad_request", "the payload's action is not a GitHub action name"));
        }
        DeliveryRepository.Claim claim = deliveries.claim(delivery, String.valueOf(event), action);
        if (!claim.mine()) {
            // A redelivery, or a duplicate still being handled: the first answer, and nothing new.
            DeliveryRepository.Answer earlier = claim.earlier().orElse(new DeliveryRepository.Answer(200,
                    mapper.createObjectNode().put("message", "delivery_in_progress")));
            count(event, "redelivery");
            return WebhookResponse.json(earlier.status(), earlier.body());
        }
        Handled handled;
        try {
            handled = decide(event, payload, delivery);
            deliveries.answer(delivery, handled.status, handled.body, handled.jobId);
        } catch (ReviseTrigger.GitHubUnavailable e) {
            // GitHub could not be asked about the pull request: nothing decided, so a redelivery may try again.
            deliveries.release(delivery);
            log.warn("webhook {}: {}", delivery, e.getMessage());
            return answer(event, 502, error("github_unavailable", e.getMessage()));
        } catch (RuntimeException e) {
            // Leave the delivery retryable: GitHub's redelivery of this id must run it again, not be told
            // delivery_in_progress forever. (A job already inserted is then found by its dedupe key.)
            try {
                deliveries.release(delivery);
            } catch (RuntimeException releaseFailed) {
                e.addSuppressed(releaseFailed);
            }
            throw e;
        }
        count(event, handled.body.path("message").asText("handled"));
        return WebhookResponse.json(handled.status, handled.body);
    }

    private record Handled(int status, ObjectNode body, Long jobId) {
    }

    private Handled decide(String event, JsonNode payload, String delivery) {
        WebhookDecision decision = WebhookEvents.decide(event, payload, policy, review);
        if (decision instanceof WebhookDecision.RevisePullRequest request) {
            return reviseRound(request, delivery);
        }
        if (decision instanceof WebhookDecision.FixIssue fix) {
            ObjectNode jobPayload = mapper.createObjectNode();
            jobPayload.put("repo", fix.repo()).put("issue", fix.issue()).put("title", fix.title()).put("body", fix.body());
            jobPayload.set("labels", mapper.valueToTree(fix.labels()));
            try {
                JobQueue.Enqueued enqueued = queue.enqueue(new EnqueueRequest(FIX_TYPE, jobPayload, null, null));
                log.info("webhook {} ({}): {} job {} for {}#{}", delivery, fix.trigger(),
                        enqueued.created() ? "enqueued" : "already active:", enqueued.job().id(), fix.repo(), fix.issue());
                ObjectNode body = mapper.createObjectNode()
                        .put("message", enqueued.created() ? "job_enqueued" : "job_already_active")
                        .put("jobId", enqueued.job().id()).put("enqueuedJobId", enqueued.job().enqueuedJobId());
                return new Handled(200, body, enqueued.job().id());
            } catch (InvalidJobException e) {
                log.warn("webhook {}: the issue cannot become a job: {}", delivery, e.getMessage());
                return new Handled(200, mapper.createObjectNode().put("message", "trigger_rejected")
                        .put("reason", StorableText.replaceUnstorable(e.getMessage())), null);
            }
        }
        if (decision instanceof WebhookDecision.Reject reject) {
            log.info("webhook {}: trigger rejected: {}", delivery, reject.reason());
            return new Handled(200, mapper.createObjectNode().put("message", "trigger_rejected")
                    .put("reason", StorableText.replaceUnstorable(reject.reason())), null);
        }
        if (decision instanceof WebhookDecision.PullRequestOpened pr) {
            Optional<IssueSlackThreads.SlackThread> thread = threads.newestOf(FIX_TYPE, pr.repo(), pr.issue());
            if (thread.isEmpty() || slack.isEmpty()) {
                return new Handled(200, mapper.createObjectNode().put("message", "no_job_or_slack_thread_found"), null);
            }
            slack.get().replyInThread(thread.get().jobId(), thread.get().ts(), slackMessages.made(
                    new JobDescription.Made("Pull request created", new JobDescription.Link("PR #" + pr.number(), pr.url()))));
            return new Handled(200, mapper.createObjectNode().put("message", "slack_notification_sent"), thread.get().jobId());
        }
        WebhookDecision.Ignore ignore = (WebhookDecision.Ignore) decision;
        return new Handled(200, mapper.createObjectNode().put("message", ignore.message()), null);
    }

    /** A review round asked for: checked with GitHub (Roomote's PR, open, rounds left), then enqueued. */
    private Handled reviseRound(WebhookDecision.RevisePullRequest request, String delivery) {
        ReviseTrigger.Verdict verdict = revise.check(request);
        if (verdict instanceof ReviseTrigger.Verdict.Refused refused) {
            log.info("webhook {}: review round refused: {}", delivery, refused.reason());
            return rejected(refused.reason());
        }
        int pr = ((ReviseTrigger.Verdict.Accepted) verdict).pr();
        ObjectNode jobPayload = mapper.createObjectNode();
        jobPayload.put("repo", request.repo()).put("pr", pr).put("trigger", request.trigger())
                .put("triggerId", request.triggerId());
        if (request.requestedBy() != null) {
            jobPayload.put("requestedBy", request.requestedBy());
        }
        try {
            JobQueue.Enqueued enqueued = queue.enqueue(new EnqueueRequest(PullRequestRevisePayload.TYPE, jobPayload, null, null));
            log.info("webhook {} ({}): {} job {} for {}#{}", delivery, request.trigger(),
                    enqueued.created() ? "enqueued" : "already active:", enqueued.job().id(), request.repo(), pr);
            ObjectNode body = mapper.createObjectNode()
                    .put("message", enqueued.created() ? "job_enqueued" : "job_already_active")
                    .put("jobId", enqueued.job().id()).put("enqueuedJobId", enqueued.job().enqueuedJobId());
            return new Handled(200, body, enqueued.job().id());
        } catch (InvalidJobException e) {
            log.warn("webhook {}: the review round cannot become a job: {}", delivery, e.getMessage());
            return rejected(e.getMessage());
        }
    }

    private Handled rejected(String reason) {
        return new Handled(200, mapper.createObjectNode().put("message", "trigger_rejected")
                .put("reason", StorableText.replaceUnstorable(reason)), null);
    }

    private ObjectNode error(String code, String message) {
        ObjectNode n = mapper.createObjectNode().put("error", code);
        if (message != null) {
            n.put("message", message);
        }
        return n;
    }

    private WebhookResponse answer(String event, int status, ObjectNode body) {
        count(event, body.path("error").asText("error"));
        return WebhookResponse.json(status, body);
    }

    /** One delivery answered: by its event (known names only) and what became of it (a fixed set of words). */
    private void count(String event, String decision) {
        String known = event != null && KNOWN_EVENTS.contains(event) ? event : "other";
        io.micrometer.core.instrument.Counter.builder("roomote.webhook.deliveries")
                .description("GitHub webhook deliveries, by event and decision").tag("event", known)
                .tag("decision", decision).register(meters).increment();
    }

    private static final java.util.Set<String> KNOWN_EVENTS = java.util.Set.of("issues", "issue_comment", "pull_request", "ping",
            "pull_request_review", "pull_request_review_comment", "check_run", "check_suite");
}
