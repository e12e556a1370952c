package io.roomote.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** A settings file the user names must be there and readable; when it is not, the message says why. */
class DotEnvFileTest {

    @TempDir
    Path dir;

    @Test
    void theDefaultFileMayBeMissing() {
        assertThat(DotEnvFile.read(dir.resolve(".env"))).isEmpty();
    }

    @Test
    void aNamedFileMustExist() {
        Path missing = dir.resolve("nope/.env");
        assertThatThrownBy(() -> DotEnvFile.readRequired(missing)).isInstanceOf(ConfigurationException.class)
                .hasMessage("the settings file " + missing + " does not exist; check the path given with --env-file");
    }

    @Test
    void aFolderIsNotASettingsFile() {
        assertThatThrownBy(() -> DotEnvFile.read(dir)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void anUnreadableFileSaysWhyAndNamesThePathOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("secret.env"), "A=1\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(file), "root reads any file: see the next test for the message");

        assertThatThrownBy(() -> DotEnvFile.readRequired(file)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("cannot read the settings file " + file + ": permission denied");
    }

    @Test
    void permissionDeniedIsSaidInWordsNotAsThePathAgain() {
        String reason = DotEnvFile.reason(new AccessDeniedException("/etc/roomote/.env"));
        assertThat(reason).startsWith("permission denied").doesNotContain("/etc/roomote/.env");
    }

    @Test
    void aNamedFileIsRead() throws Exception {
        Path file = Files.writeString(dir.resolve("ok.env"), "ROOMOTE_LOG_LEVEL=warn\n");
        assertThat(DotEnvFile.readRequired(file)).isEqualTo(Map.of("ROOMOTE_LOG_LEVEL", "warn"));
    }
}
