package io.roomote.jenkins.bridge.architecture;

import io.roomote.jenkins.bridge.recording.RecordedRun;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** jenkins-bridge is Jenkins-free (tested here) and an adapter: SQL belongs to roomote-core's store. */
@AnalyzeClasses(packages = "io.roomote.jenkins.bridge", importOptions = ImportOption.DoNotIncludeTests.class)
class BridgeDependenciesTest {

    @ArchTest
    static final ArchRule jenkinsFree = noClasses().that().resideInAPackage("io.roomote.jenkins.bridge..")
            .should().dependOnClassesThat().resideInAnyPackage("hudson..", "jenkins..", "org.jenkinsci..", "org.kohsuke.stapler..")
            .because("the plugin is the thin adapter over the bridge; the bridge runs and is tested without Jenkins");

    /** RecordedRun writes cloud_jobs through core's ExternalRunRepository. */
    @ArchTest
    static final ArchRule noSql = noClasses().that().resideInAPackage("io.roomote.jenkins.bridge..")
            .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.postgresql..", "com.zaxxer..")
            .because("SQL on Roomote's tables lives in roomote-core's store");

    /** The step's Slack messages go out through core's SlackSender (or the plugin's Slack-plugin post), never its own HTTP. */
    @ArchTest
    static final ArchRule slackThroughCoresSender = noClasses().that().resideInAPackage("io.roomote.jenkins.bridge.slack..")
            .should().dependOnClassesThat().resideInAnyPackage("com.slack.api..", "okhttp3..")
            .orShould().callMethod(java.net.http.HttpClient.class, "send", java.net.http.HttpRequest.class,
                    java.net.http.HttpResponse.BodyHandler.class)
            .because("core's SlackSender is Roomote's one Slack sender (retries, Retry-After)");

    /** Packaged by feature (step, worker, recording, slack, admission, trigger), with no cycle between them. */
    @ArchTest
    static final ArchRule featuresAreFreeOfCycles = slices().matching("io.roomote.jenkins.bridge.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule everyClassBelongsToAFeature = noClasses()
            .should().resideInAPackage("io.roomote.jenkins.bridge")
            .because("the bridge is packaged by feature: a class belongs to step, worker, recording, slack, admission or trigger");
}
