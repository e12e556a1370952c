package io.roomote.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.FilePath;
import hudson.PluginWrapper;
import hudson.remoting.Which;
import io.roomote.jenkins.bridge.worker.WorkerLibInstall;
import io.roomote.jenkins.bridge.worker.WorkerProtocol;
import jenkins.model.Jenkins;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * Puts the worker's class path on the node: for each of {@link WorkerProtocol#CLASSPATH_ANCHORS}, the jar that
 * holds it on the controller (this plugin's bundled jars, or those of the plugins and core that provide Jackson,
 * github-api, commons and SLF4J) — or the class folder, under {@code hpi:run} and JenkinsRule, where remoting's
 * {@code Which.jarFile} returns the folder for unpackaged classes ({@code file:} URLs). When {@code Which} cannot
 * tell (a class loaded from an unusual URL), the jar is looked up in {@code WEB-INF/lib} of the plugin that
 * provides the class ({@code PluginManager.whichPlugin}, {@code PluginWrapper.baseResourceURL}).
 * <p>They are installed under the workspace's {@code @tmp} (which a container of the build sees at the same path)
 * by jenkins-bridge's {@link WorkerLibInstall}: a per-call temporary folder renamed atomically into place, so
 * parallel calls in one workspace never delete or half-see each other's jars.
 */
final class WorkerClasspath {

    private WorkerClasspath() {
    }

    static List<File> controllerEntries() throws IOException {
        Set<File> entries = new LinkedHashSet<>();
        for (String anchor : WorkerProtocol.CLASSPATH_ANCHORS) {
            Class<?> c;
            try {
                c = Class.forName(anchor, false, WorkerClasspath.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IOException("the Roomote plugin cannot find " + anchor + " to give the worker: " + e, e);
            }
            entries.add(locate(c));
        }
        return new ArrayList<>(entries);
    }

    private static File locate(Class<?> c) throws IOException {
        try {
            File f = Which.jarFile(c);
            if (f.exists()) {
                return f;
            }
        } catch (IllegalArgumentException | IOException e) {
            // fall back to the plugin's WEB-INF/lib below
        }
        File fromLib = fromPluginLib(c);
        if (fromLib == null) {
            throw new IOException("the Roomote plugin cannot locate the jar of " + c.getName() + " to give the worker");
        }
        return fromLib;
    }

    @CheckForNull
    private static File fromPluginLib(Class<?> c) throws IOException {
        PluginWrapper plugin = Jenkins.get().getPluginManager().whichPlugin(c);
        if (plugin == null || !"file".equals(plugin.baseResourceURL.getProtocol())) {
            return null;
        }
        File lib;
        try {
            lib = new File(new File(plugin.baseResourceURL.toURI()), "WEB-INF/lib");
        } catch (URISyntaxException e) {
            return null;
        }
        File[] jars = lib.listFiles((d, n) -> n.endsWith(".jar"));
        String entry = c.getName().replace('.', '/') + ".class";
        for (File jar : jars == null ? new File[0] : jars) {
            try (JarFile j = new JarFile(jar)) {
                if (j.getEntry(entry) != null) {
                    return jar;
                }
            }
        }
        return null;
    }

    /** Installs the entries into {@code libRoot/<digest>/} unless already there; returns their paths on the node. */
    static List<String> install(FilePath libRoot, String callId) throws IOException, InterruptedException {
        List<File> entries = controllerEntries();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            names.add(String.format(Locale.ROOT, "%02d-%s", i, entries.get(i).getName()));
        }
        libRoot.mkdirs();
        return WorkerLibInstall.install(new NodeFiles(libRoot, entries), digest(entries), names, callId);
    }

    /** jenkins-bridge's install operations on the node, with {@link FilePath}. */
    private record NodeFiles(FilePath root, List<File> entries) implements WorkerLibInstall.Files {

        @Override
        public boolean exists(String path) throws IOException, InterruptedException {
            return root.child(path).exists();
        }

        @Override
        public void mkdirs(String path) throws IOException, InterruptedException {
            root.child(path).mkdirs();
        }

        @Override
        public void copyEntry(int index, String path) throws IOException, InterruptedException {
            File entry = entries.get(index);
            FilePath target = root.child(path);
            if (entry.isDirectory()) {
                target.mkdirs();
                new FilePath(entry).copyRecursiveTo(target);
            } else {
                new FilePath(entry).copyTo(target);
            }
        }

        @Override
        public void touch(String path) throws IOException, InterruptedException {
            root.child(path).touch(System.currentTimeMillis());
        }

        /**
         * Core's {@code FilePath.renameTo} is {@code Files.move} without {@code REPLACE_EXISTING} on the node: it
         * fails when the target exists (a non-empty folder: {@code rename(2)} itself refuses it), which is how the
         * loser of a race learns that another call installed the folder.
         */
        @Override
        public boolean rename(String from, String to) throws IOException, InterruptedException {
            try {
                root.child(from).renameTo(root.child(to));
                return true;
            } catch (IOException e) {
                if (root.child(to).exists() || e instanceof FileAlreadyExistsException || e instanceof DirectoryNotEmptyException
                        || e.getCause() instanceof FileAlreadyExistsException || e.getCause() instanceof DirectoryNotEmptyException) {
                    return false;
                }
                throw e;
            }
        }

        @Override
        public void deleteRecursive(String path) throws IOException, InterruptedException {
            root.child(path).deleteRecursive();
        }

        @Override
        public String absolute(String path) {
            return root.child(path).getRemote();
        }
    }

    private static String digest(List<File> entries) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (File f : entries) {
                md.update((f.getAbsolutePath() + ":" + f.length() + ":" + f.lastModified() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return "lib-" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
