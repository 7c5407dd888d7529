/**
 * Workflows as data: hierarchical state machines read from YAML or JSON, validated with diagnostics that name the
 * file and line, run one event at a time and saved as snapshots. No I/O beyond reading the file.
 *
 * <pre>{@code
 * Workflow wf = WorkflowLoader.load(Path.of("examples/workflows/food-ordering.yaml"));
 * MachineInstance run = Machine.of(wf).start();
 * switch (run.fire(Event.of("order", Map.of("dish", "ramen")))) {
 *     case FireResult.Transitioned t -> System.out.println("now in " + t.to());
 *     case FireResult.Rejected r -> System.out.println("refused: " + r.reason());
 * }
 * Snapshot saved = run.snapshot(); // later: Machine.of(wf).restore(saved)
 * }</pre>
 *
 * <p>This package is the module's whole API; {@code dev.kairos.fsm.internal} is not for other modules (the module
 * rules in docs/development.md are checked by a test). The module knows nothing of MCP or Neo4j.
 */
package dev.kairos.fsm;
