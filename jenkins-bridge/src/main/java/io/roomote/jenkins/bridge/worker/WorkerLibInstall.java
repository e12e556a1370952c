package io.roomote.jenkins.bridge.worker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the worker's class path entries (jars, or class folders under {@code hpi:run} and JenkinsRule) into
 * {@code <lib root>/<digest>/} on the node so that concurrent {@code roomoteFix} calls in one workspace (e.g.
 * {@code parallel}) never see a half-written or deleted folder: each call copies into its own
 * {@code .tmp-<digest>-<call id>} and renames it to {@code <digest>} — a single {@code rename(2)}, which fails
 * when the target exists and is not empty, so exactly one call's copy wins and a complete folder is never
 * deleted or written to again. The loser deletes its own copy and uses the winner's. A folder left by an older
 * plugin version without the {@value #COMPLETE} marker is renamed aside (again atomically) and replaced.
 */
public final class WorkerLibInstall {

    public static final String COMPLETE = ".complete";
    private static final int ATTEMPTS = 3;

    private WorkerLibInstall() {
    }

    /** The file operations, on paths relative to the lib root (the plugin implements them with {@code FilePath}). */
    public interface Files {
        boolean exists(String path) throws IOException, InterruptedException;

        void mkdirs(String path) throws IOException, InterruptedException;

        /** Copies class path entry {@code index} (a jar, or a class folder recursively) to {@code path}. */
        void copyEntry(int index, String path) throws IOException, InterruptedException;

        void touch(String path) throws IOException, InterruptedException;

        /** Renames atomically; false when {@code to} already exists (and is not empty). */
        boolean rename(String from, String to) throws IOException, InterruptedException;

        void deleteRecursive(String path) throws IOException, InterruptedException;

        /** The absolute path on the node. */
        String absolute(String path);
    }

    /**
     * Installs the entries named {@code names} (in class path order) under {@code digest}; returns their
     * absolute paths on the node.
     *
     * @param callId unique per step call, e.g. the run marker
     */
    public static List<String> install(Files files, String digest, List<String> names, String callId)
            throws IOException, InterruptedException {
        String tmp = ".tmp-" + digest + "-" + callId;
        for (int attempt = 0; attempt < ATTEMPTS && !files.exists(digest + "/" + COMPLETE); attempt++) {
            if (!files.exists(tmp + "/" + COMPLETE)) {
                files.deleteRecursive(tmp);
                files.mkdirs(tmp);
                for (int i = 0; i < names.size(); i++) {
                    files.copyEntry(i, tmp + "/" + names.get(i));
                }
                files.touch(tmp + "/" + COMPLETE);
            }
            if (files.rename(tmp, digest)) {
                break;
            }
            if (!files.exists(digest + "/" + COMPLETE) && files.exists(digest)) {
                // An incomplete folder of an older version of the plugin: move it aside, then try again.
                String aside = ".stale-" + digest + "-" + callId;
                if (files.rename(digest, aside)) {
                    files.deleteRecursive(aside);
                }
            }
        }
        files.deleteRecursive(tmp);
        if (!files.exists(digest + "/" + COMPLETE)) {
            throw new IOException("could not install the Roomote worker's jars into " + files.absolute(digest));
        }
        List<String> paths = new ArrayList<>();
        for (String n : names) {
            paths.add(files.absolute(digest + "/" + n));
        }
        return paths;
    }
}
