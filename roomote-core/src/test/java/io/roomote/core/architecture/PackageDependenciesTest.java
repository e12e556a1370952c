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

    /** Today SlackNotifier posts with Slack's SDK; the single Slack sender of issue 10 replaces it. */
    @ArchTest
    static final ArchRule onlyTheSlackPackageUsesSlacksSdk = noClasses().that().resideInAPackage("io.roomote.core..")
            .and().resideOutsideOfPackage("io.roomote.core.slack..")
            .should().dependOnClassesThat().resideInAPackage("com.slack.api..");

    /** No exceptions: QueueStats lives with the store that builds it, RetryPolicy with the jobs it retries. */
    @ArchTest
    static final ArchRule corePackagesAreFreeOfCycles = slices().matching("io.roomote.core.(*)..")
            .should().beFreeOfCycles();
}
