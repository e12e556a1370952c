package io.roomote.agents;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/** The agent drivers this process knows, by name. */
public final class AgentDrivers {

    private final Map<String, AgentDriver> drivers;

    private AgentDrivers(Map<String, AgentDriver> drivers) {
        this.drivers = Map.copyOf(drivers);
    }

    public static AgentDrivers of(List<? extends AgentDriver> drivers) {
        Map<String, AgentDriver> byName = new LinkedHashMap<>();
        for (AgentDriver d : drivers) {
            AgentDriver previous = byName.putIfAbsent(d.name(), d);
            if (previous != null) {
                throw new IllegalStateException("agent name '" + d.name() + "' is used by " + previous.getClass().getName()
                        + " and " + d.getClass().getName());
            }
        }
        return new AgentDrivers(byName);
    }

    /** Every driver listed in {@code META-INF/services/io.roomote.agents.AgentDriver} on the class path. */
    public static AgentDrivers discover(ClassLoader loader) {
        return of(ServiceLoader.load(AgentDriver.class, loader).stream().map(ServiceLoader.Provider::get).toList());
    }

    public Optional<AgentDriver> find(String name) {
        return Optional.ofNullable(drivers.get(name));
    }

    public Set<String> names() {
        return new TreeSet<>(drivers.keySet());
    }
}
