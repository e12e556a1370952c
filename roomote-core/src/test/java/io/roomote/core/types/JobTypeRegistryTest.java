package io.roomote.core.types;

import io.roomote.core.testing.EchoJobType;
import io.roomote.core.testing.TestJobType;
import io.roomote.spi.JobType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Job types found with ServiceLoader on the class path and in plugin jars. */
class JobTypeRegistryTest {

    @TempDir
    Path temp;

    @Test
    void findsTypesDeclaredInMetaInfServicesOnTheClassPath() {
        JobTypeRegistry registry = JobTypeRegistry.discover(getClass().getClassLoader(), temp.resolve("no-plugins"));

        assertThat(registry.ids()).contains("test.echo");
        assertThat(registry.find("test.echo")).get().isInstanceOf(EchoJobType.class);
    }

    @Test
    void findsTypesInJarsDroppedIntoThePluginsFolder() throws Exception {
        Path plugins = Files.createDirectories(temp.resolve("plugins"));
        buildPluginJar(plugins.resolve("team-hello.jar"), "team.hello", "TeamHelloJobType");

        JobTypeRegistry registry = JobTypeRegistry.discover(getClass().getClassLoader(), plugins);

        JobType<?, ?> type = registry.find("team.hello").orElseThrow();
        assertThat(type.getClass().getClassLoader().getName()).isEqualTo("roomote-plugin:team-hello.jar");
        assertThat(registry.ids()).contains("test.echo", "team.hello");
    }

    @Test
    void twoTypesWithOneIdAreRefusedNamingBoth() {
        assertThatThrownBy(() -> JobTypeRegistry.of(new TestJobType("dup", (p, c) -> null), new TestJobType("dup", (p, c) -> null)))
                .hasMessageContaining("'dup' is declared twice");
    }

    /** Compiles a one-class job type against the SPI and packs it with its service file, as a team would. */
    static void buildPluginJar(Path jar, String typeId, String className) throws IOException {
        Path src = Files.createTempDirectory("plugin-src");
        Path out = Files.createTempDirectory("plugin-classes");
        Path source = src.resolve("example/" + className + ".java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                package example;
                import io.roomote.spi.*;
                import java.util.Map;
                public class %s implements JobType<%s.Payload, Map<String, Object>> {
                    public record Payload(String name) {}
                    public String id() { return "%s"; }
                    public Class<Payload> payloadType() { return Payload.class; }
                    public Map<String, Object> run(Payload p, JobContext ctx) {
                        ctx.log().info("hello " + p.name());
                        return Map.of("greeting", "hello " + p.name());
                    }
                }
                """.formatted(className, className, typeId));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-parameters", "--release", "17", "-cp", System.getProperty("java.class.path"),
                "-d", out.toString(), source.toString());
        assertThat(rc).as("javac exit code").isZero();
        try (OutputStream fos = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(fos)) {
            jos.putNextEntry(new JarEntry("META-INF/services/io.roomote.spi.JobType"));
            jos.write(("example." + className + "\n").getBytes(StandardCharsets.UTF_8));
            jos.closeEntry();
            try (var files = Files.walk(out)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    jos.putNextEntry(new JarEntry(out.relativize(f).toString().replace('\\', '/')));
                    jos.write(Files.readAllBytes(f));
                    jos.closeEntry();
                }
            }
        }
    }
}
