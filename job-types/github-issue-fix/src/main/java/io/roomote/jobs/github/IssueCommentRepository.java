package io.roomote.jobs.github;

import io.roomote.core.store.Database;
import io.roomote.core.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The issue comment each fix job keeps up to date ({@code github_issue_comments}, this module's schema): one per
 * job, deleted with it. Not fenced: it says where a job is announced, not how it ended.
 */
public final class IssueCommentRepository {

    private final Database database;

    public IssueCommentRepository(Database database) {
        this.database = database;
    }

    public void setCommentId(long jobId, long commentId) {
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

    public Optional<Long> commentId(long jobId) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT comment_id FROM github_issue_comments WHERE job_id = ?")) {
            ps.setLong(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("could not read the issue comment of job " + jobId, e);
        }
    }
}
