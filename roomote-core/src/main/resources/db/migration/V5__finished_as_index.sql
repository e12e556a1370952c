-- How finished jobs ended, finer than their status (io.roomote.core.jobs.FinishedAs): the dashboard counts and
-- lists them by it. The expression must stay identical to JobSearchRepository.FINISHED_AS for the index to be used.
CREATE INDEX cloud_jobs_finished_as_idx ON cloud_jobs ((CASE
        WHEN status = 'cancelled' THEN 'cancelled'
        WHEN (result ->> 'outcome') IN ('skipped', 'no_changes', 'timed_out') THEN (result ->> 'outcome')
        WHEN status = 'failed' AND error LIKE 'timed out after %' THEN 'timed_out'
        WHEN status = 'completed' AND (result ->> 'prUrl') IS NOT NULL THEN 'pr'
        WHEN status = 'completed' THEN 'completed'
        ELSE 'failed' END), id DESC)
    WHERE status IN ('completed', 'failed', 'cancelled');
