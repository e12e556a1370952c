package io.roomote.jenkins.bridge.step;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.SecretNames;
import io.roomote.core.config.Settings;
import io.roomote.jobs.github.GitHubAppSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The arguments of the {@code roomoteFix} Pipeline step, as given ({@code null} = not given), and their
 * mapping to a {@code github.issue.fix} payload and the job's settings. Jenkins-free: the plugin collects
 * the credentials' secret values, the job's GitHub SCM URLs and the build environment, and passes them in.
 *
 * @param issue          the issue number (mandatory)
 * @param repo           {@code owner/name} or a repository URL; default: the job's GitHub SCM, then
 *                       {@code GITHUB_REPOSITORY}, then {@code GIT_URL} of the build environment
 * @param title          the issue's title (default: read from GitHub)
 * @param body           the issue's body (default: read from GitHub)
 * @param agent          the agent (default: the global default, else {@code ROOMOTE_AGENT})
 * @param model          the model (default: the global default, else {@code OPENROUTER_MODEL})
 * @param timeoutMinutes the job's deadline (default 30)
 * @param failOnNoPr     fail the step when no pull request came out (default true)
 */
public record FixStepArguments(Integer issue, String repo, String title, String body, String agent, String model,
                               Integer timeoutMinutes, Boolean failOnNoPr) {

    public static final int DEFAULT_TIMEOUT_MINUTES = 30;
    public static final int MAX_TIMEOUT_MINUTES = 24 * 60;
    static final int MAX_TITLE = 1_000;
    static final int MAX_BODY = 200_000;

    /**
     * What the step knows besides its arguments.
     *
     * @param settings     job settings from the global configuration (GITHUB_API_URL, ROOMOTE_AGENT, …); may be empty
     * @param githubToken  the secret of the step's or the global GitHub credentials, when one is configured
     * @param openRouterKey the secret of the step's or the global OpenRouter credentials
     * @param scmUrls      repository URLs of the job's GitHub SCM, in the order Jenkins lists them
     * @param environment  the build's environment (GITHUB_REPOSITORY, GIT_URL, GH_TOKEN set by withCredentials, …)
     * @param githubApp    the step's or the global GitHub credentials when they are a GitHub App (GitHub Branch
     *                     Source's App credentials): used instead of any token
     */
    public record Context(Map<String, String> settings, Optional<String> githubToken, Optional<String> openRouterKey,
                          List<String> scmUrls, Map<String, String> environment, Optional<GitHubAppKey> githubApp) {
        public Context {
            settings = Map.copyOf(settings);
            scmUrls = List.copyOf(scmUrls);
            environment = Map.copyOf(environment);
        }

        /** With a token (or none), no GitHub App. */
        public Context(Map<String, String> settings, Optional<String> githubToken, Optional<String> openRouterKey,
                       List<String> scmUrls, Map<String, String> environment) {
            this(settings, githubToken, openRouterKey, scmUrls, environment, Optional.empty());
        }
    }

    /** Validates every argument and maps them; throws with every problem at once. */
    public FixStepPlan plan(Context ctx) throws InvalidStepArgumentsException {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (issue == null) {
            problems.add("issue is required: the number of the GitHub issue to fix, e.g. roomoteFix issue: 123");
        } else if (issue < 1) {
            problems.add("issue must be a positive issue number, got " + issue);
        }
        int minutes = timeoutMinutes == null ? DEFAULT_TIMEOUT_MINUTES : timeoutMinutes;
        if (minutes < 1 || minutes > MAX_TIMEOUT_MINUTES) {
            problems.add("timeoutMinutes must be between 1 and " + MAX_TIMEOUT_MINUTES + ", got " + minutes);
        }
        if (title != null && title.length() > MAX_TITLE) {
            problems.add("title must be at most " + MAX_TITLE + " characters");
        }
        if (body != null && body.length() > MAX_BODY) {
            problems.add("body must be at most " + MAX_BODY + " characters");
        }
        if (agent != null && agent.isBlank()) {
            problems.add("agent must not be empty; leave it out for the default agent");
        }
        if (model != null && model.isBlank()) {
            problems.add("model must not be empty; leave it out for the default model");
        }

        Map<String, String> settings = new LinkedHashMap<>();
        ctx.settings().forEach((k, v) -> {
            if (v != null && !v.isBlank()) {
                settings.put(k, v.trim());
            }
        });
        Optional<GitHubRepoRef> ref = resolveRepo(ctx, problems, notes);
        ref.ifPresent(r -> applyHost(r, settings, notes, problems));

        Optional<String> token = ctx.githubToken().filter(t -> !t.isBlank())
                .or(() -> env(ctx, "GH_TOKEN")).or(() -> env(ctx, "GITHUB_TOKEN"));
        if (ctx.githubApp().isPresent()) {
            applyApp(ctx.githubApp().get(), settings, problems);
        } else if (token.isEmpty()) {
            problems.add("no GitHub token: set credentialsId (a Secret text, or Username with password whose password is"
                    + " the token), the GitHub credentials of the global Roomote configuration, or GH_TOKEN in the environment");
        } else {
            settings.put("GH_TOKEN", token.get());
        }
        ctx.openRouterKey().filter(k -> !k.isBlank()).or(() -> env(ctx, "OPENROUTER_API_KEY"))
                .ifPresent(k -> settings.put("OPENROUTER_API_KEY", k));

        if (!problems.isEmpty()) {
            throw new InvalidStepArgumentsException(problems);
        }
        GitHubRepoRef r = ref.orElseThrow();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("repo", r.fullName());
        payload.put("issue", issue);
        if (title != null) {
            payload.put("title", title);
        }
        if (body != null) {
            payload.put("body", body);
        }
        String chosenAgent = agent != null ? agent.trim() : null;
        String chosenModel = model != null ? model.trim() : null;
        if (chosenAgent != null) {
            payload.put("agent", chosenAgent);
        }
        if (chosenModel != null) {
            payload.put("model", chosenModel);
        }
        return new FixStepPlan(r.fullName(), issue, payload, settings, Duration.ofMinutes(minutes),
                failOnNoPr == null || failOnNoPr, notes);
    }

    private Optional<GitHubRepoRef> resolveRepo(Context ctx, List<String> problems, List<String> notes) {
        if (repo != null && !repo.isBlank()) {
            Optional<GitHubRepoRef> given = GitHubRepoRef.parse(repo);
            if (given.isEmpty()) {
                problems.add("repo must be a GitHub repository as \"owner/name\" or its URL, got \"" + repo + "\"");
            }
            return given;
        }
        Set<GitHubRepoRef> fromScm = new LinkedHashSet<>();
        for (String url : ctx.scmUrls()) {
            GitHubRepoRef.parse(url).ifPresent(fromScm::add);
        }
        Set<String> names = new LinkedHashSet<>();
        fromScm.forEach(r -> names.add(r.toString().toLowerCase(Locale.ROOT)));
        if (names.size() == 1) {
            GitHubRepoRef r = fromScm.iterator().next();
            notes.add("repository " + r.fullName() + " taken from the job's GitHub SCM");
            return Optional.of(r);
        }
        if (names.size() > 1) {
            problems.add("the job's SCM names several GitHub repositories (" + String.join(", ", names)
                    + "): pass repo: 'owner/name'");
            return Optional.empty();
        }
        Optional<String> ghRepo = env(ctx, "GITHUB_REPOSITORY");
        if (ghRepo.isPresent()) {
            Optional<GitHubRepoRef> r = GitHubRepoRef.parse(ghRepo.get());
            if (r.isPresent()) {
                notes.add("repository " + r.get().fullName() + " taken from GITHUB_REPOSITORY");
                return r;
            }
            problems.add("GITHUB_REPOSITORY must be \"owner/name\", got \"" + ghRepo.get() + "\"");
            return Optional.empty();
        }
        for (String name : List.of("GIT_URL", "GIT_URL_1")) {
            Optional<GitHubRepoRef> r = env(ctx, name).flatMap(GitHubRepoRef::parse);
            if (r.isPresent()) {
                notes.add("repository " + r.get().fullName() + " taken from " + name);
                return r;
            }
        }
        problems.add("no repository: pass repo: 'owner/name', or run it in a job whose SCM is a GitHub repository,"
                + " or set GITHUB_REPOSITORY");
        return Optional.empty();
    }

    /** A repository on a GitHub Enterprise host points the job at that host unless hosts are configured. */
    private static void applyHost(GitHubRepoRef r, Map<String, String> settings, List<String> notes, List<String> problems) {
        if (r.host().isEmpty()) {
            return;
        }
        String configured = settings.get("GITHUB_SERVER_URL");
        if (configured == null) {
            if (!r.onGitHubDotCom()) {
                settings.put("GITHUB_SERVER_URL", r.serverUrl().orElseThrow());
                settings.putIfAbsent("GITHUB_API_URL", r.apiUrl().orElseThrow());
                notes.add("GitHub Enterprise host " + r.host().get() + " (API " + settings.get("GITHUB_API_URL") + ")");
            }
            return;
        }
        String configuredHost = hostOf(configured);
        boolean same = configuredHost != null && (configuredHost.equals(r.host().get())
                || r.onGitHubDotCom() && configuredHost.equals("github.com"));
        if (!same) {
            problems.add("repository " + r + " is not on the configured GitHub server " + configured
                    + ": pass repo: 'owner/name' of that server, or change the GitHub server URL of the Roomote configuration");
        }
    }

    /**
     * The App instead of a token: its id and key become the job's {@code GITHUB_APP_ID} and (secret)
     * {@code GITHUB_APP_PRIVATE_KEY}, checked here so that a bad key fails the step at once; its API URL is the
     * job's unless one is configured, which must then be the same.
     */
    private static void applyApp(GitHubAppKey app, Map<String, String> settings, List<String> problems) {
        Map<String, String> appSettings = Map.of(GitHubAppSettings.APP_ID, app.appId().strip(),
                GitHubAppSettings.PRIVATE_KEY, app.privateKeyPem());
        try {
            GitHubAppSettings.from(Settings.of(appSettings));
        } catch (ConfigurationException e) {
            problems.add("the GitHub App credentials are not usable: " + e.getMessage());
            return;
        }
        settings.putAll(appSettings);
        settings.remove("GH_TOKEN");
        settings.remove("GITHUB_TOKEN");
        if (app.apiUri().isPresent()) {
            String api = app.apiUri().get().replaceAll("/+$", "");
            String configured = settings.get("GITHUB_API_URL");
            if (configured == null) {
                settings.put("GITHUB_API_URL", api);
            } else if (!configured.replaceAll("/+$", "").equalsIgnoreCase(api)) {
                problems.add("the GitHub App credentials are for the GitHub API " + api + " but this job's is "
                        + configured + ": choose App credentials of that GitHub, or change the GitHub API URL of the"
                        + " Roomote configuration");
            }
        }
    }

    private static String hostOf(String url) {
        try {
            String h = java.net.URI.create(url).getHost();
            return h == null ? null : h.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Optional<String> env(Context ctx, String name) {
        String v = ctx.environment().get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /** Whether a setting name is secret, i.e. travels to the worker in the secrets file, never in the request. */
    public static boolean isSecretSetting(String name) {
        return SecretNames.isSecret(name);
    }
}
