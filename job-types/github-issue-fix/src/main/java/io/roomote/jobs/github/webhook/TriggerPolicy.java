package io.roomote.jobs.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may start an agent from GitHub, and how. Defaults come from settings; a JSON file
 * ({@code ROOMOTE_TRIGGER_POLICY_FILE}) may override them per repository:
 * {@code {"repos": {"acme/app": {"requiredLabel": "roomote", "allowedAssociations": ["OWNER"]}}}}.
 *
 * @param allowedRepos        repositories allowed ({@code owner/name} or {@code owner/*}); empty = any
 * @param requiredLabel       an issue must carry this label to start an agent (empty = none needed)
 * @param triggerLabel        adding this label starts an agent ({@code issues.labeled})
 * @param mention             a comment containing this starts an agent ({@code issue_comment.created})
 * @param allowedAssociations author associations allowed to start an agent (GitHub's {@code author_association})
 * @param onOpened            whether opening an issue starts an agent (the original's behaviour)
 */
public record TriggerPolicy(List<String> allowedRepos, Optional<String> requiredLabel, Optional<String> triggerLabel,
                            Optional<String> mention, Set<String> allowedAssociations, boolean onOpened,
                            Map<String, TriggerPolicy> perRepo) {

    public static final Set<String> DEFAULT_ASSOCIATIONS =
            java.util.Collections.unmodifiableSortedSet(new TreeSet<>(Set.of("OWNER", "MEMBER", "COLLABORATOR")));

    public static TriggerPolicy from(Configuration c, ObjectMapper mapper) {
        TriggerPolicy defaults = new TriggerPolicy(
                list(c.get("ROOMOTE_ALLOWED_REPOS").orElse("")),
                c.get("ROOMOTE_REQUIRED_LABEL"),
                Optional.of(c.get("ROOMOTE_TRIGGER_LABEL", "roomote")),
                Optional.of(c.get("ROOMOTE_TRIGGER_MENTION", "@roomote fix")),
                c.get("ROOMOTE_ALLOWED_ASSOCIATIONS").map(v -> (Set<String>) new TreeSet<>(list(v.toUpperCase(Locale.ROOT))))
                        .orElse(DEFAULT_ASSOCIATIONS),
                !"false".equalsIgnoreCase(c.get("ROOMOTE_TRIGGER_ON_OPENED", "true")),
                Map.of());
        Optional<String> file = c.get("ROOMOTE_TRIGGER_POLICY_FILE");
        if (file.isEmpty()) {
            return defaults;
        }
        try {
            JsonNode root = mapper.readTree(Files.readString(Path.of(file.get())));
            Map<String, TriggerPolicy> repos = new LinkedHashMap<>();
            root.path("repos").fields().forEachRemaining(e -> repos.put(e.getKey().toLowerCase(Locale.ROOT),
                    defaults.overriddenBy(e.getValue())));
            return new TriggerPolicy(defaults.allowedRepos, defaults.requiredLabel, defaults.triggerLabel, defaults.mention,
                    defaults.allowedAssociations, defaults.onOpened, Map.copyOf(repos));
        } catch (IOException e) {
            throw new ConfigurationException("ROOMOTE_TRIGGER_POLICY_FILE " + file.get() + " cannot be read: " + e.getMessage(), e);
        }
    }

    private TriggerPolicy overriddenBy(JsonNode o) {
        return new TriggerPolicy(allowedRepos,
                o.has("requiredLabel") ? Optional.ofNullable(o.get("requiredLabel").asText(null)) : requiredLabel,
                o.has("triggerLabel") ? Optional.ofNullable(o.get("triggerLabel").asText(null)) : triggerLabel,
                o.has("mention") ? Optional.ofNullable(o.get("mention").asText(null)) : mention,
                o.has("allowedAssociations") ? toSet(o.get("allowedAssociations")) : allowedAssociations,
                o.has("onOpened") ? o.get("onOpened").asBoolean() : onOpened,
                Map.of());
    }

    /** The policy that applies to {@code repo}. */
    public TriggerPolicy forRepo(String repo) {
        return perRepo.getOrDefault(repo.toLowerCase(Locale.ROOT), this);
    }

    public boolean allowsRepo(String repo) {
        if (allowedRepos.isEmpty()) {
            return true;
        }
        String r = repo.toLowerCase(Locale.ROOT);
        return allowedRepos.stream().map(a -> a.toLowerCase(Locale.ROOT))
                .anyMatch(a -> a.equals(r) || a.endsWith("/*") && r.startsWith(a.substring(0, a.length() - 1)));
    }

    private static Set<String> toSet(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText().toUpperCase(Locale.ROOT)));
        return out;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
