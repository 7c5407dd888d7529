package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.Engines;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.kairos.agent.LocalTools.ok;
import static dev.kairos.agent.LocalTools.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApprovalTest {
    private final Engines engines = new Engines();
    private EngineSimulator sim;
    private final Set<String> files = ConcurrentHashMap.newKeySet();

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
        engines.close();
    }

    private LocalTools tools() {
        files.addAll(List.of("a.txt", "b.txt", "c.txt"));
        String path = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}";
        return new LocalTools(Set.of("archive"), LocalTools.provider("files", List.of(
                tool("list_files", "{\"type\":\"object\"}", LocalTools.READ_ONLY),
                tool("delete_file", path, LocalTools.DESTRUCTIVE),
                tool("archive", path, LocalTools.HARMLESS)),
                (name, args) -> switch (name) {
                    case "list_files" -> ok(String.join(",", files.stream().sorted().toList()));
                    case "delete_file" -> files.remove(args.path("path").asText()) ? ok("deleted") : LocalTools.error("no such file");
                    case "archive" -> ok("archived " + args.path("path").asText());
                    default -> LocalTools.error("no such tool");
                }));
    }

    @Test
    void oneApprovedAndOneRefusedDestructiveCallInTheSameTurnAsAHarmlessOne() throws Exception {
        sim = new SimScript().calls("delete_file", "{\"path\":\"a.txt\"}", "delete_file", "{\"path\":\"b.txt\"}", "list_files", "{}")
                .text("Deleted a.txt; b.txt was kept.").start();
        LocalTools tools = tools();
        CountDownLatch harmlessDone = new CountDownLatch(1);
        List<String> asked = new CopyOnWriteArrayList<>();
        // The person answers only once the harmless call has finished: it did not wait for them.
        Approver person = r -> {
            asked.add(r.call().id());
            boolean saw = harmlessDone.await(10, TimeUnit.SECONDS);
            boolean yes = saw && r.call().arguments().contains("a.txt");
            return new Approval(r.call(), r.tool().modelName(), yes, "test-person", yes ? "fine" : "keep b");
        };
        List<RunEvent> events = new CopyOnWriteArrayList<>();
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, person);
        RunResult r = agent.run(RunRequest.of("clean up a and b"), e -> {
            events.add(e);
            if (e instanceof RunEvent.ToolCallFinished f && f.result().call().name().equals("list_files")) {
                harmlessDone.countDown();
            }
        });
        assertEquals(Termination.ANSWERED, r.termination(), r.detail());
        assertEquals(2, asked.size(), "both destructive calls were asked, the harmless one was not");
        assertEquals(2, r.approvals().size());
        Approval a = r.approvals().stream().filter(x -> x.call().arguments().contains("a.txt")).findFirst().orElseThrow();
        Approval b = r.approvals().stream().filter(x -> x.call().arguments().contains("b.txt")).findFirst().orElseThrow();
        assertTrue(a.approved());
        assertFalse(b.approved());
        assertTrue(asked.contains(a.call().id()) && asked.contains(b.call().id()), "decisions carry the call ids");
        assertFalse(files.contains("a.txt"), "the approved call ran");
        assertTrue(files.contains("b.txt"), "the refused call did not");
        ToolCallResult refused = r.calls().stream().filter(c -> c.call().id().equals(b.call().id())).findFirst().orElseThrow();
        assertEquals(ToolOutcome.REFUSED, refused.outcome());
        assertTrue(refused.text().contains("refused"), refused.text());
        // the harmless result came before any decision
        int listed = indexOf(events, e -> e instanceof RunEvent.ToolCallFinished f && f.result().call().name().equals("list_files"));
        int decided = indexOf(events, e -> e instanceof RunEvent.ApprovalDecided);
        assertTrue(listed >= 0 && listed < decided, "harmless call finished before the first decision");
        assertEquals(2, events.stream().filter(e -> e instanceof RunEvent.ApprovalAsked).count());
        // the model reads the refusal in the next step, next to the other results
        JsonNode msgs = sim.received("/v1/chat/completions").get(1).json().path("messages");
        assertTrue(msgs.get(4).path("content").asText().contains("approval was refused"), msgs.toPrettyString());
    }

    @Test
    void aToolInTheServersConfirmListNeedsApprovalAndIsRefusedWithNoOneToAsk() throws Exception {
        sim = new SimScript().calls("archive", "{\"path\":\"c.txt\"}").text("Could not archive.").start();
        LocalTools tools = tools();
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.REFUSE);
        RunResult r = agent.run(RunRequest.of("archive c"), null);
        assertEquals(Termination.ANSWERED, r.termination());
        assertEquals(ToolOutcome.REFUSED, r.calls().getFirst().outcome());
        assertFalse(r.approvals().getFirst().approved());
    }

    @Test
    void approveAllRunsTheDestructiveCall() throws Exception {
        sim = new SimScript().calls("delete_file", "{\"path\":\"c.txt\"}").text("Gone.").start();
        LocalTools tools = tools();
        Agent agent = new Agent(Sims.client(engines, sim.url()), tools, tools, Approver.APPROVE_ALL);
        RunResult r = agent.run(RunRequest.of("delete c"), null);
        assertEquals(ToolOutcome.OK, r.calls().getFirst().outcome());
        assertFalse(files.contains("c.txt"));
    }

    @Test
    void theTerminalApproverReadsYesOrNo() throws Exception {
        LocalTools tools = tools();
        CatalogueTool del = tools.find("delete_file").orElseThrow();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        Approver terminal = Approver.terminal(new java.io.BufferedReader(new java.io.StringReader("y\nno\n")),
                new java.io.PrintStream(err, true));
        dev.kairos.inference.ToolCall c1 = new dev.kairos.inference.ToolCall("c1", "delete_file", "{\"path\":\"a\"}");
        dev.kairos.inference.ToolCall c2 = new dev.kairos.inference.ToolCall("c2", "delete_file", "{\"path\":\"b\"}");
        assertTrue(terminal.decide(new Approver.Request("r", c1, del, "destructive")).approved());
        assertFalse(terminal.decide(new Approver.Request("r", c2, del, "destructive")).approved());
        assertTrue(err.toString().contains("Approve delete_file"), err.toString());
    }

    private static int indexOf(List<RunEvent> events, java.util.function.Predicate<RunEvent> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
