package io.roomote.runner.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The standalone runner is an adapter (HTTP, CLI, dashboard, webhook): jobs are read and written through
 * roomote-core's store. Only {@code io.roomote.runner.db}, which starts and prepares the embedded PostgreSQL
 * server (roles, databases), speaks JDBC itself. Job types and what they add to the runner (the GitHub webhook,
 * issue comments, {@code roomote enqueue}'s issues) are found with ServiceLoader, never named.
 */
@AnalyzeClasses(packages = "io.roomote.runner", importOptions = ImportOption.DoNotIncludeTests.class)
class AdapterDependenciesTest {

    @ArchTest
    static final ArchRule noSqlOutsideTheEmbeddedDatabase = noClasses().that().resideInAPackage("io.roomote.runner..")
            .and().resideOutsideOfPackage("io.roomote.runner.db..")
            .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.postgresql..", "com.zaxxer..")
            .because("SQL on Roomote's tables lives in roomote-core's store");

    @ArchTest
    static final ArchRule noJobTypeClasses = noClasses().that().resideInAPackage("io.roomote.runner..")
            .should().dependOnClassesThat().resideInAPackage("io.roomote.jobs..")
            .because("job types and their runner extensions are loaded through ServiceLoader (io.roomote.spi.JobType,"
                    + " io.roomote.core.extension.RunnerExtension), from the class path or the plugins folder");
}
