package dev.kairos.fsm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime rules: entry/exit order, priorities, rejections, slots, hooks, model choice, threads. */
class MachineInstanceTest {

    static final String NESTED = """
            workflow: Nest
            initial: A
            states:
              A:
                onEntry: enter
                onExit: leave
                initial: A1
                transitions:
                  - {event: out, target: B}
                  - {event: self, target: A}
                  - {event: shadow, target: B}
                states:
                  A1:
                    onEntry: enter
                    onExit: leave
                    transitions:
                      - {event: deep, target: A2}
                      - {event: shadow, target: A2}
                      - {event: cross, target: B2}
                      - {event: pay, guard: "event.data.amount >= data.price", target: B}
                  A2:
                    onEntry: enter
                    initial: A21
                    states:
                      A21: {onEntry: enter}
              B:
                onEntry: enter
                onExit: leave
                initial: B1
                transitions: [{event: end, target: End}]
                states:
                  B1: {onEntry: enter, onExit: leave}
                  B2: {onEntry: enter, onExit: leave}
              End: {type: final, onEntry: enter}
            data:
              price: 10
            """;

    static Machine.Builder nested() {
        return Machine.builder(WorkflowLoader.load("nest.yaml", NESTED))
                .hook("enter", (state, data) -> log(data, "enter " + state))
                .hook("leave", (state, data) -> log(data, "leave " + state));
    }

    static ObjectNode log(ObjectNode data, String line) {
        (data.has("log") ? (com.fasterxml.jackson.databind.node.ArrayNode) data.get("log") : data.putArray("log")).add(line);
        return data;
    }

    static List<String> logOf(MachineInstance m) {
        List<String> out = new ArrayList<>();
        m.data().path("log").forEach(n -> out.add(n.asText()));
        return out;
    }

    static FireResult.Transitioned moved(FireResult r) {
        return assertInstanceOf(FireResult.Transitioned.class, r, r.toString());
    }

    @Test
    void startEntersOutermostFirstAndRunsEntryHooks() {
        MachineInstance m = nested().build().start();
        assertEquals("Nest/A/A1", m.path().toString());
        assertEquals(List.of("enter A", "enter A1"), logOf(m));
    }

    @Test
    void crossingIntoAnotherCompositeExitsInnermostFirstAndEntersOutermostFirst() {
        MachineInstance m = nested().build().start();
        FireResult.Transitioned t = moved(m.fire(Event.of("cross")));
        assertEquals(List.of("A1", "A"), t.exited());
        assertEquals(List.of("B", "B2"), t.entered());
        assertEquals("Nest/A/A1", t.from().toString());
        assertEquals("Nest/B/B2", t.to().toString());
        assertEquals(List.of("enter A", "enter A1", "leave A1", "leave A", "enter B", "enter B2"), logOf(m));
    }

    @Test
    void siblingTransitionKeepsTheParentActiveAndEntersTheTargetsInitialChild() {
        MachineInstance m = nested().build().start();
        FireResult.Transitioned t = moved(m.fire(Event.of("deep")));
        assertEquals(List.of("A1"), t.exited());
        assertEquals(List.of("A2", "A21"), t.entered());
        assertEquals(List.of("A", "A2", "A21"), m.path().states());
    }

    @Test
    void selfTransitionOnAnAncestorLeavesAndReentersIt() {
        MachineInstance m = nested().build().start();
        FireResult.Transitioned t = moved(m.fire(Event.of("self")));
        assertEquals(List.of("A1", "A"), t.exited());
        assertEquals(List.of("A", "A1"), t.entered());
    }

    @Test
    void innerTransitionsWinOverOuterOnesForTheSameEvent() {
        MachineInstance m = nested().build().start();
        assertEquals("Nest/A/A2/A21", moved(m.fire(Event.of("shadow"))).to().toString());
        assertEquals("Nest/B/B1", moved(m.fire(Event.of("shadow"))).to().toString(), "from A2 only A's edge applies");
    }

