package io.roomote.jenkins;

import io.roomote.jenkins.bridge.step.GitHubAppKey;
import io.roomote.jenkins.bridge.worker.AgentPresence;
import io.roomote.jenkins.bridge.worker.FixStepMain;

import com.cloudbees.jenkins.GitHubRepositoryName;
import com.cloudbees.jenkins.GitHubRepositoryNameContributor;
import com.fasterxml.jackson.databind.ObjectMapper;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Proc;
import hudson.model.Computer;
import hudson.model.Job;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.slaves.WorkspaceList;
import io.roomote.core.store.Database;
import io.roomote.jenkins.bridge.step.FixStepArguments;
import io.roomote.jenkins.bridge.step.FixStepPlan;
import io.roomote.jenkins.bridge.step.FixStepResult;
import io.roomote.jenkins.bridge.step.InvalidStepArgumentsException;
import io.roomote.jenkins.bridge.recording.RecordedRun;
import io.roomote.jenkins.bridge.worker.SensitiveEnvironment;
import io.roomote.jenkins.bridge.slack.StepSlack;
import io.roomote.jenkins.bridge.worker.WorkerProtocol;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.springframework.security.core.Authentication;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.LinkedHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The non-blocking execution of {@code roomoteFix}. The CPS VM thread only submits the work to a pool of the
 * plugin's; a pool thread then, on the controller:
 * <ol>
 *   <li>resolves credentials, the repository (argument, the job's GitHub SCM, GITHUB_REPOSITORY, GIT_URL) and the
 *       global settings into a validated plan (jenkins-bridge's {@code FixStepArguments});</li>
 *   <li>records the run in {@code cloud_jobs} when a database is configured, and opens the Slack thread;</li>
 *   <li>writes a control folder under the workspace's {@code @tmp} on the node (request, and the secrets with mode
 *       0600), copies the worker's jars next to it, and starts {@code java … FixStepMain <control folder>}
 *       <b>through the step's {@link Launcher}</b> — so a {@code docker.image().inside} or {@code agent { docker }}
 *       block's launcher runs it in the container (docker exec), where git, gh and the agent CLIs are; the
 *       worker's standard output is copied to the build console as it comes;</li>
 *   <li>waits for it, then reads the result file, adds a {@link RoomoteBuildAction}, records the end, posts to
 *       Slack, and completes the step (its map, or a failure when no pull request came out and failOnNoPr).</li>
 * </ol>
 * <b>Abort</b> ({@link #stop}): the step creates the control folder's {@code cancel} file (a remoting call to the
 * node; the container sees the file through the workspace mount). The worker polls for it, fires the job's
 * cancellation — the agent's process tree is stopped and its work pushed to {@code roomote/wip/<issue>-<job>} —
 * writes its result and exits; the step then fails with the abort's cause. If the worker has not ended
 * {@value #CANCEL_GRACE_SECONDS} s (+30 s) later, the step kills it: {@code Proc.kill()} and
 * {@code Launcher.kill} on the worker's unique {@code ROOMOTE_STEP_RUN} variable (docker-workflow's launcher
 * finds it with {@code ps} in the container). A cancel requested through the standalone API (database
 * configured) is polled and handled the same way.
 * <p><b>Controller restart</b>: a safe restart waits for running roomoteFix steps ({@link #blocksRestart()}).
 * After a hard restart, {@link #onResume()} does not re-attach to the worker: if it already wrote its result,
 * the step completes with it; otherwise the step creates the cancel file (the worker, if it survived, saves its
 * work to a WIP branch and stops), waits for a result a little, and fails with what is known. The database row,
 * if any, is finished with the same outcome.
 */
public class RoomoteFixExecution extends StepExecution {

    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(RoomoteFixExecution.class.getName());
    static final long CANCEL_GRACE_SECONDS = 60;
    private static final long POLL_MS = 1_000;
    private static final long DB_POLL_MS = 15_000;
    private static final long SAVE_STATE_TIMEOUT_SECONDS = 60;

    // The step's arguments (the Step itself is kept too: it is Serializable).
    private final RoomoteFixStep step;

    // What survives a restart.
    private String controlDir;
    private String runMarker;
    private long jobId;
    private String repo;
    private int issue;
    private Long recordedToken;
    private String slackThread;
    /** The GitHub server of this call (GITHUB_SERVER_URL of its plan): pull request URLs must be under it. */
    private String serverUrl;
    private long startedAtMillis;
    private volatile boolean done;

    private transient volatile Future<?> task;
    private transient volatile Throwable stopCause;
    private transient volatile long stopAtMillis;
    private transient volatile Proc proc;

    RoomoteFixExecution(StepContext context, RoomoteFixStep step) {
        super(context);
        this.step = step;
    }

    @Override
    public boolean start() {
        Authentication auth = Jenkins.getAuthentication2();
        task = RoomoteThreads.get().steps().submit(() -> {
            try (ACLContext ignored = ACL.as2(auth)) {
                runJob();
            } catch (Throwable t) {
                complete(null, t);
            }
        });
        return false;
    }

    @Override
    public void stop(@NonNull Throwable cause) {
        stopCause = cause;
        stopAtMillis = System.currentTimeMillis();
        if (done) {
            return;
        }
        if (task == null && controlDir == null) {
            // Through complete(), which marks the step done: the pool thread, if it ever runs, completes nothing twice.
            complete(null, cause);
            return;
        }
        // Never block the caller (a CPS VM or UI thread) on the node: ask the worker to stop from the pool.
        RoomoteThreads.get().steps().submit(() -> requestCancel("aborted: " + cause));
    }

    @Override
    public void onResume() {
        if (done) {
            return;
        }
        task = RoomoteThreads.get().steps().submit(() -> {
            try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
                resumeAfterRestart();
            } catch (Throwable t) {
                complete(null, t);
            }
        });
    }

    @Override
    public boolean blocksRestart() {
        return !done && controlDir != null;
    }

    @Override
    public String getStatus() {
        if (done) {
            return "finished";
        }
        if (controlDir == null) {
            return "preparing the Roomote job";
        }
        return "Roomote job " + jobId + " for " + repo + "#" + issue + " running on the node, control folder " + controlDir
                + (stopCause != null ? " (stopping)" : "");
    }

    // ---------------------------------------------------------------------------------------------------

    private void runJob() throws Exception {
        StepContext ctx = getContext();
        Run<?, ?> run = ctx.get(Run.class);
        TaskListener listener = ctx.get(TaskListener.class);
        FilePath ws = ctx.get(FilePath.class);
        Launcher launcher = ctx.get(Launcher.class);
        EnvVars env = ctx.get(EnvVars.class);
        PrintStream log = listener.getLogger();
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        Job<?, ?> job = run.getParent();

        FixStepPlan plan = plan(cfg, run, env);
        if (stopCause != null) {
            complete(null, stopCause);
            return;
        }
        repo = plan.repo();
        issue = plan.issue();
        serverUrl = plan.settings().get("GITHUB_SERVER_URL");
        plan.notes().forEach(n -> log.println("roomoteFix: " + n));

        RecordedRun recorded = record(cfg, plan, run, log);
        jobId = recorded != null ? recorded.jobId() : run.getNumber();
        startedAtMillis = System.currentTimeMillis();
        try (StepSlack slack = RoomoteSlack.forItem(cfg, job, w -> log.println("roomoteFix: " + w)).orElse(null)) {
            if (slack != null) {
                slackThread = slack.started(jobId, repo, issue, plan.payload().getOrDefault("agent",
                        plan.settings().getOrDefault("ROOMOTE_AGENT", io.roomote.jenkins.bridge.worker.AgentPresence.DEFAULT_AGENT)).toString()).orElse(null);
            }
            FixStepResult result;
            try {
                result = runOnNode(cfg, plan, ws, launcher, env, listener, recorded);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // Recorded like any other end, so the build action, the database row and Slack say what happened.
                LOGGER.log(Level.WARNING, "roomoteFix could not run the worker", e);
                result = FixStepResult.failedWithoutResult(jobId, repo, issue, stopCause != null
                        ? "aborted before the Roomote worker started" : "the Roomote worker could not run on the node: " + e);
            }
            finish(result, run, listener, cfg, slack);
        }
    }

    private FixStepPlan plan(RoomoteGlobalConfiguration cfg, Run<?, ?> run, EnvVars env) throws AbortException {
        Job<?, ?> job = run.getParent();
        String ghId = step.getCredentialsId() != null ? step.getCredentialsId() : cfg.getGithubCredentialsId();
        String orId = step.getOpenRouterCredentialsId() != null ? step.getOpenRouterCredentialsId() : cfg.getOpenRouterCredentialsId();
        Optional<io.roomote.jenkins.bridge.step.GitHubAppKey> app = githubApp(ghId, run);
        Optional<String> token = app.isPresent() ? Optional.empty() : credential(ghId, run, "GitHub");
        Optional<String> key = credential(orId, run, "OpenRouter");
        List<String> scm = new ArrayList<>();
        for (GitHubRepositoryName n : GitHubRepositoryNameContributor.parseAssociatedNames(job)) {
            scm.add("https://" + n.getHost() + "/" + n.getUserName() + "/" + n.getRepositoryName());
        }
        try {
            return step.arguments().plan(new FixStepArguments.Context(cfg.jobSettings(), token, key, scm, env, app));
        } catch (InvalidStepArgumentsException e) {
            throw new AbortException(e.getMessage());
        }
    }

    /**
     * GitHub App credentials of the GitHub Branch Source plugin, looked up as the build sees credentials, and
     * tracked: their App (id, key, API URL) for the job to mint its own repository-scoped tokens with. Empty for
     * any other kind (a token, handled by {@link #credential}).
     */
    private static Optional<io.roomote.jenkins.bridge.step.GitHubAppKey> githubApp(@CheckForNull String id, Run<?, ?> run) {
        if (id == null) {
            return Optional.empty();
        }
        com.cloudbees.plugins.credentials.common.StandardCredentials c = com.cloudbees.plugins.credentials.CredentialsProvider
                .findCredentialById(id, com.cloudbees.plugins.credentials.common.StandardCredentials.class, run);
        Optional<io.roomote.jenkins.bridge.step.GitHubAppKey> app = GitHubAppCredentialsAdapter.appOf(c);
        if (app.isPresent()) {
            com.cloudbees.plugins.credentials.CredentialsProvider.track(run, c);
        }
        return app;
    }

    /** A Secret text or Username with password, looked up as the build sees credentials, and tracked. */
    private static Optional<String> credential(@CheckForNull String id, Run<?, ?> run, String what) throws AbortException {
        if (id == null) {
            return Optional.empty();
        }
        com.cloudbees.plugins.credentials.common.StandardCredentials c = com.cloudbees.plugins.credentials.CredentialsProvider
                .findCredentialById(id, com.cloudbees.plugins.credentials.common.StandardCredentials.class, run);
        String secret = RoomoteGlobalConfiguration.plainSecret(c);
        if (secret == null) {
            throw new AbortException("roomoteFix: " + what + " credentials \"" + id + "\" not found, or neither a Secret text"
                    + " nor a Username with password");
        }
        com.cloudbees.plugins.credentials.CredentialsProvider.track(run, c);
        return Optional.of(secret);
    }

    @CheckForNull
    private RecordedRun record(RoomoteGlobalConfiguration cfg, FixStepPlan plan, Run<?, ?> run, PrintStream log) {
        try {
            Optional<Database> db = cfg.database();
            if (db.isEmpty()) {
                return null;
            }
            String url = Jenkins.get().getRootUrl();
            String buildUrl = (url == null ? "" : url) + run.getUrl();
            RecordedRun r = RecordedRun.begin(db.get(), new ObjectMapper(), plan, "jenkins:" + buildUrl,
                    plan.timeout().plusSeconds(CANCEL_GRACE_SECONDS + 300));
            recordedToken = r.token();
            r.log("INFO", "run by Jenkins: " + buildUrl + " (the full log is the build's console)");
            r.heldBy().ifPresent(other -> log.println("roomoteFix: job " + other + " of the Roomote database is already active"
                    + " for this issue; this run goes on and is recorded without its dedupe key"));
            log.println("roomoteFix: recorded as job " + r.jobId() + " in the Roomote database");
            return r;
        } catch (RuntimeException e) {
            log.println("roomoteFix: warning: could not record the run in the Roomote database: " + e.getMessage());
            LOGGER.log(Level.WARNING, "recording a roomoteFix run", e);
            return null;
        }
    }

    private FixStepResult runOnNode(RoomoteGlobalConfiguration cfg, FixStepPlan plan, FilePath ws, Launcher launcher,
                                    EnvVars env, TaskListener listener, @CheckForNull RecordedRun recorded) throws Exception {
        PrintStream log = listener.getLogger();
        ObjectMapper mapper = new ObjectMapper();
        FilePath roomote = WorkspaceList.tempDir(ws).child("roomote");
        runMarker = UUID.randomUUID().toString();
        FilePath control = roomote.child("run-" + runMarker);
        control.mkdirs();
        // The job's folders are per call (runMarker): without a database the job id is the build number, shared by
        // every roomoteFix call of the build (parallel branches). The git mirror cache (ROOMOTE_HOME) is shared.
        WorkerProtocol.Request planned = WorkerProtocol.request(jobId, plan, mapper, CANCEL_GRACE_SECONDS,
                roomote.child("work").child(runMarker).getRemote());
        Map<String, String> settings = new LinkedHashMap<>(planned.settings());
        settings.putIfAbsent("ROOMOTE_HOME", roomote.child("home").getRemote());
        WorkerProtocol.Request request = new WorkerProtocol.Request(planned.jobId(), planned.repo(), planned.issue(),
                planned.payload(), settings, planned.timeoutSeconds(), planned.cancelGraceSeconds(), planned.workRoot());
        control.child(WorkerProtocol.REQUEST).write(request.toJson(mapper), "UTF-8");
        FilePath secrets = control.child(WorkerProtocol.SECRETS);
        secrets.touch(System.currentTimeMillis());
        secrets.chmod(0600);
        // Variables the build marks sensitive (withCredentials) travel in the secrets file, not on the launch's
        // environment, which docker-workflow would put on the `docker exec --env` command line (jenkins-bridge's
        // SensitiveEnvironment has the rule and its source).
        SensitiveEnvironment split = SensitiveEnvironment.split(env, sensitiveVariables());
        Map<String, String> secretValues = new LinkedHashMap<>(split.secrets());
        secretValues.putAll(plan.secretSettings());
        secrets.write(mapper.writeValueAsString(secretValues), "UTF-8");
        controlDir = control.getRemote();
        awaitStateSaved(log);

        List<String> classpath = WorkerClasspath.install(roomote.child("lib"), runMarker);
        String java = cfg.getJavaCommand();
        List<String> cmd = WorkerProtocol.command(java, classpath, launcher.isUnix() ? ":" : ";", control.getRemote());
        EnvVars procEnv = new EnvVars(split.launch());
        procEnv.put(WorkerProtocol.RUN_MARKER, runMarker);
        Computer computer = ws.toComputer();
        log.println("roomoteFix: starting Roomote job " + jobId + " for " + repo + "#" + issue + " on "
                + (computer == null ? "the node" : computer.getDisplayName()) + " (" + java + ", deadline "
                + plan.timeout().toMinutes() + " min)");
        try {
            if (stopCause != null) {
                throw new AbortException("aborted before the Roomote worker started");
            }
            proc = launcher.launch().cmds(cmd).envs(procEnv).pwd(ws).stdout(listener).quiet(true).start();
            int exit = waitFor(proc, control, launcher, plan.timeout(), recorded, log);
            return readResult(control, mapper).orElseGet(() ->
                    FixStepResult.failedWithoutResult(jobId, repo, issue, WorkerProtocol.explainExit(exit, java)));
        } finally {
            proc = null;
            try {
                secrets.delete();
            } catch (IOException | InterruptedException e) {
                log.println("roomoteFix: warning: could not delete " + secrets.getRemote() + ": " + e.getMessage());
            }
            try {
                roomote.child("work").child(runMarker).deleteRecursive(); // this call's work folder (its clone)
            } catch (IOException | InterruptedException e) {
                LOGGER.log(Level.FINE, "cleaning the work folder", e);
            }
        }
    }

    /**
     * Waits until the execution's state (the control folder) is on disk before the worker starts, so that after
     * a crash the resumed step finds the worker's folder instead of saying the worker never started while an
     * orphaned worker opens a PR. {@code StepContext.saveState()} returns a future (workflow-step-api);
     * workflow-cps's {@code CpsStepContext.saveState()} saves the program on the CPS VM thread and completes it
     * then — and completes it at once, saving nothing, when the build's durability hint does not persist with
     * every step (PERFORMANCE_OPTIMIZED), where a crashed build does not resume anyway (docs/jenkins.md).
     */
    private void awaitStateSaved(PrintStream log) throws InterruptedException {
        try {
            getContext().saveState().get(SAVE_STATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.println("roomoteFix: warning: the Pipeline's state could not be saved before the worker started (" + e
                    + "); after a controller crash this call may not find its worker");
        }
    }

    /** The names workflow-step-api's {@link EnvironmentExpander} of this call marks sensitive (withCredentials). */
    private Set<String> sensitiveVariables() throws IOException, InterruptedException {
        EnvironmentExpander expander = getContext().get(EnvironmentExpander.class);
        return expander == null ? Set.of() : expander.getSensitiveVariables();
    }

    /** Waits for the worker, relaying a cancel from the database and killing it if it outstays its deadline. */
    private int waitFor(Proc p, FilePath control, Launcher launcher, Duration timeout, @CheckForNull RecordedRun recorded,
                        PrintStream log) throws IOException, InterruptedException {
        long hardDeadline = System.currentTimeMillis() + timeout.toMillis() + (CANCEL_GRACE_SECONDS + 120) * 1000;
        long nextDbPoll = System.currentTimeMillis() + DB_POLL_MS;
        boolean killed = false;
        while (p.isAlive()) {
            Thread.sleep(POLL_MS);
            long now = System.currentTimeMillis();
            if (recorded != null && stopCause == null && now >= nextDbPoll) {
                nextDbPoll = now + DB_POLL_MS;
                try {
                    if (recorded.cancelRequested()) {
                        log.println("roomoteFix: cancel requested through the Roomote API");
                        stopAtMillis = now;
                        createCancelFile(control, "cancel requested through the Roomote API");
                    }
                } catch (RuntimeException e) {
                    LOGGER.log(Level.FINE, "polling the database for a cancel", e);
                }
            }
            boolean overdue = now > hardDeadline
                    || stopAtMillis > 0 && now > stopAtMillis + (CANCEL_GRACE_SECONDS + 30) * 1000;
            if (overdue && !killed) {
                killed = true;
                log.println("roomoteFix: the worker did not stop in time; killing it");
                p.kill();
                launcher.kill(Map.of(WorkerProtocol.RUN_MARKER, runMarker));
            }
        }
        return p.join();
    }

    private void requestCancel(String why) {
        try {
            StepContext ctx = getContext();
            FilePath ws = ctx.get(FilePath.class);
            if (controlDir != null && ws != null) {
                createCancelFile(new FilePath(ws.getChannel(), controlDir), why);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            LOGGER.log(Level.WARNING, "could not ask the Roomote worker to stop", e);
            Proc p = proc;
            if (p != null) {
                try {
                    p.kill();
                } catch (IOException | InterruptedException ex) {
                    LOGGER.log(Level.FINE, "killing the Roomote worker", ex);
                }
            }
        }
    }

    private static void createCancelFile(FilePath control, String why) throws IOException, InterruptedException {
        if (control.exists()) {
            control.child(WorkerProtocol.CANCEL).write(why, "UTF-8");
        }
    }

    /**
     * The worker's result: untrusted (the agent can write the control folder), so its size is capped before it is
     * read and its pull request URL is accepted only under the configured GitHub server (jenkins-bridge's
     * {@code WorkerProtocol.readResult}).
     */
    private Optional<FixStepResult> readResult(FilePath control, ObjectMapper mapper) throws IOException, InterruptedException {
        FilePath file = control.child(WorkerProtocol.RESULT);
        if (!file.exists()) {
            return Optional.empty();
        }
        String server = RoomoteGlobalConfiguration.get().getGithubServerUrl();
        return Optional.of(WorkerProtocol.readResult(mapper, file.length(), file::readToString, jobId, repo, issue,
                serverUrl != null ? serverUrl : server));
    }

    private void resumeAfterRestart() throws Exception {
        StepContext ctx = getContext();
        Run<?, ?> run = ctx.get(Run.class);
        TaskListener listener = ctx.get(TaskListener.class);
        PrintStream log = listener.getLogger();
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        ObjectMapper mapper = new ObjectMapper();
        FixStepResult result;
        if (controlDir == null) {
            result = FixStepResult.failedWithoutResult(jobId, repo, issue,
                    "Jenkins restarted before the Roomote worker started; run the build again");
        } else {
            FilePath ws;
            try {
                ws = ctx.get(FilePath.class);
            } catch (IOException e) {
                LOGGER.log(Level.INFO, "the node of a resumed roomoteFix is not available", e);
                ws = null;
            }
            FilePath control = ws == null || ws.getChannel() == null ? null : new FilePath(ws.getChannel(), controlDir);
            Optional<FixStepResult> found = control == null ? Optional.empty() : readResult(control, mapper);
            if (found.isEmpty() && control != null && control.exists()) {
                log.println("roomoteFix: Jenkins restarted while Roomote job " + jobId + " was running; asking the worker"
                        + " (if it is still alive) to stop and keep its work");
                createCancelFile(control, "Jenkins restarted");
                for (int i = 0; i < CANCEL_GRACE_SECONDS + 30 && found.isEmpty(); i++) {
                    Thread.sleep(POLL_MS);
                    found = readResult(control, mapper);
                }
            }
            String state = control == null ? "the node is not connected" : describeState(control);
            result = found.orElseGet(() -> FixStepResult.failedWithoutResult(jobId, repo, issue,
                    "Jenkins restarted while the Roomote job was running and the worker left no result (" + state
                            + "); unfinished work, if any, is on branch roomote/wip/" + issue + "-" + jobId
                            + " once the worker saw the cancel; run the build again"));
        }
        try (StepSlack slack = RoomoteSlack.forItem(cfg, run.getParent(), w -> log.println("roomoteFix: " + w)).orElse(null)) {
            finish(result, run, listener, cfg, slack);
        }
    }

    private static String describeState(FilePath control) {
        try {
            FilePath state = control.child(WorkerProtocol.STATE);
            return state.exists() ? "last state: " + state.readToString().trim() : "the worker had not started";
        } catch (IOException | InterruptedException e) {
            return "state unknown: " + e.getMessage();
        }
    }

    /** The action, the database row, Slack, the control folder; then the step's own outcome. */
    private void finish(FixStepResult result, Run<?, ?> run, TaskListener listener, RoomoteGlobalConfiguration cfg,
                        @CheckForNull StepSlack slack) {
        PrintStream log = listener.getLogger();
        run.addAction(new RoomoteBuildAction(result, recordedToken != null));
        log.println(result.summary());
        if (recordedToken != null) {
            try {
                cfg.database().ifPresent(db -> RecordedRun.resume(db, new ObjectMapper(), jobId, recordedToken)
                        .finish(result, new ObjectMapper()));
            } catch (RuntimeException e) {
                log.println("roomoteFix: warning: could not record the outcome in the Roomote database: " + e.getMessage());
            }
        }
        if (slack != null) {
            slack.finished(slackThread, result, Instant.ofEpochMilli(startedAtMillis), Instant.now());
        }
        if (controlDir != null) {
            try {
                FilePath ws = getContext().get(FilePath.class);
                if (ws != null) {
                    new FilePath(ws.getChannel(), controlDir).deleteRecursive();
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                LOGGER.log(Level.FINE, "cleaning the control folder", e);
            }
        }
        Throwable cause = stopCause;
        if (cause != null) {
            complete(null, cause);
            return;
        }
        Optional<String> failure = result.failure(step.isFailOnNoPr());
        if (failure.isPresent()) {
            complete(null, new AbortException(failure.get()));
        } else {
            complete(result.toMap(), null);
        }
    }

    /**
     * Completes the step once: {@code stop()} (a CPS VM or UI thread) and the pool thread may both get here, and a
     * StepContext must be completed only once.
     */
    private void complete(@CheckForNull Map<String, Object> value, @CheckForNull Throwable failure) {
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
        }
        if (failure != null) {
            getContext().onFailure(stopCause != null ? stopCause : failure);
        } else {
            getContext().onSuccess(value);
        }
    }
}
