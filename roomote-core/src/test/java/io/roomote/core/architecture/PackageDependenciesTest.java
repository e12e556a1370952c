package io.roomote.core.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * roomote-core is the job platform only (issue 10): it knows no agent, no git, no GitHub, no Jenkins and no job
 * type. These rules read core's compiled main classes, as JobRunr's {@code PackageDependenciesTest} does.
 */
@AnalyzeClasses(packages = "io.roomote.core", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageDependenciesTest {

    @ArchTest
    static final ArchRule coreUsesNoModuleAboveIt = noClasses().that().resideInAPackage("io.roomote.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.roomote.agents..", "io.roomote.jobs..", "io.roomote.jenkins..", "io.roomote.runner..")
            .because("agents, job types and adapters depend on core, never the reverse");

    @ArchTest
    static final ArchRule coreUsesNoGitHubOrJenkinsType = noClasses().that().resideInAPackage("io.roomote.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.kohsuke.github..", "hudson..", "jenkins..", "org.jenkinsci..")
            .because("GitHub access belongs to the fix job type and Jenkins to the plugin");

    @ArchTest
    static final ArchRule coreHasNoAgentGitGitHubOrStepPackage = noClasses()
            .should().resideInAnyPackage("io.roomote.core.agent..", "io.roomote.core.git..",
                    "io.roomote.core.github..", "io.roomote.core.step..")
            .because("they moved to roomote-agents, the fix job type and jenkins-bridge");

    /** Slack's SDK is gone: core's SlackSender posts with Java's HTTP client (the Jenkins plugin cannot bundle the SDK). */
    @ArchTest
    static final ArchRule coreUsesNoSlackSdk = noClasses().that().resideInAPackage("io.roomote.core..")
            .should().dependOnClassesThat().resideInAnyPackage("com.slack.api..", "okhttp3..")
            .because("every Slack message goes through core's SlackSender over java.net.http");

    /** One sender: the notifier and the texts reach Slack only through SlackPost, never over HTTP of their own. */
    @ArchTest
    static final ArchRule onlySlackSenderSpeaksHttpToSlack = noClasses().that().resideInAPackage("io.roomote.core.slack..")
            .and().doNotHaveFullyQualifiedName("io.roomote.core.slack.SlackSender")
            .should().dependOnClassesThat().resideInAPackage("java.net.http..")
            .because("SlackSender is Roomote's one Slack sender (retries, Retry-After)");

    /** No exceptions: QueueStats lives with the store that builds it, RetryPolicy with the jobs it retries. */
    @ArchTest
    static final ArchRule corePackagesAreFreeOfCycles = slices().matching("io.roomote.core.(*)..")
            .should().beFreeOfCycles();
}
