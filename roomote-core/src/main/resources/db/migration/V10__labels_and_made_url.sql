-- What lists and searches read instead of a job type's payload and result fields (issue 10): the labels its type
-- gives at enqueue (JobType.labels, e.g. {"repo": "owner/name", "issue": "42"}) and the link of what a completed job
-- made (JobType.describe(...).made(), e.g. a pull request). A module fills them for its own older rows in its own
-- migrations (the fix module's V3).
ALTER TABLE cloud_jobs ADD COLUMN labels jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE cloud_jobs ADD COLUMN made_url text;

-- label=key:value filters (labels @> {"key": "value"}), e.g. issue=42.
CREATE INDEX cloud_jobs_labels_idx ON cloud_jobs USING gin (labels jsonb_path_ops);

-- The repo= filter: case-insensitive like GitHub, exact or an owner prefix ('owner/%'), newest first; partial, so
-- jobs without a repo label cost nothing here. Replaces V2's index over the payload's field.
CREATE INDEX cloud_jobs_repo_label_idx ON cloud_jobs (lower(labels ->> 'repo') text_pattern_ops, id DESC)
    WHERE (labels ->> 'repo') IS NOT NULL;
DROP INDEX IF EXISTS cloud_jobs_repo_id_idx;
DROP INDEX IF EXISTS cloud_jobs_issue_id_idx;

-- How finished jobs ended (io.roomote.core.jobs.FinishedAs): "pr" is now "made something with a link". The
-- expression must stay identical to JobSearchRepository.FINISHED_AS. Replaces V5's index.
CREATE INDEX cloud_jobs_finished_made_idx ON cloud_jobs ((CASE
        WHEN status = 'cancelled' THEN 'cancelled'
        WHEN (result ->> 'outcome') IN ('skipped', 'no_changes', 'timed_out') THEN (result ->> 'outcome')
        WHEN status = 'failed' AND error LIKE 'timed out after %' THEN 'timed_out'
        WHEN status = 'completed' AND made_url IS NOT NULL THEN 'pr'
        WHEN status = 'completed' THEN 'completed'
        ELSE 'failed' END), id DESC)
    WHERE status IN ('completed', 'failed', 'cancelled');
DROP INDEX IF EXISTS cloud_jobs_finished_as_idx;
