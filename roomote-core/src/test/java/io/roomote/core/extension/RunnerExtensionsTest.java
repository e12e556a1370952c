package io.roomote.core.extension;

import io.roomote.core.types.PluginJars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runner extensions from the plugins folder: a jar compiled here (its class is on no class path) is found through
 * its {@code META-INF/services} entry and loaded by that jar's own class loader, the one its job types get too.
 */
class RunnerExtensionsTest {

    @TempDir
    Path temp;

    @Test
    void anExtensionInAPluginJarIsFoundWithTheJarsClassLoader() throws Exception {
        Path plugins = Files.createDirectories(temp.resolve("plugins"));
        jar(plugins.resolve("greeter.jar"), "p.Greeter", """
                package p;
                public final class Greeter implements io.roomote.core.extension.RunnerExtension {
                    @Override public String name() { return "greeter"; }
                }
                """);

        PluginJars jars = PluginJars.open(getClass().getClassLoader(), plugins);
        List<RunnerExtension> found = RunnerExtensions.discover(jars);

        assertThat(found).extracting(RunnerExtension::name).containsExactly("greeter");
        assertThat(found.get(0).getClass().getClassLoader()).isSameAs(jars.plugins().get(0).loader());
    }

    @Test
    void twoExtensionsOfOneNameAreRefused() throws Exception {
        Path plugins = Files.createDirectories(temp.resolve("plugins"));
        String source = """
                package p;
                public final class Twin implements io.roomote.core.extension.RunnerExtension {
                    @Override public String name() { return "twin"; }
                }
                """;
        jar(plugins.resolve("a.jar"), "p.Twin", source);
        jar(plugins.resolve("b.jar"), "p.Twin", source);

        assertThatThrownBy(() -> RunnerExtensions.discover(PluginJars.open(getClass().getClassLoader(), plugins)))
                .hasMessageContaining("runner extension name 'twin' is declared twice");
    }

    @Test
    void webhookPathsLiveUnderApiWebhooksAndHeadersIgnoreCase() {
        assertThatThrownBy(() -> new WebhookEndpoint("/api/jobs", r -> null))
                .hasMessageContaining("must be /api/webhooks/<name>");
        assertThat(new WebhookEndpoint("/api/webhooks/github", r -> null).path()).isEqualTo("/api/webhooks/github");
        WebhookRequest request = new WebhookRequest(Map.of("X-GitHub-Event", "issues"), new byte[0]);
        assertThat(request.header("x-github-event")).hasValue("issues");
        assertThat(request.header("X-Hub-Signature-256")).isEmpty();
    }

    /** Compiles {@code source} against this class path and writes it with its services entry into {@code jar}. */
    private void jar(Path jar, String className, String source) throws Exception {
        Path src = temp.resolve("src-" + jar.getFileName()).resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = Files.createDirectories(temp.resolve("classes-" + jar.getFileName()));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int code = javac.run(null, null, errors, "-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"), src.toString());
        assertThat(code).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            String classFile = className.replace('.', '/') + ".class";
            j.putNextEntry(new JarEntry(classFile));
            j.write(Files.readAllBytes(classes.resolve(classFile)));
            j.closeEntry();
            j.putNextEntry(new JarEntry("META-INF/services/" + RunnerExtension.class.getName()));
            j.write((className + "\n").getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }
    }
}
