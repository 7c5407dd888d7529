package dev.kairos.agent;

import java.util.List;
import java.util.Optional;

/** Where runs are checkpointed, so they survive a crash and sessions continue across runs. */
public interface RunStore {
    /** One line of a run list. */
    record Summary(String runId, String session, String task, String status, int steps, java.time.Instant updatedAt) {
    }

    /** Commits the run's state (replacing the previous checkpoint of the run). */
    void save(Checkpoint checkpoint);

    Optional<Checkpoint> load(String runId);

    /** The most recent runs, newest first. */
    List<Summary> list(int limit);

    /** The conversation of a session as its last run left it. */
    Optional<Conversation> session(String name);

    /** Runs kept in the memory store's database (its {@code AgentRun} records). */
    static RunStore inGraph(dev.kairos.memory.RunRecords records) {
        return new dev.kairos.agent.internal.GraphRunStore(records);
    }

    /** Keeps nothing. */
    RunStore NONE = new RunStore() {
        @Override
        public void save(Checkpoint checkpoint) {
        }

        @Override
        public Optional<Checkpoint> load(String runId) {
            return Optional.empty();
        }

        @Override
        public List<Summary> list(int limit) {
            return List.of();
        }

        @Override
        public Optional<Conversation> session(String name) {
            return Optional.empty();
        }
    };
}
