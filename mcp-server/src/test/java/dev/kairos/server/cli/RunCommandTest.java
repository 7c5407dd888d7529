package dev.kairos.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kairos run} and {@code kairos runs} as real processes, with the engine simulator as the engine. */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/v1/chat/completions";
    @TempDir
    Path dir;
    private EngineSimulator sim;

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
    }

    /** A finished process: exit code, stdout, stderr. */
    record Done(int code, String out, String err) {
    }

    private Done kairos(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = KairosProcess.builder(args);
        pb.environment().put("KAIROS_DATA_DIR", dir.resolve("data").toString());
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kairos " + String.join(" ", args) + " did not end; stderr:\n" + err.getNow(""));
        }
        return new Done(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String engine() {
        return sim.url().toString();
    }

    @Test
    void aRunAnswersWithOneJsonObjectOnStdout() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"x\"}").text("Nothing to look up with; the answer is 42.").start();
        Done d = kairos(KairosProcess.NO_MEMORY, "run", "What is the answer?", "--engine", engine(), "--model", "m", "--json");
        assertEquals(0, d.code(), d.err());
        JsonNode o = JSON.readTree(d.out());
        assertEquals("answered", o.path("termination").asText());
        assertEquals("Nothing to look up with; the answer is 42.", o.path("answer").asText());
        assertEquals(2, o.path("steps").asInt());
        assertEquals("lookup", o.path("tool_calls").get(0).path("name").asText());
        assertEquals("UNKNOWN_TOOL", o.path("tool_calls").get(0).path("outcome").asText());
        assertTrue(o.path("usage").path("total_tokens").asInt() > 0);
        assertTrue(d.err().contains("step 1") && d.err().contains("<- lookup unknown_tool"), d.err());
    }

    @Test
    void theAnswerStreamsToStdoutAndProgressGoesToStderr() throws Exception {
        sim = new SimScript().text("Hello there.").start();
        Done d = kairos(KairosProcess.NO_MEMORY, "run", "Say hello", "--engine", engine(), "--model", "m");
        assertEquals(0, d.code(), d.err());
        assertEquals("Hello there.", d.out().strip());
        assertTrue(d.err().contains("answered after 1 step"), d.err());
    }

    @Test
    void badInputExitsTwo() throws Exception {
        sim = new SimScript().text("unused").start();
        Done empty = kairos(KairosProcess.NO_MEMORY, "run", "  ", "--engine", engine(), "--model", "m");
        assertEquals(2, empty.code());
        assertTrue(empty.err().contains("TASK: must not be empty"), empty.err());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "workflow: W\ninitial: A\nstates:\n  A:\n    transitions:\n      - target: Nowhere\n");
        Done wf = kairos(KairosProcess.NO_MEMORY, "run", "go", "--workflow", bad.toString(), "--engine", engine(), "--model", "m");
        assertEquals(2, wf.code());
        assertTrue(wf.err().contains("bad.yaml:6"), wf.err());
        assertTrue(sim.received(PATH).isEmpty(), "nothing reached the engine");
    }

    @Test
    void anEngineThatIsDownExitsFour() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Done d = kairos(KairosProcess.NO_MEMORY, "run", "hello", "--engine", "http://127.0.0.1:" + port, "--model", "m", "--json");
        assertEquals(4, d.code(), d.err());
        JsonNode o = JSON.readTree(d.out());
        assertEquals("engine_unavailable", o.path("termination").asText());
        assertTrue(!d.err().contains("\tat "), "no stack trace: " + d.err());
    }

    @Test
    void aGuardExitsThree() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"1\"}").calls("lookup", "{\"q\":\"2\"}").start();
        Done d = kairos(KairosProcess.NO_MEMORY, "run", "loop", "--engine", engine(), "--model", "m", "--max-steps", "1", "--json");
        assertEquals(3, d.code(), d.err());
        assertEquals("max_steps", JSON.readTree(d.out()).path("termination").asText());
    }

    @Test
    void kairosItselfServesAsADownstreamToolServer() throws Exception {
        sim = new SimScript().calls("kairos_status", "{}").text("Kairos is up.").start();
        List<String> cmd = KairosProcess.command("mcp");
        Path mcp = dir.resolve("mcp.json");
        JSON.writeValue(mcp.toFile(), Map.of("mcpServers", Map.of("kairos", Map.of(
                "command", cmd.getFirst(), "args", cmd.subList(1, cmd.size()), "env", Map.of("KAIROS_MEMORY_MODE", "off")))));
        Done d = kairos(KairosProcess.NO_MEMORY, "run", "Is Kairos up?", "--engine", engine(), "--model", "m",
                "--mcp-config", mcp.toString(), "--json");
        assertEquals(0, d.code(), d.err());
        JsonNode o = JSON.readTree(d.out());
        JsonNode call = o.path("tool_calls").get(0);
        assertEquals("kairos_status", call.path("name").asText());
        assertEquals("OK", call.path("outcome").asText(), call.toString());
        assertTrue(call.path("text").asText().contains("subsystems"), call.toString());
        JsonNode tools = sim.received(PATH).getFirst().json().path("tools");
        assertEquals("kairos_status", tools.get(0).path("function").path("name").asText());
    }

    @Test
    void aBrokenToolsConfigIsBadInputAndUnreachableServersExitFour() throws Exception {
        sim = new SimScript().text("unused").start();
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"mcpServers\": {\"x\": {\"type\": \"carrier-pigeon\"}}}");
        Done bad = kairos(KairosProcess.NO_MEMORY, "run", "go", "--engine", engine(), "--model", "m", "--mcp-config", broken.toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("broken.json") && bad.err().contains("x"), bad.err());
        Path gone = dir.resolve("gone.json");
        Files.writeString(gone, "{\"mcpServers\": {\"gone\": {\"command\": \"/nonexistent/kairos-test-server\"}}}");
        Done down = kairos(KairosProcess.NO_MEMORY, "run", "go", "--engine", engine(), "--model", "m", "--mcp-config", gone.toString());
        assertEquals(4, down.code(), down.err());
        assertTrue(down.err().contains("gone"), down.err());
        assertTrue(sim.received(PATH).isEmpty());
    }

    @Test
    void aRunKilledBetweenStepsResumesFromItsCheckpoint() throws Exception {
        Path wf = Path.of("..", "examples", "workflows", "food-ordering.yaml").toAbsolutePath().normalize();
        // Step 1 moves the workflow on; step 2's answer never comes before the process is killed.
        sim = new SimScript().calls("report_event", "{\"event\":\"order_intent\"}")
                .raw("{\"delayFirstMs\": 120000, \"sse\": [\"[DONE]\"]}").start();
        ProcessBuilder pb = KairosProcess.builder("run", "I'd like to order food", "--workflow", wf.toString(),
                "--engine", engine(), "--model", "m", "--session", "dinner");
        pb.environment().put("KAIROS_DATA_DIR", dir.resolve("data").toString());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        List<String> err = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<String> runId = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                Pattern id = Pattern.compile("^run (\\S+)$");
                String line;
                while ((line = in.readLine()) != null) {
                    err.add(line);
                    Matcher m = id.matcher(line);
                    if (m.find()) {
                        runId.complete(m.group(1));
                    }
                }
            } catch (IOException ignored) {
                // killed
            }
        });
        try {
            Instant until = Instant.now().plus(Duration.ofSeconds(150));
            while (sim.received(PATH).size() < 2 && Instant.now().isBefore(until) && p.isAlive()) {
                Thread.sleep(20); // polling with a deadline, not synchronisation by sleeping
            }
            assertEquals(2, sim.received(PATH).size(), "the second step started; stderr:\n" + String.join("\n", err));
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no clean close of the store
            p.waitFor(30, TimeUnit.SECONDS);
        }
        String id = runId.get(5, TimeUnit.SECONDS);
        sim.close();
        sim = new SimScript().calls("ask_user", "{\"question\":\"您想吃什么菜系？\"}").start();
        Done resumed = kairos(Map.of(), "run", "--resume", id, "--engine", engine(), "--model", "m", "--json");
        assertEquals(0, resumed.code(), resumed.err());
        JsonNode o = JSON.readTree(resumed.out());
        assertEquals("asked_user", o.path("termination").asText());
        assertEquals("您想吃什么菜系？", o.path("answer").asText());
        assertEquals("dinner", o.path("session").asText());
        assertEquals(2, o.path("steps").asInt(), "step 1 was not made again");
        JsonNode messages = sim.received(PATH).getFirst().json().path("messages");
        assertTrue(messages.toString().contains("order_intent") && messages.toString().contains("Collect_Cuisine"),
                "the resumed step saw step 1 and its result: " + messages);
        assertEquals("Collect_Cuisine", o.path("states").get(o.path("states").size() - 1).path("state").asText());

        Done show = kairos(Map.of(), "runs", "show", id, "--json");
        assertEquals(0, show.code(), show.err());
        JsonNode shown = JSON.readTree(show.out());
        assertEquals("asked_user", shown.path("status").asText());
        Done unknown = kairos(Map.of(), "run", "--resume", "no-such-run", "--engine", engine(), "--model", "m");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no-such-run"), unknown.err());
    }
}
