-- The issue comment a fix job keeps up to date (GITHUB_COMMENTS=true).
ALTER TABLE cloud_jobs ADD COLUMN github_comment_id bigint;
