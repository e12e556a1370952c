package io.roomote.runner.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/metrics.md and docs/grafana-roomote.json agree with what {@code /metrics} serves: the dashboard is JSON
 * and queries only documented metrics, and every {@code roomote_} metric a real runner serves is documented.
 */
class MetricsDocumentationTest {

    private static final Path DOCS = Path.of("..", "docs");
    private static final Pattern METRIC = Pattern.compile("\\b((?:roomote|hikaricp|jvm|process|system)_[a-z0-9_]+)");
    private static final Pattern SUFFIX = Pattern.compile("_(bucket|count|sum|max)$");

    @TempDir
    Path home;

    @Test
    void theDashboardQueriesOnlyDocumentedMetricsAndTheRunnerServesOnlyDocumentedOnes() throws Exception {
        Set<String> documented = documented();
        JsonNode dashboard = RunnerFixture.MAPPER.readTree(Files.readString(DOCS.resolve("grafana-roomote.json")));
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher m = METRIC.matcher(target.get("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertThat(queried).hasSizeGreaterThan(10);
        assertThat(queried).allSatisfy(q -> assertThat(isDocumented(q, documented)).as("%s is documented", q).isTrue());

        try (RunnerFixture runner = new RunnerFixture(home, Map.of(), RoomoteService.Role.SERVE)) {
            long id = runner.enqueue("example.hello", "{\"name\":\"docs\"}");
            runner.awaitStatus(id, "completed");
            Set<String> served = Scrape.parse(runner.get("/metrics").raw().body()).names();
            assertThat(served.stream().filter(n -> n.startsWith("roomote_")))
                    .isNotEmpty().allSatisfy(n -> assertThat(isDocumented(n, documented)).as("%s is documented", n).isTrue());
            // What the dashboard queries is really served, but for the series that exist only once their event
            // happened (webhooks, agent tokens, Slack/GitHub calls, lease reclaims, timeouts, a GC pause — a short
            // run on a large heap may have had none).
            Set<String> eventOnly = Set.of("roomote_agent_tokens_total", "roomote_agent_cost_usd_total",
                    "roomote_webhook_deliveries_total", "roomote_integration_calls_total", "roomote_lease_reclaims_total",
                    "hikaricp_connections_timeout_total", "jvm_gc_pause_seconds_sum");
            assertThat(queried.stream().filter(q -> !eventOnly.contains(q)))
                    .allSatisfy(q -> assertThat(served).as("served metrics").contains(q));
        }
    }

    private static Set<String> documented() throws Exception {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(DOCS.resolve("metrics.md"))) {
            if (line.startsWith("| `")) {
                Matcher m = METRIC.matcher(line);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    private static boolean isDocumented(String name, Set<String> documented) {
        return documented.contains(name) || documented.contains(SUFFIX.matcher(name).replaceAll(""));
    }
}
