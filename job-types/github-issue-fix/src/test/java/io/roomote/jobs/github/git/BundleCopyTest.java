package io.roomote.jobs.github.git;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The host's copy of a file a sandboxed process wrote: real files, symlinks and a FIFO on the real file system. */
class BundleCopyTest {

    @TempDir
    Path temp;

    @Test
    void aRegularFileIsCopiedOwnerOnly() throws Exception {
        Path source = Files.writeString(temp.resolve("agent.bundle"), "# v2 git bundle\n");
        Path target = temp.resolve("copy");

        assertThat(BundleCopy.copy(source, target, 1024, "the agent's bundle", "X_MAX")).contains(16L);

        assertThat(Files.readString(target)).isEqualTo("# v2 git bundle\n");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
                .isEqualTo("rw-------");
    }

    @Test
    void aMissingFileIsEmpty() throws Exception {
        assertThat(BundleCopy.copy(temp.resolve("none"), temp.resolve("copy"), 1024, "the agent's bundle", null)).isEmpty();
        assertThat(temp.resolve("copy")).doesNotExist();
    }

    @Test
    void aSymlinkToAHostFileIsRefusedAndNothingIsReadThroughIt() throws Exception {
        Path hostFile = Files.writeString(temp.resolve("host-secret"), "secret");
        Path link = Files.createSymbolicLink(temp.resolve("agent.bundle"), hostFile);

        assertThatThrownBy(() -> BundleCopy.copy(link, temp.resolve("copy"), 1024, "the agent's bundle", null))
                .isInstanceOf(BundleCopy.Refused.class)
                .hasMessage("the agent's bundle is not a regular file (a symbolic link): refused, nothing was read through it");
        assertThat(temp.resolve("copy")).doesNotExist();
        assertThat(Files.readString(hostFile)).isEqualTo("secret");
    }

    @Test
    void aFolderOrAFifoIsRefused() throws Exception {
        Path dir = Files.createDirectory(temp.resolve("dir.bundle"));
        assertThatThrownBy(() -> BundleCopy.copy(dir, temp.resolve("copy"), 1024, "the agent's bundle", null))
                .hasMessageContaining("not a regular file (a folder)");
        Path fifo = temp.resolve("fifo.bundle");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();
        // A FIFO would block the reader forever: refused before it is opened.
        assertThatThrownBy(() -> BundleCopy.copy(fifo, temp.resolve("copy"), 1024, "the agent's bundle", null))
                .hasMessageContaining("not a regular file (a special file)");
    }

    @Test
    void aFileOverTheLimitIsRefusedWithTheSetting() throws Exception {
        Path source = Files.write(temp.resolve("agent.bundle"), new byte[2048]);

        assertThatThrownBy(() -> BundleCopy.copy(source, temp.resolve("copy"), 1024, "the agent's bundle",
                "ROOMOTE_AGENT_BUNDLE_MAX"))
                .hasMessage("the agent's bundle is larger than 1 KiB (2 KiB): raise ROOMOTE_AGENT_BUNDLE_MAX if such"
                        + " work is expected");
        assertThat(temp.resolve("copy")).doesNotExist();
    }
}
