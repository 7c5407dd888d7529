package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.EngineInfo;
import dev.kairos.inference.Engines;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.NewFact;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's memory over a real embedded graph: the window, the rolling summary made by the (small)
 * engine, recall from the graph, and the user profile; the context size comes from the probe.
 */
@ExtendWith(AgentGraph.class)
class AgentMemoryTest {
    private static final String PATH = "/v1/chat/completions";
    private final Engines engines = new Engines();
    private final List<EngineSimulator> sims = new ArrayList<>();

    @AfterEach
    void close() {
        sims.forEach(EngineSimulator::close);
        engines.close();
    }

    /** The main engine: vLLM serving a model with {@code context} tokens, answering each turn with the given texts. */
    private EngineSimulator main(int context, String... answers) {
        SimScript s = new SimScript();
        for (String a : answers) {
            s.text(a);
        }
        ObjectNode routes = s.routes();
        routes.putArray("GET /version").addObject().putObject("json").put("version", "0.11.0");
        routes.putArray("GET /health").addObject().put("text", "");
        ObjectNode models = routes.putArray("GET /v1/models").addObject().putObject("json").put("object", "list");
        models.putArray("data").addObject().put("id", "m").put("object", "model").put("max_model_len", context);
        EngineSimulator sim = EngineSimulator.start(routes, 0);
        sims.add(sim);
        return sim;
    }

    private EngineSimulator small(SimScript script, boolean repeatLast) {
        ObjectNode routes = script.routes();
        if (repeatLast) {
            ArrayNode answers = (ArrayNode) routes.get("POST " + PATH);
            answers.remove(answers.size() - 1); // the last answer repeats instead of "exhausted"
        }
        EngineSimulator sim = EngineSimulator.start(routes, 0);
        sims.add(sim);
        return sim;
    }

    private static String padded(String sentence, int times) {
        return (sentence + " ").repeat(times).strip();
    }

    @Test
    void aPreferenceStatedLongAgoThatLeftTheWindowIsRecalled(MemoryGraph graph) throws Exception {
        List<String> said = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        said.add("I prefer a window seat when I fly.");
        answers.add("Noted: a window seat for you.");
        String[] topics = {"my sourdough starter", "the tomatoes in my garden", "the rain in Porto", "a chess opening",
                "my cat's diet", "a birthday cake", "the bus timetable", "an old bicycle"};
        for (String topic : topics) {
            said.add(padded("Tell me more about " + topic + ", and keep it practical for a beginner like me.", 6));
            answers.add(padded("Here is a practical note about " + topic + " for a beginner.", 6));
        }
        String ask = "Please book me a flight to Lisbon next Friday.";
        said.add(ask);
        answers.add("Booked: Lisbon on Friday, window seat.");
        EngineSimulator main = main(2048, answers.toArray(String[]::new));
        String summary = "The user bakes sourdough, grows tomatoes and asked about chess, cats, cakes, buses and bicycles";
        // each fold gets its own text (the last one repeats), so a test can tell folds apart
        EngineSimulator small = small(new SimScript().text(summary + " (1).").text(summary + " (2).").text(summary + " (3)."), true);
        // a fact about Lisbon as extraction would have stored it: found around the entity the message names
        graph.addFact(NewFact.triplet("user-alice", "Lisbon", "SERVED_BY", "Humberto Delgado Airport serves the city", "Humberto Delgado Airport"));

        EngineInfo probed = engines.probe().probe(main.url());
        MemoryOptions options = MemoryOptions.fromProbe(probed);
        assertEquals(2048, options.contextTokens(), "the budget comes from the engine's context size");
        LocalTools tools = new LocalTools();
        Agent agent = new Agent(Sims.client(engines, main.url()), Sims.client(engines, small.url()), tools, tools,
                Approver.REFUSE, null).withMemory(AgentMemory.inGraph(graph), options);
        Conversation conv = Conversation.start("trip-planning");
        RunResult last = null;
        for (String message : said) {
            last = agent.run(RunRequest.of(message).withConversation(conv).withUser("alice"), null);
            assertEquals(Termination.ANSWERED, last.termination(), last.detail());
            conv = last.conversation();
        }
        assertEquals("Booked: Lisbon on Friday, window seat.", last.answer());

        // the old turns were folded into a summary by the engine; the first turn went into it
        assertFalse(small.received(PATH).isEmpty(), "the summary was asked of the small model");
        assertTrue(small.received(PATH).getFirst().body().contains("I prefer a window seat when I fly."),
                "the first turn was among those summarised");
        assertTrue(conv.summary() != null && conv.summary().covers() > 2, String.valueOf(conv.summary()));
        assertEquals(2 * said.size(), conv.messages().size(), "folded turns are summarised, not lost");

        JsonNode request = main.received(PATH).getLast().json().path("messages");
        assertEquals("system", request.get(1).path("role").asText());
        String blocks = request.get(1).path("content").asText();
        assertTrue(blocks.startsWith("[Summary]") && blocks.contains(summary), blocks);
        String user = request.get(request.size() - 1).path("content").asText();
        assertTrue(user.startsWith("[Recall]") && user.endsWith(ask), user);
        assertTrue(user.contains("window seat"), "the preference is recalled from the graph: " + user);
        assertTrue(user.contains("Humberto Delgado Airport serves the city"), "and the neighbourhood of Lisbon: " + user);
        for (int i = 0; i < request.size() - 1; i++) {
            assertFalse(request.get(i).path("content").asText().contains("window seat"),
                    "the preference is no longer in the window or the summary: message " + i);
        }

        // between two folds the prompt only grows: a turn's prompt (but for its recall) starts the next one's
        List<JsonNode> all = main.received(PATH).stream().map(r -> r.json().path("messages")).toList();
        int compared = 0;
        for (int k = 0; k + 1 < all.size(); k++) {
            JsonNode a = all.get(k);
            JsonNode b = all.get(k + 1);
            boolean sameBlocks = a.size() > 1 && b.size() > 1 && a.get(1).equals(b.get(1));
            if (!sameBlocks && !(a.get(1).path("role").asText().equals("user") && b.get(1).path("role").asText().equals("user"))) {
                continue; // a fold in between: the summary changed
            }
            for (int i = 0; i < a.size() - 1; i++) {
                assertEquals(a.get(i), b.get(i), "turn " + (k + 2) + " message " + i + " differs from turn " + (k + 1) + "'s");
            }
            compared++;
        }
        assertTrue(compared >= 5, "most turns extend the last one: " + compared);
    }

