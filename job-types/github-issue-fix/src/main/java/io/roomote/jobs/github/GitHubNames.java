package io.roomote.jobs.github;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * GitHub's rules for {@code owner/name}. An owner (user or organisation login) is 1–39 letters, digits and single
 * hyphens, neither first nor last. A repository name is 1–100 letters, digits, {@code .}, {@code -} and {@code _};
 * {@code .} and {@code ..} are reserved. Beyond GitHub's rules, Roomote also refuses a name without any letter or
 * digit ({@code -}, {@code ___}), one starting with {@code -} (git would read it as an option) and one containing
 * {@code ..} (it becomes part of paths on disk).
 */
public final class GitHubNames {

    public static final int MAX_OWNER = 39;
    public static final int MAX_NAME = 100;

    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]{0,99}");
    private static final Pattern HAS_ALNUM = Pattern.compile(".*[A-Za-z0-9].*");

    private GitHubNames() {
    }

    /** Why {@code repo} is not a GitHub {@code owner/name}, or empty when it is one. */
    public static Optional<String> repoProblem(String repo) {
        int slash = repo.indexOf('/');
        if (slash < 0 || slash != repo.lastIndexOf('/')) {
            return Optional.of("must be a GitHub repository as \"owner/name\"");
        }
        String owner = repo.substring(0, slash);
        String name = repo.substring(slash + 1);
        if (owner.length() > MAX_OWNER || !OWNER.matcher(owner).matches()) {
            return Optional.of("has an invalid owner: GitHub logins are 1-" + MAX_OWNER
                    + " letters, digits or single hyphens, not starting or ending with a hyphen");
        }
        if (name.length() > MAX_NAME || !NAME.matcher(name).matches() || !HAS_ALNUM.matcher(name).matches()
                || name.contains("..")) {
            return Optional.of("has an invalid name: GitHub repository names are 1-" + MAX_NAME
                    + " letters, digits, '.', '-' or '_' with at least one letter or digit, not starting with '-'");
        }
        return Optional.empty();
    }

    public static boolean isRepo(String repo) {
        return repo != null && repoProblem(repo).isEmpty();
    }
}
