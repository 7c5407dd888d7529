package dev.kairos.fsm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every validation rule, each reported at the line and column of the offending element. */
class ValidatorTest {

    static List<Diagnostic> check(String yaml) {
        return WorkflowLoader.read("w.yaml", yaml).diagnostics();
    }

    static Diagnostic only(List<Diagnostic> ds, String code) {
        List<Diagnostic> found = ds.stream().filter(d -> d.code().equals(code)).toList();
        assertEquals(1, found.size(), () -> "expected one " + code + " in " + ds);
        return found.getFirst();
    }

    static void at(Diagnostic d, int line, int column) {
        assertEquals("w.yaml", d.file());
        assertEquals(line + ":" + column, d.line() + ":" + d.column(), d.format());
    }

    @Test
    void unknownTarget() {
        Diagnostic d = only(check("""
                workflow: W
                initial: A
                states:
                  A:
                    transitions:
                      - {event: go, target: B}
                      - {event: go, target: Nowhere}
                  B: {type: final}
                """), "unknown-target");
        at(d, 7, 9);
        assertTrue(d.isError());
        assertEquals("transition of 'A' goes to unknown state 'Nowhere'", d.message());
    }

    @Test
    void missingInitialOfTheWorkflowAndOfACompositeState() {
        List<Diagnostic> ds = check("""
                workflow: W
                states:
                  A:
                    states:
                      A1: {}
                """);
        List<Diagnostic> missing = ds.stream().filter(d -> d.code().equals("missing-initial")).toList();
        assertEquals(2, missing.size(), ds.toString());
        assertEquals("workflow 'W' has no 'initial' state", missing.get(0).message());
        at(missing.get(0), 1, 1);
        assertEquals("composite state 'A' has no 'initial' state", missing.get(1).message());
        at(missing.get(1), 3, 3);
    }

    @Test
    void initialThatIsNotAChild() {
        Diagnostic d = only(check("""
                workflow: W
                initial: A
                states:
                  A:
                    initial: B
                    states:
                      A1: {}
                  B: {type: final}
                """), "unknown-initial");
        assertEquals("composite state 'A': initial state 'B' is not one of its states [A1]", d.message());
        at(d, 4, 3);
    }

    @Test
    void duplicateNamesAtTheSameLevelAndAcrossLevels() {
        List<Diagnostic> ds = check("""
                workflow: W
                initial: A
                states:
                  A:
                    initial: B
                    states:
                      B: {}
                  B: {}
                  A: {}
                """);
        List<Diagnostic> dup = ds.stream().filter(d -> d.code().equals("duplicate-name")).toList();
        assertEquals(2, dup.size(), ds.toString());
        assertEquals("state 'B' is already defined at line 7", dup.get(0).message());
        at(dup.get(0), 8, 3);
        at(dup.get(1), 9, 3);
    }

    @Test
    void unreachableStateIncludingANestedOne() {
        List<Diagnostic> ds = check("""
                workflow: W
                initial: A
                states:
                  A:
                    transitions: [{event: go, target: C}]
                  B:
                    transitions: [{event: go, target: C}]
                  C:
                    initial: C1
                    states:
                      C1: {transitions: [{event: go, target: End}]}
                      C2: {}
                  End: {type: final}
                """);
        List<Diagnostic> un = ds.stream().filter(d -> d.code().equals("unreachable-state")).toList();
        assertEquals(List.of("state 'B' can never be entered from 'A'", "state 'C2' can never be entered from 'A'"),
                un.stream().map(Diagnostic::message).toList());
        at(un.get(0), 6, 3);
        at(un.get(1), 12, 7);
    }

    @Test
    void aStateReachedOnlyThroughACompletionTransitionIsReachable() {
        List<Diagnostic> ds = check("""
                workflow: W
                initial: A
                states:
                  A:
                    initial: A1
                    transitions: [{event: done, target: End}]
                    states:
                      A1: {transitions: [{event: go, target: A2}]}
                      A2: {type: final}
                  End: {type: final}
                """);
        assertEquals(List.of(), ds);
    }

    @Test
    void finalStateWithOutgoingTransitions() {
        Diagnostic d = only(check("""
                workflow: W
                initial: A
                states:
                  A:
                    type: final
                    transitions:
                      - {event: again, target: A}
                """), "final-outgoing");
        assertEquals("final state 'A' must not have transitions", d.message());
        at(d, 7, 9);
    }

