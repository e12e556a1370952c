package io.roomote.jenkins;

import hudson.FilePath;
import hudson.remoting.Which;
import io.roomote.core.step.WorkerProtocol;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Puts the worker's jars on the node: for each of {@link WorkerProtocol#CLASSPATH_ANCHORS}, the jar that holds
 * it on the controller (this plugin's bundled jars, or those of the plugins and core that provide Jackson,
 * github-api, commons and SLF4J), copied once into a folder named by their digest under the workspace's
 * {@code @tmp}, which a container of the build sees at the same path.
 */
final class WorkerClasspath {

    private WorkerClasspath() {
    }

    static List<File> controllerJars() throws IOException {
        Set<File> jars = new LinkedHashSet<>();
        for (String anchor : WorkerProtocol.CLASSPATH_ANCHORS) {
            try {
                jars.add(Which.jarFile(Class.forName(anchor, false, WorkerClasspath.class.getClassLoader())));
            } catch (ClassNotFoundException e) {
                throw new IOException("the Roomote plugin cannot find " + anchor + " to give the worker: " + e, e);
            }
        }
        return new ArrayList<>(jars);
    }

    /** Copies the jars into {@code libRoot/<digest>/} unless already there; returns their paths on the node. */
    static List<String> install(FilePath libRoot) throws IOException, InterruptedException {
        List<File> jars = controllerJars();
        FilePath dir = libRoot.child(digest(jars));
        List<String> paths = new ArrayList<>();
        List<FilePath> targets = new ArrayList<>();
        for (int i = 0; i < jars.size(); i++) {
            FilePath target = dir.child(String.format(Locale.ROOT, "%02d-%s", i, jars.get(i).getName()));
            targets.add(target);
            paths.add(target.getRemote());
        }
        FilePath complete = dir.child(".complete");
        if (!complete.exists()) {
            dir.deleteRecursive();
            dir.mkdirs();
            for (int i = 0; i < jars.size(); i++) {
                new FilePath(jars.get(i)).copyTo(targets.get(i));
            }
            complete.touch(System.currentTimeMillis());
        }
        return paths;
    }

    private static String digest(List<File> jars) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (File f : jars) {
                md.update((f.getName() + ":" + f.length() + ":" + f.lastModified() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return "lib-" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