    @Test
    void theProfileBlockCarriesAMovedHomeCity(MemoryGraph graph) throws Exception {
        EngineSimulator main = main(32768, "Nice to meet you!", "Welcome to Lisbon!", "Try a day in Sintra.");
        EngineSimulator small = small(new SimScript()
                .text("{\"home_city\":\"Berlin\",\"work\":\"nurse\"}")
                .text("{\"home_city\":\"Lisbon\",\"previous_home_city\":\"Berlin\"}")
                .text("{}"), false);
        AgentMemory memory = AgentMemory.inGraph(graph);
        LocalTools tools = new LocalTools();
        Agent agent = new Agent(Sims.client(engines, main.url()), Sims.client(engines, small.url()), tools, tools,
                Approver.REFUSE, null).withMemory(memory, MemoryOptions.fromProbe(engines.probe().probe(main.url())).withProfile(true));
        Conversation conv = Conversation.start("moving");
        for (String message : List.of("I live in Berlin and work as a nurse.", "I just moved from Berlin to Lisbon.",
                "Any ideas for the weekend?")) {
            RunResult r = agent.run(RunRequest.of(message).withConversation(conv).withUser("bob"), null);
            assertEquals(Termination.ANSWERED, r.termination(), r.detail());
            conv = r.conversation();
        }
        List<EngineSimulator.Received> turns = main.received(PATH);
        assertFalse(turns.get(0).body().contains("[UserProfile]"), "no profile before the first turn");
        String second = turns.get(1).json().path("messages").get(1).path("content").asText();
        assertTrue(second.startsWith("[UserProfile]") && second.contains("\"home_city\":\"Berlin\""), second);
        String third = turns.get(2).json().path("messages").get(1).path("content").asText();
        assertTrue(third.startsWith("[UserProfile]") && third.contains("\"home_city\":\"Lisbon\"")
                && third.contains("\"work\":\"nurse\""), third);
        assertFalse(third.contains("\"home_city\":\"Berlin\""), third);

        // the update after the move saw the profile as it was and what the user said, and asked for JSON
        JsonNode update = small.received(PATH).get(1).json();
        assertEquals("json_object", update.path("response_format").path("type").asText());
        String asked = update.path("messages").toString();
        assertTrue(asked.contains("moved from Berlin to Lisbon") && asked.contains("home_city") && asked.contains("Berlin"), asked);
        assertEquals("Lisbon", memory.profile("bob").orElseThrow().path("home_city").asText(), "kept in the graph");
        assertEquals(3, small.received(PATH).size(), "one profile update per turn");
    }

    @Test
    void theWindowHoldsAtMostItsTurnsAndFoldsTheOldestUntilHalfAreLeft(MemoryGraph graph) throws Exception {
        // a large context, so only the count of turns makes the window fold
        EngineSimulator main = main(32768, "One.", "Two.", "Three.", "Four.", "Five.");
        EngineSimulator small = small(new SimScript().text("Summary A.").text("Summary B."), false);
        LocalTools tools = new LocalTools();
        MemoryOptions options = MemoryOptions.fromProbe(engines.probe().probe(main.url())).withWindowTurns(2);
        Agent agent = new Agent(Sims.client(engines, main.url()), Sims.client(engines, small.url()), tools, tools,
                Approver.REFUSE, null).withMemory(AgentMemory.inGraph(graph), options);
        Conversation conv = Conversation.start("short-window");
        for (String message : List.of("first message", "second message", "third message", "fourth message", "fifth message")) {
            RunResult r = agent.run(RunRequest.of(message).withConversation(conv).withUser("carol"), null);
            assertEquals(Termination.ANSWERED, r.termination(), r.detail());
            conv = r.conversation();
        }
        // runs 1-3 see at most 2 earlier turns; run 4 sees 3 and folds the two oldest (1 left); run 5 sees 2: no fold
        assertEquals(1, small.received(PATH).size(), "one fold");
        String folded = small.received(PATH).getFirst().body();
        assertTrue(folded.contains("first message") && folded.contains("second message") && !folded.contains("third message"), folded);
        JsonNode fifth = main.received(PATH).get(4).json().path("messages");
        assertTrue(fifth.get(1).path("content").asText().startsWith("[Summary]"), fifth.toString());
        List<String> window = new ArrayList<>();
        for (int i = 2; i < fifth.size() - 1; i++) { // after the system prompt and the summary, before this message
            window.add(fifth.get(i).path("content").asText());
        }
        assertEquals(List.of("third message", "Three.", "fourth message", "Four."), window, "the two folded turns left the window");
        assertEquals(4, conv.summary().covers(), "the summary covers the first two turns");
    }
}
