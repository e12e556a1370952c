-- JobType.concurrencyKey: at most one job per key is processing; jobs sharing a key are claimed in the order they
-- are due (run_at, id). Jobs without a key (NULL) are in neither index and cost the claim nothing extra.
ALTER TABLE cloud_jobs ADD COLUMN concurrency_key text;

-- The claim's "is a job of this key running?" look-up, and the guarantee behind it: a second claim of the same key
-- cannot commit (JobRepository.claim explains why the look-up alone leaves a narrow window, and retries).
CREATE UNIQUE INDEX cloud_jobs_processing_key_idx ON cloud_jobs (concurrency_key)
    WHERE status = 'processing' AND concurrency_key IS NOT NULL;

-- The claim's "is an earlier job of this key pending?" look-up.
CREATE INDEX cloud_jobs_pending_key_idx ON cloud_jobs (concurrency_key, run_at, id)
    WHERE status = 'pending' AND concurrency_key IS NOT NULL;

-- A job of a key that ends (or goes back to pending) may free the next job of that key: wake idle runners of the
-- next job's type, whichever writer ended it (complete, fail, cancel, reschedule, release, the lease reaper).
CREATE FUNCTION cloud_jobs_key_freed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_type text;
BEGIN
    SELECT type INTO next_type FROM cloud_jobs
     WHERE concurrency_key = NEW.concurrency_key AND status = 'pending' AND run_at <= now()
     ORDER BY run_at, id LIMIT 1;
    IF next_type IS NOT NULL THEN
        PERFORM pg_notify('roomote_jobs', next_type);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cloud_jobs_key_freed AFTER UPDATE OF status ON cloud_jobs
    FOR EACH ROW WHEN (OLD.status = 'processing' AND NEW.status <> 'processing' AND NEW.concurrency_key IS NOT NULL)
    EXECUTE FUNCTION cloud_jobs_key_freed();
