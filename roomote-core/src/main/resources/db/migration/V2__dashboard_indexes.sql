-- Indexes for the queue dashboard (/admin/queues) and the clean-up of old finished jobs.
-- Lists by status and by type already use cloud_jobs_status_id_idx and cloud_jobs_type_id_idx (V1).

-- Filter by repository (github.issue.fix payloads: {"repo": "owner/name", "issue": 42, ...}), newest first.
-- Case-insensitive like GitHub; text_pattern_ops also serves an owner prefix ('owner/%').
-- Partial: jobs without a repo (other job types) cost nothing here.
CREATE INDEX cloud_jobs_repo_id_idx ON cloud_jobs (lower(payload ->> 'repo') text_pattern_ops, id DESC)
    WHERE (payload ->> 'repo') IS NOT NULL;

-- Filter by issue number, newest first.
CREATE INDEX cloud_jobs_issue_id_idx ON cloud_jobs ((payload ->> 'issue'), id DESC)
    WHERE (payload ->> 'issue') IS NOT NULL;

-- Recently finished jobs (throughput, pickup latency) and "delete finished jobs older than ...".
CREATE INDEX cloud_jobs_completed_at_idx ON cloud_jobs (completed_at)
    WHERE completed_at IS NOT NULL;

-- Free-text search over a job's title (or name) and error, when pg_trgm can be had: it ships with
-- PostgreSQL's contrib (the embedded database has it) and is a trusted extension, so a database owner may
-- create it. Without it the search still works, by scanning; nothing else depends on it.
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%); dashboard text search will scan instead of using an index', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        BEGIN
            -- The expression must stay identical to JobSearchRepository.SEARCH_TEXT / SEARCH_PRESENT.
            EXECUTE 'CREATE INDEX cloud_jobs_search_trgm_idx ON cloud_jobs USING gin ('
                 || '(coalesce(payload ->> ''title'', payload ->> ''name'', '''') || '' '' || coalesce(error, ''''))'
                 || ' gin_trgm_ops) WHERE coalesce(payload ->> ''title'', payload ->> ''name'', error) IS NOT NULL';
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'could not create the trigram search index (%); dashboard text search will scan', SQLERRM;
        END;
    END IF;
END
$$;
