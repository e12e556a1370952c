package io.roomote.bench;

import io.roomote.spi.JobType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/** Writes a job type as a plugin jar for {@code $ROOMOTE_HOME/plugins}: its classes and the ServiceLoader entry. */
public final class PluginJar {

    private PluginJar() {
    }

    /** {@code classes}: the job type first, then the classes it needs that the runner does not have. */
    public static void write(Path jar, List<Class<?>> classes) throws IOException {
        Files.createDirectories(jar.getParent());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("META-INF/services/" + JobType.class.getName()));
            j.write((classes.get(0).getName() + "\n").getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
            for (Class<?> c : classes) {
                String name = c.getName().replace('.', '/') + ".class";
                try (InputStream in = PluginJar.class.getClassLoader().getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IOException("class file " + name + " not found");
                    }
                    j.putNextEntry(new JarEntry(name));
                    in.transferTo(j);
                    j.closeEntry();
                }
            }
        }
    }
}
