package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.transports.internal.TaskRunner;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks on two instances sharing one store: owner scoping, input delivered through the other
 * instance, cancellation, and the take-over of a task whose instance stopped renewing its lease.
 */
class TasksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LEASE = Duration.ofMillis(1500);
    private final TaskStore store = TaskStore.inMemory();
    private final List<Tasks> instances = new ArrayList<>();

    @AfterEach
    void close() {
        instances.forEach(Tasks::close);
    }

    private Tasks instance(TaskSpec spec, String tool) {
        Tasks t = new Tasks(store, LEASE).register(tool, spec);
        instances.add(t);
        return t;
    }

    private static SyncToolSpecification tool(String name, java.util.function.BiFunction<io.modelcontextprotocol.server.McpSyncServerExchange,
            McpSchema.CallToolRequest, CallToolResult> handler) {
        return SyncToolSpecification.builder().tool(McpSchema.Tool.builder(name, Map.of("type", "object")).build())
                .callHandler(handler).build();
    }

    private static ObjectNode call(String name) {
        ObjectNode p = JSON.createObjectNode();
        p.put("name", name);
        p.putObject("arguments");
        return p;
    }

    private static JsonNode capabilities() {
        return JSON.createObjectNode().set("elicitation", JSON.createObjectNode());
    }

    private JsonNode awaitStatus(Tasks on, String id, String owner, Set<String> statuses, SyncToolSpecification tool, TaskSpec spec)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode t = null;
        while (System.nanoTime() < deadline) {
            t = on.runner().get(id, owner, n -> tool, n -> spec);
            if (statuses.contains(t.path("status").asText())) {
                return t;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("task " + id + " never reached " + statuses + ": " + t);
    }

    @Test
    void anotherOwnersTaskIsUnknownAndInputGivenOnTheOtherInstanceFinishesIt() throws Exception {
        SyncToolSpecification confirm = tool("confirm", (exchange, request) -> {
            var answer = ClientInput.elicit(exchange, "sure", ElicitRequest.builder("Sure?", Map.of("type", "object")).build());
            return CallToolResult.builder().addTextContent("answer: " + answer.action()).build();
        });
        TaskSpec spec = TaskSpec.optional();
        Tasks a = instance(spec, "confirm");
        Tasks b = instance(spec, "confirm");
        String id = a.runner().start(confirm, call("confirm"), "alice", null, capabilities(), null, null).path("taskId").asText();

        TaskRunner.TaskError unknown = assertThrows(TaskRunner.TaskError.class, () -> b.runner().get(id, "bob", n -> confirm, n -> spec));
        assertEquals(-32602, unknown.code());
        assertThrows(TaskRunner.TaskError.class, () -> b.runner().cancel(id, "bob"));

        JsonNode waiting = awaitStatus(b, id, "alice", Set.of("input_required"), confirm, spec);
        assertEquals("elicitation/create", waiting.at("/inputRequests/sure/method").asText(), waiting.toString());
        b.runner().update(id, "alice", JSON.createObjectNode().set("sure", JSON.createObjectNode().put("action", "accept")));
        JsonNode done = awaitStatus(b, id, "alice", Set.of("completed", "failed", "cancelled"), confirm, spec);
        assertEquals("completed", done.path("status").asText(), done.toString());
        assertEquals("answer: ACCEPT", done.at("/result/content/0/text").asText(), done.toString());
    }

    @Test
    void cancellingOnTheOtherInstanceStopsTheHandler() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        SyncToolSpecification sleeper = tool("sleeper", (exchange, request) -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return CallToolResult.builder().addTextContent("woke").build();
        });
        TaskSpec spec = TaskSpec.optional();
        Tasks a = instance(spec, "sleeper");
        Tasks b = instance(spec, "sleeper");
        String id = a.runner().start(sleeper, call("sleeper"), "alice", null, capabilities(), null, null).path("taskId").asText();
        b.runner().cancel(id, "alice");
        assertEquals("cancelled", b.runner().get(id, "alice", n -> sleeper, n -> spec).path("status").asText());
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the running instance saw the cancel and interrupted the handler");
        TimeUnit.MILLISECONDS.sleep(300);
        assertEquals("cancelled", a.runner().get(id, "alice", n -> sleeper, n -> spec).path("status").asText(),
                "the handler's late result does not overwrite the cancel");
    }

    @Test
    void aTaskWhoseInstanceStoppedIsResumedByTheNextInstanceThatIsAskedAboutIt() throws Exception {
        CountDownLatch remembered = new CountDownLatch(1);
        SyncToolSpecification work = tool("work", (exchange, request) -> {
            Tasks.remember(exchange, "checkpoint-7");
            remembered.countDown();
            try {
                Thread.sleep(60_000); // this instance "dies" here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CallToolResult.builder().addTextContent("finished by the first instance").build();
        });
        TaskSpec spec = TaskSpec.optional().resumedBy((exchange, request, state) ->
                CallToolResult.builder().addTextContent("resumed from " + state).build());
        Tasks a = instance(spec, "work");
        Tasks b = instance(spec, "work");
        String id = a.runner().start(work, call("work"), "alice", null, capabilities(), null, null).path("taskId").asText();
        assertTrue(remembered.await(10, TimeUnit.SECONDS));
        assertEquals("working", b.runner().get(id, "alice", n -> work, n -> spec).path("status").asText(),
                "a live instance's task is left alone");
        a.close(); // stops renewing its lease, as a killed process would
        JsonNode done = awaitStatus(b, id, "alice", Set.of("completed", "failed", "cancelled"), work, spec);
        assertEquals("resumed from checkpoint-7", done.at("/result/content/0/text").asText(), done.toString());
    }

    @Test
    void aTaskThatCannotBeResumedFailsWithAReasonWhenItsInstanceStopped() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        SyncToolSpecification work = tool("work", (exchange, request) -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CallToolResult.builder().addTextContent("late").build();
        });
        TaskSpec spec = TaskSpec.optional();
        Tasks a = instance(spec, "work");
        Tasks b = instance(spec, "work");
        String id = a.runner().start(work, call("work"), "alice", null, capabilities(), null, null).path("taskId").asText();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        a.close();
        JsonNode failed = awaitStatus(b, id, "alice", Set.of("completed", "failed", "cancelled"), work, spec);
        assertEquals("failed", failed.path("status").asText(), failed.toString());
        assertTrue(failed.at("/error/message").asText().contains("cannot be resumed"), failed.toString());
    }
}
