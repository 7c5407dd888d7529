package dev.kairos.fsm;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Snapshots round-trip exactly and refuse what they cannot honour, saying why. */
class SnapshotTest {

    static Machine food() throws Exception {
        return Machine.of(ExamplesTest.example("food-ordering.yaml"));
    }

    @Test
    void aSnapshotRoundTripsThroughJsonAndResumesWhereItStopped() throws Exception {
        Machine machine = food();
        MachineInstance m = machine.start();
        m.fire(Event.of("order_intent"));
        m.fire(Event.of("user_reply", Map.of("slots", Map.of("cuisine", "Hunan", "notes", Map.of("spicy", true, "ratio", 1.5)))));
        m.fire(Event.of("user_reply", Map.of("slots", Map.of("headcount", 3))));
        Snapshot snapshot = m.snapshot();
        String json = snapshot.toJson();
        assertEquals(Snapshot.fromJson(json).toJson(), json);
        assertEquals(snapshot.active(), Snapshot.fromJson(json).active());
        assertEquals(snapshot.history(), Snapshot.fromJson(json).history());

        MachineInstance resumed = machine.restore(Snapshot.fromJson(json));
        assertEquals(m.path(), resumed.path());
        assertEquals(json, resumed.snapshot().toJson());
        FireResult a = m.fire(Event.of("user_reply"), r -> Choice.to("Finalize"));
        FireResult b = resumed.fire(Event.of("user_reply"), r -> Choice.to("Finalize"));
        assertEquals(a, b);
        assertEquals(m.snapshot().toJson(), resumed.snapshot().toJson());
    }

    @Test
    void theJsonCarriesVersionOne() throws Exception {
        String json = food().start().snapshot().toJson();
        assertEquals(1, new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("version").asInt());
    }

    @Test
    void newerAndUnknownVersionsAreRefusedClearly() throws Exception {
        String json = food().start().snapshot().toJson();
        SnapshotException newer = assertThrows(SnapshotException.class,
                () -> Snapshot.fromJson(json.replace("\"version\" : 1", "\"version\" : 2")));
        assertEquals("snapshot version 2 is newer than this build reads (version 1); upgrade Kairos to resume it", newer.getMessage());
        SnapshotException old = assertThrows(SnapshotException.class,
                () -> Snapshot.fromJson(json.replace("\"version\" : 1", "\"version\" : 0")));
        assertEquals("snapshot version 0 is not supported; this build reads version 1", old.getMessage());
        SnapshotException none = assertThrows(SnapshotException.class,
                () -> Snapshot.fromJson(json.replace("\"version\" : 1,", "")));
        assertEquals("snapshot has no integer 'version' field; this build reads version 1", none.getMessage());
    }

    @Test
    void brokenSnapshotsNameTheField() throws Exception {
        String json = food().start().snapshot().toJson();
        assertEquals("snapshot field 'active' must be a list of state names", assertThrows(SnapshotException.class,
                () -> Snapshot.fromJson(json.replaceFirst("\"active\" : \\[[^]]*]", "\"active\" : \"x\""))).getMessage());
        assertEquals("snapshot has no 'data' field", assertThrows(SnapshotException.class,
                () -> Snapshot.fromJson(json.replaceFirst("\"data\"", "\"dada\""))).getMessage());
        String cut = assertThrows(SnapshotException.class, () -> Snapshot.fromJson(json.substring(0, 20))).getMessage();
        assertTrue(cut.startsWith("snapshot is not valid JSON (line 3, column "), cut);
    }

    @Test
    void restoringIntoTheWrongMachineOrAMissingStateIsRefused() throws Exception {
        Snapshot s = food().start().snapshot();
        Machine travel = Machine.of(ExamplesTest.example("travel-planning.yaml"));
        assertEquals("snapshot is of workflow 'FoodOrdering', not 'TravelPlanning'",
                assertThrows(SnapshotException.class, () -> travel.restore(s)).getMessage());
        Snapshot gone = new Snapshot(1, "FoodOrdering", java.util.List.of("Confirmation", "Vanished"), s.data(), s.history(), 0);
        assertEquals("snapshot state 'Vanished' does not exist in workflow 'FoodOrdering'",
                assertThrows(SnapshotException.class, () -> food().restore(gone)).getMessage());
        Snapshot skewed = new Snapshot(1, "FoodOrdering", java.util.List.of("Show_Summary"), s.data(), s.history(), 0);
        assertEquals("snapshot path Show_Summary is not a path of nested states",
                assertThrows(SnapshotException.class, () -> food().restore(skewed)).getMessage());
        Snapshot composite = new Snapshot(1, "FoodOrdering", java.util.List.of("Confirmation"), s.data(), s.history(), 0);
        assertEquals("snapshot path Confirmation ends in composite state 'Confirmation'",
                assertThrows(SnapshotException.class, () -> food().restore(composite)).getMessage());
    }
}
