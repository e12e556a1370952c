package io.roomote.jobs.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Trigger decisions on realistic GitHub webhook payloads (test resources github/*.json). */
class WebhookEventsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final TriggerPolicy defaults = TriggerPolicy.from(Settings.of(Map.of()), MAPPER);

    static JsonNode payload(String name) {
        try (var in = WebhookEventsTest.class.getResourceAsStream("/github/" + name + ".json")) {
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anIssueOpenedByAMemberStartsAFixWithItsTitleBodyAndLabels() {
        WebhookDecision d = WebhookEvents.decide("issues", payload("issues-opened"), defaults);

        assertThat(d).isEqualTo(new WebhookDecision.FixIssue("acme/app", 42, "Login button misaligned on mobile",
                "The login button overflows its container below 400px.\n\nSteps: open /login on a phone.",
                List.of("bug", "frontend"), "issues.opened"));
    }

    @Test
    void anIssueWithoutBodyOrLabelsGivesEmptyOnes() {
        WebhookDecision d = WebhookEvents.decide("issues", payload("issues-opened-no-body"), defaults);

        assertThat(d).isInstanceOfSatisfying(WebhookDecision.FixIssue.class, f -> {
            assertThat(f.body()).isEmpty();
            assertThat(f.labels()).isEmpty();
            assertThat(f.issue()).isEqualTo(43);
        });
    }

    @Test
    void strangersAndBotsAreRefusedWithAReason() {
        assertThat(WebhookEvents.decide("issues", payload("issues-opened-by-stranger"), defaults))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason())
                        .isEqualTo("author association NONE of stranger is not allowed (allowed: COLLABORATOR, MEMBER, OWNER)"));
        assertThat(WebhookEvents.decide("issues", payload("issues-opened-by-bot"), defaults))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason()).contains("dependabot[bot]"));
    }

    @Test
    void theTriggerLabelAndTheMentionStartAFixToo() {
        assertThat(WebhookEvents.decide("issues", payload("issues-labeled"), defaults))
                .isInstanceOfSatisfying(WebhookDecision.FixIssue.class, f -> assertThat(f.trigger()).isEqualTo("issues.labeled"));
        assertThat(WebhookEvents.decide("issue_comment", payload("issue-comment-created"), defaults))
                .isInstanceOfSatisfying(WebhookDecision.FixIssue.class, f -> assertThat(f.trigger()).isEqualTo("issue_comment.created"));

        ObjectNode otherLabel = (ObjectNode) payload("issues-labeled");
        ((ObjectNode) otherLabel.get("label")).put("name", "wontfix");
        assertThat(WebhookEvents.decide("issues", otherLabel, defaults)).isInstanceOf(WebhookDecision.Ignore.class);
    }

    @Test
    void roomotesOwnCommentsAndPlainCommentsNeverTrigger() {
        ObjectNode own = (ObjectNode) payload("issue-comment-created");
        ((ObjectNode) own.get("comment")).put("body", WebhookEvents.OWN_COMMENT_MARKER + "\nRoomote is on it: @roomote fix");
        ObjectNode plain = (ObjectNode) payload("issue-comment-created");
        ((ObjectNode) plain.get("comment")).put("body", "thanks!");

        assertThat(WebhookEvents.decide("issue_comment", own, defaults)).isInstanceOf(WebhookDecision.Ignore.class);
        assertThat(WebhookEvents.decide("issue_comment", plain, defaults)).isInstanceOf(WebhookDecision.Ignore.class);
    }

    @Test
    void aPullRequestThatClosesAnIssueIsRecognised() {
        assertThat(WebhookEvents.decide("pull_request", payload("pull-request-opened"), defaults))
                .isEqualTo(new WebhookDecision.PullRequestOpened("acme/app", 42, "https://github.com/acme/app/pull/57", 57));
        assertThat(WebhookEvents.referencedIssue("Resolves #7 and fixes #8")).contains(7);
        assertThat(WebhookEvents.referencedIssue("prefix#7")).isEmpty();
    }

    @Test
    void anIssueNumberBeyondAnIntIsRefusedNotTruncated() {
        ObjectNode big = (ObjectNode) payload("issues-opened");
        ((ObjectNode) big.get("issue")).put("number", 4_294_971_538L);
        ObjectNode text = (ObjectNode) payload("issues-opened");
        ((ObjectNode) text.get("issue")).put("number", "42");

        assertThat(WebhookEvents.decide("issues", big, defaults))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason()).contains("4294971538"));
        assertThat(WebhookEvents.decide("issues", text, defaults)).isInstanceOf(WebhookDecision.Reject.class);
    }

    @Test
    void aReferenceToAnImpossibleIssueNumberIsNoReference() {
        assertThat(WebhookEvents.referencedIssue("fixes #99999999999")).isEmpty();
        assertThat(WebhookEvents.referencedIssue("fixes #2147483648, closes #12")).contains(12);
        assertThat(WebhookEvents.referencedIssue("fixes #2147483647")).contains(Integer.MAX_VALUE);
        ObjectNode pr = (ObjectNode) payload("pull-request-opened");
        ((ObjectNode) pr.get("pull_request")).put("title", "fixes #99999999999").put("body", "");
        assertThat(WebhookEvents.decide("pull_request", pr, defaults)).isInstanceOfSatisfying(WebhookDecision.Ignore.class,
                i -> assertThat(i.message()).isEqualTo("no_issue_reference_found"));
    }

    @Test
    void aRepositoryThatIsNoGitHubNameIsRefused() {
        for (String name : List.of("a/.", "a/-", "acme/a\u0000pp", "acme", "a/b/c")) {
            ObjectNode p = (ObjectNode) payload("issues-opened");
            ((ObjectNode) p.get("repository")).put("full_name", name);
            assertThat(WebhookEvents.decide("issues", p, defaults)).as(name).isInstanceOf(WebhookDecision.Reject.class);
        }
    }

    @Test
    void pingAndUnusedEventsAreIgnored() {
        assertThat(WebhookEvents.decide("ping", payload("ping"), defaults)).isEqualTo(new WebhookDecision.Ignore("pong", "ping"));
        assertThat(WebhookEvents.decide("push", payload("ping"), defaults))
                .isInstanceOfSatisfying(WebhookDecision.Ignore.class, i -> assertThat(i.message()).isEqualTo("event_ignored"));
        ObjectNode closed = (ObjectNode) payload("issues-opened");
        closed.put("action", "closed");
        assertThat(WebhookEvents.decide("issues", closed, defaults))
                .isInstanceOfSatisfying(WebhookDecision.Ignore.class, i -> assertThat(i.message()).isEqualTo("action_ignored"));
    }

    @Test
    void thePolicyLimitsRepositoriesLabelsAndAssociationsPerRepository(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.json");
        Files.writeString(file, "{\"repos\": {\"acme/app\": {\"requiredLabel\": \"roomote-ok\", \"allowedAssociations\": [\"OWNER\"]}}}",
                StandardCharsets.UTF_8);
        TriggerPolicy policy = TriggerPolicy.from(Settings.of(Map.of("ROOMOTE_ALLOWED_REPOS", "acme/*,other/one",
                "ROOMOTE_TRIGGER_POLICY_FILE", file.toString())), MAPPER);

        assertThat(WebhookEvents.decide("issues", payload("issues-opened"), policy))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason()).contains("MEMBER"));
        ObjectNode elsewhere = (ObjectNode) payload("issues-opened");
        ((ObjectNode) elsewhere.get("repository")).put("full_name", "evil/app");
        assertThat(WebhookEvents.decide("issues", elsewhere, policy))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason()).contains("ROOMOTE_ALLOWED_REPOS"));
        ObjectNode byOwner = (ObjectNode) payload("issue-comment-created");
        assertThat(WebhookEvents.decide("issue_comment", byOwner, policy))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason()).contains("roomote-ok"));
    }

    @Test
    void signaturesAreCheckedOverTheRawBody() {
        WebhookSignature sig = new WebhookSignature("It's a Secret to Everybody");
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);

        // The example from GitHub's documentation on validating webhook deliveries.
        assertThat(sig.header(body)).isEqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        assertThat(sig.verify(body, sig.header(body))).isEqualTo(WebhookSignature.Verdict.VALID);
        assertThat(sig.verify(body, null)).isEqualTo(WebhookSignature.Verdict.MISSING);
        assertThat(sig.verify(body, "sha256=00")).isEqualTo(WebhookSignature.Verdict.INVALID);
        assertThat(sig.verify(body, "sha1=abc")).isEqualTo(WebhookSignature.Verdict.INVALID);
        assertThat(sig.verify("Hello, World?".getBytes(StandardCharsets.UTF_8), sig.header(body)))
                .isEqualTo(WebhookSignature.Verdict.INVALID);
    }
}
