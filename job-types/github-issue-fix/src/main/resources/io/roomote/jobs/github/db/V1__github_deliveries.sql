-- Every GitHub webhook delivery seen, by X-GitHub-Delivery, with the answer given: a redelivery gets the
-- same answer and creates nothing.
-- Core's V3 created this table until the fix module owned it: IF NOT EXISTS keeps the table and rows of a database
-- that ran it (core's history keeps that V3 as a retired version, io.roomote.core.store.Schema.CORE).
CREATE TABLE IF NOT EXISTS github_deliveries (
    delivery_id text PRIMARY KEY,
    event       text        NOT NULL,
    action      text,
    received_at timestamptz NOT NULL DEFAULT now(),
    status      integer,
    response    jsonb,
    job_id      bigint REFERENCES cloud_jobs (id) ON DELETE SET NULL
);

CREATE INDEX IF NOT EXISTS github_deliveries_received_idx ON github_deliveries (received_at);
