package dev.kairos.agent;

import dev.kairos.inference.ToolCall;
import dev.kairos.transports.ServerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A downstream server on MCP 2026-07-28 through the agent's client stack (DownstreamServers,
 * LiveCatalogue, ParallelToolExecutor): FaultyServer in its stateless mode, which refuses any request
 * without the revision's {@code _meta} and announces tool changes only on {@code subscriptions/listen}.
 */
class StatelessDownstreamTest {
    @TempDir
    Path dir;
    private DownstreamServers servers;

    @AfterEach
    void close() {
        if (servers != null) {
            servers.close();
        }
    }

    private ParallelToolExecutor executor(McpServerSettings settings) throws InterruptedException {
        servers = DownstreamServers.connect(List.of(settings), DownstreamStdioTest.options());
        return new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(30)),
                ExecutorSettings.defaults(), ToolApproval.REFUSE);
    }

    @Test
    void aToolListChangeOnTheListenStreamReachesTheCatalogue() throws Exception {
        ParallelToolExecutor ex = executor(McpServerSettings.of("faulty",
                DownstreamStdioTest.faulty(Map.of("MODE", "stateless"))));
        ServerState st = servers.providers().getFirst().state();
        assertEquals(ServerState.Status.READY, st.status(), st.detail());
        assertEquals("2026-07-28", st.protocol());
        assertEquals("faulty 1", st.server());
        LiveCatalogue cat = ex.catalogue();
        assertTrue(cat.find("late").isEmpty());
        ToolCallResult added = ex.runAll(List.of(new ToolCall("a", "add_tool", "{\"name\":\"late\"}")), e -> { }).getFirst();
        assertEquals("added late", added.text());
        // the list's ttlMs is ten minutes: only the notification on the listen stream can bring the new tool now
        DownstreamStdioTest.await(() -> cat.find("late").isPresent(), "the new tool in the catalogue");
        ToolCallResult r = ex.runAll(List.of(new ToolCall("b", "late", "{}")), e -> { }).getFirst();
        assertEquals(ToolOutcome.OK, r.outcome(), r.text());
        assertEquals("this is late", r.text());
    }

    @Test
    void aListenStreamTheServerEndsIsOpenedAgainAndTheListFetchedAfresh() throws Exception {
        ParallelToolExecutor ex = executor(McpServerSettings.of("faulty",
                DownstreamStdioTest.faulty(Map.of("MODE", "stateless"))));
        LiveCatalogue cat = ex.catalogue();
        // ended with its final result; the tool added meanwhile is announced nowhere (the list's ttlMs is ten minutes)
        assertEquals("ended the stream; added late1",
                ex.runAll(List.of(new ToolCall("a", "end_listen", "{\"name\":\"late1\"}")), e -> { }).getFirst().text());
        DownstreamStdioTest.await(() -> cat.find("late1").isPresent(), "late1 from the list fetched when the stream was reopened");
        // ended the stdio way, with notifications/cancelled for the listen request
        assertEquals("ended the stream; added late2",
                ex.runAll(List.of(new ToolCall("b", "cancel_listen", "{\"name\":\"late2\"}")), e -> { }).getFirst().text());
        DownstreamStdioTest.await(() -> cat.find("late2").isPresent(), "late2 from the list fetched when the stream was reopened");
        // the reopened stream carries notifications again
        assertEquals("added late3", ex.runAll(List.of(new ToolCall("c", "add_tool", "{\"name\":\"late3\"}")), e -> { })
                .getFirst().text());
        DownstreamStdioTest.await(() -> cat.find("late3").isPresent(), "late3 announced on the reopened stream");
        ToolCallResult r = ex.runAll(List.of(new ToolCall("d", "late2", "{}")), e -> { }).getFirst();
        assertEquals("this is late2", r.text());
    }

    @Test
    void aTimedOutCallIsCancelledWithNotificationsCancelledAndProgressArrives() throws Exception {
        Path log = dir.resolve("cancelled.log");
        McpServerSettings s = new McpServerSettings("faulty", DownstreamStdioTest.faulty(Map.of("MODE", "stateless",
                "CANCEL_LOG", log.toString())), true, null, null, null, Map.of("hang", Duration.ofMillis(500)), null,
                null, null, false);
        ParallelToolExecutor ex = executor(s);
        List<ToolEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<ToolCallResult> r = ex.runAll(List.of(new ToolCall("a", "hang", "{}"), new ToolCall("p", "progress", "{}")),
                events::add);
        assertEquals(ToolOutcome.TIMEOUT, r.get(0).outcome());
        assertEquals("progressed", r.get(1).text());
        assertTrue(events.stream().anyMatch(e -> e instanceof ToolEvent.Progress pr && "step 2".equals(pr.message())),
                events.toString());
        DownstreamStdioTest.await(() -> Files.exists(log), "notifications/cancelled at the server");
        assertTrue(Files.readString(log).startsWith("kairos-"), Files.readString(log));
        assertEquals(ToolOutcome.OK, ex.runAll(List.of(new ToolCall("c", "echo", "{\"text\":\"x\"}")), e -> { })
                .getFirst().outcome());
    }
}
