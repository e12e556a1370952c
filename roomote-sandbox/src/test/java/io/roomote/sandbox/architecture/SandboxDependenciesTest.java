package io.roomote.sandbox.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * roomote-sandbox contains an agent and nothing else: it knows no queue, store or worker, no agent and no job
 * type, and its parts — launchers, egress proxy, model gateway — meet only in {@code JobSandbox}.
 */
@AnalyzeClasses(packages = "io.roomote.sandbox", importOptions = ImportOption.DoNotIncludeTests.class)
class SandboxDependenciesTest {

    @ArchTest
    static final ArchRule knowsNoQueueNoAgentNoJobType = noClasses().that().resideInAPackage("io.roomote.sandbox..")
            .should().dependOnClassesThat().resideInAnyPackage("io.roomote.core.store..", "io.roomote.core.queue..",
                    "io.roomote.core.worker..", "io.roomote.core.execution..", "io.roomote.agents..", "io.roomote.jobs..",
                    "io.roomote.runner..", "io.roomote.jenkins..")
            .because("a job type hands the sandbox what it needs; model calls leave through the SPI's ModelCallLog");

    @ArchTest
    static final ArchRule theProxyAndTheGatewayAreIndependent = noClasses()
            .that().resideInAnyPackage("io.roomote.sandbox.egress..", "io.roomote.sandbox.gateway..")
            .should().dependOnClassesThat().resideInAnyPackage("io.roomote.sandbox.bwrap..", "io.roomote.sandbox.docker..")
            .because("what contains the processes and what they may reach are separate concerns, wired by JobSandbox");

    @ArchTest
    static final ArchRule theGatewayKnowsNoEgress = noClasses().that().resideInAPackage("io.roomote.sandbox.gateway..")
            .should().dependOnClassesThat().resideInAPackage("io.roomote.sandbox.egress..");

    @ArchTest
    static final ArchRule theEgressKnowsNoGateway = noClasses().that().resideInAPackage("io.roomote.sandbox.egress..")
            .should().dependOnClassesThat().resideInAPackage("io.roomote.sandbox.gateway..");

    @ArchTest
    static final ArchRule onlyJobSandboxWiresTheParts = noClasses().that().resideInAPackage("io.roomote.sandbox")
            .and().doNotHaveFullyQualifiedName("io.roomote.sandbox.JobSandbox")
            .and().doNotHaveFullyQualifiedName("io.roomote.sandbox.JobSandbox$Request")
            .should().dependOnClassesThat().resideInAnyPackage("io.roomote.sandbox.egress..", "io.roomote.sandbox.gateway..")
            .because("JobSandbox is the one place that opens a run's proxy and gateway");
}
