package io.roomote.runner;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.DotEnvFile;
import io.roomote.core.config.Settings;
import io.roomote.core.extension.RunnerExtensions;
import io.roomote.core.types.PluginJars;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar roomote.jar [serve|api|worker [--once]|controller|migrate|enqueue|help]}; {@code serve} is the default. Every
 * command has its own {@code --help} (also {@code roomote help COMMAND}) listing its options and the variables
 * that matter to it.
 */
@Command(name = "roomote", mixinStandardHelpOptions = true, version = RoomoteCli.VERSION,
        description = {"Turns GitHub issues into pull requests with an AI coding agent.",
                "Without a command, runs `serve`. `roomote help COMMAND` or `roomote COMMAND --help` describes one."},
        subcommands = {RoomoteCli.Serve.class, RoomoteCli.Api.class, RoomoteCli.Worker.class, RoomoteCli.ControllerCommand.class,
                RoomoteCli.Migrate.class,
                RoomoteCli.Enqueue.class, CommandLine.HelpCommand.class},
        footer = {"", RoomoteCli.SETTINGS_LINE, RoomoteCli.SERVICE_VARIABLES, "", RoomoteCli.STOP_LINES})
public final class RoomoteCli implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RoomoteCli.class);

    static final String VERSION = "Roomote 0.1.0";

    // Help footers: one variable a line, each within picocli's 80 columns so that nothing wraps.
    static final String SETTINGS_LINE = "Settings come from environment variables, then from the .env file\n"
            + "(--env-file); the environment wins. All of them: README.md, \"Configuration\".";

    static final String DATABASE_VARIABLES = ""
            + "  DATABASE_URL        PostgreSQL, postgresql://user:password@host:5432/db\n"
            + "                      (unset: an embedded one, its data in ROOMOTE_HOME)\n"
            + "  ROOMOTE_HOME        Roomote's folder (default ~/.roomote)\n"
            + "  ROOMOTE_LOG_LEVEL   TRACE, DEBUG, INFO (default), WARN, ERROR or OFF";

    static final String SERVICE_VARIABLES = DATABASE_VARIABLES + "\n"
            + "  PORT, HOST          API port (3001; 0: any free one) and interface\n"
            + "  ROOMOTE_API_TOKEN   bearer token the API requires (16+ characters)\n"
            + "  MAX_WORKERS         jobs this process runs at once (5)\n"
            + "  JOB_TIMEOUT         deadline of one attempt (30m)\n"
            + "  SHUTDOWN_GRACE      on stop, how long running jobs may finish (30s)\n"
            + "  GH_TOKEN            GitHub token, needed by github.issue.fix jobs, or a GitHub App:\n"
            + "  GITHUB_APP_ID       the App's id, with GITHUB_APP_PRIVATE_KEY(_FILE): a token per job\n"
            + "  OPENROUTER_API_KEY  the model key handed to the agents\n"
            + "  ROOMOTE_AGENT       default agent of github.issue.fix (roo-code)";

    static final String STOP_LINES = "Stop with Ctrl-C or SIGTERM: no new job is claimed, running jobs get\n"
            + "SHUTDOWN_GRACE to finish, then go back to the queue; an embedded database\n"
            + "is stopped last. Exit codes: 0 stopped, 2 configuration error (one line\n"
            + "on stderr), 3 the embedded database stopped and could not be restarted.";

    static final String ENQUEUE_VARIABLES = ""
            + "  GH_TOKEN            GitHub token that reads the issue (or GITHUB_TOKEN), or a GitHub App:\n"
            + "  GITHUB_APP_ID       the App's id, with GITHUB_APP_PRIVATE_KEY(_FILE)\n"
            + "  GITHUB_API_URL      GitHub's REST API (https://api.github.com)\n"
            + "  ROOMOTE_URL         the Roomote that gets the job (http://localhost:PORT)\n"
            + "  ROOMOTE_API_TOKEN   its bearer token, when it requires one\n"
            + "  ROOMOTE_DEFAULT_REPO  repository without --repo (else GITHUB_REPOSITORY)\n"
            + "  ROOMOTE_LOG_LEVEL   TRACE, DEBUG, INFO (default), WARN, ERROR or OFF";

    @CommandLine.Mixin
    Common common = new Common();

    /** Options every command shares. */
    static final class Common {
        @Option(names = "--env-file", paramLabel = "FILE", description = "Settings file of NAME=value lines, read"
                + " before the environment; it must exist when given (default: .env in the current folder, if any).")
        Path envFile;

        @Option(names = "--port", paramLabel = "N", description = "API port (overrides PORT; default 3001).")
        Integer port;

        /** The settings, with the log level they ask for applied: a bad level stops the command like any setting. */
        Settings settings() {
            Map<String, String> overrides = new HashMap<>();
            if (port != null) {
                overrides.put("PORT", String.valueOf(port));
            }
            Map<String, String> file = envFile == null ? DotEnvFile.read(Path.of(".env")) : DotEnvFile.readRequired(envFile);
            Settings settings = Settings.of(System.getenv(), file).with(overrides);
            LogLevel.apply(settings);
            return settings;
        }
    }

    @Override
    public Integer call() {
        return runUntilStopped(common.settings(), RoomoteService.Role.SERVE);
    }

    /** A command that runs one role of the service until the process is stopped. */
    abstract static class RoleCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        abstract RoomoteService.Role role();

        @Override
        public Integer call() {
            return runUntilStopped(common.settings(), role());
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, version = VERSION,
            description = "Run the REST API (with the dashboard at /admin/queues) and the worker pool in one process."
                    + " The default command.",
            footer = {"", SETTINGS_LINE, SERVICE_VARIABLES, "", STOP_LINES})
    static final class Serve extends RoleCommand {
        @Override
        RoomoteService.Role role() {
            return RoomoteService.Role.SERVE;
        }
    }

    @Command(name = "api", mixinStandardHelpOptions = true, version = VERSION,
            description = "Run the REST API (and the dashboard) only; `roomote worker` processes on the same"
                    + " database (DATABASE_URL) run the jobs.",
            footer = {"", SETTINGS_LINE, SERVICE_VARIABLES, "", STOP_LINES})
    static final class Api extends RoleCommand {
        @Override
        RoomoteService.Role role() {
            return RoomoteService.Role.API;
        }
    }

    static final String ONCE_LINES = "With --once: claim one pending job (of the installed types), run it like\n"
            + "the pool does (JOB_TIMEOUT, cancellation, retries) and exit. Exit codes:\n"
            + "0 the job ran and its outcome (completed, failed, retrying, cancelled,\n"
            + "timed out) is recorded, or nothing was pending; 1 an outage (the\n"
            + "database did not answer, or the outcome could not be recorded), the\n"
            + "reason on stderr; 2 configuration error; 143 stopped by SIGTERM (the job\n"
            + "went back to the queue after SHUTDOWN_GRACE, like the pool's).";

    @Command(name = "worker", mixinStandardHelpOptions = true, version = VERSION,
            description = "Run the worker pool only, on the database the API uses (DATABASE_URL); no port is opened.",
            footer = {"", SETTINGS_LINE, SERVICE_VARIABLES, "", STOP_LINES, "", ONCE_LINES})
    static final class Worker extends RoleCommand {
        @Option(names = "--once", description = "Run a single job, then exit (a single-job worker, as"
                + " `roomote controller` starts them).")
        boolean once;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        RoomoteService.Role role() {
            return RoomoteService.Role.WORKER;
        }

        @Override
        public Integer call() {
            return once ? runOnce(common.settings(), spec.commandLine().getErr()) : super.call();
        }
    }

    static final String CONTROLLER_API_VARIABLES = ""
            + "  PORT, HOST          API port (3001; 0: any free one) and interface\n"
            + "  ROOMOTE_API_TOKEN   bearer token the API requires (16+ characters)";

    static final String CONTROLLER_STOP_LINES = "Stop with Ctrl-C or SIGTERM: the API and the controller stop; running\n"
            + "workers finish their jobs, and the next controller counts them (an\n"
            + "embedded database stops with the controller: their jobs run again after\n"
            + "it is back). Exit codes: 0 stopped, 2 configuration error (one line on\n"
            + "stderr), 3 the embedded database stopped and could not be restarted.";

    static final String CONTROLLER_VARIABLES = ""
            + "  ROOMOTE_LAUNCHER    process (default), docker or kubernetes\n"
            + "  MAX_WORKERS         at most this many workers alive at once (5)\n"
            + "  ROOMOTE_CONTROLLER_ID  names its workers; keep it across restarts\n"
            + "                      (default: the host name)\n"
            + "  ROOMOTE_WORKER_COMMAND  process launcher: the worker's command line\n"
            + "                      (default: this jar's `worker --once`)";

    @Command(name = "controller", mixinStandardHelpOptions = true, version = VERSION,
            description = "Run the REST API (and the dashboard) and a controller that starts a single-job worker"
                    + " (`worker --once`) for each pending job, at most MAX_WORKERS alive, through ROOMOTE_LAUNCHER."
                    + " Its state is in /api/health. Stopping it leaves running workers to finish; a restarted"
                    + " controller counts them.",
            footer = {"", SETTINGS_LINE, DATABASE_VARIABLES, CONTROLLER_API_VARIABLES, CONTROLLER_VARIABLES, "",
                    CONTROLLER_STOP_LINES})
    static final class ControllerCommand extends RoleCommand {
        @Override
        RoomoteService.Role role() {
            return RoomoteService.Role.CONTROLLER;
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true, version = VERSION,
            description = "Apply the database migrations and exit (every other command also migrates at start).",
            footer = {"", SETTINGS_LINE, DATABASE_VARIABLES, "", "Exit codes: 0 done, 2 configuration error (one line on stderr)."})
    static final class Migrate implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            int applied = RoomoteService.migrate(common.settings());
            spec.commandLine().getOut().println(applied == 0 ? "Database is up to date." : "Applied " + applied + " migration(s).");
            return 0;
        }
    }

    @Command(name = "enqueue", mixinStandardHelpOptions = true, version = VERSION,
            description = "Read a GitHub issue and queue a github.issue.fix job for it on a running Roomote.",
            footer = {"", SETTINGS_LINE, ENQUEUE_VARIABLES, "",
                    "Exit codes: 0 queued (or already queued), 1 not queued (the reason on\n"
                            + "stderr), 2 configuration error."})
    static final class Enqueue implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @CommandLine.Parameters(index = "0", paramLabel = "ISSUE", description = "The issue number.")
        int issue;

        @Option(names = "--repo", paramLabel = "OWNER/NAME",
                description = "Repository (default: ROOMOTE_DEFAULT_REPO, else GITHUB_REPOSITORY).")
        String repo;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try {
                Settings settings = common.settings();
                IssueEnqueuer enqueuer = new IssueEnqueuer(settings, IssueEnqueuer.source(settings,
                        RunnerExtensions.discover(PluginJars.open(RoomoteCli.class.getClassLoader(),
                                RunnerSettings.pluginsDir(settings)))), io.roomote.core.store.Json.newMapper());
                String r = enqueuer.repo(repo);
                IssueEnqueuer.Enqueued e = enqueuer.enqueue(r, issue);
                var out = spec.commandLine().getOut();
                out.println((e.message().equals("job_already_active") ? "Already queued: job " : "Queued job ") + e.jobId()
                        + " for " + r + "#" + issue);
                out.println("Follow it: " + e.jobUrl() + "  (log: " + e.jobUrl() + "/logs?follow=true)");
                out.println("Dashboard: " + e.dashboardUrl());
                out.flush();
                return 0;
            } catch (IssueEnqueuer.EnqueueException e) {
                spec.commandLine().getErr().println("roomote enqueue: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 1;
            }
        }
    }

    /**
     * Runs until SIGTERM/SIGINT (the shutdown hook stops the service gracefully, database last) or until the
     * service cannot go on (its embedded database died for good): then it stops and exits with code 3. The hook
     * is in place before the start, so a stop signal during the start (which may init a database) still stops
     * what was started, once the start is over.
     */
    static int runUntilStopped(Settings settings, RoomoteService.Role role) {
        io.roomote.runner.logging.LogFormat.from(settings).apply();
        CompletableFuture<RoomoteService> started = new CompletableFuture<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                started.join().close();
            } catch (CompletionException | CancellationException notStarted) {
                // the start failed and cleaned up after itself
            } finally {
                stopped.countDown();
            }
        }, "roomote-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        RoomoteService service;
        try {
            service = RoomoteService.start(settings, role);
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException exiting) {
                // already shutting down: the hook sees the failed start and returns
            }
            throw e;
        }
        started.complete(service);
        service.failure().thenRun(stopped::countDown);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String failure = service.failure().getNow(null);
        if (failure != null) {
            System.err.println("roomote: " + failure);
            service.close();
            return 3;
        }
        return 0;
    }

    /**
     * {@code worker --once}: one job, then the exit code (see {@link #ONCE_LINES}). A stop signal meanwhile closes
     * the service from the shutdown hook, which hands the job back like the pool's shutdown.
     */
    static int runOnce(Settings settings, java.io.PrintWriter err) {
        io.roomote.runner.logging.LogFormat.from(settings).apply();
        CompletableFuture<RoomoteService> started = new CompletableFuture<>();
        Thread hook = new Thread(() -> {
            try {
                started.join().close();
            } catch (CompletionException | CancellationException notStarted) {
                // the start failed and cleaned up after itself
            }
        }, "roomote-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        RoomoteService service;
        try {
            service = RoomoteService.start(settings, RoomoteService.Role.WORKER_ONCE);
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            if (e instanceof io.roomote.runner.db.DatabaseLogin.Unreachable) {
                return outage(err, e.getMessage());
            }
            throw e;
        }
        started.complete(service);
        try {
            java.util.Optional<io.roomote.core.worker.OnceResult> ran = service.roomote().runOnce();
            if (ran.isPresent() && !ran.get().recorded()) {
                return outage(err, "job " + ran.get().jobId() + " ran, but its outcome could not be recorded (the"
                        + " database did not answer, or its lease was taken back); the queue will run it again");
            }
            log.info(ran.map(r -> "worker --once: job " + r.jobId() + " (" + r.type() + ") attempt " + r.attempt() + ": "
                    + r.outcome().label()).orElse("worker --once: nothing to do"));
            return 0;
        } catch (io.roomote.core.store.StoreException e) {
            return outage(err, e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()));
        } finally {
            service.close();
        }
    }

    private static int outage(java.io.PrintWriter err, String reason) {
        err.println("roomote worker --once: " + oneLine(reason));
        err.flush();
        return 1;
    }

    /** The command line as {@link #main} runs it: a configuration error is one line on stderr and exit code 2. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new RoomoteCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigurationException || e instanceof IllegalStateException) {
                log.debug("the command stopped on a configuration error", e);
                cmd.getErr().println("roomote: " + oneLine(e.getMessage()));
                cmd.getErr().flush();
                return 2;
            }
            throw e;
        });
        return cli;
    }

    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ");
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
