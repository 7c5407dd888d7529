package dev.kairos.agent;

import java.util.List;
import java.util.Optional;

/**
 * Where runs are checkpointed, so they survive a crash and sessions continue across runs. A store as
 * made sees every run (the operator's view: the local CLI); {@link #ownedBy} gives one principal's view.
 */
public interface RunStore {
    /** The principal of runs the local user starts (the CLI, stdio, HTTP without tokens), and of runs stored before owners. */
    String LOCAL = dev.kairos.memory.RunRecords.LOCAL_OWNER;

    /** One line of a run list; {@code owner} is the principal that started the run. */
    record Summary(String runId, String session, String task, String status, int steps, java.time.Instant updatedAt,
                   String owner) {
    }

    /**
     * The runs of one principal: {@link #load} and {@link #list} see only theirs (another principal's run
     * reads exactly like an unknown id), {@link #session} continues only their conversations, and the runs
     * they save are theirs.
     */
    default RunStore ownedBy(String principal) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not keep owners");
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
        public RunStore ownedBy(String principal) {
            return this;
        }

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
