package io.roomote.core.types;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * The jars of the plugins folder, each with its own class loader (so two plugins may use different versions of a
 * library), made once: job types and runner extensions of one jar then share its classes.
 */
public final class PluginJars {

    /** One jar and the class loader of its classes. */
    public record Plugin(Path jar, URLClassLoader loader) {
    }

    private final ClassLoader parent;
    private final List<Plugin> plugins;

    private PluginJars(ClassLoader parent, List<Plugin> plugins) {
        this.parent = parent;
        this.plugins = List.copyOf(plugins);
    }

    /** Every {@code *.jar} of {@code dir} (none when it is null or absent), in name order, over {@code parent}. */
    public static PluginJars open(ClassLoader parent, Path dir) {
        List<Plugin> plugins = new ArrayList<>();
        for (Path jar : jars(dir)) {
            try {
                plugins.add(new Plugin(jar, new URLClassLoader("roomote-plugin:" + jar.getFileName(),
                        new URL[]{jar.toUri().toURL()}, parent)));
            } catch (MalformedURLException e) {
                throw new IllegalStateException("cannot load plugin " + jar, e);
            }
        }
        return new PluginJars(parent, plugins);
    }

    /** The class loader of the class path, under every plugin's. */
    public ClassLoader parent() {
        return parent;
    }

    public List<Plugin> plugins() {
        return plugins;
    }

    /**
     * Every provider of {@code service}: the class path's, then each jar's own (a class the parent already sees is
     * not loaded twice). A broken provider is an {@link IllegalStateException} naming where it is.
     */
    public <S> List<S> load(Class<S> service) {
        List<S> found = new ArrayList<>();
        try {
            ServiceLoader.load(service, parent).forEach(found::add);
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a " + service.getSimpleName() + " on the class path cannot be loaded: "
                    + e.getMessage(), e);
        }
        for (Plugin plugin : plugins) {
            try {
                for (ServiceLoader.Provider<S> p : ServiceLoader.load(service, plugin.loader()).stream().toList()) {
                    if (p.type().getClassLoader() == plugin.loader()) {
                        found.add(p.get());
                    }
                }
            } catch (ServiceConfigurationError e) {
                throw new IllegalStateException("plugin " + plugin.jar() + " has a broken " + service.getSimpleName()
                        + ": " + e.getMessage() + " (does the class have a public no-argument constructor and implement "
                        + service.getName() + "?)", e);
            }
        }
        return found;
    }

    private static List<Path> jars(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list plugins in " + dir + ": " + e.getMessage(), e);
        }
    }
}
