package io.roomote.jobs.github;

import io.roomote.agents.AgentContainment;
import io.roomote.agents.process.ProcessTree;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Durations;
import io.roomote.jobs.github.git.BundleCopy;
import io.roomote.jobs.github.git.TrustedRepository;
import io.roomote.sandbox.JobSandbox;
import io.roomote.sandbox.Sandboxes;
import io.roomote.sandbox.SandboxSpec;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobLogger;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the agent's work leaves its workspace. The workspace's {@code .git} was written by the agent (and by the
 * repository's setup script): git run there on the host would run the agent's commands ({@code core.fsmonitor},
 * hooks, filters), push where it says ({@code remote.origin.url}, {@code insteadOf}) or read other repositories
 * ({@code alternates}, a {@code .git} symlink), with the GitHub token at hand. So Roomote never does.
 *
 * <p>Instead, once the agent has ended, a short export step runs git in the workspace in the same kind of sandbox
 * as the agent (no network at all, no token, no secret, a time limit): it snapshots an uncommitted working tree
 * as a WIP commit (through a private index, leaving the agent's branch and index alone), then writes a git bundle of
 * the agent's local branches, its HEAD and that WIP commit, less what the job's base commit already has. The
 * agent's config applies inside that step, so its exit code, its output, its facts file and its bundle are all
 * untrusted data: the host copies the bundle (a regular file, never through a symlink, at most
 * {@value #BUNDLE_MAX_SETTING}) into a private file and fetches it into the job's {@link TrustedRepository}, which
 * git validates. With {@code ROOMOTE_SANDBOX=none} (documented as "the agent is trusted") the step runs as a plain
 * process, in the same shape.
 *
 * <p>The export runs once; later calls return its first result.
 */
public final class AgentExport {

    /** Roomote setting: the largest bundle of agent work Roomote takes (bytes, or with K, M, G: {@code 512M}). */
    public static final String BUNDLE_MAX_SETTING = "ROOMOTE_AGENT_BUNDLE_MAX";
    public static final long DEFAULT_BUNDLE_MAX = 512L * 1024 * 1024;
    /** The export's own time limit; a stopped job's cancel grace may leave it less. */
    static final Duration TIME_LIMIT = Duration.ofMinutes(10);
    static final String BUNDLE = "agent.bundle";
    static final String FACTS = "facts";
    private static final long FACTS_MAX = 4096;
    private static final int OUTPUT_KEPT = 4096;
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");
    /** A branch name Roomote takes from the export: git's rules, narrowed to what needs no quoting anywhere. */
    private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/+-]{0,199}");

    /**
     * The export script: {@code $1} the job's base commit, {@code $2} the bundle to write, {@code $3} the facts
     * file. Refs of its own live under {@code refs/roomote/export/} only while it runs.
     */
    static final String SCRIPT = """
            set -u
            base=$1; bundle=$2; facts=$3
            fail() { echo "roomote-export: $*"; exit 3; }
            head=$(git rev-parse --verify --quiet 'HEAD^{commit}') || fail "HEAD names no commit (is this a git repository?)"
            branch=$(git symbolic-ref --quiet --short HEAD 2>/dev/null) || branch=
            index=$HOME/index
            src=$(git rev-parse --git-path index) && [ -f "$src" ] && cp "$src" "$index"
            GIT_INDEX_FILE=$index git add --all || fail "git add could not record the working tree"
            tree=$(GIT_INDEX_FILE=$index git write-tree) || fail "git write-tree failed"
            wip=
            if [ "$tree" != "$(git rev-parse --verify "$head^{tree}")" ]; then
              wip=$(git commit-tree "$tree" -p "$head" -m "WIP") || fail "git commit-tree failed"
            fi
            printf 'update refs/roomote/export/head %s\n%s\n' "$head" \
              "$([ -n "$wip" ] && echo "update refs/roomote/export/wip $wip" || echo "delete refs/roomote/export/wip")" \
              | git update-ref --no-deref --stdin || fail "git update-ref failed"
            n=$(git rev-list --count --branches --glob='refs/roomote/export/*' --not "$base") \
              || fail "git rev-list could not walk the agent's branches"
            if [ "$n" -gt 0 ]; then
              git bundle create --quiet "$bundle" --branches --glob='refs/roomote/export/*' --not "$base" \
                || fail "git bundle create failed"
            fi
            printf 'head %s\nbranch %s\n' "$head" "$branch" > "$facts" || fail "could not write the facts"
            printf 'delete refs/roomote/export/head\ndelete refs/roomote/export/wip\n' \
              | git update-ref --no-deref --stdin 2>/dev/null
            exit 0
            """;

    private final JobSandbox.Request agent;
    private final java.util.concurrent.Future<TrustedRepository> trustedRepository;
    private TrustedRepository trusted;
    private final String base;
    private final Path jobDir;
    private final long bundleMax;
    private final Map<String, String> environment;
    private final JobLogger log;
    private final Clock clock;
    private AgentWork work;
    private IOException failure;

    /**
     * @param agent       the agent's sandbox request: the export runs in the same sandbox mode, workspace and hidden
     *                    paths, with a fresh HOME of its own, no bridges (no network) and no model routes
     * @param trusted     the job's trusted repository, being made while the agent runs
     * @param base        the commit the job started from (the bundle's prerequisite)
     * @param jobDir      the job's own folder, hidden from every sandbox: the export's HOME and the private copies live there
     * @param environment the export's complete environment, without any secret (see {@link #environment})
     * @param clock       measures the export's time limit against {@code until}: the same time as the job's deadline
     */
    public AgentExport(JobSandbox.Request agent, java.util.concurrent.Future<TrustedRepository> trusted, String base,
                       Path jobDir, long bundleMax, Map<String, String> environment, JobLogger log, Clock clock) {
        this.agent = agent;
        this.trustedRepository = trusted;
        this.base = base;
        this.jobDir = jobDir;
        this.bundleMax = bundleMax;
        this.environment = Map.copyOf(environment);
        this.log = log;
        this.clock = clock;
    }

    /**
     * The export's environment: a PATH, git's identity for the WIP commit, no system or global git config, no replace
     * refs or grafts, no discovery of a repository above the workspace, and nothing secret.
     */
    public static Map<String, String> environment(IssueFixSettings settings, Map<String, String> processEnvironment,
                                                  Path workspace) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", Optional.ofNullable(processEnvironment.get("PATH")).orElse("/usr/local/bin:/usr/bin:/bin"));
        env.put("LANG", "C.UTF-8");
        env.put("GIT_AUTHOR_NAME", settings.gitUserName());
        env.put("GIT_AUTHOR_EMAIL", settings.gitUserEmail());
        env.put("GIT_COMMITTER_NAME", settings.gitUserName());
        env.put("GIT_COMMITTER_EMAIL", settings.gitUserEmail());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("GIT_NO_REPLACE_OBJECTS", "1");
        // No such file (ENOTDIR, which git does not warn about): grafts of the agent's cannot hide objects.
        env.put("GIT_GRAFT_FILE", "/dev/null/no-grafts");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_CEILING_DIRECTORIES", workspace.toAbsolutePath().getParent().toString());
        // Without the system config, the worker image's safe.directory is gone: a docker sandbox's user may not own the
        // workspace. Inside the sandbox that check guards nothing (all of it is the agent's).
        env.put("GIT_CONFIG_COUNT", "1");
        env.put("GIT_CONFIG_KEY_0", "safe.directory");
        env.put("GIT_CONFIG_VALUE_0", "*");
        return env;
    }

    /** {@value #BUNDLE_MAX_SETTING}: bytes, or a number with K, M or G (binary units); default 512M. */
    public static long bundleMax(Configuration config) {
        Optional<String> raw = config.get(BUNDLE_MAX_SETTING).map(String::strip).filter(s -> !s.isEmpty());
        if (raw.isEmpty()) {
            return DEFAULT_BUNDLE_MAX;
        }
        Matcher m = Pattern.compile("(\\d{1,15})\\s*([KMG]?)(?:i?B)?", Pattern.CASE_INSENSITIVE).matcher(raw.get());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new ConfigurationException(BUNDLE_MAX_SETTING + " must be a positive size such as 512M, 2G or"
                    + " 1048576 (bytes), got '" + raw.get() + "'");
        }
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            default -> 0;
        };
        return Long.parseLong(m.group(1)) << shift;
    }

    /**
     * Runs the export (the first call only), ended at {@link #TIME_LIMIT} or at {@code until} (read again while it
     * runs: a stop shortens it), and fetches its bundle into the trusted repository.
     *
     * @throws IOException one line saying why the agent's work could not be exported; the workspace is left as it was
     */
    public synchronized AgentWork run(Supplier<Instant> until) throws IOException, InterruptedException {
        if (work != null) {
            return work;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            work = export(until);
            return work;
        } catch (IOException e) {
            failure = new IOException("could not export the agent's work from its workspace: " + e.getMessage(), e);
            throw failure;
        }
    }

    private AgentWork export(Supplier<Instant> until) throws IOException, InterruptedException {
        Path home = fresh(jobDir.resolve("export"));
        Path bridge = fresh(jobDir.resolve("export-bridge"));
        Path copies = fresh(jobDir.resolve("export-copies"));
        List<Path> hidden = new ArrayList<>(agent.settings().hiddenPaths());
        agent.hidden().stream().filter(p -> !hidden.contains(p)).forEach(hidden::add);
        SandboxSpec spec = new SandboxSpec(agent.jobId(), agent.workspace(), home, bridge, List.of(),
                agent.settings().readPaths(), hidden);
        AgentContainment containment = AgentContainment.of(Sandboxes.create(agent.settings()), spec);
        log.info(containment.contained()
                ? "exporting the agent's work from its workspace in the " + containment.mode().value()
                  + " sandbox (no network, no token)"
                : "exporting the agent's work from its workspace WITHOUT a sandbox (ROOMOTE_SANDBOX=none: the agent"
                  + " is trusted)");
        Path bundle = home.resolve(BUNDLE);
        Path facts = home.resolve(FACTS);
        Map<String, String> env = new HashMap<>(environment);
        env.put("HOME", home.toString());
        List<String> argv = List.of("/bin/sh", "-c", SCRIPT, "roomote-export", base, bundle.toString(), facts.toString());
        List<String> command = new ArrayList<>();
        command.add("setsid");
        command.addAll(containment.command(argv, env.keySet(), List.of()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(agent.workspace().toFile())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Instant start = clock.instant();
        Process process = pb.start();
        Tail output = new Tail();
        Thread reader = new Thread(() -> output.pump(process.getInputStream()), "agent-export-" + agent.jobId());
        reader.setDaemon(true);
        reader.start();
        boolean timedOut = false;
        try {
            while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
                Instant limit = start.plus(TIME_LIMIT);
                Instant stop = until.get();
                if (stop != null && stop.isBefore(limit)) {
                    limit = stop;
                }
                if (!clock.instant().isBefore(limit)) {
                    timedOut = true;
                    break;
                }
            }
        } finally {
            // A sandbox's processes end with it; without one, the export's own session is ended as a whole.
            if (timedOut || process.isAlive() || !containment.contained()) {
                ProcessTree.terminate(process.toHandle(), Duration.ofMillis(500));
            }
            process.waitFor(5, TimeUnit.SECONDS);
            containment.cleanUp();
            reader.join(1_000);
        }
        if (timedOut) {
            throw new IOException("the export step did not end within " + Durations.describe(
                    Duration.between(start, clock.instant())) + output.lastLine());
        }
        if (process.exitValue() != 0) {
            throw new IOException("the export step exited with code " + process.exitValue() + output.lastLine());
        }
        trusted = trusted(until, start);
        return fetch(copies, bundle, facts);
    }

    /** The trusted repository, waited for within the export's time. */
    private TrustedRepository trusted(Supplier<Instant> until, Instant start) throws IOException, InterruptedException {
        Instant limit = start.plus(TIME_LIMIT);
        Instant stop = until.get();
        if (stop != null && stop.isBefore(limit)) {
            limit = stop;
        }
        try {
            return trustedRepository.get(Math.max(1, Duration.between(clock.instant(), limit).toMillis()),
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("Roomote's own repository for the job could not be made: "
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("Roomote's own repository for the job was not ready in time");
        }
    }

    /** Reads what the export left, as untrusted data, into the trusted repository. */
    private AgentWork fetch(Path copies, Path bundle, Path facts) throws IOException, InterruptedException {
        Path factsCopy = copies.resolve(FACTS);
        if (BundleCopy.copy(facts, factsCopy, FACTS_MAX, "the export's facts file", null).isEmpty()) {
            throw new IOException("the export step wrote no facts file");
        }
        String head = null;
        String branch = null;
        for (String line : Files.readAllLines(factsCopy, StandardCharsets.UTF_8)) {
            if (line.startsWith("head ")) {
                head = line.substring(5).strip();
            } else if (line.startsWith("branch ")) {
                branch = line.substring(7).strip();
            }
        }
        Path bundleCopy = copies.resolve(BUNDLE);
        Optional<Long> size = BundleCopy.copy(bundle, bundleCopy, bundleMax, "the agent's bundle", BUNDLE_MAX_SETTING);
        if (size.isPresent()) {
            try {
                trusted.fetchBundle(bundleCopy);
            } catch (IOException e) {
                throw new IOException("git refused the agent's bundle: " + e.getMessage());
            } finally {
                Files.deleteIfExists(bundleCopy);
            }
        }
        Map<String, String> exported = trusted.refs(TrustedRepository.AGENT_EXPORT);
        Optional<String> exportedHead = Optional.ofNullable(exported.get(TrustedRepository.AGENT_EXPORT + "head"));
        if (exportedHead.isEmpty()) {
            // Left out of the bundle: HEAD is the base or one of its ancestors, which this repository has.
            if (head == null || !SHA.matcher(head).matches() || !trusted.hasCommit(head)) {
                throw new IOException("the export step named no HEAD commit the job's repository has");
            }
            exportedHead = Optional.of(head);
        }
        Optional<String> current = Optional.ofNullable(branch).filter(b -> BRANCH.matcher(b).matches()
                && !b.contains("..") && !b.endsWith(".lock") && !b.endsWith("/") && !b.contains("//"));
        Optional<String> wip = Optional.ofNullable(exported.get(TrustedRepository.AGENT_EXPORT + "wip"));
        log.info("the agent's work was exported" + (size.isPresent() ? " (" + BundleCopy.describe(size.get())
                + " bundle)" : " (no new commits)") + (wip.isPresent() ? " with uncommitted changes" : "")
                + " and fetched into Roomote's own repository");
        return new AgentWork(trusted, exportedHead.get(), current, wip);
    }

    /** An empty folder at {@code dir}, whatever was there. */
    private static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /** The last few KiB of the export's output, for its last line in a failure. Bounded whatever it prints. */
    private static final class Tail {
        private final byte[] ring = new byte[OUTPUT_KEPT];
        private long written;

        void pump(InputStream in) {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    add(buffer, n);
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        private synchronized void add(byte[] buffer, int n) {
            for (int i = 0; i < n; i++) {
                ring[(int) (written++ % OUTPUT_KEPT)] = buffer[i];
            }
        }

        /** {@code ": <last non-empty line>"} (at most 200 characters), or nothing. */
        synchronized String lastLine() {
            int len = (int) Math.min(written, OUTPUT_KEPT);
            byte[] out = new byte[len];
            for (int i = 0; i < len; i++) {
                out[i] = ring[(int) ((written - len + i) % OUTPUT_KEPT)];
            }
            List<String> lines = new String(out, StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
            if (lines.isEmpty()) {
                return "";
            }
            String last = lines.get(lines.size() - 1).replaceAll("\\p{Cntrl}", "?");
            return ": " + (last.length() > 200 ? last.substring(0, 200) + " …" : last);
        }
    }
}
