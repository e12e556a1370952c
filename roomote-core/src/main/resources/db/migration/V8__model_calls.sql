-- Every request a job's agent made to a model provider through Roomote's model gateway (io.roomote.spi.ModelCall),
-- kept with the job and deleted with it. The API (GET /api/jobs/:id/model-calls) and the dashboard's job page show
-- them. Text columns are cut to bounded lengths by the writer (ModelCallRepository), not here.
CREATE TABLE cloud_job_model_calls (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      bigint      NOT NULL REFERENCES cloud_jobs (id) ON DELETE CASCADE,
    -- the run of the job (cloud_job_runs.run) the call was made in, as cloud_job_logs.attempt after V7; the
    -- attempt number when the job has no recorded run (a Jenkins step's run)
    run         integer     NOT NULL,
    at          timestamptz NOT NULL,
    provider    text,
    model       text,
    tokens_in   bigint,
    tokens_out  bigint,
    cost_usd    numeric,
    -- the HTTP status returned to the agent, the gateway's own refusals included
    status      integer     NOT NULL,
    duration_ms bigint      NOT NULL,
    error       text
);

CREATE INDEX cloud_job_model_calls_job_idx ON cloud_job_model_calls (job_id, id);
