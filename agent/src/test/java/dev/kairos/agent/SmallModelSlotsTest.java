package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.Engines;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import static dev.kairos.agent.LocalTools.ok;
import static dev.kairos.agent.LocalTools.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models by role: with a small model given, slots are taken from the user's message by a constrained call to it. */
class SmallModelSlotsTest {
    private static final String PATH = "/v1/chat/completions";
    private final Engines engines = new Engines();
    private EngineSimulator main;
    private EngineSimulator small;

    @AfterEach
    void close() {
        for (EngineSimulator s : new EngineSimulator[]{main, small}) {
            if (s != null) {
                s.close();
            }
        }
        engines.close();
    }

    @Test
    void theSmallModelFillsTheSlotsOfEachStateTheUsersMessageReaches() throws Exception {
        small = new SimScript()
                // Collect_Trip_Info: travellers 0 breaks the schema (minimum 1) and is dropped
                .text("{\"destination\":\"Lisbon\",\"date\":\"2027-03-01\",\"travellers\":0}")
                // Book_Flight/Query_Flights, reached through the guard: the same message gives the origin
                .text("{\"origin\":\"Berlin\",\"destination\":\"Lisbon\",\"date\":\"2027-03-01\"}")
                .start();
        main = new SimScript()
                .calls("flight_search_api", "{\"origin\":\"Berlin\",\"destination\":\"Lisbon\",\"date\":\"2027-03-01\"}")
                .calls("report_event", "{\"event\":\"flights_found\",\"data\":{\"count\":2}}")
                .calls("ask_user", "{\"question\":\"TP123 or LH456?\"}")
                .start();
        String obj = "{\"type\":\"object\"}";
        LocalTools tools = new LocalTools(LocalTools.provider("travel", List.of(
                tool("flight_search_api", obj, LocalTools.READ_ONLY), tool("seat_map_api", obj, LocalTools.READ_ONLY)),
                (name, args) -> ok("TP123 08:00, LH456 11:30")));
        Agent agent = new Agent(Sims.client(engines, main.url()), Sims.client(engines, small.url()), tools, tools,
                Approver.REFUSE, null);
        WorkflowSource wf = new WorkflowSource("travel-planning.yaml",
                Files.readString(Path.of("..", "examples", "workflows", "travel-planning.yaml")));
        String said = "Berlin to Lisbon on 2027-03-01, please";
        RunResult r = agent.run(RunRequest.of(said).withWorkflow(wf), null);
        assertEquals(Termination.ASKED_USER, r.termination(), r.detail());
        assertEquals("TP123 or LH456?", r.answer());

        // the small model's simulator received the slot requests: the state's slot schema as the JSON schema
        List<EngineSimulator.Received> slotRequests = small.received(PATH);
        assertEquals(2, slotRequests.size());
        List<List<String>> slotNames = new ArrayList<>();
        for (EngineSimulator.Received req : slotRequests) {
            JsonNode body = req.json();
            JsonNode format = body.path("response_format");
            assertEquals("json_schema", format.path("type").asText(), body.toString());
            JsonNode schema = format.path("json_schema").path("schema");
            slotNames.add(StreamSupport.stream(((Iterable<String>) () -> schema.path("properties").fieldNames()).spliterator(), false).sorted().toList());
            assertTrue(schema.path("required").isMissingNode(), "slots are optional in the answer: " + schema);
            assertTrue(body.path("messages").toString().contains(said), "the user's message is in the request");
            assertTrue(body.path("tools").isMissingNode() || body.path("tools").isEmpty());
        }
        assertEquals(List.of(List.of("date", "destination", "travellers"), List.of("date", "destination", "origin")), slotNames);

        // the main model is not offered fill_slots and sees the filled slots (not the dropped one)
        JsonNode first = main.received(PATH).getFirst().json();
        List<String> offered = StreamSupport.stream(first.path("tools").spliterator(), false)
                .map(t -> t.path("function").path("name").asText()).toList();
        assertEquals(List.of("flight_search_api", "report_event", "ask_user"), offered);
        String system = first.path("messages").get(0).path("content").asText();
        assertTrue(system.contains("Origin: Berlin Destination: Lisbon Date: 2027-03-01"), system);
        assertFalse(system.contains("travellers"), "a value that breaks the schema is not stored: " + system);

        List<String> paths = r.states().stream().map(StateVisit::path).toList();
        assertEquals(List.of("Collect_Trip_Info", "Book_Flight/Query_Flights", "Book_Flight/Select_Seat"), paths);
        assertTrue(r.states().get(1).reason().contains("small model") && r.states().get(1).reason().contains("destination"),
                r.states().get(1).reason());
    }
}
