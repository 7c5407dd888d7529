package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Mermaid text and the JSON graph of a small nested machine, exactly. */
class RenderTest {

    static final Workflow SMALL = WorkflowLoader.load("small.yaml", """
            workflow: Small
            initial: Start
            states:
              Start:
                description: "Greet; then ask: what now?"
                transitions: [{event: go, target: Work}]
              Work:
                initial: Step1
                transitions:
                  - {event: done, target: End}
                  - {event: reset, target: Start}
                states:
                  Step1:
                    choice: model
                    transitions:
                      - {event: next, guard: "data.n > 1 && data.ok", target: Step2}
                      - {event: back, target: Start}
                  Step2: {type: final}
              End: {type: final}
            """);

    @Test
    void mermaidNestsCompositeStatesAndDrawsEachEdgeInTheBlockHoldingBothEnds() {
        assertEquals("""
                stateDiagram-v2
                    [*] --> Start
                    Start : Greet, then ask - what now?
                    state Work {
                        [*] --> Step1
                        Step1 --> Step2 : next [data.n > 1 && data.ok]
                        Step2 --> [*]
                    }
                    Start --> Work : go
                    Work --> End : done
                    Work --> Start : reset
                    Step1 --> Start : back
                    End --> [*]
                """, MermaidRenderer.render(SMALL));
    }

    @Test
    void jsonGraphListsNodesWithParentsAndEdgesWithLabels() {
        JsonNode g = JsonGraph.export(SMALL);
        assertEquals("Small", g.get("workflow").asText());
        assertEquals(5, g.get("nodes").size());
        JsonNode step1 = g.get("nodes").get(2);
        assertEquals("{\"id\":\"Step1\",\"parent\":\"Work\",\"kind\":\"atomic\",\"initial\":true,\"choice\":\"model\",\"tools\":[]}",
                step1.toString());
        assertEquals("{\"from\":\"Step1\",\"to\":\"Step2\",\"event\":\"next\",\"guard\":\"data.n > 1 && data.ok\"}",
                g.get("edges").get(3).toString());
        assertEquals(5, g.get("edges").size());
    }
}
