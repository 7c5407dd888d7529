package dev.kairos.inference;

import dev.kairos.inference.sim.SimulatorCommand;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Supervises a real engine process (the simulator run as its own JVM): ready, crash, restart, stop. */
class EngineSupervisorTest {

    @Test
    void startsWaitsRestartsAfterACrashAndStops() throws Exception {
        SimulatorCommand sim = SimulatorCommand.onFreePort("sim/llamacpp.json");
        EngineSupervisor.Spec spec = new EngineSupervisor.Spec(sim.command(), Map.of(),
                URI.create(sim.url() + "/health"), Duration.ofSeconds(60),
                Duration.ofMillis(50), Duration.ofMillis(200), 3, Duration.ofSeconds(5));
        try (EngineSupervisor supervisor = new EngineSupervisor(spec)) {
            supervisor.start();
            assertTrue(supervisor.awaitReady(1, Duration.ofSeconds(60)), "state " + supervisor.state());
            long firstPid = supervisor.pid().orElseThrow();

            ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();
            assertTrue(supervisor.awaitReady(2, Duration.ofSeconds(60)), "restarted; state " + supervisor.state());
            assertEquals(1, supervisor.restarts());
            long secondPid = supervisor.pid().orElseThrow();
            assertNotEquals(firstPid, secondPid);

            supervisor.close();
            assertEquals(EngineSupervisor.State.STOPPED, supervisor.state());
            assertTrue(ProcessHandle.of(secondPid).map(h -> !h.isAlive()).orElse(true), "stopped on close");
        }
    }

    @Test
    void aCommandThatCannotStartFails() throws InterruptedException {
        EngineSupervisor.Spec spec = EngineSupervisor.Spec.of(List.of("/nonexistent/engine-binary"),
                URI.create("http://127.0.0.1:1/health"));
        try (EngineSupervisor supervisor = new EngineSupervisor(spec)) {
            supervisor.start();
            assertTrue(!supervisor.awaitReady(1, Duration.ofSeconds(10)));
            assertEquals(EngineSupervisor.State.FAILED, supervisor.state());
        }
    }

    @Test
    void specNamesTheBadKey() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EngineSupervisor.Spec.of(List.of(), URI.create("http://x/health")));
        assertTrue(e.getMessage().startsWith("engine.command"));
    }

    @Test
    void anEndpointWhoseEngineAlreadyAnswersIsNotStartedAgain() throws Exception {
        try (var sim = dev.kairos.inference.sim.EngineSimulator.start("sim/llamacpp.json")) {
            InferenceSettings.Endpoint endpoint = InferenceSettings.Endpoint.of(sim.url(), "m")
                    .withEngine(InferenceSettings.Engine.LLAMA_CPP)
                    .withSupervise(InferenceSettings.Supervise.of(List.of("/nonexistent/engine-binary")));
            assertEquals(sim.url().resolve("/health"), EngineSupervisor.Spec.of(endpoint).readinessUrl());
            assertTrue(EngineSupervisor.startUnlessAnswering(endpoint).isEmpty(), "already answering: nothing started");
        }
    }

    @Test
    void aSupervisedEngineThatNeverBecomesReadyIsABoundedError() {
        InferenceSettings.Endpoint endpoint = InferenceSettings.Endpoint.of(URI.create("http://127.0.0.1:1"), "m")
                .withSupervise(new InferenceSettings.Supervise(List.of("/nonexistent/engine-binary"), null, null, null,
                        Duration.ofSeconds(5), null, null, 0, null));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> EngineSupervisor.startUnlessAnswering(endpoint));
        assertTrue(e.getMessage().contains("did not become ready"), e.getMessage());
    }

    @Test
    void superviseNamesTheBadKey() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new InferenceSettings.Supervise(List.of("x"), null, null, null, Duration.ZERO, null, null, 0, null));
        assertTrue(e.getMessage().startsWith("supervise.ready_timeout"), e.getMessage());
    }
}
