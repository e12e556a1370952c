package io.roomote.core.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Notes kept beside a job by its integrations: the Slack thread it is discussed in, the GitHub comment that
 * follows it. Not fenced: they say where a job is announced, not how it ended.
 */
public final class JobNotesRepository {

    private final Database database;

    public JobNotesRepository(Database database) {
        this.database = database;
    }

    public void setSlackThreadTs(long jobId, String ts) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("UPDATE cloud_jobs SET slack_thread_ts = ? WHERE id = ?")) {
            ps.setString(1, ts);
            ps.setLong(2, jobId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("could not store the Slack thread of job " + jobId, e);
        }
    }

    public void setGithubCommentId(long jobId, long commentId) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO github_issue_comments (job_id, comment_id) VALUES (?, ?)"
                             + " ON CONFLICT (job_id) DO UPDATE SET comment_id = excluded.comment_id")) {
            ps.setLong(1, jobId);
            ps.setLong(2, commentId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("could not store the issue comment of job " + jobId, e);
        }
    }

    public java.util.Optional<Long> githubCommentId(long jobId) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT comment_id FROM github_issue_comments WHERE job_id = ?")) {
            ps.setLong(1, jobId);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long id = rs.getLong(1);
                    return rs.wasNull() ? java.util.Optional.empty() : java.util.Optional.of(id);
                }
                return java.util.Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("could not read the issue comment of job " + jobId, e);
        }
    }

    /** The job and Slack thread of the newest job of {@code type} for {@code repo}#{@code issue} that has one. */
    public java.util.Optional<SlackThread> slackThreadOf(String type, String repo, int issue) {
        String sql = "SELECT id, slack_thread_ts FROM cloud_jobs WHERE type = ? AND lower(payload->>'repo') = lower(?)"
                + " AND payload->>'issue' = ? AND slack_thread_ts IS NOT NULL ORDER BY id DESC LIMIT 1";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, type);
            ps.setString(2, repo);
            ps.setString(3, String.valueOf(issue));
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.Optional.of(new SlackThread(rs.getLong(1), rs.getString(2))) : java.util.Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("could not look up the Slack thread of " + repo + "#" + issue, e);
        }
    }

    /** A job's Slack thread. */
    public record SlackThread(long jobId, String ts) {
    }
}
