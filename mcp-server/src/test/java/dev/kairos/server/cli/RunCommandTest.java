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
    /** How long a run waits for embedded Neo4j to start: on a loaded 2-core machine it can take over a minute. */
    static final String MEMORY_START = "5m";
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
        pb.environment().put("KAIROS_MEMORY_READY_TIMEOUT", MEMORY_START);
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(400, TimeUnit.SECONDS)) {
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
        pb.environment().put("KAIROS_MEMORY_READY_TIMEOUT", MEMORY_START);
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
            Instant until = Instant.now().plus(Duration.ofSeconds(400));
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

    @Test
    void aRunKilledDuringToolCallsReRunsOnlyTheReadOnlyCallOnResume() throws Exception {
        Path awaited = dir.resolve("awaited.txt");
        Path callLog = dir.resolve("calls.log");
        Path mcp = dir.resolve("faulty.json");
        // the agent's fault-injecting test server as the downstream: await_file is read-only, hang is not (nor marked idempotent)
        JSON.writeValue(mcp.toFile(), Map.of("mcpServers", Map.of("faulty", Map.of(
                "command", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "args", List.of("-cp", System.getProperty("java.class.path"), "dev.kairos.agent.testserver.FaultyServer"),
                "env", Map.of("CALL_LOG", callLog.toString())))));
        // one turn, two calls at once; the answer never comes while they are in flight
        sim = new SimScript().calls("await_file", JSON.writeValueAsString(Map.of("path", awaited.toString())), "hang", "{}").start();
        ProcessBuilder pb = KairosProcess.builder("run", "check the file and poke the service", "--engine", engine(), "--model", "m",
                "--mcp-config", mcp.toString(), "--yes");
        pb.environment().put("KAIROS_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("KAIROS_MEMORY_READY_TIMEOUT", MEMORY_START);
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
            // the server writes each call's name as the call arrives: both are in flight once both are there
            Instant until = Instant.now().plus(Duration.ofSeconds(400));
            while (!calls(callLog).containsAll(List.of("await_file", "hang")) && Instant.now().isBefore(until) && p.isAlive()) {
                Thread.sleep(20); // polling with a deadline, not synchronisation by sleeping
            }
            assertEquals(List.of("await_file", "hang"), calls(callLog).stream().sorted().toList(),
                    "both calls reached the server; stderr:\n" + String.join("\n", err));
        } finally {
            p.destroyForcibly(); // SIGKILL mid-call: no shutdown hooks, no result, no clean close of the store
            p.waitFor(30, TimeUnit.SECONDS);
        }
        String id = runId.get(5, TimeUnit.SECONDS);
        Files.writeString(awaited, "here"); // the re-run of the read-only call finds it at once

        sim.close();
        sim = new SimScript().text("The file is there; the service call may or may not have happened.").start();
        Done resumed = kairos(Map.of(), "run", "--resume", id, "--engine", engine(), "--model", "m", "--mcp-config", mcp.toString(), "--json");
        assertEquals(0, resumed.code(), resumed.err());
        JsonNode o = JSON.readTree(resumed.out());
        assertEquals("answered", o.path("termination").asText(), o.toString());
        Map<String, JsonNode> last = new java.util.HashMap<>();
        o.path("tool_calls").forEach(c -> last.put(c.path("name").asText(), c));
        assertEquals("OK", last.get("await_file").path("outcome").asText(), o.toString());
        assertTrue(last.get("await_file").path("text").asText().contains("found awaited.txt"), o.toString());
        assertEquals("INTERRUPTED", last.get("hang").path("outcome").asText(), o.toString());
        assertEquals(List.of("await_file", "await_file", "hang"), calls(callLog).stream().sorted().toList(),
                "the read-only call ran again, the other did not");
        assertTrue(resumed.err().contains("<- hang interrupted"), "the interrupted call is reported: " + resumed.err());
        String messages = sim.received(PATH).getFirst().json().path("messages").toString();
        assertTrue(messages.contains("found awaited.txt") && messages.contains("in flight when the run stopped"),
                "the model got both results of the turn: " + messages);
    }

    private static List<String> calls(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }

    /** An mcpServers file with Kairos itself ({@code kairos mcp}, memory off) as the one downstream server. */
    private Path kairosAsToolServer(String file) throws IOException {
        List<String> cmd = KairosProcess.command("mcp");
        Path mcp = dir.resolve(file);
        JSON.writeValue(mcp.toFile(), Map.of("mcpServers", Map.of("kairos", Map.of(
                "command", cmd.getFirst(), "args", cmd.subList(1, cmd.size()), "env", Map.of("KAIROS_MEMORY_MODE", "off")))));
        return mcp;
    }

    @Test
    void theToolsAndAgentSectionsOfKairosYamlAreUsedAndFlagsOverrideThem() throws Exception {
        sim = new SimScript().calls("kairos_status", "{}")                          // run 1, step 1: then max_steps stops it
                .calls("kairos_status", "{}").text("Kairos is up.").start();        // run 2, with --max-steps 2
        kairosAsToolServer("servers.json");
        Path config = dir.resolve("kairos.yaml");
        // mcp_config is relative to kairos.yaml; max_result_chars is an executor bound the model's view shows
        Files.writeString(config, "memory:\n  mode: off\ntools:\n  mcp_config: servers.json\n  max_result_chars: 40\n  start_timeout: 3m\n"
                + "agent:\n  max_steps: 1\n");
        Done limited = kairos(KairosProcess.NO_MEMORY, "run", "Is Kairos up?", "--engine", engine(), "--model", "m",
                "--config", config.toString(), "--json");
        assertEquals(3, limited.code(), limited.err());
        JsonNode o = JSON.readTree(limited.out());
        assertEquals("max_steps", o.path("termination").asText(), "agent.max_steps: 1 stopped the run");
        JsonNode call = o.path("tool_calls").get(0);
        assertEquals("OK", call.path("outcome").asText(), "the tool came from tools.mcp_config: " + call);
        assertTrue(call.path("text").asText().contains("[result cut: 40 of "), "tools.max_result_chars applied: " + call);

        Done more = kairos(KairosProcess.NO_MEMORY, "run", "Is Kairos up?", "--engine", engine(), "--model", "m",
                "--config", config.toString(), "--max-steps", "2", "--json");
        assertEquals(0, more.code(), more.err());
        assertEquals("Kairos is up.", JSON.readTree(more.out()).path("answer").asText());
    }

    @Test
    void aSmallEndpointChoosesTheTransitions() throws Exception {
        sim = new SimScript().calls("report_event", "{\"event\":\"go\"}").text("You went right.").start();
        try (EngineSimulator small = new SimScript().text("{\"target\":\"Right\",\"reason\":\"the user said right\"}").start()) {
            Path config = dir.resolve("kairos.yaml");
            JSON.writeValue(config.toFile(), Map.of("memory", Map.of("mode", "off"), "inference", Map.of("endpoints", List.of(
                    Map.of("name", "small", "url", small.url().toString(), "model", "small-m", "engine", "vllm", "role", "small"),
                    Map.of("name", "large", "url", engine(), "model", "large-m", "engine", "vllm", "role", "large")))));
            Path wf = dir.resolve("fork.yaml");
            Files.writeString(wf, """
                    workflow: Fork
                    description: Go left or right, as the user says.
                    initial: Start
                    states:
                      Start:
                        description: Ask which way.
                        prompt: Find out which way the user wants to go and report the event go.
                        choice: model
                        transitions:
                          - event: go
                            target: Left
                            description: The user wants to go left.
                          - event: go
                            target: Right
                            description: The user wants to go right.
                      Left:
                        type: final
                        description: Went left.
                        prompt: Say that the user went left.
                      Right:
                        type: final
                        description: Went right.
                        prompt: Say that the user went right.
                    """);
            Done d = kairos(KairosProcess.NO_MEMORY, "run", "Right, please", "--workflow", wf.toString(),
                    "--config", config.toString(), "--json");
            assertEquals(0, d.code(), d.err());
            JsonNode o = JSON.readTree(d.out());
            assertEquals("You went right.", o.path("answer").asText(), d.err());
            assertTrue(o.path("states").toString().contains("Right"), o.path("states").toString());
            assertEquals(1, small.received(PATH).size(), "the transition choice went to the small model");
            JsonNode choice = small.received(PATH).getFirst().json();
            assertEquals("small-m", choice.path("model").asText());
            assertTrue(choice.toString().contains("json_schema") && choice.toString().contains("Left"), choice.toString());
            assertEquals(2, sim.received(PATH).size(), "the large model did the turn and the closing answer");
            assertEquals("large-m", sim.received(PATH).getFirst().json().path("model").asText());
            assertTrue(d.err().contains("choices and slots: small-m"), d.err());
        }
    }

    @Test
    void sessionsContinueDestructiveCallsNeedYesAndRunsAreListedAndShown() throws Exception {
        sim = new SimScript()
                .calls("memory_clear_group", "{\"group_id\":\"scratch\"}").text("Cleared.")            // run 1, with --yes
                .calls("memory_clear_group", "{\"group_id\":\"keep\"}").text("I was not allowed to.")  // run 2, without
                .start();
        Done first = kairos(Map.of(), "run", "Clear the scratch group", "--session", "notes", "--yes",
                "--engine", engine(), "--model", "m", "--json");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.err().contains("starting new session notes"), first.err());
        JsonNode o1 = JSON.readTree(first.out());
        assertEquals("OK", o1.path("tool_calls").get(0).path("outcome").asText(), o1.toString());
        assertTrue(o1.path("approvals").get(0).path("approved").asBoolean(), o1.toString());
        JsonNode offered = sim.received(PATH).getFirst().json().path("tools");
        assertTrue(offered.toString().contains("\"memory_clear_group\"") && offered.toString().contains("\"memory_search_facts\""),
                "Kairos's memory tools are in the catalogue: " + offered);

        Done second = kairos(Map.of(), "run", "Clear the keep group too", "--session", "notes",
                "--engine", engine(), "--model", "m", "--json");
        assertEquals(0, second.code(), second.err());
        assertTrue(second.err().contains("continuing session notes (1 run)"), second.err());
        JsonNode o2 = JSON.readTree(second.out());
        assertEquals("REFUSED", o2.path("tool_calls").get(0).path("outcome").asText(), "no terminal and no --yes: " + o2);
        assertTrue(!o2.path("approvals").get(0).path("approved").asBoolean());
        assertTrue(sim.received(PATH).get(2).body().contains("Clear the scratch group"), "run 2 saw run 1's conversation");

        String run1 = o1.path("run_id").asText();
        String run2 = o2.path("run_id").asText();
        Done list = kairos(Map.of(), "runs", "list");
        assertEquals(0, list.code(), list.err());
        List<String> lines = list.out().lines().toList();
        assertEquals(2, lines.size(), list.out());
        assertTrue(lines.get(0).contains(run2) && lines.get(1).contains(run1), "newest first: " + list.out());
        assertTrue(lines.get(0).contains("ANSWERED") && lines.get(0).contains("session notes")
                && lines.get(0).contains("Clear the keep group too"), list.out());

        Done show = kairos(Map.of(), "runs", "show", run2);
        assertEquals(0, show.code(), show.err());
        String text = show.out();
        assertTrue(text.startsWith("run " + run2 + "  session notes"), text);
        assertTrue(text.contains("user: Clear the scratch group") && text.contains("user: Clear the keep group too"), text);
        assertTrue(text.contains("memory_clear_group {\"group_id\":\"keep\"}"), text);
        assertTrue(text.contains("refused") && text.contains("by policy"), text);
        assertTrue(text.contains("assistant: I was not allowed to."), text);
        assertTrue(text.strip().endsWith("tokens " + o2.path("usage").path("total_tokens").asInt())
                && text.contains("status: answered; 2 steps"), text);
    }
}
