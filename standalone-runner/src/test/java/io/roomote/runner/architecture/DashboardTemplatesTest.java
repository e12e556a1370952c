package io.roomote.runner.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The dashboard's HTML is written by its JTE templates only (src/main/jte, compiled at build time to
 * {@code Jte*Generated} classes of the dashboard package), which escape every value for where it stands. The
 * hand-written classes build view models: none assembles text piece by piece (the string builder that wrote the
 * pages before), and none writes to JTE's output directly, past the templates.
 */
@AnalyzeClasses(packages = "io.roomote.runner.dashboard", importOptions = ImportOption.DoNotIncludeTests.class)
class DashboardTemplatesTest {

    /** The classes jte-maven-plugin generates from the templates, and their inner classes. */
    static final String TEMPLATE_CLASSES = "io\\.roomote\\.runner\\.dashboard\\.Jte\\w+Generated(\\$.*)?";

    @ArchTest
    static final ArchRule noMarkupBuiltInJava = noClasses().that().resideInAPackage("io.roomote.runner.dashboard..")
            .and().haveNameNotMatching(TEMPLATE_CLASSES)
            .should().dependOnClassesThat().belongToAnyOf(StringBuilder.class, StringBuffer.class)
            .orShould().dependOnClassesThat().resideInAnyPackage("gg.jte.html..", "gg.jte.output..")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("gg.jte.TemplateOutput")
            .because("pages are JTE templates with ContentType.Html, which escape job text (issue titles, payloads,"
                    + " logs, errors); markup put together in Java would not be");
}
