package dev.kairos.agent.internal;

import dev.kairos.agent.Checkpoint;
import dev.kairos.agent.Conversation;
import dev.kairos.agent.RunStore;
import dev.kairos.memory.RunRecords;

import java.util.List;
import java.util.Optional;

/**
 * Runs checkpointed in the memory store's Neo4j database, one record per run; the record's owner is the
 * principal of the view that first saved it (see {@link RunRecords#ownedBy}).
 */
public final class GraphRunStore implements RunStore {
    private final RunRecords records;

    public GraphRunStore(RunRecords records) {
        this.records = records;
    }

    @Override
    public RunStore ownedBy(String principal) {
        return new GraphRunStore(records.ownedBy(principal));
    }

    @Override
    public void save(Checkpoint c) {
        String status = c.termination() != null ? c.termination().name() : c.inFlight().isEmpty() ? "RUNNING" : "RUNNING_TOOLS";
        // A run that is cancelled or runs out of time is stopped by an interrupt, and its last checkpoint (the one
        // that says how it ended) is written from that interrupted thread: the store's waits must not see the flag.
        boolean interrupted = Thread.interrupted();
        try {
            records.save(new RunRecords.RunRecord(c.runId(), c.request().conversation().session(), c.request().task(), status,
                    c.step(), CheckpointJson.write(c), c.updatedAt()));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Optional<Checkpoint> load(String runId) {
        return records.load(runId).map(r -> CheckpointJson.read(r.checkpoint()));
    }

    @Override
    public List<Summary> list(int limit) {
        return records.list(limit).stream()
                .map(r -> new Summary(r.runId(), r.session(), r.task(), r.status(), r.steps(), r.updatedAt(), r.owner())).toList();
    }

    @Override
    public Optional<Conversation> session(String name) {
        return records.latestOfSession(name).map(r -> {
            Checkpoint c = CheckpointJson.read(r.checkpoint());
            List<dev.kairos.inference.Message> messages = new java.util.ArrayList<>(c.messages());
            // A run stopped mid-turn left its assistant message without results: the next run must not see half a turn.
            if (!messages.isEmpty() && messages.getLast() instanceof dev.kairos.inference.Message.Assistant a && !a.toolCalls().isEmpty()) {
                messages.removeLast();
            }
            return new Conversation(name, messages, c.workflowSnapshot(), c.summary());
        });
    }
}
