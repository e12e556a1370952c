package io.roomote.jobs.github;

import io.roomote.core.store.Schema;

/**
 * The tables the fix job type's module owns ({@code github_deliveries}, {@code github_issue_comments}), migrated
 * with their own history table after core's, wherever the runner extension is loaded.
 */
public final class GitHubSchema {

    /** Its migrations ({@code io/roomote/jobs/github/db}) through this module's class loader (a plugin's own). */
    public static final Schema SCHEMA = Schema.of("roomote_github_schema_history", "classpath:io/roomote/jobs/github/db",
            GitHubSchema.class.getClassLoader());

    private GitHubSchema() {
    }
}
