package io.roomote.jobs.github.git;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Copies a file a sandboxed process wrote (the agent's bundle, the export's facts) into a host-private file, as
 * untrusted data: never through a symlink (checked without following links, and opened with {@code O_NOFOLLOW}),
 * only a regular file, never more than a limit. What was copied is read from then on, not the original, which the
 * sandbox could still change.
 */
public final class BundleCopy {

    private BundleCopy() {
    }

    /** The file was refused: one line saying why. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * Copies {@code source} to {@code target} (created new, owner-only), at most {@code max} bytes.
     *
     * @param what       how the message names the file ({@code the agent's bundle})
     * @param setting    the setting that raises {@code max}, for the message; null when there is none
     * @return the bytes copied, or empty when {@code source} does not exist
     * @throws Refused   when it is a symlink, a folder, a FIFO or another non-regular file, or larger than {@code max}
     */
    public static Optional<Long> copy(Path source, Path target, long max, String what, String setting)
            throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!attrs.isRegularFile()) {
            throw new Refused(what + " is not a regular file (" + (attrs.isSymbolicLink() ? "a symbolic link"
                    : attrs.isDirectory() ? "a folder" : "a special file") + "): refused, nothing was read through it");
        }
        if (attrs.size() > max) {
            throw tooLarge(what, describe(attrs.size()), max, setting);
        }
        Files.deleteIfExists(target);
        long copied = 0;
        // O_NOFOLLOW: a symlink put in its place since the check fails to open instead of being followed.
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS, StandardOpenOption.READ);
             OutputStream out = Files.newOutputStream(Files.createFile(target,
                     PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                     StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                copied += n;
                if (copied > max) {
                    throw tooLarge(what, "it grew past that while being read", max, setting);
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            Files.deleteIfExists(target);
            if (e instanceof Refused) {
                throw e;
            }
            throw new Refused(what + " could not be read as a regular file: " + e.getMessage());
        }
        return Optional.of(copied);
    }

    private static Refused tooLarge(String what, String size, long max, String setting) {
        return new Refused(what + " is larger than " + describe(max) + " (" + size + ")"
                + (setting == null ? "" : ": raise " + setting + " if such work is expected"));
    }

    /** Bytes as people read them: {@code 512 MiB}, {@code 3.5 KiB}, {@code 10 bytes}. */
    public static String describe(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v))
                + " " + units[u];
    }
}
