package io.roomote.controller.process;

import io.roomote.core.config.ConfigurationException;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The command line of a single-job worker process. */
public final class WorkerCommand {

    private WorkerCommand() {
    }

    /**
     * {@code ROOMOTE_WORKER_COMMAND} split at white space (no shell, no quoting), or else this very program run
     * again by this JVM's java: {@code java -jar <its jar> worker --once}, or with {@code -cp} and
     * {@code mainClass} when it does not run from a jar (a build's classes).
     */
    public static List<String> from(Optional<String> configured, Class<?> mainClass) {
        if (configured.isPresent()) {
            List<String> words = Arrays.stream(configured.get().trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
            if (words.isEmpty()) {
                throw new ConfigurationException("ROOMOTE_WORKER_COMMAND is empty; unset it to run this jar's `worker --once`");
            }
            return words;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        Optional<Path> jar = codeSource(mainClass).filter(p -> p.toString().endsWith(".jar") && Files.isRegularFile(p));
        if (jar.isPresent()) {
            cmd.addAll(List.of("-jar", jar.get().toString()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        }
        cmd.addAll(List.of("worker", "--once"));
        return List.copyOf(cmd);
    }

    private static Optional<Path> codeSource(Class<?> c) {
        try {
            var source = c.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
