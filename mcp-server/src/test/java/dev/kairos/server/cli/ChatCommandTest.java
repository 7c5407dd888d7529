package dev.kairos.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.inference.sim.SimulatorCommand;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kairos chat}: the agent per input line, and the endpoint's supervised engine started, used and stopped. */
class ChatCommandTest {
    @TempDir
    Path dir;

    @Test
    void chatStartsTheSupervisedEngineAnswersAndStopsIt() throws Exception {
        // llama.cpp's probe routes, and a streamed answer with a <think> block for the chat.
        SimulatorCommand sim = SimulatorCommand.onFreePort("sim/llamacpp.json", "sim/constrained.json");
        Map<String, Object> endpoint = Map.of("url", sim.url().toString(), "model", "qwen", "engine", "llama_cpp",
                "supervise", Map.of("command", sim.command(), "ready_timeout", "60s", "stop_grace", "5s"));
        Path config = dir.resolve("kairos.yaml");
        new ObjectMapper().writeValue(config.toFile(), Map.of("inference", Map.of("endpoints", List.of(endpoint)),
                "memory", Map.of("mode", "off")));

        InputStream stdin = System.in;
        PrintStream stdout = System.out;
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setIn(new ByteArrayInputStream("Hello?\n/exit\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(answer, true, StandardCharsets.UTF_8));
            code = new CommandLine(new KairosCommand()).setErr(new PrintWriter(err)).execute("chat", "--config", config.toString());
        } finally {
            System.setIn(stdin);
            System.setOut(stdout);
        }
        String text = answer.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err);
        assertTrue(err.toString().contains("starting engine"), err.toString());
        assertTrue(text.contains("Let me check."), "the supervised engine's streamed answer: " + text);
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", sim.port()).close(), "the engine is stopped when chat ends");
    }

    @Test
    void eachLineIsOneAgentRunInTheSessionWithMemoryToolsAndConfirmationsOnTheNextLine() throws Exception {
        try (EngineSimulator sim = new SimScript()
                .calls("memory_upsert_entity", "{\"name\":\"Ada\",\"observations\":[\"likes tea\"]}").text("Noted.")
                .calls("memory_clear_group", "{\"group_id\":\"scratch\"}").text("Scratch is cleared.")
                .calls("memory_clear_group", "{\"group_id\":\"default\"}").text("I left your notes alone.")
                .start()) {
            Path input = dir.resolve("input.txt");
            // the answers to the two confirmations are the lines after the requests that need them; then EOF
            Files.writeString(input, "Remember that Ada likes tea\nClear my scratch notes\ny\nNow clear everything\nn\n");
            ProcessBuilder pb = KairosProcess.builder("chat", "--engine", sim.url().toString(), "--model", "m", "--session", "tea");
            pb.environment().put("KAIROS_DATA_DIR", dir.resolve("data").toString());
            pb.environment().put("KAIROS_MEMORY_READY_TIMEOUT", RunCommandTest.MEMORY_START);
            pb.redirectInput(input.toFile());
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(400, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kairos chat did not end at EOF; stderr:\n" + err.getNow(""));
            }
            String stdout = out.get(10, TimeUnit.SECONDS);
            String stderr = err.get(10, TimeUnit.SECONDS);
            assertEquals(0, p.exitValue(), stderr);
            List<String> answers = stdout.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(List.of("Noted.", "Scratch is cleared.", "I left your notes alone."), answers, stderr);
            assertTrue(stderr.contains("starting new session tea"), stderr);
            assertTrue(stderr.contains("-> memory_upsert_entity") && stderr.contains("<- memory_upsert_entity ok"),
                    "tool calls show live on stderr: " + stderr);
            assertEquals(2, stderr.split("Approve memory_clear_group", -1).length - 1, stderr);
            assertTrue(stderr.contains("ok memory_clear_group approved by terminal")
                    && stderr.contains("no memory_clear_group refused by terminal"), stderr);
            var requests = sim.received("/v1/chat/completions");
            assertEquals(6, requests.size());
            assertTrue(requests.get(2).body().contains("Remember that Ada likes tea") && requests.get(2).body().contains("Noted."),
                    "the second line continues the first's conversation");
            String last = requests.get(5).body();
            assertTrue(last.contains("Clear my scratch notes") && last.contains("approval was refused"), last);
            assertTrue(!last.contains("\"content\":\"y\""), "a confirmation answer is not a message to the model");
        }
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
