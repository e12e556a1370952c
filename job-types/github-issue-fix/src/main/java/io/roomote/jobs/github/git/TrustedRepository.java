package io.roomote.jobs.github.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A job's bare repository that no agent ever sees: cloned from the mirror cache as the job starts, in a folder
 * hidden from every sandbox, its config written by Roomote alone ({@code origin} is the real remote). The agent's
 * work enters it only as a git bundle fetched into {@code refs/agent/*}, which git validates as it fetches; every
 * question Roomote asks after the agent (branch tips, commits, changed files, ancestry, the remote's branches) and
 * every push runs here, never in the agent's workspace, whose {@code .git} the agent wrote.
 */
public final class TrustedRepository {

    /** Where the agent's branches land: {@code refs/agent/heads/<branch>}. */
    public static final String AGENT_HEADS = "refs/agent/heads/";
    /** Where the export step's own refs land: {@code refs/agent/export/head}, {@code refs/agent/export/wip}. */
    public static final String AGENT_EXPORT = "refs/agent/export/";

    private final Git git;
    private final Path dir;

    private TrustedRepository(Git git, Path dir) {
        this.git = git;
        this.dir = dir;
    }

    /**
     * Clones {@code source} (a repository Roomote alone writes: the mirror) bare into {@code dir}, without templates
     * (no hooks), and writes its config: {@code origin} = {@code remoteUrl}, objects checked as they are fetched, no
     * automatic gc. Hard links to the source's objects are fine here: no agent can see either.
     */
    public static TrustedRepository create(Git git, Path source, String remoteUrl, Path dir)
            throws IOException, InterruptedException {
        Files.createDirectories(dir.getParent());
        // --config writes into the new repository's own config.
        git.check(null, "clone", "--bare", "--quiet", "--template=", "--config", "fetch.fsckObjects=true",
                "--config", "gc.auto=0", "--config", "core.hooksPath=/dev/null", source.toString(), dir.toString());
        git.check(dir, "config", "remote.origin.url", remoteUrl);
        return new TrustedRepository(git, dir);
    }

    /** The same repository, each git command limited to {@code limit}. */
    public TrustedRepository withTimeout(Duration limit) {
        return new TrustedRepository(git.withTimeout(limit), dir);
    }

    public Path dir() {
        return dir;
    }

    /** The commit {@code ref} names here, or empty. */
    public Optional<String> resolve(String ref) throws IOException, InterruptedException {
        Git.Result r = git.run(dir, "rev-parse", "--verify", "--quiet", ref + "^{commit}");
        return r.ok() && !r.output().isBlank() ? Optional.of(r.output().strip()) : Optional.empty();
    }

    /** The refs under {@code prefix} and the objects they name. */
    public java.util.Map<String, String> refs(String prefix) throws IOException, InterruptedException {
        java.util.Map<String, String> refs = new java.util.HashMap<>();
        for (String line : git.check(dir, "for-each-ref", "--format=%(objectname) %(refname)", prefix).lines().toList()) {
            int space = line.indexOf(' ');
            if (space > 0) {
                refs.put(line.substring(space + 1), line.substring(0, space));
            }
        }
        return refs;
    }

    /** Whether {@code sha} (40 hex digits) is a commit this repository has. */
    public boolean hasCommit(String sha) throws IOException, InterruptedException {
        return sha.matches("[0-9a-f]{40}") && git.run(dir, "cat-file", "-e", sha + "^{commit}").ok();
    }

    /** The commit the real remote has for {@code branch}, or empty. */
    public Optional<String> remoteBranch(String branch) throws IOException, InterruptedException {
        String out = git.check(dir, "ls-remote", "--heads", "origin", "refs/heads/" + branch);
        return out.isBlank() ? Optional.empty() : Optional.of(out.split("\\s+")[0]);
    }

    public int commitsBetween(String base, String tip) throws IOException, InterruptedException {
        return Integer.parseInt(git.check(dir, "rev-list", "--count", base + ".." + tip).trim());
    }

    /** The paths that differ between {@code base} and {@code tip}. */
    public List<String> changedFiles(String base, String tip) throws IOException, InterruptedException {
        return git.check(dir, "diff", "--no-ext-diff", "--no-textconv", "--name-only", base + ".." + tip).lines()
                .filter(l -> !l.isBlank()).toList();
    }

    /** The messages of the commits between {@code base} and {@code tip}, oldest first, each as written. */
    public String commitMessages(String base, String tip) throws IOException, InterruptedException {
        return git.check(dir, "log", "--reverse", "--format=%B", base + ".." + tip).strip();
    }

    /** {@code git log --reverse --format=<format> base..tip}: the commits between them, oldest first. */
    public String log(String base, String tip, String format) throws IOException, InterruptedException {
        return git.check(dir, "log", "--reverse", "--format=" + format, base + ".." + tip);
    }

    /** Whether {@code ancestor} is {@code tip} or one of its ancestors (false when either is unknown here). */
    public boolean isAncestor(String ancestor, String tip) throws IOException, InterruptedException {
        return git.run(dir, "merge-base", "--is-ancestor", ancestor, tip).ok();
    }

    /** Pushes {@code source} (a commit or a ref of this repository) to {@code branch} of the real remote, never forced. */
    public void push(String source, String branch) throws IOException, InterruptedException {
        git.check(dir, "push", "--quiet", "--no-verify", "origin", source + ":refs/heads/" + branch);
    }

    /** Fetches {@code branch} of the real remote (into FETCH_HEAD only), so its commits can be compared here. */
    public void fetchFromOrigin(String branch) throws IOException, InterruptedException {
        git.check(dir, "fetch", "--quiet", "--no-tags", "origin", "refs/heads/" + branch);
    }

    /** A new commit of {@code tree} with {@code parent} and {@code message}, by Roomote's git identity. */
    public String commitTree(String tree, String parent, String message) throws IOException, InterruptedException {
        return git.check(dir, "commit-tree", tree, "-p", parent, "-m", message).strip();
    }

    /** A new commit with the tree and the first parent of {@code commit}, and {@code message}: its message replaced. */
    public String recommit(String commit, String message) throws IOException, InterruptedException {
        return commitTree(commit + "^{tree}", commit + "^1", message);
    }

    /**
     * Fetches the agent's bundle (a host-private copy: see {@link BundleCopy}) into {@link #AGENT_HEADS} and
     * {@link #AGENT_EXPORT}; any other ref it names is ignored. git checks the bundle's prerequisites, its objects
     * ({@code fetch.fsckObjects}) and that every fetched ref is connected: a malformed bundle is an error here.
     */
    public void fetchBundle(Path bundle) throws IOException, InterruptedException {
        git.check(dir, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-auto-gc", bundle.toString(),
                "+refs/heads/*:" + AGENT_HEADS + "*", "+refs/roomote/export/*:" + AGENT_EXPORT + "*");
    }
}
