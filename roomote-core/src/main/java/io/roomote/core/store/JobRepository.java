package io.roomote.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobPage;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import org.postgresql.util.PGobject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every statement on {@code cloud_jobs}. Each method is one transaction; every write of a running job's
 * outcome is fenced by its lease token, so a worker whose lease was taken back cannot change the row.
 */
public final class JobRepository {

    /** Channel that wakes idle workers when a job becomes claimable; the payload is the job type. */
    public static final String JOBS_CHANNEL = "roomote_jobs";
    /** Channel that tells runners a processing job was asked to stop; the payload is the job id. */
    public static final String CANCEL_CHANNEL = "roomote_cancel";

    private static final String ACTIVE = "status IN ('pending', 'processing')";
    private static final String CLEAR_LEASE =
            "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = now()";
    private static final String FENCE = " WHERE id = ? AND lease_token = ? AND status = 'processing'";

    private static final String NOW = QueueTime.NOW;

    private final Database database;
    private final ObjectMapper mapper;
    private final QueueTime time;

    /** On the database's clock, as production runs. */
    public JobRepository(Database database, ObjectMapper mapper) {
        this(database, mapper, QueueTime.database());
    }

    /** On {@code time}: {@link QueueTime#database()} in production, a test's settable clock in queue tests. */
    public JobRepository(Database database, ObjectMapper mapper, QueueTime time) {
        this.database = database;
        this.mapper = mapper;
        this.time = time;
    }

    /** Result of an insert: the job and whether it is new (false when an active job had the dedupe key). */
    public record Inserted(Job job, boolean created) {
    }

