-- Every GitHub webhook delivery seen, by X-GitHub-Delivery, with the answer given: a redelivery gets the
-- same answer and creates nothing.
CREATE TABLE github_deliveries (
    delivery_id text PRIMARY KEY,
    event       text        NOT NULL,
    action      text,
    received_at timestamptz NOT NULL DEFAULT now(),
    status      integer,
    response    jsonb,
    job_id      bigint REFERENCES cloud_jobs (id) ON DELETE SET NULL
);

CREATE INDEX github_deliveries_received_idx ON github_deliveries (received_at);
