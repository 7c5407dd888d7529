package dev.kairos.server.cli;

import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kairos engines probe} against the engine simulator speaking llama.cpp. */
class EnginesCommandTest {

    @Test
    void probeDescribesTheEngine() {
        try (EngineSimulator sim = EngineSimulator.start("sim/llamacpp.json")) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = new CommandLine(new KairosCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                    .execute("engines", "probe", "--engine", sim.url().toString());
            String text = out.toString();
            assertEquals(0, code, text + err);
            assertTrue(text.toLowerCase().contains("llama"), text);
            assertTrue(text.contains("8192"), "context size from /props: " + text);
        }
    }
}
