package io.roomote.sandbox;

import io.roomote.sandbox.bwrap.BwrapSandbox;
import io.roomote.sandbox.docker.DockerSandbox;
import io.roomote.sandbox.docker.RunnerUser;

/** The {@link Sandbox} the settings choose. */
public final class Sandboxes {

    private Sandboxes() {
    }

    /**
     * @throws IllegalStateException when no mode was chosen ({@link SandboxSettings#startupProblem()} says why);
     *                               check {@link Sandbox#unavailable()} before running agents
     */
    public static Sandbox create(SandboxSettings settings) {
        SandboxMode mode = settings.mode().orElseThrow(() -> new IllegalStateException(
                settings.startupProblem().orElse("no sandbox mode chosen")));
        return switch (mode) {
            case BWRAP -> new BwrapSandbox(settings.bwrapCommand(), settings.searchPath(), settings.hiddenPaths(),
                    settings.readPaths());
            case DOCKER -> new DockerSandbox(settings.dockerCommand(), settings.searchPath(), settings.workerImage(),
                    settings.cpus(), settings.memory(), settings.pidsLimit(), RunnerUser.current());
            case NONE -> new NoSandbox();
        };
    }
}
