package dev.kairos.server.config;

import dev.kairos.transports.HttpSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("kairos.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void defaultsWithoutAFile() {
        KairosConfig c = ConfigLoader.load(null, Map.of(), dir);
        HttpSettings s = c.httpSettings();
        assertEquals("127.0.0.1", s.host());
        assertEquals(8765, s.port());
        assertEquals("defaults", c.source());
        assertEquals("default", c.defaultGroup());
        assertEquals(HttpSettings.DEFAULT_MAX_SESSIONS_PER_TOKEN, s.maxSessionsPerToken());
    }

    @Test
    void sessionCapPerTokenFromFileAndEnvironment() throws Exception {
        write("server:\n  max_sessions_per_token: 7\n");
        assertEquals(7, ConfigLoader.load(null, Map.of(), dir).httpSettings().maxSessionsPerToken());
        assertEquals(3, ConfigLoader.load(null, Map.of("KAIROS_SERVER_MAX_SESSIONS_PER_TOKEN", "3"), dir)
                .httpSettings().maxSessionsPerToken());
        write("server:\n  max_sessions_per_token: 0\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of(), dir).httpSettings());
        assertTrue(e.getMessage().contains("server.max_sessions_per_token"), e.getMessage());
    }

    @Test
    void fileInTheWorkingDirectoryIsFoundAndEnvironmentOverridesIt() throws Exception {
        write("server:\n  port: 9100\n  session_idle_timeout: 5m\n  allowed_hosts: [kairos.internal]\n");
        KairosConfig c = ConfigLoader.load(null, Map.of("KAIROS_SERVER_PORT", "9200", "KAIROS_SERVER_ALLOWED_ORIGINS", "https://a.example, https://b.example"), dir);
        HttpSettings s = c.httpSettings();
        assertEquals(9200, s.port());
        assertEquals(Duration.ofMinutes(5), s.sessionIdleTimeout());
        assertEquals(List.of("kairos.internal"), s.allowedHosts());
        assertEquals(List.of("https://a.example", "https://b.example"), s.allowedOrigins());
    }

    @Test
    void unknownKeyIsNamedWithTheFile() throws Exception {
        Path file = write("server:\n  prot: 9100\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("server.prot"), e.getMessage());
        assertTrue(e.getMessage().contains("port"), "lists the known keys: " + e.getMessage());
    }

    @Test
    void unknownSectionIsNamed() throws Exception {
        Path file = write("severs:\n  port: 1\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), dir));
        assertTrue(e.getMessage().contains("'severs'"), e.getMessage());
    }

    @Test
    void wrongTypeAndBadValuesNameTheKey() throws Exception {
        Path file = write("server:\n  port: lots\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), dir));
        assertTrue(e.getMessage().contains("server.port"), e.getMessage());

        Path bad = write("server:\n  shutdown_grace: soon\n");
        var e2 = assertThrows(ConfigException.class, () -> ConfigLoader.load(bad, Map.of(), dir));
        assertTrue(e2.getMessage().contains("server.shutdown_grace"), e2.getMessage());

        Path port = write("server:\n  port: 70000\n");
        var e3 = assertThrows(ConfigException.class, () -> ConfigLoader.load(port, Map.of(), dir));
        assertTrue(e3.getMessage().contains("port"), e3.getMessage());
    }

    @Test
    void brokenYamlGivesTheLine() throws Exception {
        Path file = write("server:\n  port: [1,\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), dir));
        assertTrue(e.getMessage().matches("(?s).*kairos\\.yaml:\\d+:\\d+:.*"), e.getMessage());
    }

    @Test
    void tokensComeFromTheEnvironmentWithTheirGroups() throws Exception {
        Path file = write("server:\n  tokens:\n    - name: ci\n      token_env: CI_TOKEN\n      groups: [team-a]\n");
        KairosConfig c = ConfigLoader.load(file, Map.of("CI_TOKEN", "0123456789abcdef0123", "KAIROS_TOKEN", "fedcba9876543210fedc"), dir);
        var tokens = c.httpSettings().tokens();
        assertEquals(2, tokens.size());
        assertTrue(tokens.stream().anyMatch(t -> t.name().equals("ci") && t.caller().mayAccess("team-a") && !t.caller().mayAccess("team-b")));
        assertTrue(tokens.stream().anyMatch(t -> t.caller().allGroups()));

        var missing = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), dir));
        assertTrue(missing.getMessage().contains("server.tokens[0].token_env") && missing.getMessage().contains("CI_TOKEN"), missing.getMessage());

        Path noGroups = write("server:\n  tokens:\n    - token: 0123456789abcdef0123\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(noGroups, Map.of(), dir));
        assertTrue(e.getMessage().contains("server.tokens[0].groups"), e.getMessage());

        Path shortToken = write("server:\n  tokens:\n    - token: short\n      groups: ['*']\n");
        var e2 = assertThrows(ConfigException.class, () -> ConfigLoader.load(shortToken, Map.of(), dir));
        assertTrue(e2.getMessage().contains("16 characters"), e2.getMessage());
    }

    @Test
    void missingExplicitFileIsNamed() {
        Path nowhere = dir.resolve("nope.yaml");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(nowhere, Map.of(), dir));
        assertTrue(e.getMessage().contains("nope.yaml"), e.getMessage());
    }

    @Test
    void inferenceEndpointsBindWithKeysNamedOnError() throws Exception {
        Path file = write("inference:\n  endpoints:\n    - name: local\n      url: http://127.0.0.1:8000\n      model: qwen\n"
                + "      engine: llama_cpp\n      role: small\n      timeouts: {first_token: 90s}\n");
        var settings = InferenceConfig.settings(ConfigLoader.load(file, Map.of(), dir));
        var endpoint = settings.endpoints().getFirst();
        assertEquals("local", endpoint.name());
        assertEquals(dev.kairos.inference.InferenceSettings.Engine.LLAMA_CPP, endpoint.engine());
        assertEquals(Duration.ofSeconds(90), endpoint.timeouts().firstToken());

        Path noModel = write("inference:\n  endpoints:\n    - url: http://127.0.0.1:8000\n");
        var e = assertThrows(ConfigException.class, () -> InferenceConfig.settings(ConfigLoader.load(noModel, Map.of(), dir)));
        assertTrue(e.getMessage().contains("inference.endpoints[0].model"), e.getMessage());

        Path badRole = write("inference:\n  endpoints:\n    - url: http://h:1\n      model: m\n      role: huge\n");
        var e2 = assertThrows(ConfigException.class, () -> InferenceConfig.settings(ConfigLoader.load(badRole, Map.of(), dir)));
        assertTrue(e2.getMessage().contains("inference.endpoints[0].role") && e2.getMessage().contains("small"), e2.getMessage());
    }

    @Test
    void superviseBlockBindsWithKeysNamedOnError() throws Exception {
        Files.createDirectories(dir.resolve("models"));
        Path file = write("inference:\n  endpoints:\n    - url: http://127.0.0.1:8080\n      model: qwen\n      engine: llama_cpp\n"
                + "      supervise:\n        command: [llama-server, -m, model.gguf, --port, \"8080\"]\n        workdir: models\n"
                + "        env: {CUDA_VISIBLE_DEVICES: \"0\"}\n        ready_timeout: 2m\n        restart_backoff: 250ms\n        max_restarts: 2\n");
        var endpoint = InferenceConfig.settings(ConfigLoader.load(file, Map.of(), dir)).endpoints().getFirst();
        var s = endpoint.supervise();
        assertEquals(List.of("llama-server", "-m", "model.gguf", "--port", "8080"), s.command());
        assertEquals(dir.resolve("models").toAbsolutePath(), s.workdir());
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "0"), s.env());
        assertEquals(Duration.ofMinutes(2), s.readyTimeout());
        assertEquals(Duration.ofMillis(250), s.restartBackoff());
        assertEquals(2, s.maxRestarts());
        assertEquals(Duration.ofSeconds(10), s.stopGrace());
        assertEquals("http://127.0.0.1:8080/health", endpoint.readinessUrl().toString());

        String head = "inference:\n  endpoints:\n    - url: http://h:1\n      model: m\n      supervise:\n";
        assertError(head + "        command: []\n", "inference.endpoints[0].supervise.command");
        assertError(head + "        command: [x]\n        ready_timeout: soon\n", "inference.endpoints[0].supervise.ready_timeout");
        assertError(head + "        command: [x]\n        workdir: nowhere\n", "inference.endpoints[0].supervise.workdir");
        assertError(head + "        command: [x]\n        ready_path: health\n", "inference.endpoints[0].supervise.ready_path");
        assertError(head + "        command: [x]\n        restart: 1s\n", "inference.endpoints[0].supervise.restart");
    }

    private void assertError(String yaml, String key) throws Exception {
        Path file = write(yaml);
        var e = assertThrows(ConfigException.class, () -> InferenceConfig.settings(ConfigLoader.load(file, Map.of(), dir)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void memorySectionBindsAndNamesBadKeys() throws Exception {
        Path file = write("memory:\n  mode: external\n  uri: bolt://db.internal:7687\n  user: neo4j\n  password_env: NEO_PW\n  database: kairos\n");
        var settings = MemoryConfig.settings(ConfigLoader.load(file, Map.of("NEO_PW", "secret"), dir));
        assertEquals(dev.kairos.memory.MemorySettings.Mode.EXTERNAL, settings.mode());
        assertEquals("kairos", settings.database());
        assertEquals("secret", settings.password());

        Path noUri = write("memory:\n  mode: external\n");
        var e = assertThrows(ConfigException.class, () -> MemoryConfig.settings(ConfigLoader.load(noUri, Map.of(), dir)));
        assertTrue(e.getMessage().contains("memory.uri"), e.getMessage());

        Path badGroup = write("memory:\n  default_group: 'a b'\n");
        var e2 = assertThrows(ConfigException.class, () -> MemoryConfig.settings(ConfigLoader.load(badGroup, Map.of(), dir)));
        assertTrue(e2.getMessage().contains("memory.default_group"), e2.getMessage());

        assertTrue(!MemoryConfig.enabled(ConfigLoader.load(null, Map.of("KAIROS_MEMORY_MODE", "off"), dir)));
        // a bare `off` in YAML is the boolean false: still off, as the README tells users to write it
        assertTrue(!MemoryConfig.enabled(ConfigLoader.load(write("memory:\n  mode: off\n"), Map.of(), dir)));
        assertTrue(MemoryConfig.enabled(ConfigLoader.load(write("memory:\n  mode: embedded\n"), Map.of(), dir)));
    }

    @Test
    void theKairosHomeFollowsHomeWhenItIsSet() throws Exception {
        Path elsewhere = dir.resolve("elsewhere");
        assertEquals(elsewhere.resolve(".kairos"), KairosConfig.home(Map.of("HOME", elsewhere.toString())));
        assertEquals(Path.of(System.getProperty("user.home"), ".kairos"), KairosConfig.home(Map.of()));
        Path file = write("memory:\n  mode: embedded\n");
        var settings = MemoryConfig.settings(ConfigLoader.load(file, Map.of("HOME", elsewhere.toString()), dir));
        assertEquals(elsewhere.resolve(".kairos/data"), settings.dataDir());
        Path tilde = write("memory:\n  data_dir: ~/memories\n");
        assertEquals(elsewhere.resolve("memories"),
                MemoryConfig.settings(ConfigLoader.load(tilde, Map.of("HOME", elsewhere.toString()), dir)).dataDir());
    }

    @Test
    void theAgentSectionSetsTheLoopGuardsAndNamesTheBadKey() throws Exception {
        assertEquals(dev.kairos.agent.Limits.DEFAULTS, AgentConfig.limits(ConfigLoader.load(null, Map.of(), dir)));
        Path file = write("agent:\n  max_steps: 7\n  max_calls_per_turn: 4\n  max_calls_per_tool: 5\n  max_repeats: 2\n"
                + "  token_budget: 9000\n  deadline: 90s\n");
        dev.kairos.agent.Limits l = AgentConfig.limits(ConfigLoader.load(file, Map.of(), dir));
        assertEquals(new dev.kairos.agent.Limits(7, 4, 5, 2, 9000, Duration.ofSeconds(90)), l);
        assertEquals(3, AgentConfig.limits(ConfigLoader.load(file, Map.of("KAIROS_AGENT_MAX_STEPS", "3"), dir)).maxSteps(),
                "the environment overrides one key");

        Path zero = write("agent:\n  max_steps: 0\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(zero, Map.of(), dir));
        assertTrue(e.getMessage().contains("agent.max_steps") && e.getMessage().contains(zero.toString()), e.getMessage());
        Path badDeadline = write("agent:\n  deadline: soon\n");
        var e2 = assertThrows(ConfigException.class, () -> ConfigLoader.load(badDeadline, Map.of(), dir));
        assertTrue(e2.getMessage().contains("agent.deadline"), e2.getMessage());
        Path unknown = write("agent:\n  max_stepz: 3\n");
        var e3 = assertThrows(ConfigException.class, () -> ConfigLoader.load(unknown, Map.of(), dir));
        assertTrue(e3.getMessage().contains("agent.max_stepz") && e3.getMessage().contains("max_steps"), e3.getMessage());
        Path badStart = write("tools:\n  start_timeout: later\n");
        var e5 = assertThrows(ConfigException.class, () -> ConfigLoader.load(badStart, Map.of(), dir));
        assertTrue(e5.getMessage().contains("tools.start_timeout"), e5.getMessage());
        assertEquals(Duration.ofMinutes(2), ToolsConfig.of(ConfigLoader.load(write("tools:\n  start_timeout: 2m\n"), Map.of(), dir))
                .clientOptions("x", "1").initializeTimeout());
        Path negative = write("agent:\n  token_budget: -1\n");
        var e4 = assertThrows(ConfigException.class, () -> ConfigLoader.load(negative, Map.of(), dir));
        assertTrue(e4.getMessage().contains("agent.token_budget"), e4.getMessage());
    }
}
