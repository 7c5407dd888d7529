package dev.kairos.fsm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading YAML and JSON: the structure that comes out, and a clear, positioned error for each kind of bad input. */
class WorkflowLoaderTest {

    static List<String> errors(String text) {
        return WorkflowLoader.read("f.yaml", text).diagnostics().stream().map(Diagnostic::format).toList();
    }

    @Test
    void jsonAndYamlGiveTheSameMachine() {
        Workflow fromJson = WorkflowLoader.load("w.json", """
                {"workflow": "W", "initial": "A", "guards": {"big": "data.n > 2"},
                 "states": {
                   "A": {"choice": "model", "tools": ["t1"], "transitions": [{"event": "go", "guard": "big", "target": "B"}]},
                   "B": {"initial": "B1", "states": {"B1": {"type": "final"}}}}}
                """);
        Workflow fromYaml = WorkflowLoader.load("w.yaml", """
                workflow: W
                initial: A
                guards: {big: data.n > 2}
                states:
                  A:
                    choice: model
                    tools: t1
                    transitions:
                      - event: go
                        guard: big
                        target: B
                  B:
                    initial: B1
                    states:
                      B1: {type: final}
                """);
        assertEquals(MermaidRenderer.render(fromJson), MermaidRenderer.render(fromYaml));
        assertEquals(JsonGraph.export(fromJson), JsonGraph.export(fromYaml));
        StateDef a = fromJson.state("A").orElseThrow();
        assertInstanceOf(StateDef.Atomic.class, a);
        assertEquals(ChoiceMode.MODEL, a.choice());
        assertEquals(List.of("t1"), a.tools());
        assertEquals(new Source("w.json", 3, 62), a.transitions().getFirst().at());
        assertInstanceOf(StateDef.Composite.class, fromJson.state("B").orElseThrow());
        assertInstanceOf(StateDef.Final.class, fromJson.state("B1").orElseThrow());
    }

    @Test
    void brokenYamlPointsAtTheProblem() {
        List<String> e = errors("""
                workflow: W
                states:
                  A: {transitions: [
                """);
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.getFirst().startsWith("f.yaml:4:1: error: not valid YAML/JSON: "), e.getFirst());
    }

    @Test
    void unknownKeysAreNamedWithTheKeysThatAreAllowed() {
        List<String> e = errors("""
                workflow: W
                initial: A
                states:
                  A:
                    promt: hello
                    transitions:
                      - {event: go, targte: A}
                """);
        assertTrue(e.contains("f.yaml:5:5: error: state 'A': unknown key 'promt' (expected one of [choice, description, initial, "
                + "onEntry, onExit, prompt, react, slots, states, tools, transitions, type]) [unknown-key]"), e.toString());
        assertTrue(e.contains("f.yaml:7:21: error: transition of 'A': unknown key 'targte' (expected one of [description, event, "
                + "guard, ignoreSlots, target]) [unknown-key]"), e.toString());
        assertTrue(e.contains("f.yaml:7:9: error: transition of 'A' has no 'target' [missing-key]"), e.toString());
    }

    @Test
    void wrongShapesAreNamed() {
        List<String> e = errors("""
                workflow: W
                initial: A
                states:
                  A:
                    type: compound
                    choice: dice
                    transitions: {event: go}
                    tools: {a: b}
                  B:
                    type: composite
                  C:
                    type: atomic
                    initial: C1
                    states: {C1: {}}
                  D: [1, 2]
                """);
        assertTrue(e.contains("f.yaml:5:5: error: state 'A': type must be atomic, composite or final, not 'compound' [type]"), e.toString());
        assertTrue(e.contains("f.yaml:6:13: error: state 'A': choice must be 'guards' or 'model', not 'dice' [type]"), e.toString());
        assertTrue(e.contains("f.yaml:7:18: error: state 'A': 'transitions' must be a list [type]"), e.toString());
        assertTrue(e.contains("f.yaml:8:12: error: state 'A': 'tools' must be a list of names [type]"), e.toString());
        assertTrue(e.contains("f.yaml:9:3: error: composite state 'B' has no 'states' [type]"), e.toString());
        assertTrue(e.contains("f.yaml:11:3: error: state 'C' is atomic but has 'states' [type]"), e.toString());
        assertTrue(e.contains("f.yaml:15:6: error: state 'D' must be a mapping [type]"), e.toString());
    }

    @Test
    void duplicateKeysAreReportedWhereTheSecondOneIs() {
        List<String> e = errors("""
                workflow: W
                initial: A
                initial: B
                states:
                  A: {type: final}
                """);
        assertTrue(e.contains("f.yaml:3:1: error: workflow: key 'initial' appears twice [duplicate-key]"), e.toString());
    }

    @Test
    void notAWorkflowAtAll() {
        assertEquals(List.of("f.yaml:1:1: error: a workflow file must be a mapping with 'workflow' and 'states' [structure]"),
                errors(""));
        assertEquals(List.of("f.yaml:1:1: error: a workflow file must be a mapping with 'workflow' and 'states' [structure]"),
                errors("- just\n- a list\n"));
        WorkflowLoader.Result r = WorkflowLoader.read("f.yaml", "initial: A\n");
        assertTrue(r.hasErrors());
        assertEquals(List.of("f.yaml:1:1: error: missing key 'workflow' (the workflow's name) [missing-key]",
                "f.yaml:1:1: error: missing key 'states' [missing-key]"), r.diagnostics().stream().map(Diagnostic::format).toList());
        assertNull(WorkflowLoader.read("f.yaml", "{").workflow());
        WorkflowException ex = assertThrows(WorkflowException.class, () -> WorkflowLoader.load("f.yaml", "initial: A\n"));
        assertEquals(2, ex.diagnostics().size());
    }

    @Test
    void reactMarksAnAtomicStateWithToolsForASubTask() {
        Workflow w = WorkflowLoader.load("r.yaml", """
                workflow: R
                initial: A
                states:
                  A: {tools: [search], react: {max_steps: 3}, transitions: [{event: subtask_done, target: B}]}
                  B: {tools: [search], react: true, transitions: [{target: C}]}
                  C: {type: final}
                """);
        assertEquals(3, w.state("A").orElseThrow().reactSteps());
        assertEquals(WorkflowLoader.DEFAULT_REACT_STEPS, w.state("B").orElseThrow().reactSteps());
        assertEquals(0, w.state("C").orElseThrow().reactSteps());
        List<String> e = errors("""
                workflow: R
                initial: A
                states:
                  A: {react: true, transitions: [{target: B}]}
                  B: {tools: [t], react: {max_steps: 0}, transitions: [{target: C}]}
                  C: {tools: [t], react: sometimes, transitions: [{target: D}]}
                  D: {tools: [t], react: {steps: 2}, initial: E, states: {E: {type: final}}, transitions: [{target: F}]}
                  F: {type: final}
                """);
        assertTrue(e.stream().anyMatch(x -> x.startsWith("f.yaml:4:") && x.contains("'A'") && x.contains("no 'tools'")), e.toString());
        assertTrue(e.stream().anyMatch(x -> x.startsWith("f.yaml:5:") && x.contains("'B'") && x.contains("max_steps: N")), e.toString());
        assertTrue(e.stream().anyMatch(x -> x.startsWith("f.yaml:6:") && x.contains("'C'") && x.contains("must be true, false")), e.toString());
        assertTrue(e.stream().anyMatch(x -> x.startsWith("f.yaml:7:") && x.contains("unknown key 'steps'")), e.toString());
        assertTrue(e.stream().anyMatch(x -> x.startsWith("f.yaml:7:") && x.contains("not composite")), e.toString());
    }
}
