-- The issue comment a fix job keeps up to date (GITHUB_COMMENTS=true), one per job, deleted with the job.
CREATE TABLE github_issue_comments (
    job_id     bigint PRIMARY KEY REFERENCES cloud_jobs (id) ON DELETE CASCADE,
    comment_id bigint NOT NULL
);

-- Core's V4 kept the id in cloud_jobs.github_comment_id until the fix module owned it: a database that ran it has
-- its ids copied here and the column dropped (from here, not from core: only this module knows where they go).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
               AND table_name = 'cloud_jobs' AND column_name = 'github_comment_id') THEN
        INSERT INTO github_issue_comments (job_id, comment_id)
            SELECT id, github_comment_id FROM cloud_jobs WHERE github_comment_id IS NOT NULL;
        ALTER TABLE cloud_jobs DROP COLUMN github_comment_id;
    END IF;
END
$$;
