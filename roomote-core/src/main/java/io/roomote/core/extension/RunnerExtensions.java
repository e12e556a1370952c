package io.roomote.core.extension;

import io.roomote.core.types.PluginJars;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Finds the {@link RunnerExtension}s on the class path and in the plugins folder. */
public final class RunnerExtensions {

    private RunnerExtensions() {
    }

    /** Class path first, then each plugin jar in name order; two extensions of one name are refused. */
    public static List<RunnerExtension> discover(PluginJars plugins) {
        List<RunnerExtension> found = plugins.load(RunnerExtension.class);
        Set<String> names = new HashSet<>();
        for (RunnerExtension e : found) {
            String name = e.name();
            if (name == null || name.isBlank()) {
                throw new IllegalStateException("runner extension " + e.getClass().getName() + " has no name");
            }
            if (!names.add(name)) {
                throw new IllegalStateException("runner extension name '" + name + "' is declared twice (one is "
                        + e.getClass().getName() + "): remove one of the jars");
            }
        }
        return List.copyOf(found);
    }
}
