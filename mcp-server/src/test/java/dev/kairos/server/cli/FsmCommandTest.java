package dev.kairos.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kairos fsm validate|render} through the real command line, with stdout and stderr captured. */
class FsmCommandTest {

    static final Path EXAMPLES = Path.of("..", "examples", "workflows");

    record Run(int exit, String out, String err) {
    }

    static Run kairos(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new KairosCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void validateAcceptsBothExamples() {
        Run r = kairos("fsm", "validate", EXAMPLES.resolve("food-ordering.yaml").toString(),
                EXAMPLES.resolve("travel-planning.yaml").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("food-ordering.yaml: valid (9 states)"), r.out());
        assertTrue(r.out().contains("travel-planning.yaml: valid (10 states)"), r.out());
    }

    @Test
    void validateReportsEachErrorAsFileLineColumn(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                workflow: Bad
                initial: A
                states:
                  A:
                    transitions:
                      - event: go
                        target: Nowhere
                  B:
                    type: final
                """);
        Path good = EXAMPLES.resolve("food-ordering.yaml");
        Run r = kairos("fsm", "validate", good.toString(), bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(bad + ":6:9: error: transition of 'A' goes to unknown state 'Nowhere' [unknown-target]"), r.err());
        assertTrue(r.out().contains("food-ordering.yaml: valid"), "valid files are still reported: " + r.out());
    }

    @Test
    void validatePrintsWarningsButSucceeds(@TempDir Path dir) throws Exception {
        Path loop = dir.resolve("loop.yaml");
        Files.writeString(loop, """
                workflow: Loop
                initial: A
                states:
                  A:
                    transitions: [{event: next, target: B}]
                  B:
                    transitions: [{event: next, target: A}]
                """);
        Run r = kairos("fsm", "validate", loop.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().startsWith(loop + ":4:3: warning: states A -> B -> A form a cycle"), r.err());
        assertTrue(r.out().contains("valid (2 states, 1 warning)"), r.out());
    }

    @Test
    void validateNamesAMissingFile(@TempDir Path dir) {
        Run r = kairos("fsm", "validate", dir.resolve("absent.yaml").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("absent.yaml:0:0: error: cannot read the file"), r.err());
    }

    @Test
    void renderPrintsMermaidByDefaultAndJsonOnRequest() {
        Run mermaid = kairos("fsm", "render", EXAMPLES.resolve("food-ordering.yaml").toString());
        assertEquals(0, mermaid.exit(), mermaid.err());
        assertTrue(mermaid.out().startsWith("stateDiagram-v2\n"), mermaid.out());
        assertTrue(mermaid.out().contains("state Confirmation {"), mermaid.out());

        Run json = kairos("fsm", "render", "--format", "json", EXAMPLES.resolve("travel-planning.yaml").toString());
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().contains("\"workflow\" : \"TravelPlanning\""), json.out());
    }

    @Test
    void renderRefusesAnInvalidWorkflowAndABadFormat(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"workflow\": \"Bad\", \"states\": {\"A\": {}}}");
        Run r = kairos("fsm", "render", bad.toString());
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().contains("error: workflow 'Bad' has no 'initial' state [missing-initial]"), r.err());

        Run format = kairos("fsm", "render", "--format", "svg", EXAMPLES.resolve("food-ordering.yaml").toString());
        assertEquals(2, format.exit());
        assertTrue(format.err().contains("--format"), format.err());
    }
}
