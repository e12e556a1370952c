package io.roomote.jenkins.bridge.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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
}
