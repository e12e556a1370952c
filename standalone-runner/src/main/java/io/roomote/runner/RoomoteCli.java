package io.roomote.runner;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.DotEnvFile;
import io.roomote.core.config.Settings;
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

/** {@code java -jar roomote.jar [serve|api|worker|migrate]}; {@code serve} is the default. */
@Command(name = "roomote", mixinStandardHelpOptions = true, version = "Roomote 0.1.0",
        description = "Turns GitHub issues into pull requests with an AI coding agent.",
        subcommands = {RoomoteCli.Serve.class, RoomoteCli.Api.class, RoomoteCli.Worker.class, RoomoteCli.Migrate.class,
                RoomoteCli.Enqueue.class})
public final class RoomoteCli implements Callable<Integer> {

    @CommandLine.Mixin
    Common common = new Common();

    /** Options every command shares. */
    static final class Common {
        @Option(names = "--env-file", description = "Settings file read before the environment (default: ./.env).")
        Path envFile = Path.of(".env");

        @Option(names = "--port", description = "API port (overrides PORT; default 3001).")
        Integer port;

        Settings settings() {
            Map<String, String> overrides = new HashMap<>();
            if (port != null) {
                overrides.put("PORT", String.valueOf(port));
            }
            return Settings.of(System.getenv(), DotEnvFile.read(envFile)).with(overrides);
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

    @Command(name = "serve", description = "Run the REST API and the worker pool (the default).")
    static final class Serve extends RoleCommand {
        @Override
        RoomoteService.Role role() {
            return RoomoteService.Role.SERVE;
        }
    }

    @Command(name = "api", description = "Run the REST API only; workers run elsewhere on the same database.")
    static final class Api extends RoleCommand {
        @Override
        RoomoteService.Role role() {
            return RoomoteService.Role.API;
        }
    }

    @Command(name = "worker", description = "Run the worker pool only, on the database the API uses.")
    static final class Worker extends RoleCommand {
        @Override
        RoomoteService.Role role() {
            return RoomoteService.Role.WORKER;
        }
    }

    @Command(name = "migrate", description = "Apply database migrations and exit.")
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

    @Command(name = "enqueue", description = "Read a GitHub issue and queue a github.issue.fix job for it on a running Roomote.")
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
            IssueEnqueuer enqueuer = new IssueEnqueuer(common.settings(), io.roomote.core.store.Json.newMapper());
            try {
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

    /** The command line as {@link #main} runs it: a configuration error is one line on stderr and exit code 2. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new RoomoteCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigurationException || e instanceof IllegalStateException) {
                cmd.getErr().println("roomote: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
