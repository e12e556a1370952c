-- Every run of a job, with its own times and outcome. A job's attempts start again at 0 when it is retried by
-- hand (POST /api/jobs/:id/retry, the dashboard), so "attempt" alone cannot tell the runs apart; runs only grow.
-- Kept by triggers so that every writer of cloud_jobs (claim, complete, fail, reschedule, release, the lease
-- reaper) records them without knowing about this table.
ALTER TABLE cloud_jobs ADD COLUMN runs integer NOT NULL DEFAULT 0;

CREATE TABLE cloud_job_runs (
    job_id      bigint      NOT NULL REFERENCES cloud_jobs (id) ON DELETE CASCADE,
    run         integer     NOT NULL,
    -- the job's attempt number during this run (1..max_attempts; starts again after a retry by hand)
    attempt     integer     NOT NULL,
    runner      text,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    -- completed, failed, cancelled, or requeued (a retry after a failed attempt, a released or reclaimed lease)
    status      text,
    error       text,
    PRIMARY KEY (job_id, run)
);

CREATE FUNCTION cloud_jobs_track_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'pending' AND NEW.status = 'processing' THEN
        -- Jobs from before this migration have runs = 0: their earlier runs count by their attempts.
        NEW.runs := greatest(OLD.runs + 1, NEW.attempts);
        INSERT INTO cloud_job_runs (job_id, run, attempt, runner, started_at)
        VALUES (NEW.id, NEW.runs, NEW.attempts, NEW.lease_owner, coalesce(NEW.started_at, now()))
        ON CONFLICT (job_id, run) DO NOTHING;
    ELSIF OLD.status = 'processing' AND NEW.status <> 'processing' THEN
        UPDATE cloud_job_runs SET finished_at = now(),
               status = CASE WHEN NEW.status = 'pending' THEN 'requeued' ELSE NEW.status END,
               error = left(NEW.error, 2000)
         WHERE job_id = OLD.id AND run = OLD.runs AND finished_at IS NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER cloud_jobs_track_runs BEFORE UPDATE OF status ON cloud_jobs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION cloud_jobs_track_runs();

-- Log lines are labelled with the run they were written in (writers pass the attempt number and the time), so
-- two runs after a retry by hand are two sections.
CREATE FUNCTION cloud_job_logs_label_run() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r integer;
BEGIN
    -- The newest run with that attempt that had started when the line was written (lines buffered through a
    -- database outage arrive late, perhaps after a retry by hand started another run with the same attempt).
    SELECT run INTO r FROM cloud_job_runs WHERE job_id = NEW.job_id AND attempt = NEW.attempt
       AND started_at <= NEW.logged_at + interval '1 second'
     ORDER BY run DESC LIMIT 1;
    IF r IS NULL THEN
        SELECT run INTO r FROM cloud_job_runs WHERE job_id = NEW.job_id AND attempt = NEW.attempt
         ORDER BY run DESC LIMIT 1;
    END IF;
    IF r IS NOT NULL THEN
        NEW.attempt := r;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER cloud_job_logs_label_run BEFORE INSERT ON cloud_job_logs
    FOR EACH ROW EXECUTE FUNCTION cloud_job_logs_label_run();
