package dev.kairos.server.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.MemoryOptions;
import dev.kairos.inference.EngineProbe;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code agent.memory} section: defaults, values, one-line errors naming the key and the file, the budget from the probe. */
class AgentMemoryConfigTest {
    @TempDir
    Path dir;

    private KairosConfig load(String yaml) throws Exception {
        Path file = dir.resolve("kairos.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, Map.of(), dir);
    }

    @Test
    void offByDefaultWithTheDocumentedDefaults() {
        AgentMemoryConfig.Resolved r = AgentMemoryConfig.resolve(ConfigLoader.load(null, Map.of(), dir));
        assertFalse(r.enabled());
        MemoryOptions o = r.options();
        assertEquals(new MemoryOptions(0, 8, false, 20, 0), o);
        assertEquals(MemoryOptions.UNKNOWN_CONTEXT - 2048, o.promptTokens(), "8192 tokens assumed when nothing says otherwise");
    }

    @Test
    void theExampleLoadsWithTheDocumentedDefaults() {
        Path example = Path.of(System.getProperty("kairos.interop.dir", "../interop")).resolveSibling("examples/agent-memory/kairos.yaml");
        AgentMemoryConfig.Resolved r = AgentMemoryConfig.resolve(ConfigLoader.load(example, Map.of(), dir));
        assertTrue(r.enabled());
        assertEquals(new MemoryOptions(0, 8, false, 20, 0).withProfile(true), r.options(), "its other keys are the defaults");
    }

    @Test
    void everyKeyIsRead() throws Exception {
        AgentMemoryConfig.Resolved r = AgentMemoryConfig.resolve(load("agent:\n  max_steps: 5\n  memory:\n    enabled: true\n"
                + "    window: 4\n    summary_tokens: 300\n    recall_limit: 12\n    profile: true\n    context_tokens: 16384\n"));
        assertTrue(r.enabled());
        assertEquals(new MemoryOptions(16384, 12, true, 4, 300), r.options());
        assertEquals(300, r.options().summaryTokens(0), "the configured summary budget");
        assertEquals(5, AgentConfig.limits(load("agent:\n  max_steps: 5\n  memory:\n    enabled: true\n")).maxSteps(),
                "the loop guards still bind beside the memory");
    }

    @Test
    void badValuesGiveOneLineNamingTheKeyAndTheFile() throws Exception {
        assertBad("    enabled: maybe\n", "agent.memory.enabled");
        assertBad("    window: -1\n", "agent.memory.window");
        assertBad("    window: lots\n", "agent.memory.window");
        assertBad("    summary_tokens: -5\n", "agent.memory.summary_tokens");
        assertBad("    recall_limit: 0\n", "agent.memory.recall_limit");
        assertBad("    recall_limit: 51\n", "agent.memory.recall_limit");
        assertBad("    context_tokens: 100\n", "agent.memory.context_tokens");
        assertBad("    profle: true\n", "agent.memory.profle");
        Path file = dir.resolve("kairos.yaml");
        Files.writeString(file, "agent:\n  memory: yes please\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), dir));
        assertTrue(e.getMessage().startsWith(file + ": agent.memory: must be a mapping"), e.getMessage());
    }

    private void assertBad(String lines, String key) throws Exception {
        Path file = dir.resolve("kairos.yaml");
        Files.writeString(file, "agent:\n  memory:\n" + lines);
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), dir), lines);
        assertTrue(e.getMessage().startsWith(file + ": " + key + ":"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void theTokenBudgetComesFromTheProbedContextElseFromTheConfig() throws Exception {
        AgentMemoryConfig.Resolved r = AgentMemoryConfig.resolve(load("agent:\n  memory:\n    enabled: true\n    context_tokens: 4096\n"));
        SimScript script = new SimScript().text("unused");
        ObjectNode routes = script.routes();
        routes.putArray("GET /version").addObject().putObject("json").put("version", "0.11.0");
        routes.putArray("GET /health").addObject().put("text", "");
        ObjectNode models = routes.putArray("GET /v1/models").addObject().putObject("json").put("object", "list");
        models.putArray("data").addObject().put("id", "m").put("object", "model").put("max_model_len", 32768);
        EngineProbe probe = new EngineProbe(Duration.ofMinutes(1), Duration.ofSeconds(5));
        try (EngineSimulator sim = EngineSimulator.start(routes, 0)) {
            assertEquals(32768, r.options(probe.probe(sim.url())).contextTokens(), "the engine's own context size wins");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(4096, r.options(probe.probe(URI.create("http://127.0.0.1:" + port))).contextTokens(),
                "an engine that does not say: the configured size");
    }
}