    @Test
    void slotReferencedButNotDeclaredInAGuardAndInAPrompt() {
        List<Diagnostic> ds = check("""
                workflow: W
                initial: A
                guards:
                  sized: slots.size != null
                states:
                  A:
                    prompt: "Size {{slots.size}}, colour {{slots.colour}}"
                    slots:
                      type: object
                      properties: {colour: {type: string}}
                    transitions:
                      - {guard: sized, target: B}
                      - {guard: "slots.colour == 'red' && slots.weight > 2", target: B}
                  B: {type: final}
                """);
        List<Diagnostic> un = ds.stream().filter(d -> d.code().equals("undeclared-slot")).toList();
        assertEquals(3, un.size(), ds.toString());
        assertEquals("guard 'sized' reads slot 'size', which no state declares under 'slots'", un.get(0).message());
        at(un.get(0), 4, 10);
        assertEquals("guard of transition 'A' -> 'B' reads slot 'weight', which no state declares under 'slots'", un.get(1).message());
        at(un.get(1), 13, 18);
        assertEquals("prompt of 'A' uses slot 'size', which no state declares under 'slots'", un.get(2).message());
    }

    @Test
    void cycleWithNoWayOutIsAWarningNotAnError() {
        List<Diagnostic> ds = check("""
                workflow: W
                initial: A
                states:
                  A:
                    transitions: [{event: go, target: B}, {event: quit, target: End}]
                  B:
                    transitions: [{event: go, target: C}]
                  C:
                    transitions: [{event: go, target: B}]
                  End: {type: final}
                """);
        Diagnostic d = only(ds, "no-exit-cycle");
        assertEquals(Diagnostic.Severity.WARNING, d.severity());
        assertEquals("states B -> C -> B form a cycle with no way out to a final state", d.message());
        at(d, 6, 3);
        assertEquals(1, ds.size(), "a cycle with an exit (A) is fine: " + ds);
    }

    @Test
    void guardSyntaxErrorPointsIntoTheExpression() {
        Diagnostic d = only(check("""
                workflow: W
                initial: A
                states:
                  A:
                    transitions:
                      - guard: "data.total > > 3"
                        target: A
                """), "guard-syntax");
        assertEquals("guard of transition 'A' -> 'A': unexpected '>' in 'data.total > > 3'", d.message());
        at(d, 6, 30); // the quote is at column 16, the expression starts at 17, the second '>' is 13 characters in
    }

    @Test
    void guardNamesAreWarningsUntilCodeGuardsAreKnown() {
        Workflow wf = WorkflowLoader.read("w.yaml", """
                workflow: W
                initial: A
                states:
                  A:
                    transitions: [{guard: paid, target: End}]
                  End: {type: final}
                """).workflow();
        Diagnostic w = only(Validator.validate(wf), "code-guard");
        assertEquals(Diagnostic.Severity.WARNING, w.severity());
        Diagnostic e = only(Validator.validate(wf, Set.of("other")), "unknown-guard");
        assertTrue(e.isError());
        assertEquals(List.of(), Validator.validate(wf, Set.of("paid")));
        WorkflowException refused = assertThrows(WorkflowException.class, () -> Machine.of(wf));
        assertEquals("unknown-guard", refused.diagnostics().getFirst().code());
    }

    @Test
    void invalidSlotSchema() {
        Diagnostic d = only(check("""
                workflow: W
                initial: A
                states:
                  A:
                    slots: {type: objekt}
                """), "slot-schema");
        assertTrue(d.message().startsWith("state 'A': slots schema is invalid: /type"), d.message());
        at(d, 4, 3);
    }

    @Test
    void badStateName() {
        Diagnostic d = only(check("""
                workflow: W
                initial: "Ask me"
                states:
                  "Ask me": {type: final}
                """), "bad-name");
        assertTrue(d.message().startsWith("state name 'Ask me' must start with a letter"), d.message());
    }

    @Test
    void guardNamesMustBeNames() {
        Diagnostic d = only(check("""
                workflow: W
                initial: A
                guards:
                  is-big: data.n > 3
                states:
                  A: {type: final}
                """), "bad-name");
        assertTrue(d.message().startsWith("guard name 'is-big' must start with a letter"), d.message());
        at(d, 4, 11);
    }

    @Test
    void unregisteredHookStopsTheMachineFromBeingBuilt() {
        Workflow wf = WorkflowLoader.load("w.yaml", """
                workflow: W
                initial: A
                states:
                  A: {onEntry: [greet], type: final}
                """);
        WorkflowException e = assertThrows(WorkflowException.class, () -> Machine.of(wf));
        assertEquals("w.yaml:4:3: error: hook 'greet' of state 'A' is not registered [unknown-hook]",
                e.diagnostics().getFirst().format());
        Machine.builder(wf).hook("greet", (state, data) -> data).build();
    }
}
