package io.roomote.runner.api;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.RunnerFixture.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Roomote whose settings cannot run a {@code github.issue.fix} job says so at start (one WARN line per missing
 * thing) and refuses such a job at enqueue with a 400 naming the setting, writing nothing — instead of
 * accepting it and failing it later (without a token at pre-flight, without the agent's key after the clone).
 */
class FixJobReadinessTest {

    private static final String TOKEN = "ghp_standInToken0123456789abcdefghijklmn";

    @TempDir
    Path home;

    private RunnerFixture runner;
    private List<String> warnings;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    private void start(String... settings) {
        Map<String, String> s = new HashMap<>(Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl()));
        for (int i = 0; i < settings.length; i += 2) {
            s.put(settings[i], settings[i + 1]);
        }
        Logger logger = (Logger) LoggerFactory.getLogger(RoomoteService.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            runner = new RunnerFixture(home, s, RoomoteService.Role.API);
        } finally {
            logger.detachAppender(appender);
        }
        warnings = appender.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    private long jobCount() {
        return runner.get("/api/jobs?limit=500").json().get("jobs").size();
    }

    private Response enqueueFix(String extra) {
        return runner.post("/api/jobs", "{\"type\":\"github.issue.fix\",\"payload\":{\"repo\":\"acme/app\",\"issue\":7"
                + extra + "}}");
    }

    @Test
    void withoutAGitHubTokenTheStartWarnsAndFixJobsAreRefused() {
        start();

        assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("github.issue.fix: GH_TOKEN (or GITHUB_TOKEN)"
                + " is not set, nor a GitHub App").contains("every job is refused"));

        Response r = enqueueFix("");
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(r.json().at("/details/0/path").asText()).isEqualTo("payload");
        assertThat(r.json().at("/details/0/message").asText()).contains("GH_TOKEN (or GITHUB_TOKEN) is not set");
        assertThat(jobCount()).isZero();

        // Other types are not concerned.
        assertThat(runner.post("/api/jobs", "{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\"}}").status())
                .isEqualTo(200);
    }

    @Test
    void anAgentWithoutItsKeyIsNamedAtStartAndItsJobsAreRefused() {
        start("GH_TOKEN", TOKEN);

        assertThat(warnings).noneSatisfy(w -> assertThat(w).contains("GH_TOKEN"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("github.issue.fix: agent 'codex' needs"
                + " OPENROUTER_API_KEY (or OPENAI_API_KEY)").endsWith("jobs with \"agent\": \"codex\" are refused"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("github.issue.fix: agent 'command' needs"
                + " ROOMOTE_AGENT_COMMAND"));

        Response codex = enqueueFix(",\"agent\":\"codex\"");
        assertThat(codex.status()).as(codex.raw().body()).isEqualTo(400);
        assertThat(codex.json().at("/details/0/path").asText()).isEqualTo("payload.agent");
        assertThat(codex.json().at("/details/0/message").asText()).contains("agent 'codex' needs OPENROUTER_API_KEY");
        Response command = enqueueFix(",\"agent\":\"command\"");
        assertThat(command.status()).isEqualTo(400);
        assertThat(command.json().at("/details/0/message").asText()).contains("ROOMOTE_AGENT_COMMAND");
        assertThat(jobCount()).isZero();

        // The default agent (roo-code) can start without a key of Roomote's: Roo Code may hold its own.
        assertThat(enqueueFix("").status()).isEqualTo(200);
        assertThat(jobCount()).isOne();
    }

    @Test
    void withWhatTheAgentNeedsTheJobIsAccepted() {
        start("GH_TOKEN", TOKEN, "OPENROUTER_API_KEY", "sk-or-v1-standInKey0123456789", "ROOMOTE_AGENT", "codex");

        assertThat(warnings).noneSatisfy(w -> assertThat(w).contains("codex"));

        Response r = enqueueFix("");
        assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
        assertThat(runner.post("/api/jobs", "{\"type\":\"github.issue.fix\",\"payload\":{\"repo\":\"acme/app\","
                + "\"issue\":8,\"agent\":\"opencode\"}}").status()).isEqualTo(200);
        assertThat(jobCount()).isEqualTo(2);
    }

    @Test
    void theDefaultAgentWithoutItsKeyRefusesJobsThatDoNotChooseAnother() {
        start("GH_TOKEN", TOKEN, "ROOMOTE_AGENT", "codex");

        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("agent 'codex' needs")
                .contains("jobs without an \"agent\" (the default, ROOMOTE_AGENT) or with \"agent\": \"codex\" are refused"));

        Response r = enqueueFix("");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/details/0/path").asText()).isEqualTo("payload");
        assertThat(r.json().at("/details/0/message").asText()).contains("agent 'codex' needs OPENROUTER_API_KEY");
        assertThat(jobCount()).isZero();
    }
}
