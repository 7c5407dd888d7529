package dev.kairos.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kairos chat} and {@code kairos run} with the agent's memory ({@code agent.memory}) as real processes on one
 * embedded store: a preference stated early in a session is recalled by a later {@code kairos run} once it has
 * left the window, and the {@code [UserProfile]} block follows {@code agent.memory.profile}.
 */
class AgentMemoryCliTest {
    private static final String PATH = "/v1/chat/completions";
    private static final String PREFERENCE = "I prefer a window seat when I fly.";
    private static final String ASK = "Please book me a flight to Lisbon next Friday.";
    @TempDir
    Path dir;

    /** vLLM serving a model with a 32k context (the probe's figure), answering each turn with the given texts. */
    private static EngineSimulator engine(String... answers) {
        SimScript s = new SimScript();
        for (String a : answers) {
            s.text(a);
        }
        ObjectNode routes = s.routes();
        routes.putArray("GET /version").addObject().putObject("json").put("version", "0.11.0");
        routes.putArray("GET /health").addObject().put("text", "");
        ObjectNode models = routes.putArray("GET /v1/models").addObject().putObject("json").put("object", "list");
        models.putArray("data").addObject().put("id", "m").put("object", "model").put("max_model_len", 32768);
        return EngineSimulator.start(routes, 0);
    }

    private Path config(EngineSimulator small, boolean profile) throws IOException {
        Path file = dir.resolve(profile ? "with-profile.yaml" : "without-profile.yaml");
        // a window of one earlier turn, so a few turns push the preference out of it; the context (32k from the
        // probe) is large enough that only the count of turns folds the window
        new ObjectMapper().writeValue(file.toFile(), Map.of(
                "inference", Map.of("endpoints", List.of(Map.of("url", small.url().toString(), "model", "s", "role", "small",
                        "engine", "vllm", "tool_protocol", "native"))),
                "agent", Map.of("memory", Map.of("enabled", true, "window", 1, "profile", profile, "recall_limit", 8))));
        return file;
    }

    private record Done(int code, String out, String err) {
    }

    private Done kairos(Path stdin, String... args) throws Exception {
        ProcessBuilder pb = KairosProcess.builder(args);
        pb.environment().put("KAIROS_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("KAIROS_MEMORY_READY_TIMEOUT", RunCommandTest.MEMORY_START);
        pb.redirectInput(stdin == null ? new java.io.File("/dev/null") : stdin.toFile());
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(400, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kairos " + String.join(" ", args) + " did not end; stderr:\n" + err.getNow(""));
        }
        return new Done(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String content(JsonNode messages, int i) {
        return messages.get(i).path("content").asText();
    }

    @Test
    void aPreferenceThatLeftTheWindowIsRecalledByALaterRunAndTheProfileFollowsTheConfig() throws Exception {
        try (EngineSimulator main = engine("Noted: a window seat.", "Berlin is lovely.", "Welcome to Lisbon!",
                "Booked: Lisbon on Friday.", "Booked again.");
             EngineSimulator small = new SimScript()
                     .text("{}")                                   // profile after turn 1: nothing lasting
                     .text("{\"home_city\":\"Berlin\"}")           // profile after turn 2
                     .text("The user introduced themselves.")      // run 3 folds turn 1
                     .text("{\"home_city\":\"Lisbon\",\"previous_home_city\":\"Berlin\"}") // profile after turn 3
                     .text("The user lives in Lisbon now.")        // run 4 folds turn 2
                     .text("{}")                                   // profile after turn 4
                     .text("The user moved and booked a flight.")  // run 5 (profile off) folds turn 3
                     .start()) {
            Path withProfile = config(small, true);
            Path lines = dir.resolve("lines.txt");
            Files.writeString(lines, PREFERENCE + "\nI live in Berlin.\nI moved from Berlin to Lisbon last month.\n");
            Done chat = kairos(lines, "chat", "--config", withProfile.toString(), "--engine", main.url().toString(), "--model", "m",
                    "--session", "trip", "--user", "alice");
            assertEquals(0, chat.code(), chat.err());
            assertEquals(List.of("Noted: a window seat.", "Berlin is lovely.", "Welcome to Lisbon!"),
                    chat.out().lines().filter(l -> !l.isBlank()).toList(), chat.err());

            Done run = kairos(null, "run", ASK, "--config", withProfile.toString(), "--engine", main.url().toString(),
                    "--model", "m", "--session", "trip", "--user", "alice");
            assertEquals(0, run.code(), run.err());
            assertEquals("Booked: Lisbon on Friday.", run.out().strip());

            List<EngineSimulator.Received> turns = main.received(PATH);
            assertEquals(4, turns.size());
            JsonNode fourth = turns.get(3).json().path("messages");
            String ask = content(fourth, fourth.size() - 1);
            assertTrue(ask.startsWith("[Recall]") && ask.endsWith(ASK), ask);
            assertTrue(ask.contains(PREFERENCE), "the preference is recalled from the store: " + ask);
            for (int i = 0; i < fourth.size() - 1; i++) {
                assertFalse(content(fourth, i).contains("window seat"), "it is no longer in the window or the summary: message " + i
                        + " " + content(fourth, i));
            }
            // the window kept one earlier turn; the others were folded by the small model, which saw the preference
            assertTrue(small.received(PATH).get(2).body().contains(PREFERENCE), "turn 1 was summarised");
            String blocks = content(fourth, 1);
            assertTrue(blocks.startsWith("[UserProfile]") && blocks.contains("\"home_city\":\"Lisbon\"")
                    && blocks.contains("[Summary]") && blocks.contains("The user lives in Lisbon now."), blocks);
            assertFalse(blocks.contains("\"home_city\":\"Berlin\""), "the moved home city replaced the old one: " + blocks);
            assertEquals(List.of("I moved from Berlin to Lisbon last month.", "Welcome to Lisbon!"),
                    List.of(content(fourth, 2), content(fourth, 3)), "one earlier turn is left in the window");
            assertEquals(6, small.received(PATH).size(), "a profile update per turn and two folds");

            // the same user and store with the profile off: the stored profile is not shown, and none is asked for
            Done off = kairos(null, "run", ASK, "--config", config(small, false).toString(), "--engine", main.url().toString(),
                    "--model", "m", "--session", "trip", "--user", "alice");
            assertEquals(0, off.code(), off.err());
            JsonNode fifth = main.received(PATH).get(4).json().path("messages");
            assertFalse(fifth.toString().contains("[UserProfile]") || fifth.toString().contains("home_city"), fifth.toString());
            assertTrue(content(fifth, fifth.size() - 1).contains(PREFERENCE), "recall does not depend on the profile");
            assertEquals(7, small.received(PATH).size(), "only the fold, no profile update");
        }
    }
}