    @Test
    void rejectedEventsSayWhyAndChangeNothing() {
        MachineInstance m = nested().build().start();
        String before = m.snapshot().toJson();
        FireResult.Rejected r = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("nope")));
        assertEquals("no transition from A/A1 accepts event 'nope'", r.reason());
        FireResult.Rejected poor = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("pay", Map.of("amount", 5))));
        assertEquals("no transition from A/A1 accepts event 'pay': guard [event.data.amount >= data.price] of 'A1' -> 'B' is false",
                poor.reason());
        assertEquals(before, m.snapshot().toJson());
        assertEquals(List.of(), m.history());
    }

    @Test
    void eventDataIsMergedIntoTheDataOnlyWhenATransitionIsTaken() {
        MachineInstance m = nested().build().start();
        moved(m.fire(Event.of("pay", Map.of("amount", 12, "card", "visa"))));
        assertEquals(12, m.data().get("amount").asInt());
        assertEquals("visa", m.data().get("card").asText());
        assertEquals(10, m.data().get("price").asInt());
    }

    @Test
    void aFinishedWorkflowRejectsEverything() {
        MachineInstance m = nested().build().start();
        m.fire(Event.of("out"));
        moved(m.fire(Event.of("end")));
        assertTrue(m.isFinished());
        FireResult.Rejected r = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("out")));
        assertEquals("workflow 'Nest' has finished in 'End'", r.reason());
        assertEquals(2, m.history().size());
        assertEquals(new Step(2, "end", "B/B1", "End"), m.history().get(1));
    }

    @Test
    void aFailingHookRejectsTheEventAndChangesNothing() {
        MachineInstance m = nested().hook("leave", (state, data) -> {
            if (state.equals("A")) throw new IllegalStateException("cannot leave A now");
            return data;
        }).build().start();
        String before = m.snapshot().toJson();
        FireResult.Rejected r = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("out")));
        assertEquals("hook 'leave' of state 'A' failed: cannot leave A now", r.reason());
        assertEquals(before, m.snapshot().toJson());
    }

    static final String CHOOSING = """
            workflow: Pick
            initial: Ask
            states:
              Ask:
                choice: model
                description: Ask what the user wants.
                transitions:
                  - {event: reply, target: Tea, description: The user wants tea.}
                  - {event: reply, target: Coffee, description: The user wants coffee.}
                  - {event: reply, guard: "event.data.angry == true", target: Complaint}
                  - {event: quit, target: Done}
              Tea: {type: final, description: Serve tea.}
              Coffee: {type: final, description: Serve coffee.}
              Complaint: {type: final}
              Done: {type: final}
            """;

    @Test
    void theModelChoosesAmongTheEnabledCandidatesOnly() {
        Machine machine = Machine.of(WorkflowLoader.load("pick.yaml", CHOOSING));
        MachineInstance m = machine.start();
        AtomicReference<ChoiceRequest> seen = new AtomicReference<>();
        FireResult.Transitioned t = moved(m.fire(Event.of("reply"), request -> {
            seen.set(request);
            return Choice.to("Coffee");
        }));
        assertEquals("Pick/Coffee", t.to().toString());
        assertEquals(List.of(new Candidate("Ask", "Tea", "reply", null, "The user wants tea.", "Serve tea."),
                new Candidate("Ask", "Coffee", "reply", null, "The user wants coffee.", "Serve coffee.")),
                seen.get().candidates(), "the complaint's guard is false, so it is no candidate");
        assertEquals("Pick/Ask", seen.get().path().toString());
    }

    @Test
    void aChoiceOutsideTheCandidatesIsRejectedWithTheCandidates() {
        MachineInstance m = Machine.of(WorkflowLoader.load("pick.yaml", CHOOSING)).start();
        FireResult.Rejected r = assertInstanceOf(FireResult.Rejected.class,
                m.fire(Event.of("reply"), request -> Choice.to("Complaint")));
        assertEquals("the model chose 'Complaint', which is not a candidate; candidates: [Tea, Coffee]", r.reason());
        FireResult.Rejected stay = assertInstanceOf(FireResult.Rejected.class,
                m.fire(Event.of("reply"), request -> Choice.stay("the user has not decided")));
        assertEquals("the model chose to stay in 'Ask': the user has not decided", stay.reason());
        FireResult.Rejected none = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("reply")));
        assertEquals("state 'Ask' lets the model choose the next state; fire the event with a TransitionChooser", none.reason());
        FireResult.Rejected broken = assertInstanceOf(FireResult.Rejected.class,
                m.fire(Event.of("reply"), request -> { throw new IllegalStateException("engine timed out"); }));
        assertEquals("the transition chooser failed: engine timed out", broken.reason());
        assertEquals("Pick/Ask", m.path().toString());
        assertEquals(List.of(), m.history());
    }

    @Test
    void guardModeTakesTheFirstEnabledTransitionInFileOrder() {
        Workflow wf = WorkflowLoader.load("pick.yaml", CHOOSING.replace("choice: model", "choice: guards"));
        MachineInstance m = Machine.of(wf).start();
        assertEquals("Pick/Tea", moved(m.fire(Event.of("reply"))).to().toString());
    }

    @Test
    void codeGuardsDecideByName() {
        Workflow wf = WorkflowLoader.load("g.yaml", """
                workflow: G
                initial: A
                states:
                  A: {transitions: [{event: go, guard: is_weekday, target: B}]}
                  B: {type: final}
                """);
        Machine open = Machine.builder(wf).guard("is_weekday", (state, event, data) -> event.data().path("day").asInt() < 6).build();
        MachineInstance m = open.start();
        assertTrue(m.fire(Event.of("go", Map.of("day", 7))) instanceof FireResult.Rejected);
        moved(m.fire(Event.of("go", Map.of("day", 2))));
    }

    @Test
    void slotsMustBeFilledBeforeLeavingUnlessTheTransitionIgnoresThem() {
        Workflow wf = WorkflowLoader.load("s.yaml", """
                workflow: S
                initial: Ask
                states:
                  Ask:
                    tools: [lookup]
                    prompt: "Order of {{slots.size}} for {{user}}; unknown {{other}}"
                    slots:
                      type: object
                      properties:
                        size: {enum: [S, M, L]}
                        count: {type: integer, minimum: 1}
                      required: [size, count]
                    transitions:
                      - {event: quit, target: Gone, ignoreSlots: true}
                      - {event: next, target: Done}
                  Done: {type: final}
                  Gone: {type: final}
                """);
        MachineInstance m = Machine.of(wf).start();
        assertEquals(List.of("Ask: slot 'size' is missing", "Ask: slot 'count' is missing"), m.slotProblems());
        m.update(Event.of("x", Map.of("slots", Map.of("size", "XL", "count", 0))).data());
        FireResult.Rejected r = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("next")));
        assertTrue(r.reason().startsWith("no transition from Ask accepts event 'next': 'Ask' -> 'Done' waits for slots: slot 'size' "),
                r.reason());
        assertTrue(r.reason().contains("slot 'count' must have a minimum value of 1"), r.reason());
        m.update(Event.of("x", Map.of("slots", Map.of("size", "M"))).data());
        assertEquals("Order of M for Ada; unknown {{other}}", m.prompt(Map.of("user", "Ada")));
        assertEquals(List.of("lookup"), m.tools());
        assertEquals("S/Done", moved(m.fire(Event.of("next", Map.of("slots", Map.of("count", 2))))).to().toString());

        MachineInstance quitter = Machine.of(wf).start();
        assertEquals("S/Gone", moved(quitter.fire(Event.of("quit"))).to().toString());
    }

    @Test
    void completionTransitionsThatNeverSettleAreRejected() {
        Workflow wf = WorkflowLoader.load("loop.yaml", """
                workflow: L
                initial: A
                states:
                  A: {transitions: [{event: go, target: C}]}
                  C:
                    initial: F
                    transitions: [{event: done, target: C}]
                    states:
                      F: {type: final}
                """);
        MachineInstance m = Machine.of(wf).start();
        FireResult.Rejected r = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("go")));
        assertTrue(r.reason().startsWith("done-transitions loop without settling"), r.reason());
        assertEquals("L/A", m.path().toString());
    }

    @Test
    void anEventWaitingBehindASlowModelChoiceGivesUpAfterTheBusyTimeout() throws Exception {
        Machine machine = Machine.builder(WorkflowLoader.load("pick.yaml", CHOOSING)).busyTimeout(Duration.ofMillis(50)).build();
        MachineInstance m = machine.start();
        CountDownLatch choosing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<FireResult> slow = pool.submit(() -> m.fire(Event.of("reply"), request -> {
                choosing.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Choice.to("Tea");
            }));
            assertTrue(choosing.await(30, TimeUnit.SECONDS));
            FireResult.Rejected busy = assertInstanceOf(FireResult.Rejected.class, m.fire(Event.of("quit")));
            assertEquals("instance is busy: another event has held it for more than 50 ms", busy.reason());
            release.countDown();
            assertEquals("Pick/Tea", moved(slow.get(30, TimeUnit.SECONDS)).to().toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentFiresAreSerialisedPerInstance() throws Exception {
        Workflow wf = WorkflowLoader.load("t.yaml", """
                workflow: Toggle
                initial: Off
                states:
                  Off: {transitions: [{event: flip, target: On}]}
                  On: {transitions: [{event: flip, target: Off}]}
                """);
        MachineInstance m = Machine.of(wf).start();
        int threads = 8;
        int each = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    int moved = 0;
                    for (int i = 0; i < each; i++) {
                        if (m.fire(Event.of("flip")) instanceof FireResult.Transitioned) moved++;
                    }
                    return moved;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) total += f.get(60, TimeUnit.SECONDS);
            assertEquals(threads * each, total);
        } finally {
            pool.shutdownNow();
        }
        List<Step> history = m.history();
        assertEquals(threads * each, history.size());
        for (int i = 0; i < history.size(); i++) {
            Step s = history.get(i);
            assertEquals(i + 1, s.sequence());
            assertEquals(i % 2 == 0 ? "Off" : "On", s.from(), "each step starts where the previous one ended");
        }
        assertEquals("Toggle/Off", m.path().toString());
    }
}
