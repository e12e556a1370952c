package io.roomote.controller.container;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container a {@code docker} or {@code kubernetes} launcher starts for one single-job worker: the runner's
 * image (not the agent's {@code ROOMOTE_WORKER_IMAGE}, which the worker's own sandbox uses) and its limits.
 *
 * @param image     {@code ROOMOTE_WORKER_RUNNER_IMAGE} ({@value #DEFAULT_IMAGE})
 * @param cpus      {@code ROOMOTE_WORKER_CPUS} (2): a decimal number of CPUs, as docker's {@code --cpus} takes it
 *                  and as a Kubernetes quantity
 * @param memory    {@code ROOMOTE_WORKER_MEMORY} ({@code 4g}): a number with an optional b/k/m/g suffix (binary units),
 *                  as docker's {@code --memory} takes it
 * @param pidsLimit {@code ROOMOTE_WORKER_PIDS} (2048): docker's {@code --pids-limit}; Kubernetes sets it per node
 */
public record WorkerContainer(String image, String cpus, String memory, int pidsLimit) {

    public static final String DEFAULT_IMAGE = "roomote/runner:latest";

    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]*");
    private static final Pattern CPUS = Pattern.compile("\\d+(\\.\\d+)?");
    private static final Pattern MEMORY = Pattern.compile("(\\d+)([bkmgBKMG])?");

    /** @throws ConfigurationException naming the first malformed setting and what it accepts */
    public static WorkerContainer from(Configuration config) {
        String image = value(config, "ROOMOTE_WORKER_RUNNER_IMAGE").orElse(DEFAULT_IMAGE);
        if (!IMAGE.matcher(image).matches()) {
            throw new ConfigurationException("ROOMOTE_WORKER_RUNNER_IMAGE must be an image reference like "
                    + DEFAULT_IMAGE + ", got '" + image + "'");
        }
        String cpus = cpus("ROOMOTE_WORKER_CPUS", value(config, "ROOMOTE_WORKER_CPUS").orElse("2"));
        String memory = memory("ROOMOTE_WORKER_MEMORY", value(config, "ROOMOTE_WORKER_MEMORY").orElse("4g"));
        int pids = SettingValues.intAtLeast(config, "ROOMOTE_WORKER_PIDS", 2048, 1);
        return new WorkerContainer(image, cpus, memory, pids);
    }

    /** {@link #memory()} as a Kubernetes quantity: {@code 4g} is {@code 4Gi}, {@code 512m} is {@code 512Mi}. */
    public String memoryQuantity() {
        return memoryQuantity(memory);
    }

    /** A number of CPUs above 0 such as 2 or 1.5, read from the setting {@code name}. */
    public static String cpus(String name, String cpus) {
        if (!CPUS.matcher(cpus).matches() || new BigDecimal(cpus).signum() <= 0) {
            throw new ConfigurationException(name + " must be a number of CPUs above 0 such as 2 or 1.5, got '" + cpus + "'");
        }
        return cpus;
    }

    /** An amount of memory (a number with an optional b/k/m/g suffix), read from the setting {@code name}; lower case. */
    public static String memory(String name, String memory) {
        Matcher m = MEMORY.matcher(memory);
        if (!m.matches() || new BigDecimal(m.group(1)).signum() <= 0) {
            throw new ConfigurationException(name + " must be an amount of memory such as 4g, 512m or 1073741824, got '" + memory + "'");
        }
        return memory.toLowerCase(Locale.ROOT);
    }

    /** A {@link #memory(String, String)} value as a Kubernetes quantity. */
    public static String memoryQuantity(String memory) {
        Matcher m = MEMORY.matcher(memory);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an amount of memory: " + memory);
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        return m.group(1) + switch (unit) {
            case "k" -> "Ki";
            case "m" -> "Mi";
            case "g" -> "Gi";
            default -> "";
        };
    }

    private static Optional<String> value(Configuration config, String name) {
        return SettingValues.value(config, name);
    }
}
