package io.roomote.jenkins.bridge.trigger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parameters of a build started by a GitHub issue event: {@value #ISSUE} and {@value #REPO}, merged with
 * the defaults of every other parameter the job defines. Jenkins keeps only the parameters a job defines
 * (core's {@code ParametersAction.filter}: "Skipped parameter … as it is undefined"), and when a
 * {@code ParametersAction} is passed to {@code ParameterizedJobMixIn.scheduleBuild2} it adds no defaults of its
 * own — so the job must define both names, and the other parameters need their defaults here. A declarative
 * {@code parameters {}} block defines them only once the job has run: until then the plan says what is missing.
 * Generic over the value type, so the decision is tested without Jenkins ({@code V} is Jenkins'
 * {@code ParameterValue} in the plugin).
 */
public final class TriggerParameters {

    public static final String ISSUE = "ISSUE";
    public static final String REPO = "REPO";
    static final List<String> NEEDED = List.of(ISSUE, REPO);

    private TriggerParameters() {
    }

    /** One parameter the job defines, with its default value if it has one. */
    public record Definition<V>(String name, Optional<V> defaultValue) {
    }

    /** What to schedule: the values in the job's order, or why nothing can be. */
    public sealed interface Plan<V> {
        record Schedule<V>(List<V> values) implements Plan<V> {
        }

        record Missing<V>(List<String> names, String message) implements Plan<V> {
        }
    }

    /**
     * @param job     the job's full name, for the message
     * @param defined the job's parameter definitions, in order (empty when it has no {@code ParametersDefinitionProperty})
     * @param ours    the values for {@value #ISSUE} and {@value #REPO}
     */
    public static <V> Plan<V> plan(String job, List<Definition<V>> defined, Map<String, V> ours) {
        List<String> missing = new ArrayList<>(NEEDED);
        defined.forEach(d -> missing.remove(d.name()));
        if (!missing.isEmpty()) {
            return new Plan.Missing<>(List.copyOf(missing), "the Roomote trigger job " + job + " does not define the "
                    + (missing.size() == 1 ? "parameter " : "parameters ") + String.join(" and ", missing)
                    + ", so Jenkins would drop " + (missing.size() == 1 ? "it" : "them") + ": run the job once (its"
                    + " Pipeline's parameters {} block defines them on the first run), or add String parameters "
                    + String.join(" and ", NEEDED) + " in the job's configuration (This project is parameterized)");
        }
        List<V> values = new ArrayList<>();
        for (Definition<V> d : defined) {
            V v = ours.get(d.name());
            if (v != null) {
                values.add(v);
            } else {
                d.defaultValue().ifPresent(values::add);
            }
        }
        return new Plan.Schedule<>(List.copyOf(values));
    }
}
