package dev.kairos.server.cli;

import dev.kairos.inference.EngineSupervisor;
import dev.kairos.inference.InferenceSettings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Optional;

/**
 * The configured endpoint's {@code supervise} engine for one command: started when it is not already
 * answering, stopped when the command ends, also on Ctrl-C (a shutdown hook, since child processes
 * outlive the JVM otherwise).
 */
final class SupervisedEngine implements AutoCloseable {
    private final EngineSupervisor supervisor;
    private final Thread hook;

    private SupervisedEngine(EngineSupervisor supervisor) {
        this.supervisor = supervisor;
        this.hook = supervisor == null ? null : new Thread(supervisor::close, "engine-stop");
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /** Starts the endpoint's engine if it has a {@code supervise} block and nothing answers yet. */
    static SupervisedEngine startIfConfigured(Optional<InferenceSettings.Endpoint> endpoint, CommandSpec spec) {
        if (endpoint.isEmpty() || endpoint.get().supervise() == null) {
            return new SupervisedEngine(null);
        }
        InferenceSettings.Endpoint e = endpoint.get();
        spec.commandLine().getErr().println("starting engine for " + e.name() + " unless it answers at "
                + e.readinessUrl() + " (waiting up to " + e.supervise().readyTimeout().toSeconds() + " s)");
        spec.commandLine().getErr().flush();
        try {
            return new SupervisedEngine(EngineSupervisor.startUnlessAnswering(e).orElse(null));
        } catch (IllegalStateException failed) {
            throw new CommandLine.ExecutionException(spec.commandLine(), failed.getMessage(), failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new CommandLine.ExecutionException(spec.commandLine(), "interrupted while the engine started", interrupted);
        }
    }

    /** Whether this command started (and will stop) the engine. */
    boolean started() {
        return supervisor != null;
    }

    @Override
    public void close() {
        if (supervisor == null) {
            return;
        }
        supervisor.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: it closes the same supervisor
        }
    }
}
