package io.roomote.bench.api;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads /proc of this JVM and of a real child process ({@code sleep}); nothing stands in. */
class ProcessMemoryTest {

    @Test
    void readsTheProcessAndCountsItsChildrenApart() throws Exception {
        long self = ProcessHandle.current().pid();
        ProcessMemory before = ProcessMemory.descendantsOf(self);
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            ProcessMemory own = ProcessMemory.of(self);
            ProcessMemory children = ProcessMemory.descendantsOf(self);
            ProcessMemory sleep = ProcessMemory.of(child.pid());

            assertThat(own.rssKb()).as("this JVM's VmRSS").isGreaterThan(10_000);
            assertThat(own.processes()).isEqualTo(1);
            assertThat(sleep.rssKb()).isPositive().isLessThan(own.rssKb());
            assertThat(children.processes()).isEqualTo(before.processes() + 1);
            assertThat(children.rssKb()).isGreaterThanOrEqualTo(sleep.rssKb());
        } finally {
            child.destroy();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatIsGoneReadsAsMinusOne() throws Exception {
        Process child = new ProcessBuilder("true").start();
        child.waitFor(10, TimeUnit.SECONDS);

        assertThat(ProcessMemory.of(child.pid()).rssKb()).isEqualTo(-1);
    }
}
