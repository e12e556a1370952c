-- Job types whose claiming is paused, for every runner (dashboard "Pause", POST /api/job-types/{type}/pause).
-- The claim query leaves pending jobs of these types where they are; running jobs are not affected.
CREATE TABLE cloud_job_type_pauses (
    type      text        PRIMARY KEY,
    paused_at timestamptz NOT NULL DEFAULT now(),
    paused_by text
);
