package dev.kairos.server.cli;

import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimulatorCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @TempDir
    Path dir;

    /** A config whose endpoint has a supervise command (the simulator as its own JVM): probe starts it, then stops it. */
    @Test
    void probeStartsTheSupervisedEngineFromTheConfigAndStopsIt() throws Exception {
        SimulatorCommand sim = SimulatorCommand.onFreePort("sim/llamacpp.json");
        Map<String, Object> endpoint = Map.of("url", sim.url().toString(), "model", "qwen", "engine", "llama_cpp",
                "supervise", Map.of("command", sim.command(), "ready_timeout", "60s", "stop_grace", "5s"));
        Path config = dir.resolve("kairos.json");
        new ObjectMapper().writeValue(config.toFile(), Map.of("inference", Map.of("endpoints", List.of(endpoint))));

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new KairosCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("engines", "probe", "--config", config.toString());
        String text = out.toString();
        assertEquals(0, code, text + err);
        assertTrue(text.toLowerCase().contains("llama"), text);
        assertTrue(text.contains("8192"), "context size from the supervised engine's /props: " + text);
        assertTrue(text.contains("supervised: started by kairos"), text);
        // Stopped on exit: nothing listens on its port any more.
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", sim.port()).close());
    }
}
