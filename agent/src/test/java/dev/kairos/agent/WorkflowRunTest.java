package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.fsm.WorkflowException;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkflowRunTest {
    private static final String PATH = "/v1/chat/completions";
    private final Engines engines = new Engines();
    private EngineSimulator sim;
    private final List<String> placed = new ArrayList<>();

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
        engines.close();
    }

    private static WorkflowSource example(String name) throws Exception {
        Path p = Path.of("..", "examples", "workflows", name);
        return new WorkflowSource(name, Files.readString(p));
    }

    private static String event(String name) {
        return "{\"event\":\"" + name + "\"}";
    }

    private static String ask(String q) {
        return "{\"question\":\"" + q + "\"}";
    }

    private List<String> toolNames(int request) {
        JsonNode tools = sim.received(PATH).get(request).json().path("tools");
        return StreamSupport.stream(tools.spliterator(), false).map(t -> t.path("function").path("name").asText()).toList();
    }

    @Test
    void foodOrderingWithSlotFillingAndTheBackEdgeFromConfirmation() throws Exception {
        sim = new SimScript()
                // run 1: "I'd like to order food"
                .calls("report_event", event("order_intent"))                                   // 0
                .calls("place_order", "{\"cuisine\":\"?\",\"headcount\":1}")                    // 1: not allowed here
                .calls("ask_user", ask("您想吃什么菜系？"))                                        // 2
                // run 2: "Sichuan"
                .calls("fill_slots", "{\"cuisine\":\"Sichuan\"}")                               // 3
                .calls("ask_user", ask("几位用餐？"))                                             // 4
                // run 3: "four of us"
                .calls("fill_slots", "{\"headcount\":4}")                                       // 5
                .calls("ask_user", ask("为您预订4份Sichuan，是否确认？"))                           // 6
                // run 4: "actually Cantonese" - the model chooses the back edge
                .calls("report_event", event("user_reply"))                                     // 7
                .text("{\"target\":\"Collect_Cuisine\",\"reason\":\"the user wants another cuisine\"}") // 8: the chooser
                .calls("fill_slots", "{\"cuisine\":\"Cantonese\"}")                             // 9
                .calls("ask_user", ask("为您预订4份Cantonese，是否确认？"))                          // 10
                // run 5: "yes"
                .calls("report_event", event("user_reply"))                                     // 11
                .text("{\"target\":\"Finalize\",\"reason\":\"the user confirmed\"}")            // 12: the chooser
                .calls("place_order", "{\"cuisine\":\"Cantonese\",\"headcount\":4}")            // 13
                .calls("report_event", "{\"event\":\"order_placed\",\"data\":{\"order_id\":\"A-17\"}}") // 14
                .text("Thank you! Your order number is A-17.")                                  // 15: closing
                .start();
        String schema = "{\"type\":\"object\",\"properties\":{\"cuisine\":{\"type\":\"string\"},\"headcount\":{\"type\":\"integer\"}},\"required\":[\"cuisine\",\"headcount\"]}";
        LocalTools tools = new LocalTools(LocalTools.provider("restaurant", List.of(
                tool("menu_lookup", "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}", LocalTools.READ_ONLY),
                tool("place_order", schema, LocalTools.HARMLESS)),
                (name, args) -> {
                    placed.add(args.toString());
                    return ok("order A-17 placed");
                }));
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.REFUSE);
        WorkflowSource wf = example("food-ordering.yaml");
        Conversation conv = Conversation.start("dinner");
        List<StateVisit> trace = new ArrayList<>();

        RunResult r1 = agent.run(RunRequest.of("I'd like to order food").withWorkflow(wf).withConversation(conv), null);
        assertEquals(Termination.ASKED_USER, r1.termination(), r1.detail());
        assertEquals("您想吃什么菜系？", r1.answer());
        ToolCallResult refused = r1.calls().stream().filter(c -> c.call().name().equals("place_order")).findFirst().orElseThrow();
        assertEquals(ToolOutcome.UNKNOWN_TOOL, refused.outcome());
        assertTrue(refused.text().contains("not allowed in state Collect_Cuisine") && refused.text().contains("menu_lookup"), refused.text());
        assertTrue(placed.isEmpty());
        assertEquals(List.of("menu_lookup", "report_event", "ask_user"), toolNames(0), "Awaiting_Order shows only its tools");
        assertEquals(List.of("menu_lookup", "fill_slots", "report_event", "ask_user"), toolNames(1));
        trace.addAll(r1.states());

        RunResult r2 = agent.run(RunRequest.of("Sichuan").withWorkflow(wf).withConversation(r1.conversation()), null);
        assertEquals("几位用餐？", r2.answer());
        assertEquals(List.of("fill_slots", "report_event", "ask_user"), toolNames(4), "Collect_Headcount has no menu tool");
        JsonNode slotTool = sim.received(PATH).get(4).json().path("tools").get(0).path("function").path("parameters");
        assertEquals("integer", slotTool.path("properties").path("headcount").path("type").asText(), "the slot schema is the tool's schema");
        trace.addAll(r2.states());

        RunResult r3 = agent.run(RunRequest.of("four of us").withWorkflow(wf).withConversation(r2.conversation()), null);
        assertEquals(Termination.ASKED_USER, r3.termination());
        String system = sim.received(PATH).get(6).json().path("messages").get(0).path("content").asText();
        assertTrue(system.contains("为您预订4份Sichuan"), "the state prompt is filled from the slots: " + system);
        trace.addAll(r3.states());

        RunResult r4 = agent.run(RunRequest.of("actually, make it Cantonese").withWorkflow(wf).withConversation(r3.conversation()), null);
        assertEquals("为您预订4份Cantonese，是否确认？", r4.answer());
        String chooser = sim.received(PATH).get(8).body();
        assertTrue(chooser.contains("json_schema") && chooser.contains("Order_Cancelled") && chooser.contains("\"stay\""),
                "the choice is constrained to the candidates: " + chooser);
        trace.addAll(r4.states());

        RunResult r5 = agent.run(RunRequest.of("yes, confirm").withWorkflow(wf).withConversation(r4.conversation()), null);
        assertEquals(Termination.ANSWERED, r5.termination(), r5.detail());
        assertEquals("Thank you! Your order number is A-17.", r5.answer());
        assertEquals(1, placed.size());
        assertTrue(placed.getFirst().contains("Cantonese"));
        String closing = sim.received(PATH).get(15).json().path("messages").get(0).path("content").asText();
        assertTrue(closing.contains("A-17"), closing);
        trace.addAll(r5.states());

        List<String> paths = trace.stream().map(StateVisit::path).toList();
        assertEquals(List.of("Awaiting_Order", "Collect_Cuisine", "Collect_Headcount", "Confirmation/Show_Summary",
                "Collect_Cuisine", "Collect_Headcount", "Confirmation/Show_Summary", "Confirmation/Finalize", "Order_Placed"), paths);
        StateVisit back = trace.get(4);
        assertTrue(back.reason().contains("the user wants another cuisine"), back.reason());
        assertTrue(trace.get(2).reason().contains("slots filled: cuisine"), trace.get(2).reason());
        assertEquals(16, sim.received(PATH).size(), "no request past the script");
    }

    @Test
    void travelPlanningBooksTheFlightInTheNestedMachine() throws Exception {
        sim = new SimScript()
                .calls("fill_slots", "{\"destination\":\"Lisbon\",\"date\":\"2027-03-01\"}")
                .calls("fill_slots", "{\"origin\":\"Berlin\"}")
                .calls("flight_search_api", "{\"origin\":\"Berlin\",\"destination\":\"Lisbon\",\"date\":\"2027-03-01\"}")
                .calls("report_event", "{\"event\":\"flights_found\",\"data\":{\"count\":2}}")
                .calls("ask_user", ask("TP123 or LH456, and which seat?"))
                // run 2
                .calls("fill_slots", "{\"flight_id\":\"TP123\",\"seat\":\"12A\"}", "seat_map_api", "{\"flight_id\":\"TP123\"}")
                .calls("report_event", event("user_reply"))
                .text("{\"target\":\"Confirm_Payment\",\"reason\":\"flight and seat chosen\"}")
                .calls("payment_api", "{\"flight_id\":\"TP123\",\"seat\":\"12A\"}")
                .calls("report_event", event("payment_ok"))
                .calls("report_event", event("skip_hotel"))
                .calls("send_itinerary", "{}")
                .calls("report_event", event("itinerary_sent"))
                .text("Your trip to Lisbon is booked.")
                .start();
        String obj = "{\"type\":\"object\"}";
        LocalTools tools = new LocalTools(LocalTools.provider("travel", List.of(
                tool("flight_search_api", obj, LocalTools.READ_ONLY), tool("seat_map_api", obj, LocalTools.READ_ONLY),
                tool("reserve_seat", obj, LocalTools.HARMLESS), tool("payment_api", obj, LocalTools.DESTRUCTIVE),
                tool("hotel_search_api", obj, LocalTools.READ_ONLY), tool("hotel_book_api", obj, LocalTools.HARMLESS),
                tool("send_itinerary", obj, LocalTools.HARMLESS)),
                (name, args) -> ok(switch (name) {
                    case "flight_search_api" -> "TP123 08:00, LH456 11:30";
                    case "seat_map_api" -> "12A free";
                    case "payment_api" -> "paid";
                    default -> "done";
                })));
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.APPROVE_ALL);
        WorkflowSource wf = example("travel-planning.yaml");
        RunResult r1 = agent.run(RunRequest.of("Berlin to Lisbon on 2027-03-01, please").withWorkflow(wf)
                .withUserProfile("Prefers window seats."), null);
        assertEquals(Termination.ASKED_USER, r1.termination(), r1.detail());
        String query = sim.received(PATH).get(1).json().path("messages").get(0).path("content").asText();
        assertTrue(query.contains("Prefers window seats.") && query.contains("Destination: Lisbon"), query);
        RunResult r2 = agent.run(RunRequest.of("TP123, seat 12A").withWorkflow(wf).withConversation(r1.conversation()), null);
        assertEquals(Termination.ANSWERED, r2.termination(), r2.detail());
        assertEquals("Your trip to Lisbon is booked.", r2.answer());
        assertEquals(1, r2.approvals().size(), "the payment was approved before it ran");
        List<String> paths = new ArrayList<>(r1.states().stream().map(StateVisit::path).toList());
        paths.addAll(r2.states().stream().map(StateVisit::path).toList());
        assertEquals(List.of("Collect_Trip_Info", "Book_Flight/Query_Flights", "Book_Flight/Select_Seat",
                "Book_Flight/Confirm_Payment", "Book_Hotel", "Finalize_Trip", "Trip_Booked"), paths);
        assertTrue(r2.states().get(1).reason().contains("payment_ok"), r2.states().get(1).reason());
    }

    @Test
    void aWorkflowThatDoesNotValidateIsRefusedWithFileAndLine() throws Exception {
        sim = new SimScript().text("unused").start();
        LocalTools tools = new LocalTools();
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.REFUSE);
        WorkflowSource bad = new WorkflowSource("bad.yaml", "workflow: W\ninitial: A\nstates:\n  A:\n    transitions:\n      - target: Nowhere\n");
        WorkflowException e = assertThrows(WorkflowException.class, () -> agent.start(RunRequest.of("go").withWorkflow(bad), null));
        assertTrue(e.getMessage().contains("bad.yaml:6"), e.getMessage());
        assertTrue(sim.received(PATH).isEmpty());
    }

    /** get_ticket and search_logs (read-only), escalate_ticket (changes things); each call is counted. */
    private LocalTools supportTools(List<String> calls) {
        String obj = "{\"type\":\"object\"}";
        return new LocalTools(LocalTools.provider("support", List.of(
                tool("get_ticket", obj, LocalTools.READ_ONLY), tool("search_logs", obj, LocalTools.READ_ONLY),
                tool("escalate_ticket", obj, LocalTools.HARMLESS)),
                (name, args) -> {
                    calls.add(name + " " + args);
                    return ok(switch (name) {
                        case "get_ticket" -> "T-9: uploads fail since Monday";
                        case "search_logs" -> args.path("q").asText().equals("disk") ? "node3: no space left on device" : "nothing";
                        default -> "done";
                    });
                }));
    }

    @Test
    void aStateWithASubTaskRunsABoundedReactLoopWithItsToolsBeforeItsTransitionIsDecided() throws Exception {
        String outcome = "Uploads fail because the disk of node 3 is full; deleting old exports frees space.";
        sim = new SimScript()
                .calls("get_ticket", "{\"id\":\"T-9\"}", "search_logs", "{\"q\":\"upload error\"}")     // 0: sub-task
                .calls("search_logs", "{\"q\":\"disk\"}")                                              // 1: sub-task
                .text(outcome)                                                                       // 2: its outcome
                .text("{\"target\":\"Explain_Fix\",\"reason\":\"the user can delete old exports\"}")  // 3: the chooser
                .text("Your disk is full: delete old exports. Did that work?")                        // 4: Explain_Fix
                .start();
        List<String> calls = new ArrayList<>();
        LocalTools tools = supportTools(calls);
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.REFUSE);
        RunResult r = agent.run(RunRequest.of("My uploads keep failing (ticket T-9)").withWorkflow(example("support-triage.yaml")), null);
        assertEquals(Termination.ASKED_USER, r.termination(), r.detail());
        assertEquals("Your disk is full: delete old exports. Did that work?", r.answer());
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of("get_ticket", "search_logs"), toolNames(i), "the sub-task sees only the state's tools");
        }
        String system = sim.received(PATH).getFirst().json().path("messages").get(0).path("content").asText();
        assertTrue(system.contains("starts with a sub-task") && system.contains("at most 4 steps"), system);
        String chooser = sim.received(PATH).get(3).body();
        assertTrue(chooser.contains("subtask_done") && chooser.contains("disk of node 3 is full") && chooser.contains("Escalate"),
                "the transition is chosen on the sub-task's outcome: " + chooser);
        assertEquals(List.of("report_event", "ask_user"), toolNames(4), "after the sub-task: the next state's tools and the built-ins");
        assertEquals(3, calls.size(), calls.toString());
        assertEquals(List.of("Investigate", "Explain_Fix"), r.states().stream().map(StateVisit::path).toList());
        String why = r.states().get(1).reason();
        assertTrue(why.contains("sub-task of Investigate ended after 3 step(s)") && why.contains("delete old exports"), why);
        // the sub-task's turns are in the history like any others: calls with all their results, then its outcome
        JsonNode last = sim.received(PATH).get(4).json().path("messages");
        assertTrue(last.toString().contains("node3: no space left on device") && last.toString().contains(outcome), last.toString());
    }

    @Test
    void aSubTaskThatUsesItsStepsWithoutAnOutcomeIsDecidedOnWhatThereIs() throws Exception {
        sim = new SimScript()
                .calls("search_logs", "{\"q\":\"a\"}").calls("search_logs", "{\"q\":\"b\"}")
                .calls("search_logs", "{\"q\":\"c\"}").calls("search_logs", "{\"q\":\"d\"}")   // 0-3: the bound is 4
                .text("{\"target\":\"Escalate\",\"reason\":\"no cause found\"}")               // 4: the chooser
                .calls("escalate_ticket", "{\"id\":\"T-9\"}")                                     // 5
                .calls("report_event", event("escalated"))                                           // 6
                .text("A person will take over ticket T-9.")                                          // 7: closing
                .start();
        List<String> calls = new ArrayList<>();
        LocalTools tools = supportTools(calls);
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.REFUSE);
        RunResult r = agent.run(RunRequest.of("Nothing works").withWorkflow(example("support-triage.yaml")), null);
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals("A person will take over ticket T-9.", r.answer());
        for (int i = 0; i < 4; i++) {
            assertEquals(List.of("get_ticket", "search_logs"), toolNames(i));
        }
        assertTrue(sim.received(PATH).get(4).body().contains("subtask_done"), "the chooser is asked about the sub-task's end");
        assertEquals(List.of("escalate_ticket", "report_event", "ask_user"), toolNames(5));
        assertEquals(List.of("Investigate", "Escalate", "Escalated"), r.states().stream().map(StateVisit::path).toList());
        assertTrue(r.states().get(1).reason().contains("reached its bound of 4 steps"), r.states().get(1).reason());
        assertEquals(5, calls.size(), calls.toString());
        assertEquals(8, sim.received(PATH).size(), "no request past the script");
    }
}
