package io.roomote.jenkins.bridge.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Keeps secret environment variables off the worker's command line. Inside {@code docker.image().inside} or
 * {@code agent { docker }}, docker-workflow's launcher puts every variable of the started process that differs from
 * the host's on the {@code docker exec --env NAME=value} command line ({@code WithContainerStep.Decorator}), where
 * other users of the host can read it with {@code ps}. So the variables the build marks sensitive (workflow-step-api's
 * {@code EnvironmentExpander.getSensitiveVariables()}, which credentials-binding's {@code withCredentials} fills) go
 * into the control folder's secrets file instead; the worker makes them settings of the job, from where the agent
 * gets the ones {@code ROOMOTE_AGENT_ENV} names.
 *
 * @param launch  the environment to start the worker with
 * @param secrets the sensitive variables, for the secrets file
 */
public record SensitiveEnvironment(Map<String, String> launch, Map<String, String> secrets) {

    public static SensitiveEnvironment split(Map<String, String> env, Set<String> sensitive) {
        Map<String, String> launch = new LinkedHashMap<>();
        Map<String, String> secrets = new LinkedHashMap<>();
        env.forEach((k, v) -> (sensitive.contains(k) ? secrets : launch).put(k, v));
        return new SensitiveEnvironment(launch, secrets);
    }
}
