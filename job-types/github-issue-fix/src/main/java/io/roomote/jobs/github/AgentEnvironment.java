package io.roomote.jobs.github;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The complete environment of the agent's process and of Roomote's own git commands: built from an allow
 * list, never inherited. Roomote's git gets the GitHub token; the agent gets its own HOME and — only with
 * {@code ROOMOTE_PUSH=agent}, where the original prompt asks it to push and open the PR — the token too; never
 * the database URL, the webhook secret, the Slack token or the API token. The model key given here is replaced
 * by the model gateway's per-job token before the agent starts. git reads the token through
 * {@code GIT_ASKPASS}, a script that prints an environment variable, so the token is in no URL, argument or
 * config file.
 */
final class AgentEnvironment {

    /** Harmless variables taken from Roomote's own environment when set. */
    private static final List<String> INHERITED = List.of("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME",
            "TMPDIR", "JAVA_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS",
            "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "DISPLAY");

    private AgentEnvironment() {
    }

    /** With the token: writes the askpass script into {@code home} and returns the environment. */
    static Map<String, String> build(IssueFixSettings settings, io.roomote.spi.Configuration config,
                                     Map<String, String> processEnv, Path home, Optional<String> model,
                                     boolean withToken) throws IOException {
        return build(settings, config, processEnv, home, model, withToken ? settings.token() : Optional.empty());
    }

    /** With {@code token} (a personal one, or a job's installation token): the askpass script too. */
    static Map<String, String> build(IssueFixSettings settings, io.roomote.spi.Configuration config,
                                     Map<String, String> processEnv, Path home, Optional<String> model,
                                     Optional<String> token) throws IOException {
        Map<String, String> env = variables(settings, config, processEnv, home, model, token);
        if (token.isPresent()) {
            env.put("GIT_ASKPASS", writeAskpass(home).toString());
        }
        return env;
    }

    /** {@code env} with {@code token} in place of the one it holds: what the askpass script prints from now on. */
    static Map<String, String> withToken(Map<String, String> env, IssueFixSettings settings, String token) {
        Map<String, String> out = new HashMap<>(env);
        putToken(out, settings, token);
        return out;
    }

    private static void putToken(Map<String, String> env, IssueFixSettings settings, String token) {
        env.put("GH_TOKEN", token);
        env.put("GITHUB_TOKEN", token);
        if (settings.enterpriseHost().isPresent()) {
            env.put("GH_ENTERPRISE_TOKEN", token);
        }
    }

    /** The environment with the token, computed without writing anything (what a pushing agent would see). */
    static Map<String, String> variables(IssueFixSettings settings, io.roomote.spi.Configuration config,
                                         Map<String, String> processEnv, Path home, Optional<String> model) {
        return variables(settings, config, processEnv, home, model, settings.token());
    }

    private static Map<String, String> variables(IssueFixSettings settings, io.roomote.spi.Configuration config,
                                                 Map<String, String> processEnv, Path home, Optional<String> model,
                                                 Optional<String> token) {
        Map<String, String> env = new HashMap<>();
        for (String name : INHERITED) {
            String v = processEnv.get(name);
            if (v != null) {
                env.put(name, v);
            }
        }
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.putIfAbsent("LANG", "C.UTF-8");
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        env.put("XDG_DATA_HOME", home.resolve(".local/share").toString());
        env.put("TERM", "dumb");
        env.put("CI", "true");

        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_AUTHOR_NAME", settings.gitUserName());
        env.put("GIT_AUTHOR_EMAIL", settings.gitUserEmail());
        env.put("GIT_COMMITTER_NAME", settings.gitUserName());
        env.put("GIT_COMMITTER_EMAIL", settings.gitUserEmail());
        token.ifPresent(t -> putToken(env, settings, t));
        settings.enterpriseHost().ifPresent(host -> env.put("GH_HOST", host));
        env.put("GH_PROMPT_DISABLED", "1");
        env.put("GH_NO_UPDATE_NOTIFIER", "1");

        config.get("OPENROUTER_API_KEY").ifPresent(k -> env.put("OPENROUTER_API_KEY", k));
        model.ifPresent(m -> env.put("OPENROUTER_MODEL", m));
        for (String name : settings.passthrough()) {
            config.get(name).ifPresent(v -> env.put(name, v));
        }
        return env;
    }

    private static Path writeAskpass(Path home) throws IOException {
        Path bin = Files.createDirectories(home.resolve(".roomote-bin"));
        Path script = bin.resolve("git-askpass");
        Files.writeString(script, """
                #!/bin/sh
                # git asks for a username, then a password: the token stays out of URLs and config. An agent that
                # pushes itself reads it from the file Roomote rewrites before the token expires; else from GH_TOKEN.
                case "$1" in
                  Username*) echo "x-access-token" ;;
                  *) if [ -n "$ROOMOTE_GITHUB_TOKEN_FILE" ] && [ -r "$ROOMOTE_GITHUB_TOKEN_FILE" ]; then
                       cat "$ROOMOTE_GITHUB_TOKEN_FILE"; echo
                     else
                       echo "$GH_TOKEN"
                     fi ;;
                esac
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }
}
