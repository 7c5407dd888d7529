package dev.kairos.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared {@code -c/--config} option reaches each command that takes it (no database is started). */
class ConfigOptionTest {
    @TempDir
    Path dir;

    @Test
    void everyCommandReadsTheFileItIsGiven() throws Exception {
        Path off = dir.resolve("kairos.yaml");
        Files.writeString(off, "memory: {mode: \"off\"}\n"); // quoted: YAML reads a bare off as false
        for (String option : new String[]{"-c", "--config"}) {
            FsmCommandTest.Run runs = FsmCommandTest.kairos("runs", "list", option, off.toString());
            assertEquals(2, runs.exit(), runs.err());
            assertTrue(runs.err().contains("memory.mode is off"), runs.err());
            FsmCommandTest.Run memory = FsmCommandTest.kairos("memory", "stats", option, off.toString());
            assertEquals(2, memory.exit(), memory.err());
            assertTrue(memory.err().contains(off + ": memory.mode is off"), memory.err());
        }
    }

    @Test
    void aBadFileIsNamedWithItsKey() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "memroy: {mode: off}\n");
        for (String[] command : new String[][]{{"runs", "list"}, {"memory", "stats"}, {"engines", "probe"}, {"tools", "list"}}) {
            FsmCommandTest.Run r = FsmCommandTest.kairos(command[0], command[1], "-c", bad.toString());
            assertTrue(r.exit() != 0, String.join(" ", command) + ": " + r.out());
            assertTrue(r.err().contains(bad.toString()) && r.err().contains("memroy"), String.join(" ", command) + ": " + r.err());
        }
    }
}
