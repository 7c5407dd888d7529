package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two example workflows load, validate cleanly, render, and run the conversations they were written for. */
class ExamplesTest {

    static final Path DIR = Path.of("..", "examples", "workflows");

    static Workflow example(String name) throws Exception {
        return WorkflowLoader.load(DIR.resolve(name));
    }

    @Test
    void theExamplesValidateWithoutErrorsOrWarnings() throws Exception {
        for (String name : List.of("food-ordering.yaml", "travel-planning.yaml", "support-triage.yaml")) {
            Path file = DIR.resolve(name);
            WorkflowLoader.Result r = WorkflowLoader.read(file.toString(), Files.readString(file));
            assertEquals(List.of(), r.diagnostics(), name);
        }
    }

    @Test
    void bothExamplesRenderAsNestedMermaidAndJsonGraphs() throws Exception {
        String food = MermaidRenderer.render(example("food-ordering.yaml"));
        assertTrue(food.startsWith("stateDiagram-v2\n"), food);
        assertTrue(food.contains("    state Confirmation {\n        [*] --> Show_Summary\n"), food);
        assertTrue(food.contains("    Confirmation --> Collect_Cuisine : change_order\n"), food);
        String travel = MermaidRenderer.render(example("travel-planning.yaml"));
        assertTrue(travel.contains("    state Book_Flight {\n        [*] --> Query_Flights\n"), travel);
        assertTrue(travel.contains("        Query_Flights --> Select_Seat : flights_found [event.data.count > 0]\n"), travel);
        assertTrue(travel.contains("    Book_Flight --> Book_Hotel : done\n"), travel);

        JsonNode graph = new ObjectMapper().readTree(JsonGraph.render(example("travel-planning.yaml")));
        assertEquals(10, graph.get("nodes").size());
        JsonNode query = graph.get("nodes").get(2);
        assertEquals("Query_Flights", query.get("id").asText());
        assertEquals("Book_Flight", query.get("parent").asText());
        assertTrue(query.get("initial").asBoolean());
        assertEquals("flight_search_api", query.get("tools").get(0).asText());
    }

    @Test
    void theReadmeExampleRunsAsDocumented() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("```yaml\n") + "```yaml\n".length();
        Workflow pizza = WorkflowLoader.load("README.md", readme.substring(start, readme.indexOf("```", start)));
        MachineInstance order = Machine.of(pizza).start();
        assertEquals("Which size? (so far: )", order.prompt());
        var done = (FireResult.Transitioned) order.fire(Event.of("user_reply", Map.of("slots", Map.of("size", "L"))));
        assertEquals("Pizza/Done", done.to().toString());
        MachineInstance again = Machine.of(pizza).restore(Snapshot.fromJson(order.snapshot().toJson()));
        assertTrue(again.isFinished());
    }

    @Test
    void foodOrderingRunsWithABackEdgeOutOfTheConfirmation() throws Exception {
        MachineInstance order = Machine.of(example("food-ordering.yaml")).start();
        assertEquals("FoodOrdering/Awaiting_Order", order.path().toString());
        assertEquals(List.of("menu_lookup"), order.tools());

        assertInstanceOf(FireResult.Transitioned.class, order.fire(Event.of("order_intent")));
        FireResult early = order.fire(Event.of("user_reply"));
        assertTrue(((FireResult.Rejected) early).reason().contains("slot 'cuisine' is missing"), early.toString());

        order.fire(Event.of("user_reply", Map.of("slots", Map.of("cuisine", "Sichuan"))));
        assertEquals("Collect_Headcount", order.path().leaf());
        assertTrue(order.prompt().contains("for the Sichuan order"), order.prompt());
        var toConfirm = (FireResult.Transitioned) order.fire(Event.of("user_reply", Map.of("slots", Map.of("headcount", 4))));
        assertEquals(List.of("Confirmation", "Show_Summary"), toConfirm.entered());
        assertTrue(order.prompt().contains("为您预订4份Sichuan，是否确认？"), order.prompt());

        var back = (FireResult.Transitioned) order.fire(Event.of("change_order"));
        assertEquals(List.of("Show_Summary", "Confirmation"), back.exited());
        assertEquals("FoodOrdering/Collect_Cuisine", back.to().toString());

        // The cuisine is still filled, so any event moves on; the headcount too.
        order.fire(Event.of("user_reply", Map.of("slots", Map.of("cuisine", "Cantonese"))));
        order.fire(Event.of("user_reply"));
        assertEquals("Show_Summary", order.path().leaf());
        var confirmed = order.fire(Event.of("user_reply"), request -> Choice.to("Finalize"));
        assertInstanceOf(FireResult.Transitioned.class, confirmed);
        var placed = (FireResult.Transitioned) order.fire(Event.of("order_placed", Map.of("order_id", "A-17")));
        assertEquals(List.of("Finalize", "Confirmed", "Confirmation"), placed.exited());
        assertEquals(List.of("Confirmed", "Order_Placed"), placed.entered());
        assertTrue(order.isFinished());
        assertEquals("Thank the user and give the order number A-17.", order.prompt());
    }

    @Test
    void travelPlanningWalksTheNestedFlightBooking() throws Exception {
        MachineInstance trip = Machine.of(example("travel-planning.yaml")).start();
        trip.fire(Event.of("user_reply", Map.of("slots", Map.of("destination", "Beijing", "date", "2026-12-01"))));
        assertEquals("TravelPlanning/Book_Flight/Query_Flights", trip.path().toString());
        assertEquals(List.of("flight_search_api"), trip.tools());
        assertTrue(trip.prompt().contains("Origin:  Destination: Beijing Date: 2026-12-01"), trip.prompt());
        assertTrue(trip.prompt().contains("{{conversation_history}}"), "agent placeholders stay for the agent");

        var noOrigin = (FireResult.Rejected) trip.fire(Event.of("flights_found", Map.of("count", 3)));
        assertTrue(noOrigin.reason().contains("slot 'origin' is missing"), noOrigin.reason());
        trip.update(new ObjectMapper().valueToTree(Map.of("slots", Map.of("origin", "Shanghai"))));
        var none = (FireResult.Rejected) trip.fire(Event.of("flights_found", Map.of("count", 0)));
        assertTrue(none.reason().contains("guard [event.data.count > 0]"), none.reason());
        trip.fire(Event.of("flights_found", Map.of("count", 3)));
        assertEquals("Select_Seat", trip.path().leaf());

        var seat = trip.fire(Event.of("user_reply", Map.of("slots", Map.of("flight_id", "MU5101", "seat", "12A"))),
                request -> Choice.to("Confirm_Payment"));
        assertInstanceOf(FireResult.Transitioned.class, seat);
        var booked = (FireResult.Transitioned) trip.fire(Event.of("payment_ok"));
        assertEquals(List.of("Confirm_Payment", "Flight_Booked", "Book_Flight"), booked.exited());
        assertEquals("TravelPlanning/Book_Hotel", booked.to().toString());
        trip.fire(Event.of("skip_hotel"));
        trip.fire(Event.of("itinerary_sent"));
        assertTrue(trip.isFinished());
        assertEquals(6, trip.history().size());
    }
}
