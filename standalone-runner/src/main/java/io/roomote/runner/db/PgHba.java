package io.roomote.runner.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded PostgreSQL's {@code pg_hba.conf}, rewritten at every start: password logins (scram-sha-256)
 * from this machine only, no {@code trust} line. Older Roomotes trusted every local connection, so an agent
 * on the same machine could be a database superuser.
 */
final class PgHba {

    static final String CONTENT = """
            # Written by Roomote at every start; edits are overwritten.
            # Password logins only; the password is in $ROOMOTE_HOME/postgres-password.
            # TYPE  DATABASE  USER  ADDRESS       METHOD
            local   all       all                 scram-sha-256
            host    all       all   127.0.0.1/32  scram-sha-256
            host    all       all   ::1/128       scram-sha-256
            """;

    private PgHba() {
    }

    static boolean isCurrent(Path dataDir) {
        try {
            return Files.readString(file(dataDir), StandardCharsets.UTF_8).equals(CONTENT);
        } catch (IOException e) {
            return false;
        }
    }

    static void write(Path dataDir) {
        if (isCurrent(dataDir)) {
            return;
        }
        try {
            Path tmp = dataDir.resolve("pg_hba.conf.new");
            Files.writeString(tmp, CONTENT, StandardCharsets.UTF_8);
            Files.move(tmp, file(dataDir), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + file(dataDir) + ": " + e.getMessage(), e);
        }
    }

    private static Path file(Path dataDir) {
        return dataDir.resolve("pg_hba.conf");
    }
}