    /**
     * Inserts the job and notifies idle workers in the same transaction. With a dedupe key and an active job
     * holding it, returns that job instead; the unique partial index decides, so concurrent callers agree.
     */
    public Inserted insert(NewJob job, int maxAttempts) {
        String insert = "WITH ins AS (INSERT INTO cloud_jobs (type, payload, dedupe_key, max_attempts, concurrency_key,"
                + " labels, run_at) VALUES (?, ?, ?, ?, ?, ?::jsonb, " + NOW + ")"
                + " ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND " + ACTIVE + " DO NOTHING RETURNING *)"
                + " SELECT ins.*, pg_notify('" + JOBS_CHANNEL + "', ins.type) FROM ins";
        try (Connection c = database.connection()) {
            // A job holding the key can finish between our insert and our look-up; then insert again.
            for (int tries = 0; tries < 10; tries++) {
                try (PreparedStatement ps = c.prepareStatement(insert)) {
                    ps.setString(1, job.type());
                    ps.setObject(2, Json.jsonb(mapper, job.payload()));
                    ps.setString(3, job.dedupeKey());
                    ps.setInt(4, job.maxAttempts() != null ? job.maxAttempts() : maxAttempts);
                    ps.setString(5, job.concurrencyKey());
                    ps.setString(6, labelsJson(job));
                    QueueTime.bind(ps, time.now(), 7);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            return new Inserted(map(rs), true);
                        }
                    }
                }
                Optional<Job> existing = queryOne(c, "SELECT * FROM cloud_jobs WHERE dedupe_key = ? AND " + ACTIVE,
                        ps -> ps.setString(1, job.dedupeKey()));
                if (existing.isPresent()) {
                    return new Inserted(existing.get(), false);
                }
            }
            throw new StoreException("could not enqueue job with dedupe key " + job.dedupeKey()
                    + ": the key kept changing hands", null);
        } catch (SQLException e) {
            throw new StoreException("could not enqueue job", e);
        }
    }

    /**
     * One column of the batch insert: its name, the element type of the array it is sent in, and its value
     * for one job. A new column of {@code cloud_jobs} set at enqueue is one more entry in {@link #batchColumns}.
     */
    private record BatchColumn(String name, String arrayType, java.util.function.Function<NewJob, Object> value) {
    }

    private List<BatchColumn> batchColumns(int defaultMaxAttempts) {
        return List.of(
                new BatchColumn("type", "text", NewJob::type),
                // Sent as text and cast: pgjdbc has no jsonb[] binding.
                new BatchColumn("payload", "jsonb", j -> Json.text(mapper, j.payload())),
                new BatchColumn("dedupe_key", "text", NewJob::dedupeKey),
                new BatchColumn("max_attempts", "int4", j -> j.maxAttempts() != null ? j.maxAttempts() : defaultMaxAttempts),
                new BatchColumn("concurrency_key", "text", NewJob::concurrencyKey),
                new BatchColumn("labels", "jsonb", this::labelsJson));
    }

    /**
     * Inserts {@code batch} in one transaction with one multi-row statement and notifies idle workers once per
     * job type, in the same commit. Answers in the order of {@code batch}. Dedupe keys work as in
     * {@link #insert}: an item whose key an active job holds gets that job ({@code created} false); of items
     * sharing a key within the batch, the first is inserted and the later ones get its job.
     */
    public List<Inserted> insertAll(List<NewJob> batch, int defaultMaxAttempts) {
        if (batch.isEmpty()) {
            return List.of();
        }
        Inserted[] answers = new Inserted[batch.size()];
        // Later items with a key seen earlier in the batch point at that earlier item.
        Map<String, Integer> firstWithKey = new java.util.HashMap<>();
        int[] sameAs = new int[batch.size()];
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            String key = batch.get(i).dedupeKey();
            Integer first = key == null ? null : firstWithKey.putIfAbsent(key, i);
            sameAs[i] = first == null ? -1 : first;
            if (first == null) {
                pending.add(i);
            }
        }
        List<BatchColumn> columns = batchColumns(defaultMaxAttempts);
        String sql = batchInsert(columns, false);
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                java.util.Set<String> createdTypes = new java.util.TreeSet<>();
                // A job holding a key can finish between our insert and our look-up; then those items go again.
                for (int tries = 0; !pending.isEmpty(); tries++) {
                    if (tries == 10) {
                        throw new StoreException("could not enqueue the batch: the dedupe keys of "
                                + pending.size() + " jobs kept changing hands", null);
                    }
                    List<Integer> conflicted = insertRows(c, sql, columns, batch, pending, answers, createdTypes);
                    pending = new ArrayList<>();
                    if (!conflicted.isEmpty()) {
                        Map<String, Job> holders = activeByKey(c, conflicted.stream().map(i -> batch.get(i).dedupeKey()).toList());
                        for (int i : conflicted) {
                            Job holder = holders.get(batch.get(i).dedupeKey());
                            if (holder != null) {
                                answers[i] = new Inserted(holder, false);
                            } else {
                                pending.add(i);
                            }
                        }
                    }
                }
                if (!createdTypes.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT pg_notify('" + JOBS_CHANNEL + "', t) FROM unnest(?::text[]) AS t")) {
                        ps.setArray(1, c.createArrayOf("text", createdTypes.toArray()));
                        ps.execute();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("could not enqueue the batch of " + batch.size() + " jobs", e);
        }
        for (int i = 0; i < answers.length; i++) {
            if (sameAs[i] >= 0) {
                answers[i] = new Inserted(answers[sameAs[i]].job(), false);
            }
        }
        return List.of(answers);
    }

    /**
     * The multi-row insert of {@link #insertAll} and {@link #insertEach}; with {@code notify}, the same statement
     * wakes idle workers once per type inserted.
     */
    private static String batchInsert(List<BatchColumn> columns, boolean notify) {
        String names = String.join(", ", columns.stream().map(BatchColumn::name).toList());
        String arrays = String.join(", ", columns.stream().map(col -> "?::text[]::" + col.arrayType() + "[]").toList());
        // Ids are drawn first so each inserted row maps back to its item whatever order RETURNING gives.
        return "WITH input AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('cloud_jobs', 'id')) AS id, t.*"
                + " FROM unnest(" + arrays + ") WITH ORDINALITY AS t(" + names + ", ord)),"
                + " ins AS (INSERT INTO cloud_jobs (id, " + names + ", run_at) SELECT id, " + names + ", " + NOW
                + " FROM input ORDER BY ord"
                + " ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND " + ACTIVE + " DO NOTHING RETURNING *)"
                + (notify ? ", n AS (SELECT pg_notify('" + JOBS_CHANNEL + "', t) FROM (SELECT DISTINCT type AS t FROM ins) d)" : "")
                + " SELECT input.ord AS batch_ord, ins.* FROM input LEFT JOIN ins ON ins.id = input.id"
                + (notify ? ", (SELECT count(*) FROM n) notified" : "");
    }

    /**
     * Inserts independent jobs in one statement and one commit (one round trip), waking idle workers once per type
     * in the same commit. Unlike {@link #insertAll} nothing is looked up: an item whose dedupe key an active job
     * holds (or an earlier item of the list took) is not inserted, and its answer is empty, for the caller to
     * settle alone ({@link #insert}). Answers in the order of {@code jobs}.
     */
    public List<Optional<Job>> insertEach(List<NewJob> jobs, int defaultMaxAttempts) {
        List<BatchColumn> columns = batchColumns(defaultMaxAttempts);
        Inserted[] answers = new Inserted[jobs.size()];
        List<Integer> items = java.util.stream.IntStream.range(0, jobs.size()).boxed().toList();
        try (Connection c = database.connection()) {
            insertRows(c, batchInsert(columns, true), columns, jobs, items, answers, new java.util.HashSet<>());
        } catch (SQLException e) {
            throw new StoreException("could not enqueue " + jobs.size() + " jobs", e);
        }
        return java.util.Arrays.stream(answers).map(a -> Optional.ofNullable(a).map(Inserted::job)).toList();
    }

    /** Inserts the {@code items} of {@code batch}; fills the answers of the inserted ones, returns the others. */
    private List<Integer> insertRows(Connection c, String sql, List<BatchColumn> columns, List<NewJob> batch,
                                     List<Integer> items, Inserted[] answers, java.util.Set<String> createdTypes)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int col = 0; col < columns.size(); col++) {
                Object[] values = new Object[items.size()];
                for (int k = 0; k < items.size(); k++) {
                    Object v = columns.get(col).value().apply(batch.get(items.get(k)));
                    values[k] = v == null ? null : v.toString();
                }
                ps.setArray(col + 1, c.createArrayOf("text", values));
            }
            QueueTime.bind(ps, time.now(), columns.size() + 1);
            List<Integer> conflicted = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int item = items.get(rs.getInt("batch_ord") - 1);
                    rs.getLong("id");
                    if (rs.wasNull()) {
                        conflicted.add(item);
                    } else {
                        Job job = map(rs);
                        answers[item] = new Inserted(job, true);
                        createdTypes.add(job.type());
                    }
                }
            }
            return conflicted;
        }
    }

    private Map<String, Job> activeByKey(Connection c, List<String> keys) throws SQLException {
        Map<String, Job> byKey = new java.util.HashMap<>();
        for (Job job : queryMany(c, "SELECT * FROM cloud_jobs WHERE dedupe_key = ANY (?) AND " + ACTIVE,
                ps -> ps.setArray(1, c.createArrayOf("text", keys.toArray())))) {
            byKey.put(job.dedupeKey(), job);
        }
        return byKey;
    }

    public Optional<Job> find(long id) {
        try (Connection c = database.connection()) {
            return queryOne(c, "SELECT * FROM cloud_jobs WHERE id = ?", ps -> ps.setLong(1, id));
        } catch (SQLException e) {
            throw new StoreException("could not read job " + id, e);
        }
    }

    /** The jobs with these ids, in the order given; ids of jobs that no longer exist are left out. */
    public List<Job> findAll(List<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        try (Connection c = database.connection()) {
            List<Job> found = queryMany(c, "SELECT * FROM cloud_jobs WHERE id = ANY (?)",
                    ps -> ps.setArray(1, c.createArrayOf("bigint", ids.toArray())));
            Map<Long, Job> byId = new java.util.HashMap<>();
            found.forEach(job -> byId.put(job.id(), job));
            return ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
        } catch (SQLException e) {
            throw new StoreException("could not read jobs", e);
        }
    }

    public Map<JobStatus, Long> countByStatus() {
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus s : JobStatus.values()) {
            counts.put(s, 0L);
        }
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT status, count(*) FROM cloud_jobs GROUP BY status");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.put(JobStatus.fromDb(rs.getString(1)), rs.getLong(2));
            }
            return counts;
        } catch (SQLException e) {
            throw new StoreException("could not count jobs", e);
        }
    }

    /** Pending and processing jobs of one type. */
    public record ActiveCount(JobStatus status, String type, long count) {
    }

    /** The queue's depth per status and type, and the creation time of the oldest pending job (null: none). */
    public record QueueDepth(List<ActiveCount> counts, Instant oldestPendingAt) {
    }

    /** One statement over the active jobs only (both statuses have partial indexes), for the metrics' gauges. */
    public QueueDepth queueDepth() {
        String sql = "SELECT status, type, count(*), min(created_at) FILTER (WHERE status = 'pending')"
                + " FROM cloud_jobs WHERE " + ACTIVE + " GROUP BY status, type";
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<ActiveCount> counts = new java.util.ArrayList<>();
            Instant oldest = null;
            while (rs.next()) {
                counts.add(new ActiveCount(JobStatus.fromDb(rs.getString(1)), rs.getString(2), rs.getLong(3)));
                java.sql.Timestamp t = rs.getTimestamp(4);
                if (t != null && (oldest == null || t.toInstant().isBefore(oldest))) {
                    oldest = t.toInstant();
                }
            }
            return new QueueDepth(List.copyOf(counts), oldest);
        } catch (SQLException e) {
            throw new StoreException("could not count the queue", e);
        }
    }

    /**
     * Creation time of the oldest pending job, read on {@code c} (the health check's own bounded connection,
     * not the pool).
     */
    public static Optional<Instant> oldestPendingAt(Connection c, int timeoutSeconds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT min(created_at) FROM cloud_jobs WHERE status = 'pending'")) {
            ps.setQueryTimeout(timeoutSeconds);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                java.sql.Timestamp t = rs.getTimestamp(1);
                return Optional.ofNullable(t).map(java.sql.Timestamp::toInstant);
            }
        }
    }

    /**
     * How many jobs of the given types a runner could claim now: pending, due, of a type not paused, not held
     * back by its concurrency key (what
     * {@link #claim} would take, counted, up to {@code limit}). A controller starts workers for these.
     */
    public int countClaimable(Collection<String> types, int limit) {
        String sql = "SELECT count(*) FROM (SELECT 1 FROM cloud_jobs q WHERE status = 'pending' AND run_at <= " + NOW
                + " AND type = ANY (ARRAY(SELECT unnest(?::text[]) EXCEPT SELECT type FROM cloud_job_type_pauses))"
                + KEY_FREE + " LIMIT ?) c";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            QueueTime.bind(ps, time.now(), 1);
            ps.setArray(2, c.createArrayOf("text", types.toArray()));
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new StoreException("could not count the claimable jobs", e);
        }
    }

    /** Which of {@code owners} (runner ids) hold the lease of a running job now. */
    public java.util.Set<String> leaseHolders(Collection<String> owners) {
        if (owners.isEmpty()) {
            return java.util.Set.of();
        }
        String sql = "SELECT DISTINCT lease_owner FROM cloud_jobs WHERE status = 'processing' AND lease_owner = ANY (?)";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", owners.toArray()));
            java.util.Set<String> holders = new java.util.HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    holders.add(rs.getString(1));
                }
            }
            return holders;
        } catch (SQLException e) {
            throw new StoreException("could not read the lease holders", e);
        }
    }

    /**
     * The claim's (and {@link #countClaimable}'s) rule for {@code JobType.concurrencyKey}, on the scanned row
     * {@code q}: a keyed job is claimable only when no job of its key is processing and no pending job of its key
     * comes before it in claim order (run_at, id), so jobs of one key run one at a time and first come, first
     * served. The "earlier pending" look-up is one probe of a small partial index (V9); the "processing" one is
     * answered from the few processing rows, read once per statement and only when a keyed row is met (PostgreSQL
     * hashes it). The CASE makes a row without a key
     * (every job type but the few that use keys) pass on one null test, with neither look-up run; it sits inside
     * the filter of the ordered walk of {@code cloud_jobs_pending_idx}, so that walk stays the plan.
     */
    private static final String KEY_FREE = " AND CASE WHEN q.concurrency_key IS NULL THEN true ELSE"
            + " NOT EXISTS (SELECT 1 FROM cloud_jobs r WHERE r.concurrency_key = q.concurrency_key"
            + "   AND r.status = 'processing')"
            + " AND NOT EXISTS (SELECT 1 FROM cloud_jobs e WHERE e.concurrency_key = q.concurrency_key"
            + "   AND e.status = 'pending' AND (e.run_at, e.id) < (q.run_at, q.id)) END";

    /** How often a claim that lost a race for a concurrency key is tried again with a fresh snapshot. */
    private static final int CLAIM_TRIES = 3;

    /**
     * Claims up to {@code max} claimable jobs of the given types in one statement: each becomes
     * {@code processing}, counts an attempt and gets a lease with a fresh fencing token. Types paused in
     * {@code cloud_job_type_pauses} are not claimed, nor a keyed job whose key is busy or has an earlier job
     * waiting ({@link #KEY_FREE}).
     *
     * <p>Why two concurrent claimers (READ COMMITTED, SKIP LOCKED) never both start jobs of one key: the unique
     * partial index {@code cloud_jobs_processing_key_idx} admits one processing row per key, and PostgreSQL's
     * unique check does not skip: an insert of a key whose entry another transaction has written but not committed
     * waits for that transaction, then fails (23505) if it committed. So however the two claims' snapshots and
     * skipped locks interleave, the second claim of a key cannot commit while the first job is processing.
     * The look-ups in {@link #KEY_FREE} are what keeps that from happening in the ordinary course: a claimer whose
     * snapshot predates the other's commit still sees the other's job as pending and earlier (so it passes over
     * the later job of the key, and SKIP LOCKED passes over the locked one); a claimer whose snapshot follows it
     * sees the job processing. What the look-ups cannot see (another row of the key changed between the two
     * statements' snapshots; the row lock re-checks only the locked row itself) ends in the 23505 above (or, with
     * two keys crossed, a deadlock the database breaks); then this claim is rolled back, having claimed nothing,
     * and tried again with a fresh snapshot, which sees the winner's job processing.
     */
    public List<Lease> claim(String owner, int max, Duration leaseDuration, Collection<String> types) {
        for (int tries = 1; ; tries++) {
            try {
                return claimOnce(owner, max, leaseDuration, types);
            } catch (StoreException e) {
                if (tries >= CLAIM_TRIES || !(e.getCause() instanceof SQLException sql) || !keyRace(sql)) {
                    throw e;
                }
            }
        }
    }

    /** A unique violation (of the processing key index) or a deadlock between two claims. */
    private static boolean keyRace(SQLException e) {
        return "23505".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
    }

    /** The claim's scan (parameters: the queue's time, types, limit); package-private so a test can read its plan. */
    static final String CLAIM_SCAN = "SELECT id FROM cloud_jobs q WHERE status = 'pending' AND run_at <= " + NOW
            // Paused types (JobTypePauses) are taken out of the list once per claim: the index walk stays.
            + " AND type = ANY (ARRAY(SELECT unnest(?::text[]) EXCEPT SELECT type FROM cloud_job_type_pauses))"
            + KEY_FREE
            + " ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED";

    /**
     * One round trip and one commit. Only the ordered walk of cloud_jobs_pending_idx is a good plan; with stale
     * statistics (a young table, a burst of jobs) the planner prefers a bitmap scan of every pending row and a
     * sort, O(backlog) per claim. So the planner settings travel with the claim and are reset after it, all in the
     * implicit transaction the extended protocol commits at its Sync: should the claim fail, the transaction's
     * rollback undoes the settings too, so the pooled connection never keeps them. ({@code SET LOCAL} does not
     * work here: PostgreSQL ignores it, with a warning, outside an explicit transaction block.)
     */
    static final String CLAIM = "SET enable_bitmapscan = off; SET enable_sort = off;"
            + " WITH next AS (" + CLAIM_SCAN + ")"
            + " UPDATE cloud_jobs j SET status = 'processing', attempts = j.attempts + 1, started_at = " + NOW + ","
            + " lease_owner = ?, lease_token = nextval('cloud_jobs_lease_token_seq'),"
            + " lease_expires_at = " + NOW + " + (? * interval '1 millisecond'), heartbeat_at = " + NOW + ","
            + " updated_at = now()"
            + " FROM next WHERE j.id = next.id RETURNING j.*;"
            + " RESET enable_bitmapscan; RESET enable_sort";

    private List<Lease> claimOnce(String owner, int max, Duration leaseDuration, Collection<String> types) {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(CLAIM)) {
            bindClaim(ps, time.now(), owner, max, leaseDuration.toMillis(), types);
            List<Lease> leases = new ArrayList<>();
            for (boolean rows = ps.execute(); rows || ps.getUpdateCount() != -1; rows = ps.getMoreResults()) {
                if (rows) {
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            Job job = map(rs);
                            leases.add(new Lease(job, job.leaseToken()));
                        }
                    }
                }
            }
            leases.sort((a, b) -> Long.compare(a.jobId(), b.jobId()));
            return leases;
        } catch (SQLException e) {
            throw new StoreException("could not claim jobs", e);
        }
    }

    /** Binds {@link #CLAIM}'s parameters; package-private so a test can run the claim as it is and watch its plan. */
    static void bindClaim(PreparedStatement ps, java.time.OffsetDateTime now, String owner, int max, long leaseMillis,
                          Collection<String> types) throws SQLException {
        QueueTime.bind(ps, now, 1, 4, 6, 8);
        ps.setArray(2, ps.getConnection().createArrayOf("text", types.toArray()));
        ps.setInt(3, max);
        ps.setString(5, owner);
        ps.setLong(7, leaseMillis);
    }

    /**
     * Undoes claims whose jobs never started (claimed ahead, then no slot freed in time, or the runner stopping):
     * each job is pending again as it was — attempt and run not counted, its run record removed — and every
     * runner is woken to take it. Fenced by token like every other write. Returns the ids handed back.
     */
    public java.util.Set<Long> unclaim(Map<Long, Long> tokensByJob) {
        if (tokensByJob.isEmpty()) {
            return java.util.Set.of();
        }
        // The run record goes first: the run trigger's "requeued" update then finds nothing to mark.
        String sql = "DELETE FROM cloud_job_runs r USING cloud_jobs j, unnest(?::bigint[], ?::bigint[]) AS l(id, token)"
                + " WHERE j.id = l.id AND j.lease_token = l.token AND j.status = 'processing'"
                + " AND r.job_id = j.id AND r.run = j.runs;"
                + " WITH u AS (UPDATE cloud_jobs j SET status = 'pending', attempts = greatest(j.attempts - 1, 0),"
                + " runs = greatest(j.runs - 1, 0),"
                + " started_at = CASE WHEN j.attempts <= 1 THEN NULL ELSE j.started_at END, " + CLEAR_LEASE
                + " FROM unnest(?::bigint[], ?::bigint[]) AS l(id, token)"
                + " WHERE j.id = l.id AND j.lease_token = l.token AND j.status = 'processing' RETURNING j.id, j.type),"
                + " n AS (SELECT pg_notify('" + JOBS_CHANNEL + "', t) FROM (SELECT DISTINCT type AS t FROM u) d)"
                + " SELECT id FROM u, (SELECT count(*) FROM n) c";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            java.sql.Array ids = c.createArrayOf("bigint", tokensByJob.keySet().toArray());
            java.sql.Array tokens = c.createArrayOf("bigint", tokensByJob.values().toArray());
            ps.setArray(1, ids);
            ps.setArray(2, tokens);
            ps.setArray(3, ids);
            ps.setArray(4, tokens);
            java.util.Set<Long> handedBack = new java.util.HashSet<>();
            for (boolean rows = ps.execute(); rows || ps.getUpdateCount() != -1; rows = ps.getMoreResults()) {
                if (rows) {
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            handedBack.add(rs.getLong(1));
                        }
                    }
                }
            }
            return handedBack;
        } catch (SQLException e) {
            throw new StoreException("could not hand back " + tokensByJob.size() + " job(s) claimed ahead", e);
        }
    }

    private String labelsJson(NewJob job) {
        return Json.text(mapper, mapper.valueToTree(job.labels()));
    }

    /** Records success. False when the lease is no longer this token's. */
    public boolean complete(long id, long token, JsonNode result) {
        return complete(id, token, result, null);
    }

    /** As {@link #complete(long, long, JsonNode)}, with the link of what the job made (may be null). */
    public boolean complete(long id, long token, JsonNode result, String madeUrl) {
        return fenced("UPDATE cloud_jobs SET status = 'completed', result = ?, made_url = ?, error = NULL,"
                + " completed_at = now(), " + CLEAR_LEASE + FENCE, id, jsonb(result), madeUrl, id, token);
    }

    /**
     * A successful attempt to record: the job, the fencing token of its lease, its result (may be null), and the
     * link of what it made (its type's {@code describe(...).made()}; may be null).
     */
    public record Completion(long id, long token, JsonNode result, String madeUrl) {

        /** A completion that made nothing with a link. */
        public Completion(long id, long token, JsonNode result) {
            this(id, token, result, null);
        }
    }

    /**
     * Records many successes in one statement and one durable commit, each row fenced by its own token as
     * {@link #complete} does: a row whose lease was taken back is left alone. Returns the ids recorded.
     */
    public java.util.Set<Long> completeAll(List<Completion> completions) {
        return completeAll(completions, List.of());
    }

    /**
     * As {@link #completeAll(List)}, storing the attempts' last log lines in the same statement and commit (a
     * finished job's log costs no commit of its own). The lines are stored whatever the fencing decides, as
     * {@link JobLogRepository#append} would store them.
     */
    public java.util.Set<Long> completeAll(List<Completion> completions, List<JobLogRepository.Entry> logs) {
        if (completions.isEmpty()) {
            if (!logs.isEmpty()) {
                new JobLogRepository(database).append(logs);
            }
            return java.util.Set.of();
        }
        String sql = (logs.isEmpty() ? "" : "WITH logs AS (" + JobLogRepository.INSERT + ") ")
                + "UPDATE cloud_jobs j SET status = 'completed', result = v.result::jsonb, made_url = v.made_url,"
                + " error = NULL, completed_at = now(), " + CLEAR_LEASE
                + " FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[]) AS v(id, token, result, made_url)"
                + " WHERE j.id = v.id AND j.lease_token = v.token AND j.status = 'processing' RETURNING j.id";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int next = logs.isEmpty() ? 1 : JobLogRepository.bind(c, ps, 1, logs);
            Object[] ids = new Object[completions.size()];
            Object[] tokens = new Object[completions.size()];
            Object[] results = new Object[completions.size()];
            Object[] made = new Object[completions.size()];
            for (int i = 0; i < completions.size(); i++) {
                Completion done = completions.get(i);
                ids[i] = done.id();
                tokens[i] = done.token();
                results[i] = Json.text(mapper, done.result());
                made[i] = done.madeUrl();
            }
            ps.setArray(next, c.createArrayOf("bigint", ids));
            ps.setArray(next + 1, c.createArrayOf("bigint", tokens));
            ps.setArray(next + 2, c.createArrayOf("text", results));
            ps.setArray(next + 3, c.createArrayOf("text", made));
            java.util.Set<Long> recorded = new java.util.HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recorded.add(rs.getLong(1));
                }
            }
            return recorded;
        } catch (SQLException e) {
            throw new StoreException("could not record the outcomes of " + completions.size() + " jobs", e);
        }
    }

    /** Records a final failure. */
    public boolean fail(long id, long token, String error, JsonNode result) {
        return fenced("UPDATE cloud_jobs SET status = 'failed', error = ?, result = ?, completed_at = now(), "
                + CLEAR_LEASE + FENCE, id, error, jsonb(result), id, token);
    }

    /** Records that a running job stopped because a user cancelled it. */
    public boolean cancelled(long id, long token, String error, JsonNode result) {
        return fenced("UPDATE cloud_jobs SET status = 'cancelled', error = ?, result = ?, completed_at = now(), "
                + CLEAR_LEASE + FENCE, id, error, jsonb(result), id, token);
    }

    /** Puts a failed attempt back in the queue to run again after {@code delay}. */
    public boolean reschedule(long id, long token, String error, Duration delay) {
        return fenced("UPDATE cloud_jobs SET status = 'pending', error = ?,"
                + " run_at = " + NOW + " + (? * interval '1 millisecond'), " + CLEAR_LEASE + FENCE,
                id, error, time.now(), delay.toMillis(), id, token);
    }

    /**
     * Hands a job back to the queue without counting the attempt (graceful shutdown), and wakes the other
     * runners so one of them takes it at once.
     */
    public boolean release(long id, long token) {
        return fenced("WITH r AS (UPDATE cloud_jobs SET status = 'pending', attempts = greatest(attempts - 1, 0),"
                + " run_at = " + NOW + ", " + CLEAR_LEASE + FENCE + " RETURNING type)"
                + " SELECT pg_notify('" + JOBS_CHANNEL + "', type) FROM r", id, time.now(), id, token);
    }

    /** What a heartbeat learned about one running job. */
    public record LeaseState(long jobId, boolean cancelRequested) {
    }

    /**
     * Renews the leases of running jobs in one statement. A job missing from the answer has lost its lease
     * (taken back, or no longer processing).
     */
    public List<LeaseState> renew(Map<Long, Long> tokensByJob, Duration leaseDuration) {
        if (tokensByJob.isEmpty()) {
            return List.of();
        }
        String sql = "UPDATE cloud_jobs j SET lease_expires_at = " + NOW + " + (? * interval '1 millisecond'),"
                + " heartbeat_at = " + NOW + " FROM unnest(?::bigint[], ?::bigint[]) AS l(id, token)"
                + " WHERE j.id = l.id AND j.lease_token = l.token AND j.status = 'processing'"
                + " RETURNING j.id, j.cancel_requested";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            QueueTime.bind(ps, time.now(), 1, 3);
            ps.setLong(2, leaseDuration.toMillis());
            ps.setArray(4, c.createArrayOf("bigint", tokensByJob.keySet().toArray()));
            ps.setArray(5, c.createArrayOf("bigint", tokensByJob.values().toArray()));
            List<LeaseState> states = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    states.add(new LeaseState(rs.getLong(1), rs.getBoolean(2)));
                }
            }
            return states;
        } catch (SQLException e) {
            throw new StoreException("could not renew leases", e);
        }
    }

    /** A job whose expired lease was taken back, and how long until it may run again (zero: now). */
    public record Reclaimed(Job job, Duration dueIn) {
    }

    /**
     * Takes back every expired lease: the job is queued again (after backoff) if attempts remain, else it
     * fails with a message that says so; a job whose cancel was requested ends cancelled.
     */
    public List<Job> reclaimExpired(io.roomote.core.util.Backoff backoff) {
        return reclaimExpiredLeases(backoff).stream().map(Reclaimed::job).toList();
    }

    /**
     * As {@link #reclaimExpired}, also saying when each requeued job is due. Idle runners are notified only of
     * jobs due now; a job with a backoff is announced by {@link #announceDue} when its {@code run_at} comes,
     * since a wake-up before that finds nothing to claim. The delay is measured on the queue's time ({@link QueueTime}).
     */
    public List<Reclaimed> reclaimExpiredLeases(io.roomote.core.util.Backoff backoff) {
        String sql = "WITH expired AS (SELECT id FROM cloud_jobs WHERE status = 'processing' AND lease_expires_at < " + NOW
                + " FOR UPDATE SKIP LOCKED),"
                + " upd AS (UPDATE cloud_jobs j SET"
                + "  status = CASE WHEN j.cancel_requested THEN 'cancelled'"
                + "                WHEN j.attempts < j.max_attempts THEN 'pending' ELSE 'failed' END,"
                + "  error = 'lease expired: runner ' || coalesce(j.lease_owner, '?') || ' stopped renewing it during attempt '"
                + "          || j.attempts || ' of ' || j.max_attempts"
                + "          || CASE WHEN j.cancel_requested THEN ' (cancel had been requested)'"
                + "                  WHEN j.attempts < j.max_attempts THEN '; will retry' ELSE '; no attempts left' END,"
                // The delay after n attempts is the n-th element: Backoff computes it, for the same waits as the worker's.
                + "  run_at = " + NOW + " + (?::bigint[])[least(greatest(j.attempts, 1), ?)] * interval '1 millisecond',"
                + "  completed_at = CASE WHEN j.cancel_requested OR j.attempts >= j.max_attempts THEN " + NOW + " END,"
                + "  " + CLEAR_LEASE
                + " FROM expired WHERE j.id = expired.id RETURNING j.*)"
                + " SELECT upd.*, ceil(greatest(extract(epoch FROM upd.run_at - " + NOW + "), 0) * 1000)::bigint AS due_in_ms,"
                + " CASE WHEN upd.status = 'pending' AND upd.run_at <= " + NOW + " THEN pg_notify('" + JOBS_CHANNEL + "', upd.type) END"
                + " FROM upd";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            Long[] delays = backoff.millisByFailures();
            QueueTime.bind(ps, time.now(), 1, 2, 5, 6, 7);
            ps.setArray(3, c.createArrayOf("bigint", delays));
            ps.setInt(4, delays.length);
            List<Reclaimed> jobs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(new Reclaimed(map(rs), Duration.ofMillis(rs.getLong("due_in_ms"))));
                }
            }
            return jobs;
        } catch (SQLException e) {
            throw new StoreException("could not reclaim expired leases", e);
        }
    }

    /**
     * How long until the earliest lease of a processing job expires, on the queue's time: zero when one
     * has expired already, empty when no job is processing.
     */
    public Optional<Duration> nextLeaseExpiry() {
        // Not greatest(…, 0) in SQL: it ignores NULLs, so "no processing job" would read as "one expired now".
        String sql = "SELECT ceil(extract(epoch FROM min(lease_expires_at) - " + NOW + ") * 1000)::bigint"
                + " FROM cloud_jobs WHERE status = 'processing'";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            QueueTime.bind(ps, time.now(), 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long ms = rs.getLong(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofMillis(Math.max(0, ms)));
            }
        } catch (SQLException e) {
            throw new StoreException("could not read the next lease expiry", e);
        }
    }

    /** Wakes idle runners that can run {@code type}: a job of it has become due. */
    public void announceDue(String type) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + JOBS_CHANNEL + "', ?)")) {
            ps.setString(1, type);
            ps.execute();
        } catch (SQLException e) {
            throw new StoreException("could not announce due jobs of type " + type, e);
        }
    }

    /**
     * Asks a job to stop. A pending job is cancelled at once and never runs; a processing job gets
     * {@code cancel_requested} and its runner is notified. Empty when the job is unknown or already finished.
     */
    public Optional<Job> requestCancel(long id) {
        String sql = "WITH u AS (UPDATE cloud_jobs SET cancel_requested = true,"
                + " status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,"
                + " completed_at = CASE WHEN status = 'pending' THEN now() ELSE completed_at END,"
                + " error = CASE WHEN status = 'pending' THEN 'cancelled before it started' ELSE error END,"
                + " updated_at = now() WHERE id = ? AND " + ACTIVE + " RETURNING *)"
                + " SELECT u.*, CASE WHEN u.status = 'processing' THEN pg_notify('" + CANCEL_CHANNEL + "', u.id::text) END"
                + " FROM u";
        try (Connection c = database.connection()) {
            return queryOne(c, sql, ps -> ps.setLong(1, id));
        } catch (SQLException e) {
            throw new StoreException("could not cancel job " + id, e);
        }
    }

    /**
     * Queues a failed or cancelled job again with a fresh set of attempts. Empty when the job is unknown or not
     * failed/cancelled.
     *
     * @throws DuplicateActiveJobException when another active job holds the same dedupe key
     */
    public Optional<Job> requeue(long id) {
        String sql = "WITH u AS (UPDATE cloud_jobs SET status = 'pending', attempts = 0, run_at = " + NOW + ", error = NULL,"
                + " result = NULL, started_at = NULL, completed_at = NULL, cancel_requested = false, updated_at = now()"
                + " WHERE id = ? AND status IN ('failed', 'cancelled') RETURNING *)"
                + " SELECT u.*, pg_notify('" + JOBS_CHANNEL + "', u.type) FROM u";
        try (Connection c = database.connection()) {
            return queryOne(c, sql, ps -> {
                QueueTime.bind(ps, time.now(), 1);
                ps.setLong(2, id);
            });
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new DuplicateActiveJobException(id);
            }
            throw new StoreException("could not retry job " + id, e);
        }
    }


    /**
     * Deletes a finished (completed, failed or cancelled) job and, by cascade, its log. Empty when the job is
     * unknown or still pending or processing.
     */
    public Optional<Job> deleteFinished(long id) {
        try (Connection c = database.connection()) {
            return queryOne(c, "DELETE FROM cloud_jobs WHERE id = ? AND status IN ('completed', 'failed', 'cancelled')"
                    + " RETURNING *", ps -> ps.setLong(1, id));
        } catch (SQLException e) {
            throw new StoreException("could not delete job " + id, e);
        }
    }

    /**
     * Deletes finished jobs of the given (terminal) statuses that finished before {@code cutoff}, with their
     * logs, {@code batchSize} jobs per transaction so no lock is held long. Returns how many were deleted.
     */
    public long deleteFinishedBefore(Collection<JobStatus> statuses, Instant cutoff, int batchSize) {
        if (statuses.stream().anyMatch(s -> !s.isTerminal())) {
            throw new IllegalArgumentException("only completed, failed or cancelled jobs can be cleaned");
        }
        if (statuses.isEmpty()) {
            return 0;
        }
        // The outer conditions are re-checked on rows that changed meanwhile (a retried job is kept).
        String sql = "DELETE FROM cloud_jobs WHERE id IN (SELECT id FROM cloud_jobs WHERE completed_at < ?"
                + " AND status = ANY (?) LIMIT ? FOR UPDATE SKIP LOCKED) AND completed_at < ? AND status = ANY (?)";
        long total = 0;
        try (Connection c = database.connection()) {
            Object[] names = statuses.stream().map(JobStatus::dbValue).toArray();
            while (true) {
                int n;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    Timestamp ts = Timestamp.from(cutoff);
                    ps.setTimestamp(1, ts);
                    ps.setArray(2, c.createArrayOf("text", names));
                    ps.setInt(3, batchSize);
                    ps.setTimestamp(4, ts);
                    ps.setArray(5, c.createArrayOf("text", names));
                    n = ps.executeUpdate();
                }
                total += n;
                if (n < batchSize) {
                    return total;
                }
            }
        } catch (SQLException e) {
            throw new StoreException("could not delete old jobs (" + total + " deleted before the failure)", e);
        }
    }

    // --- plumbing ---

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Runs one fenced write; true when it changed the row (the lease was still this token's). */
    private boolean fenced(String sql, long id, Object... args) {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            if (sql.startsWith("WITH")) {
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("could not record the outcome of job " + id, e);
        }
    }

    private PGobject jsonb(JsonNode node) {
        try {
            return Json.jsonb(mapper, node);
        } catch (SQLException e) {
            throw new StoreException("could not serialise a result", e);
        }
    }

    private Optional<Job> queryOne(Connection c, String sql, Binder binder) throws SQLException {
        List<Job> jobs = queryMany(c, sql, binder);
        return jobs.isEmpty() ? Optional.empty() : Optional.of(jobs.get(0));
    }

    private List<Job> queryMany(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<Job> jobs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(map(rs));
                }
            }
            return jobs;
        }
    }

    private Job map(ResultSet rs) throws SQLException {
        long token = rs.getLong("lease_token");
        Long leaseToken = rs.wasNull() ? null : token;
        return new Job(
                rs.getLong("id"),
                rs.getString("type"),
                JobStatus.fromDb(rs.getString("status")),
                Json.read(mapper, rs.getString("payload")),
                Json.read(mapper, rs.getString("result")),
                rs.getString("error"),
                rs.getString("slack_thread_ts"),
                rs.getInt("attempts"),
                rs.getInt("max_attempts"),
                instant(rs, "run_at"),
                instant(rs, "created_at"),
                instant(rs, "started_at"),
                instant(rs, "completed_at"),
                rs.getString("lease_owner"),
                leaseToken,
                instant(rs, "lease_expires_at"),
                instant(rs, "heartbeat_at"),
                rs.getBoolean("cancel_requested"),
                rs.getString("dedupe_key"),
                labels(rs.getString("labels")),
                rs.getString("made_url"));
    }

    private java.util.Map<String, String> labels(String json) throws SQLException {
        JsonNode node = json == null ? null : Json.read(mapper, json);
        if (node == null || !node.isObject()) {
            return java.util.Map.of();
        }
        java.util.Map<String, String> labels = new java.util.HashMap<>();
        node.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }
}
