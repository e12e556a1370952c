package io.roomote.core.types;

import io.roomote.spi.JobType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/** The job types this process knows, by id. */
public final class JobTypeRegistry {

    private static final Logger log = LoggerFactory.getLogger(JobTypeRegistry.class);

    private final Map<String, JobType<?, ?>> types;

    private JobTypeRegistry(Map<String, JobType<?, ?>> types) {
        this.types = Map.copyOf(types);
    }

    /** A registry of exactly these types (tests, embedding). */
    public static JobTypeRegistry of(Collection<? extends JobType<?, ?>> types) {
        Map<String, JobType<?, ?>> byId = new LinkedHashMap<>();
        for (JobType<?, ?> type : types) {
            register(byId, type, "given");
        }
        return new JobTypeRegistry(byId);
    }

    public static JobTypeRegistry of(JobType<?, ?>... types) {
        return of(List.of(types));
    }

    /**
     * Finds job types with {@link ServiceLoader} on {@code parent}'s class path and in every jar of
     * {@code pluginsDir} (when it exists). Each plugin jar gets its own class loader, so two plugins may
     * use different versions of a library.
     */
    public static JobTypeRegistry discover(ClassLoader parent, Path pluginsDir) {
        return discover(PluginJars.open(parent, pluginsDir));
    }

    /** As {@link #discover(ClassLoader, Path)}, with class loaders already made (shared with runner extensions). */
    public static JobTypeRegistry discover(PluginJars plugins) {
        Map<String, JobType<?, ?>> byId = new LinkedHashMap<>();
        load(byId, ServiceLoader.load(rawJobType(), plugins.parent()), "class path");
        for (PluginJars.Plugin plugin : plugins.plugins()) {
            Path jar = plugin.jar();
            URLClassLoader loader = plugin.loader();
            int before = byId.size();
            // Only types whose class comes from this jar; parent-visible ones were registered above.
            ServiceLoader<JobType<?, ?>> loader1 = ServiceLoader.load(rawJobType(), loader);
            try {
                for (ServiceLoader.Provider<JobType<?, ?>> p : loader1.stream().toList()) {
                    if (p.type().getClassLoader() == loader) {
                        register(byId, p.get(), jar.toString());
                    }
                }
            } catch (ServiceConfigurationError e) {
                throw new IllegalStateException("plugin " + jar + " has a broken job type: " + e.getMessage()
                        + " (does the class have a public no-argument constructor and implement io.roomote.spi.JobType?)", e);
            }
            // A jar that only extends the runner (webhooks, listeners) declares no job type, rightly.
            if (byId.size() == before && loader.findResource("META-INF/services/io.roomote.core.extension.RunnerExtension") == null) {
                log.warn("plugin {} declares no job type: it needs META-INF/services/io.roomote.spi.JobType", jar);
            }
        }
        return new JobTypeRegistry(byId);
    }

    private static void load(Map<String, JobType<?, ?>> byId, ServiceLoader<JobType<?, ?>> loader, String source) {
        try {
            for (JobType<?, ?> type : loader) {
                register(byId, type, source);
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a job type on the " + source + " cannot be loaded: " + e.getMessage(), e);
        }
    }

    private static void register(Map<String, JobType<?, ?>> byId, JobType<?, ?> type, String source) {
        String id = type.id();
        if (id == null || id.isBlank()) {
            throw new IllegalStateException("job type " + type.getClass().getName() + " (" + source + ") has no id");
        }
        JobType<?, ?> previous = byId.putIfAbsent(id, type);
        if (previous != null) {
            throw new IllegalStateException("job type id '" + id + "' is declared twice: by "
                    + previous.getClass().getName() + " and by " + type.getClass().getName() + " (" + source + ")");
        }
        log.debug("job type {} from {}", id, source);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Class<JobType<?, ?>> rawJobType() {
        return (Class) JobType.class;
    }

    public Optional<JobType<?, ?>> find(String id) {
        return Optional.ofNullable(types.get(id));
    }

    /** Known ids, sorted. */
    public Set<String> ids() {
        return new TreeSet<>(types.keySet());
    }

    public List<JobType<?, ?>> all() {
        return new ArrayList<>(types.values());
    }
}
