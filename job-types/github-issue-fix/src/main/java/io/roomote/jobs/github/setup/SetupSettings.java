package io.roomote.jobs.github.setup;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Durations;
import io.roomote.sandbox.egress.EgressPolicy;
import io.roomote.spi.Configuration;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The operator's settings for the repository's setup.
 *
 * @param command {@code ROOMOTE_SETUP_COMMAND}: a shell command ({@code /bin/sh -c}) run instead of the repository's
 *                {@code .roomote/setup.sh}; empty: the file, when the repository has one
 * @param timeout {@code ROOMOTE_SETUP_TIMEOUT} (default 10 minutes; a bare number is minutes); the job's own deadline
 *                still applies
 * @param egress  {@code ROOMOTE_SETUP_EGRESS_ALLOW}: the hosts the setup may reach through the egress proxy, same
 *                syntax as {@code ROOMOTE_EGRESS_ALLOW}; the agent's own list does not apply to the setup, nor this
 *                one to the agent
 */
public record SetupSettings(Optional<String> command, Duration timeout, EgressPolicy egress) {

    public static final String COMMAND = "ROOMOTE_SETUP_COMMAND";
    public static final String TIMEOUT = "ROOMOTE_SETUP_TIMEOUT";
    public static final String EGRESS_ALLOW = "ROOMOTE_SETUP_EGRESS_ALLOW";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    /** @throws ConfigurationException naming the malformed setting and what it accepts */
    public static SetupSettings from(Configuration config) {
        Optional<String> command = config.get(COMMAND).map(String::strip).filter(c -> !c.isEmpty());
        Duration timeout = DEFAULT_TIMEOUT;
        Optional<String> rawTimeout = config.get(TIMEOUT).map(String::strip).filter(t -> !t.isEmpty());
        if (rawTimeout.isPresent()) {
            try {
                timeout = Durations.parse(rawTimeout.get(), ChronoUnit.MINUTES);
            } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
                throw new ConfigurationException(TIMEOUT + " must be a duration such as 10m, 90s or PT10M, got '"
                        + rawTimeout.get() + "'");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new ConfigurationException(TIMEOUT + " must be positive, got '" + rawTimeout.get() + "'");
            }
        }
        EgressPolicy egress;
        try {
            egress = EgressPolicy.parse(config.get(EGRESS_ALLOW).orElse(""));
        } catch (ConfigurationException e) {
            // The policy names the agent's setting; the entry at fault is in this one.
            throw new ConfigurationException(e.getMessage().replaceFirst("^ROOMOTE_EGRESS_ALLOW", EGRESS_ALLOW));
        }
        return new SetupSettings(command, timeout, egress);
    }
}
