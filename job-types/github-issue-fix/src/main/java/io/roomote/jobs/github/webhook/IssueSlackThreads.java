package io.roomote.jobs.github.webhook;

import io.roomote.core.store.Database;
import io.roomote.core.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** The Slack thread of an issue's fix job, where the pull request that fixes the issue is announced. */
public final class IssueSlackThreads {

    /** A job's Slack thread. */
    public record SlackThread(long jobId, String ts) {
    }

    private final Database database;

    public IssueSlackThreads(Database database) {
        this.database = database;
    }

    /** The job and Slack thread of the newest job of {@code type} for {@code repo}#{@code issue} that has one. */
    public Optional<SlackThread> newestOf(String type, String repo, int issue) {
        String sql = "SELECT id, slack_thread_ts FROM cloud_jobs WHERE type = ? AND lower(payload->>'repo') = lower(?)"
                + " AND payload->>'issue' = ? AND slack_thread_ts IS NOT NULL ORDER BY id DESC LIMIT 1";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, type);
            ps.setString(2, repo);
            ps.setString(3, String.valueOf(issue));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new SlackThread(rs.getLong(1), rs.getString(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("could not look up the Slack thread of " + repo + "#" + issue, e);
        }
    }
}
