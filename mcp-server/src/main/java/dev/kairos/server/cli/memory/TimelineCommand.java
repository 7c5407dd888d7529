package dev.kairos.server.cli.memory;

import dev.kairos.memory.Entity;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.server.memory.Shapes;
import dev.kairos.server.memory.Shapes.EntityShape;
import dev.kairos.server.memory.Shapes.FactShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;

@Command(name = "timeline", description = "An entity's facts in world-time order, invalidated ones included.")
final class TimelineCommand extends GraphCommand {
    @Parameters(paramLabel = "ENTITY", description = "The entity's name (or its uuid with --uuid).")
    String entity;

    @Option(names = "--uuid", description = "ENTITY is a uuid.")
    boolean byUuid;

    @Option(names = {"-g", "--group"}, description = "Group of the named entity. Default: the default group.")
    String group;

    /** The {@code --json} answer. */
    record Timeline(EntityShape entity, List<FactShape> facts) {
    }

    @Override
    int run(MemoryGraph graph, PrintWriter out) {
        Entity e = byUuid
                ? graph.entity(MemoryInput.uuid("ENTITY", entity)).orElseThrow(() -> new MemoryNotFoundException("ENTITY", "entity", entity))
                : graph.entityNamed(group != null ? group("--group", group) : graph.settings().defaultGroup(), entity)
                .orElseThrow(() -> new MemoryNotFoundException("ENTITY name", "entity", entity));
        List<Fact> facts = graph.timeline(e.uuid());
        Instant now = Instant.now();
        if (json) {
            printJson(out, new Timeline(Shapes.entity(e), facts.stream().map(f -> Shapes.fact(f, now)).toList()));
            return 0;
        }
        out.println(e.name() + " (" + e.uuid() + ", group " + e.groupId() + ")");
        for (Fact f : facts) {
            out.println("  " + span(f) + "  " + f.fact() + (f.validAt(now) ? "" : "  (no longer true)"));
        }
        if (facts.isEmpty()) {
            out.println("  no facts");
        }
        return 0;
    }
}
