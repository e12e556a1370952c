package io.roomote.runner.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The embedded PostgreSQL's superuser password: 32 random bytes made at first start, kept in
 * {@code $ROOMOTE_HOME/postgres-password} readable by the owner only (0600).
 *
 * @param file    where it is kept
 * @param value   the password (hex, so it needs no quoting anywhere)
 * @param created true when this start made it, i.e. the database does not know it yet
 */
record DatabasePassword(Path file, String value, boolean created) {

    static final String FILE = "postgres-password";

    @Override
    public String toString() {
        return "DatabasePassword[" + file + "]";
    }

    static DatabasePassword readOrCreate(Path home) {
        Path file = home.resolve(FILE);
        try {
            if (Files.exists(file)) {
                restrict(file);
                String value = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!value.isEmpty()) {
                    return new DatabasePassword(file, value, false);
                }
                Files.delete(file);
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String value = HexFormat.of().formatHex(random);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("it appeared while Roomote was creating it", e);
            }
            Files.writeString(file, value + "\n", StandardCharsets.UTF_8);
            return new DatabasePassword(file, value, true);
        } catch (IOException e) {
            throw new IllegalStateException("could not read or create the embedded database's password file " + file
                    + ": " + e.getMessage(), e);
        }
    }

    /** A file that was loosened by hand (or copied with a umask) is made private again. */
    private static void restrict(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: ACLs of the user's profile folder apply
        }
    }
}
