package dev.kairos.bench.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.Agent;
import dev.kairos.agent.Approver;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.Run;
import dev.kairos.agent.RunRequest;
import dev.kairos.agent.RunResult;
import dev.kairos.agent.Termination;
import dev.kairos.inference.EndpointClient;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.sim.SimScript;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * N concurrent agent runs (1,000) against the engine simulator (its own process): each run's first
 * model turn calls {@code park}, a tool that waits on a gate; once every run is parked in it, the heap
 * after a full GC, minus the heap before the runs started, divided by N, is the heap per run in the
 * middle of a run (its conversation, its turn, its waiting tool call, its thread). Then the gate opens
 * and every run takes its second turn and answers; completion is all N answered, and how long it took.
 *
 * <p>So that the N calls can all be in flight at once, the executor's global bound and the tool's
 * per-server bound are raised to N, and the engine endpoint's parallel slots to N (the simulator
 * answers any number at once). Options: {@code --runs 1000 --warmup 20}.
 */
public final class ConcurrentRunsBench {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private ConcurrentRunsBench() {
    }

    public static void main(String[] args) {
        int status = 0;
        try {
            run(args);
        } catch (Throwable e) {
            System.err.println("benchmark failed:");
            e.printStackTrace();
            status = 1;
        }
        System.exit(status); // runs or clients left over after a failure must not keep the process alive
    }

    private static void run(String[] args) throws Exception {
        int runs = StepOverheadBench.intArg(args, "--runs", 1000);
        int warmup = StepOverheadBench.intArg(args, "--warmup", 20);
        System.out.printf(Locale.ROOT, "concurrent runs: %d runs, %d warm-up runs first; %s, %d cores, JDK %s, max heap %d MiB%n",
                runs, warmup, Instant.now(), Runtime.getRuntime().availableProcessors(), Runtime.version(),
                Runtime.getRuntime().maxMemory() >> 20);
        JsonNode parkTurn = first(new SimScript().calls("park", "{}"));
        JsonNode answerTurn = first(new SimScript().text("done"));
        ObjectNode routes = new SimScript().routes();
        ArrayNode plan = (ArrayNode) routes.get("POST /v1/chat/completions");
        JsonNode exhausted = plan.get(0);
        plan.removeAll();
        for (int i = 0; i < warmup; i++) {
            plan.add(parkTurn.deepCopy());
            plan.add(answerTurn.deepCopy());
        }
        // all N first turns, then all N second turns: every run is parked before any second turn is asked for
        plan.add(((ObjectNode) parkTurn.deepCopy()).put("repeat", runs));
        plan.add(((ObjectNode) answerTurn.deepCopy()).put("repeat", runs));
        plan.add(exhausted);

        AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
        AtomicInteger parked = new AtomicInteger();
        int bound = runs + 64;
        ExecutorSettings settings = new ExecutorSettings(bound, bound, Duration.ofMinutes(5), 100_000, 1,
                Duration.ofMillis(200), 50f, 10, Duration.ofSeconds(30));
        InProcessTools tools = new InProcessTools("park", "{\"type\":\"object\"}", a -> {
            CountDownLatch g = gate.get();
            parked.incrementAndGet();
            if (!g.await(3, TimeUnit.MINUTES)) {
                return "the gate never opened";
            }
            return "parked and released";
        }, settings, bound, Duration.ofMinutes(5));

        try (SimProcess sim = SimProcess.start(routes); Engines engines = new Engines()) {
            // Default retries; the connect timeout is raised from 5 s to 60 s: on the loaded 2-core machine,
            // 1,000 connections opened at once to one simulator can take longer than 5 s to be accepted.
            InferenceSettings.Timeouts t = InferenceSettings.Timeouts.DEFAULTS;
            EndpointClient engine = engines.endpoint(InferenceSettings.Endpoint.of(sim.url(), "m")
                    .withEngine(InferenceSettings.Engine.VLLM)
                    .withParallelSlots(Math.min(4096, runs))
                    .withTimeouts(new InferenceSettings.Timeouts(Duration.ofSeconds(60), t.firstToken(), t.total(), t.slotWait())));
            Agent agent = new Agent(engine, tools, tools, Approver.REFUSE);
            for (int i = 0; i < warmup; i++) {
                check(agent.run(RunRequest.of("park, then answer"), null));
            }
            parked.set(0);
            gate.set(new CountDownLatch(1));
            double before = heapAfterGc();
            long t0 = System.nanoTime();
            List<Run> started = new ArrayList<>(runs);
            for (int i = 0; i < runs; i++) {
                started.add(agent.start(RunRequest.of("park, then answer"), null));
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (parked.get() < runs) {
                List<RunResult> ended = started.stream().filter(r -> r.result().isDone())
                        .map(r -> r.result().getNow(null)).toList();
                if (!ended.isEmpty() || System.nanoTime() > deadline) {
                    gate.get().countDown();
                    throw new IllegalStateException("only " + parked.get() + " of " + runs + " runs reached the tool; "
                            + ended.size() + " ended before it" + (ended.isEmpty() ? "" : ", the first: "
                            + (ended.getFirst() == null ? "with an exception" : ended.getFirst().termination() + ": "
                            + ended.getFirst().detail())));
                }
                Thread.sleep(5);
            }
            double allParked = (System.nanoTime() - t0) / 1e9;
            int platformThreads = ManagementFactory.getThreadMXBean().getThreadCount();
            double during = heapAfterGc();
            long t1 = System.nanoTime();
            gate.get().countDown();
            int answered = 0;
            for (Run r : started) {
                RunResult res = r.await(Duration.ofMinutes(2));
                check(res);
                answered++;
            }
            double releasedToDone = (System.nanoTime() - t1) / 1e9;
            long retried = engine.retry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt();
            double total = (System.nanoTime() - t0) / 1e9;
            System.out.println();
            System.out.println("| runs | all parked in the tool after | heap MiB before | heap MiB with all parked | KiB per run | platform threads then | answered | all answered, after the gate opened | start to last answer | engine calls retried |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|");
            System.out.printf(Locale.ROOT, "| %d | %.2f s | %.1f | %.1f | %.1f | %d | %d of %d | %.2f s | %.2f s | %d |%n",
                    runs, allParked, before / (1 << 20), during / (1 << 20), (during - before) / 1024 / runs,
                    platformThreads, answered, runs, releasedToDone, total, retried);
        }
    }

    private static JsonNode first(SimScript s) {
        return s.routes().get("POST /v1/chat/completions").get(0);
    }

    private static void check(RunResult r) {
        if (r.termination() != Termination.ANSWERED || !"done".equals(r.answer()) || r.steps() != 2) {
            throw new IllegalStateException("a run ended unexpectedly: " + r.termination() + " after " + r.steps()
                    + " steps: " + r.answer() + " / " + r.detail());
        }
    }

    /** Used heap after full collections (System.gc() is a full collection on G1 unless disabled). */
    private static double heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }
}
