package io.roomote.core.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Notes kept beside a job by the platform's integrations: the Slack thread it is discussed in. Not fenced: they
 * say where a job is announced, not how it ended. (A module keeps its own notes in its own tables.)
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
}
