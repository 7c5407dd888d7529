package dev.kairos.server.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.transports.AccessToken;
import dev.kairos.transports.Caller;
import dev.kairos.transports.HttpHost;
import dev.kairos.transports.HttpSettings;
import dev.kairos.transports.LiveServers;
import dev.kairos.transports.McpFeatures;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kairos's own memory tools called through a real MCP client against a real embedded graph. */
class KairosToolsetTest {
    @RegisterExtension
    static final TestMemory memory = new TestMemory();
    static McpHarness mcp;

    @BeforeAll
    static void start() throws Exception {
        mcp = McpHarness.start(sink -> MemoryTools.create(memory.graph(), Toolset.KAIROS, "default", sink), Caller.local("default"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (mcp != null) {
            mcp.close();
        }
    }

    @Test
    void everyToolHasSchemasAnnotationsAndADescription() {
        List<McpSchema.Tool> tools = mcp.client().listTools().tools();
        assertEquals(List.of("memory_add_episode", "memory_add_fact", "memory_upsert_entity", "memory_search_facts",
                "memory_search_entities", "memory_search_episodes", "memory_timeline", "memory_neighbourhood",
                "memory_invalidate_fact", "memory_delete", "memory_clear_group", "memory_status", "memory_retry_failed",
                "memory_import"),
                tools.stream().map(McpSchema.Tool::name).toList());
        for (McpSchema.Tool t : tools) {
            assertNotNull(t.outputSchema(), t.name());
            assertNotNull(t.annotations(), t.name());
            assertNotNull(t.annotations().readOnlyHint(), t.name());
            assertTrue(t.description().length() > 30, t.name());
        }
        var byName = tools.stream().collect(java.util.stream.Collectors.toMap(McpSchema.Tool::name, t -> t));
        assertTrue(byName.get("memory_search_facts").annotations().readOnlyHint());
        assertTrue(byName.get("memory_delete").annotations().destructiveHint());
        assertFalse(byName.get("memory_add_episode").annotations().idempotentHint());
    }

    @Test
    void anEpisodeIsStoredAndFoundAgain() {
        CallToolResult added = ok(mcp.call("memory_add_episode", Map.of(
                "content", "Marguerite adopted a grey cat called Pistache in Lyon.",
                "reference_time", "2024-05-02T09:00:00Z")));
        Map<String, Object> episode = map(structured(added).get("episode"));
        assertEquals("default", episode.get("group_id"));
        assertEquals("pending", episode.get("extraction"));
        assertEquals("2024-05-02T09:00:00Z", episode.get("valid_at"));

        CallToolResult found = ok(mcp.call("memory_search_episodes", Map.of("query", "cat called Pistache")));
        List<Map<String, Object>> episodes = list(structured(found).get("episodes"));
        assertFalse(episodes.isEmpty());
        assertEquals(episode.get("uuid"), episodes.getFirst().get("uuid"));
        // the text copy carries the same JSON
        assertTrue(((McpSchema.TextContent) found.content().getFirst()).text().contains((String) episode.get("uuid")));

        var read = mcp.client().readResource(new McpSchema.ReadResourceRequest("memory://episode/" + episode.get("uuid")));
        assertTrue(((McpSchema.TextResourceContents) read.contents().getFirst()).text().contains("Pistache"));
    }

    @Test
    void aTimeInTheQueryIsReadAtTheReferenceTimeAndMethodsCanBeChosen() {
        String may = (String) map(structured(ok(mcp.call("memory_add_episode", Map.of("group_id", "when",
                "content", "Marguerite adopted a grey cat called Pistache in Lyon.", "reference_time", "2024-05-02T09:00:00Z"))))
                .get("episode")).get("uuid");
        String august = (String) map(structured(ok(mcp.call("memory_add_episode", Map.of("group_id", "when",
                "content", "Marguerite took her grey cat to the vet for a check-up.", "reference_time", "2024-08-10T09:00:00Z"))))
                .get("episode")).get("uuid");
        // The same words asked at two times mean two windows.
        for (var asked : Map.of("2024-08-24T10:00:00Z", august, "2024-05-16T10:00:00Z", may).entrySet()) {
            List<Map<String, Object>> found = list(structured(ok(mcp.call("memory_search_episodes", Map.of("group_ids", List.of("when"),
                    "query", "What happened with the cat two weeks ago?", "reference_time", asked.getKey())))).get("episodes"));
            assertEquals(asked.getValue(), found.getFirst().get("uuid"), "asked at " + asked.getKey());
        }
        List<Map<String, Object>> words = list(structured(ok(mcp.call("memory_search_episodes", Map.of("group_ids", List.of("when"),
                "query", "vet check-up", "methods", List.of("fulltext"), "rerank", "mmr")))).get("episodes"));
        assertEquals(List.of(august), words.stream().map(e -> e.get("uuid")).toList(), "fulltext alone finds only the words");
        // No entity has been extracted here, so the entities method alone finds nothing (and is a known name).
        assertEquals(List.of(), list(structured(ok(mcp.call("memory_search_episodes", Map.of("group_ids", List.of("when"),
                "query", "Marguerite and Pistache", "methods", List.of("entities"))))).get("episodes")));
        assertError(mcp.call("memory_search_episodes", Map.of("query", "cat", "methods", List.of("vector", "telepathy"))), "methods/1");
        assertError(mcp.call("memory_search_facts", Map.of("query", "cat", "reference_time", "yesterday")), "reference_time");
    }

    @Test
    void aSupersededFactAnswersNowAndThen() {
        Map<String, Object> acme = map(structured(ok(mcp.call("memory_add_fact", Map.of(
                "source", "Ines", "relation", "WORKS_AT", "target", "Acme Anvils",
                "fact", "Ines works at Acme Anvils", "valid_at", "2020-01-01", "group_id", "timeline")))).get("fact"));
        Map<String, Object> beta = map(structured(ok(mcp.call("memory_add_fact", Map.of(
                "source", "Ines", "relation", "WORKS_AT", "target", "Beta Bakery",
                "fact", "Ines works at Beta Bakery", "valid_at", "2023-06-01", "supersede", true,
                "group_id", "timeline")))).get("fact"));

        List<String> now = factTexts(mcp.call("memory_search_facts", Map.of("query", "where does Ines work", "group_ids", List.of("timeline"))));
        assertTrue(now.contains("Ines works at Beta Bakery"), now.toString());
        assertFalse(now.contains("Ines works at Acme Anvils"), now.toString());

        List<String> then = factTexts(mcp.call("memory_search_facts", Map.of("query", "where does Ines work",
                "group_ids", List.of("timeline"), "as_of", "2021-03-01")));
        assertEquals(List.of("Ines works at Acme Anvils"), then);

        CallToolResult timeline = ok(mcp.call("memory_timeline", Map.of("entity_name", "Ines", "group_id", "timeline")));
        List<Map<String, Object>> facts = list(structured(timeline).get("facts"));
        assertEquals(List.of(acme.get("uuid"), beta.get("uuid")), facts.stream().map(f -> f.get("uuid")).toList());
        assertEquals("2023-06-01T00:00:00Z", facts.get(0).get("invalid_at"));
        assertEquals(false, facts.get(0).get("current"));
        assertEquals(true, facts.get(1).get("current"));
    }

    @Test
    void invalidatingKeepsHistoryAndDeletingRemoves() {
        Map<String, Object> fact = map(structured(ok(mcp.call("memory_add_fact", Map.of(
                "source", "Oskar", "relation", "LIVES_IN", "target", "Tampere", "valid_at", "2019-01-01",
                "group_id", "moves")))).get("fact"));
        assertEquals("Oskar LIVES_IN Tampere", fact.get("fact"));
        Map<String, Object> invalidated = map(structured(ok(mcp.call("memory_invalidate_fact", Map.of(
                "uuid", fact.get("uuid"), "invalid_at", "2022-08-01")))).get("fact"));
        assertEquals("2022-08-01T00:00:00Z", invalidated.get("invalid_at"));
        assertNotNull(invalidated.get("expired_at"));
        assertTrue(factTexts(mcp.call("memory_search_facts", Map.of("query", "Oskar Tampere", "group_ids", List.of("moves")))).isEmpty());
        assertEquals(List.of("Oskar LIVES_IN Tampere"), factTexts(mcp.call("memory_search_facts", Map.of(
                "query", "Oskar Tampere", "group_ids", List.of("moves"), "include_invalidated", true))));

        Map<String, Object> deleted = map(structured(ok(mcp.call("memory_delete", Map.of("kind", "fact", "uuid", fact.get("uuid"))))).get("deleted"));
        assertEquals(1, ((Number) deleted.get("facts")).intValue());
        CallToolResult again = mcp.call("memory_delete", Map.of("kind", "fact", "uuid", fact.get("uuid")));
        assertTrue(again.isError());
        assertTrue(text(again).contains("uuid"), text(again));
    }

    @Test
    void badArgumentsComeBackAsToolErrorsNamingTheField() {
        assertError(mcp.call("memory_add_episode", Map.of("content", "x", "reference_time", "2023-02-30")), "reference_time");
        assertError(mcp.call("memory_add_episode", Map.of("content", "x", "group_id", "no spaces allowed")), "group_id");
        assertError(mcp.call("memory_add_episode", Map.of("content", " ")), "content");
        // text with nothing visible in it, which the embedder would refuse, is an input error too
        for (String invisible : List.of("\u202e", "\u0000", "\u200b\u0301", "\ufeff \t")) {
            CallToolResult r = mcp.call("memory_add_episode", Map.of("content", invisible));
            assertError(r, "content");
            assertFalse(text(r).contains("internal error") || text(r).contains("Exception"), text(r));
            assertError(mcp.call("memory_upsert_entity", Map.of("name", invisible)), "name");
        }
        assertError(mcp.call("memory_search_facts", Map.of("query", "\u202e")), "query");
        assertError(mcp.call("memory_add_episode", Map.of("content", "x".repeat(100_001))), "content");
        assertError(mcp.call("memory_upsert_entity", Map.of("name", "Zed", "types", List.of("Person", "Bad Label!"))), "types[1]");
        assertError(mcp.call("memory_add_fact", Map.of("source", "A", "target", "B", "relation", "DROP}) //")), "relation");
        assertError(mcp.call("memory_timeline", Map.of("entity_uuid", "0000-missing")), "entity_uuid");
        assertError(mcp.call("memory_search_facts", Map.of("query", "x", "limit", 1000)), "limit");
        assertError(mcp.call("memory_delete", Map.of("kind", "planet", "uuid", "abc")), "kind");
        // a misspelt argument is refused rather than ignored (it could send a memory to the wrong group)
        assertError(mcp.call("memory_add_episode", Map.of("content", "x", "group", "elsewhere")), "group");
    }

    @Test
    void injectionStringsAreStoredAsPlainText() {
        String evil = "x'}) MATCH (n) DETACH DELETE n //\" ; CALL db.clearQueryCaches() `";
        Map<String, Object> entity = map(structured(ok(mcp.call("memory_upsert_entity", Map.of(
                "name", evil, "summary", evil, "observations", List.of(evil), "attributes", Map.of("k", evil),
                "group_id", "evil")))).get("entity"));
        assertEquals(evil, entity.get("name"));
        ok(mcp.call("memory_add_episode", Map.of("content", evil, "name", evil, "source_description", evil, "group_id", "evil")));
        ok(mcp.call("memory_add_fact", Map.of("source", evil, "relation", "KNOWS", "target", evil + "2", "fact", evil, "group_id", "evil")));
        ok(mcp.call("memory_search_facts", Map.of("query", evil, "group_ids", List.of("evil"))));
        ok(mcp.call("memory_search_entities", Map.of("query", evil, "group_ids", List.of("evil"))));
        ok(mcp.call("memory_search_episodes", Map.of("query", evil, "group_ids", List.of("evil"))));
        Map<String, Object> counts = map(structured(ok(mcp.call("memory_status", Map.of("group_ids", List.of("evil"))))).get("counts"));
        assertEquals(2, ((Number) counts.get("entities")).intValue());
        assertEquals(1, ((Number) counts.get("episodes")).intValue());
    }

    @Test
    void subscribersHearWhenAnEntityChanges() throws Exception {
        Map<String, Object> entity = map(structured(ok(mcp.call("memory_upsert_entity", Map.of(
                "name", "Lighthouse", "group_id", "watch")))).get("entity"));
        String uri = "memory://entity/" + entity.get("uuid");
        mcp.client().subscribeResource(new McpSchema.SubscribeRequest(uri));
        ok(mcp.call("memory_upsert_entity", Map.of("name", "Lighthouse", "observations", List.of("painted red"), "group_id", "watch")));
        assertTrue(mcp.awaitUpdate(uri, Duration.ofSeconds(30)), "no resources/updated for " + uri);
        var read = mcp.client().readResource(new McpSchema.ReadResourceRequest(uri));
        assertTrue(((McpSchema.TextResourceContents) read.contents().getFirst()).text().contains("painted red"));
    }

    @Test
    void aCallerRestrictedToOneGroupIsRefusedOthersNamingTheGroup() throws Exception {
        Map<String, Object> secret = map(structured(ok(mcp.call("memory_upsert_entity", Map.of(
                "name", "Vault", "observations", List.of("code 4711"), "group_id", "beta")))).get("entity"));
        Caller alice = new Caller("alice", java.util.Set.of("alpha"), false, "alpha");
        try (McpHarness asAlice = McpHarness.start(sink -> MemoryTools.create(memory.graph(), Toolset.KAIROS, "default", sink), alice)) {
            // no group given: the caller's default group
            Map<String, Object> episode = map(structured(ok(asAlice.call("memory_add_episode", Map.of("content", "Alice's note")))).get("episode"));
            assertEquals("alpha", episode.get("group_id"));
            // naming another group is refused, never silently filtered
            CallToolResult write = asAlice.call("memory_add_episode", Map.of("content", "sneaky", "group_id", "beta"));
            assertError(write, "group_id");
            assertTrue(text(write).contains("'beta'"), text(write));
            CallToolResult read = asAlice.call("memory_search_entities", Map.of("query", "Vault", "group_ids", List.of("alpha", "beta")));
            assertError(read, "group_ids[1]");
            assertTrue(text(read).contains("'beta'"), text(read));
            assertError(asAlice.call("memory_clear_group", Map.of("group_id", "beta")), "beta");
            // uuids of another group's records read as unknown
            assertError(asAlice.call("memory_timeline", Map.of("entity_uuid", secret.get("uuid"))), "entity_uuid");
            assertError(asAlice.call("memory_delete", Map.of("kind", "entity", "uuid", secret.get("uuid"))), "uuid");
            var err = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> asAlice.client()
                    .readResource(new McpSchema.ReadResourceRequest("memory://entity/" + secret.get("uuid"))));
            assertFalse(String.valueOf(err.getMessage()).contains("4711"));
        }
        // and the data is untouched for its owner
        assertTrue(text(ok(mcp.call("memory_timeline", Map.of("entity_uuid", secret.get("uuid"))))).contains("Vault"));
    }

    @Test
    void subscribingToAnotherTenantsRecordIsRefusedLikeReadingIt() throws Exception {
        LiveServers live = new LiveServers();
        MemoryTools tools = MemoryTools.create(memory.graph(), Toolset.KAIROS, "default", live::resourceUpdated);
        McpFeatures features = new McpFeatures("kairos-test", "0", null, tools.tools(), tools.resources(),
                tools.resourceTemplates(), List.of(), List.of(), tools.subscriptionGuard());
        var tokens = List.of(new AccessToken("alice", ALICE, Set.of("alpha"), null),
                new AccessToken("bob", BOB, Set.of("beta"), null));
        try (HttpHost host = new HttpHost(HttpSettings.defaults().withPort(0).withTokens(tokens), features, live,
                "default", () -> "{}").start()) {
            BlockingQueue<String> aliceHears = new LinkedBlockingQueue<>();
            try (McpSyncClient bob = client(host, BOB, false, new LinkedBlockingQueue<>());
                 McpSyncClient alice = client(host, ALICE, false, aliceHears);
                 McpSyncClient aliceLegacy = client(host, ALICE, true, new LinkedBlockingQueue<>())) {
                Map<String, Object> vault = map(structured(ok(bob.callTool(new McpSchema.CallToolRequest("memory_upsert_entity",
                        Map.of("name", "Vault", "observations", List.of("code 4711")))))).get("entity"));
                Map<String, Object> note = map(structured(ok(bob.callTool(new McpSchema.CallToolRequest("memory_add_episode",
                        Map.of("content", "Bob's private note"))))).get("episode"));
                assertEquals("beta", vault.get("group_id"));
                String missing = "memory://entity/" + java.util.UUID.randomUUID();
                for (String uri : List.of("memory://entity/" + vault.get("uuid"), "memory://episode/" + note.get("uuid"), missing)) {
                    McpError read = assertThrows(McpError.class, () -> alice.readResource(new McpSchema.ReadResourceRequest(uri)));
                    McpError subscribe = assertThrows(McpError.class, () -> alice.subscribeResource(new McpSchema.SubscribeRequest(uri)));
                    assertEquals(read.getJsonRpcError().code(), subscribe.getJsonRpcError().code(), uri);
                    assertEquals(read.getJsonRpcError().message(), subscribe.getJsonRpcError().message(), uri);
                    // the legacy SSE transport refuses it too (as the answer to its POST)
                    RuntimeException legacy = assertThrows(RuntimeException.class,
                            () -> aliceLegacy.subscribeResource(new McpSchema.SubscribeRequest(uri)));
                    assertTrue(String.valueOf(legacy.getMessage()).contains(read.getJsonRpcError().message()), legacy.toString());
                }
                // the owner subscribes to it, and a caller to its own records, as before
                bob.subscribeResource(new McpSchema.SubscribeRequest("memory://entity/" + vault.get("uuid")));
                Map<String, Object> mine = map(structured(ok(alice.callTool(new McpSchema.CallToolRequest("memory_upsert_entity",
                        Map.of("name", "Desk"))))).get("entity"));
                String mineUri = "memory://entity/" + mine.get("uuid");
                alice.subscribeResource(new McpSchema.SubscribeRequest(mineUri));
                aliceLegacy.subscribeResource(new McpSchema.SubscribeRequest(mineUri));
                ok(alice.callTool(new McpSchema.CallToolRequest("memory_upsert_entity",
                        Map.of("name", "Desk", "observations", List.of("oak")))));
                assertEquals(mineUri, aliceHears.poll(30, TimeUnit.SECONDS), "alice hears of her own entity's change");
            }
        }
    }

    @Test
    void aUuidInAnotherTenantsGroupIsRefusedInTheSameWordsAsOneInTheCallersOwn() throws Exception {
        Map<String, Object> theirs = map(structured(ok(mcp.call("memory_add_episode", Map.of(
                "content", "Minutes of the board", "group_id", "boardroom")))).get("episode"));
        Caller alice = new Caller("alice", Set.of("alpha"), false, "alpha");
        try (McpHarness asAlice = McpHarness.start(sink -> MemoryTools.create(memory.graph(), Toolset.KAIROS, "default", sink), alice)) {
            Map<String, Object> mine = map(structured(ok(asAlice.call("memory_add_episode", Map.of(
                    "content", "Alice's shopping list")))).get("episode"));
            CallToolResult other = asAlice.call("memory_add_episode", Map.of("content", "probe", "uuid", theirs.get("uuid")));
            CallToolResult own = asAlice.call("memory_add_episode", Map.of("content", "probe", "uuid", mine.get("uuid")));
            assertError(other, "uuid");
            assertError(own, "uuid");
            assertEquals(text(own).replace((String) mine.get("uuid"), "X"), text(other).replace((String) theirs.get("uuid"), "X"),
                    "a uuid of another tenant reads like one of the caller's own");
            assertFalse(text(other).contains("already") || text(other).contains("boardroom"), text(other));
            // sending the same episode again (an answer lost on the way) gets the stored one back
            Map<String, Object> retried = map(structured(ok(asAlice.call("memory_add_episode", Map.of(
                    "content", "Alice's shopping list", "uuid", mine.get("uuid"))))).get("episode"));
            assertEquals(mine.get("uuid"), retried.get("uuid"));
        }
        // the other tenant's episode is untouched
        var read = mcp.client().readResource(new McpSchema.ReadResourceRequest("memory://episode/" + theirs.get("uuid")));
        assertTrue(((McpSchema.TextResourceContents) read.contents().getFirst()).text().contains("Minutes of the board"));
    }

    private static final String ALICE = "alice-secret-0123456789abcdef";
    private static final String BOB = "bob-secret-0123456789abcdefgh";

    /** A real SDK client over Streamable HTTP (or legacy SSE) with a bearer token; resource updates go to {@code heard}. */
    private static McpSyncClient client(HttpHost host, String secret, boolean legacy, BlockingQueue<String> heard) {
        var auth = HttpRequest.newBuilder().header("Authorization", "Bearer " + secret);
        var transport = legacy
                ? HttpClientSseClientTransport.builder(host.baseUrl()).sseEndpoint(HttpHost.SSE_PATH).requestBuilder(auth).build()
                : HttpClientStreamableHttpTransport.builder(host.baseUrl()).endpoint(HttpHost.MCP_PATH).requestBuilder(auth).build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
                .resourcesUpdateConsumer(contents -> contents.forEach(c -> heard.add(c.uri()))).build();
        client.initialize();
        return client;
    }

    @Test
    void neighbourhoodBeliefTimeAndClearingAGroup() {
        ok(mcp.call("memory_add_fact", Map.of("source", "Mira", "relation", "KNOWS", "target", "Jonas", "group_id", "hood")));
        ok(mcp.call("memory_add_fact", Map.of("source", "Jonas", "relation", "KNOWS", "target", "Pia", "group_id", "hood")));
        Map<String, Object> hood = structured(ok(mcp.call("memory_neighbourhood", Map.of(
                "entity_name", "Mira", "group_id", "hood", "hops", 2))));
        assertEquals("Mira", map(hood.get("centre")).get("name"));
        Map<String, Integer> hops = new java.util.TreeMap<>();
        list(hood.get("entities")).forEach(r -> hops.put((String) map(r.get("entity")).get("name"), ((Number) r.get("hops")).intValue()));
        assertEquals(1, hops.get("Jonas"));
        assertEquals(2, hops.get("Pia"));
        assertEquals(2, list(hood.get("facts")).size());

        // nothing in this group was known in 2000
        assertTrue(factTexts(mcp.call("memory_search_facts", Map.of("query", "Mira knows Jonas",
                "group_ids", List.of("hood"), "belief_as_of", "2000-01-01"))).isEmpty());
        assertEquals(List.of("Mira KNOWS Jonas"), factTexts(mcp.call("memory_search_facts", Map.of("query", "Mira knows Jonas",
                "group_ids", List.of("hood"), "limit", 1))));

        Map<String, Object> cleared = structured(ok(mcp.call("memory_clear_group", Map.of("group_id", "hood"))));
        assertEquals(3, ((Number) map(cleared.get("deleted")).get("entities")).intValue());
        Map<String, Object> counts = map(structured(ok(mcp.call("memory_status", Map.of("group_ids", List.of("hood"))))).get("counts"));
        assertEquals(0, ((Number) counts.get("entities")).intValue());
        assertEquals(0, ((Number) counts.get("facts")).intValue());
    }

    @Test
    void statusSaysReadyWithCounts() {
        Map<String, Object> status = structured(ok(mcp.call("memory_status", Map.of())));
        assertEquals("ready", status.get("state"));
        assertEquals(384, ((Number) status.get("dimension")).intValue());
        assertEquals(List.of("default"), status.get("groups"));
    }

    @Test
    void theBoltAddressIsShownOnlyToCallersAllowedEveryGroup() throws Exception {
        String bolt = ((dev.kairos.memory.MemoryStatus.Ready) memory.graph().status()).boltUri();
        assertTrue(String.valueOf(structured(ok(mcp.call("memory_status", Map.of()))).get("detail")).contains(bolt),
                "the local user sees where the store is");
        Caller tenant = new Caller("tenant", java.util.Set.of("alpha"), false, "alpha");
        try (McpHarness asTenant = McpHarness.start(sink -> MemoryTools.create(memory.graph(), Toolset.KAIROS, "default", sink), tenant)) {
            CallToolResult status = ok(asTenant.call("memory_status", Map.of()));
            assertFalse(text(status).contains(bolt), "no Bolt address for a tenant: " + text(status));
            assertFalse(text(status).contains("127.0.0.1"), text(status));
        }
    }

    @Test
    void statusShowsTheExtractionQueueAndRetryRequeuesOnlyTheCallersFailures() throws Exception {
        // One failed episode in each of two groups, as the ingest worker leaves them.
        var queue = memory.graph().ingestQueue();
        String mine = failed("retry-alpha", "Ada moved to Oslo.");
        String theirs = failed("retry-beta", "Bo moved to Rome.");
        Map<String, Object> status = structured(ok(mcp.call("memory_status", Map.of("group_ids", List.of("retry-alpha")))));
        Map<String, Object> ingestion = map(status.get("ingestion"));
        assertEquals(1, ((Number) ingestion.get("failed")).intValue());
        assertEquals(0, ((Number) ingestion.get("pending")).intValue());
        assertTrue(String.valueOf(ingestion.get("model")).contains("off"), String.valueOf(ingestion.get("model")));
        Map<String, Object> failure = list(ingestion.get("failed_episodes")).getFirst();
        assertEquals(mine, failure.get("uuid"));
        assertEquals("the model's extraction answer was unusable", failure.get("last_error"));

        Caller alpha = new Caller("alpha-only", java.util.Set.of("retry-alpha"), false, "retry-alpha");
        try (McpHarness asAlpha = McpHarness.start(sink -> MemoryTools.create(memory.graph(), Toolset.KAIROS, "default", sink), alpha)) {
            assertError(asAlpha.call("memory_retry_failed", Map.of("group_ids", List.of("retry-beta"))), "group_ids[0]");
            Map<String, Object> retried = structured(ok(asAlpha.call("memory_retry_failed", Map.of())));
            assertEquals(1, ((Number) retried.get("requeued")).intValue());
            assertEquals(List.of("retry-alpha"), retried.get("groups"));
        }
        assertEquals(dev.kairos.memory.Episode.Extraction.PENDING, queue.entry(mine).orElseThrow().state());
        assertEquals(0, queue.entry(mine).orElseThrow().attempts());
        assertEquals(dev.kairos.memory.Episode.Extraction.FAILED, queue.entry(theirs).orElseThrow().state(),
                "another group's failure is left alone");
    }

    private static String failed(String group, String text) {
        var e = memory.graph().addEpisode(dev.kairos.memory.NewEpisode.text(group, "e", text));
        assertEquals(e.uuid(), memory.graph().ingestQueue().claimNext(group).orElseThrow().uuid());
        memory.graph().ingestQueue().finish(e.uuid(), dev.kairos.memory.Episode.Extraction.FAILED,
                "the model's extraction answer was unusable", "not json");
        return e.uuid();
    }

    // ---- helpers ----

    static CallToolResult ok(CallToolResult r) {
        assertFalse(Boolean.TRUE.equals(r.isError()), () -> "tool error: " + text(r));
        return r;
    }

    static void assertError(CallToolResult r, String field) {
        assertTrue(Boolean.TRUE.equals(r.isError()), () -> "expected an error naming " + field + ", got " + text(r));
        assertTrue(text(r).contains(field), () -> "error does not name " + field + ": " + text(r));
    }

    static String text(CallToolResult r) {
        return r.content().stream().filter(c -> c instanceof McpSchema.TextContent)
                .map(c -> ((McpSchema.TextContent) c).text()).findFirst().orElse("");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> structured(CallToolResult r) {
        return (Map<String, Object>) r.structuredContent();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    static List<String> factTexts(CallToolResult r) {
        return list(structured(ok(r)).get("facts")).stream().map(f -> (String) f.get("fact")).toList();
    }
}
