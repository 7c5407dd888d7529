package dev.kairos.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveCatalogueTest {
    static final class Listed implements ToolProvider {
        final String name;
        final List<String> names;
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();

        Listed(String name, String... names) {
            this.name = name;
            this.names = new CopyOnWriteArrayList<>(names);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<ToolDescriptor> tools() {
            return names.stream().map(n -> new ToolDescriptor(n, null, null, null, null, null)).toList();
        }

        @Override
        public io.modelcontextprotocol.spec.McpSchema.CallToolResult call(String tool, com.fasterxml.jackson.databind.JsonNode a,
                                                                        ToolCallControl c) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void onToolsChanged(Runnable listener) {
            listeners.add(listener);
        }
    }

    @Test
    void namesAreValidUniqueAndStable() {
        Listed a = new Listed("files", "read", "write", "search.docs", "x".repeat(80));
        Listed b = new Listed("web", "search.docs", "fetch");
        LiveCatalogue cat = new LiveCatalogue(List.of(a, b));
        List<String> names = cat.tools().stream().map(CatalogueTool::modelName).toList();
        assertTrue(names.stream().allMatch(n -> n.matches("^[a-zA-Z0-9_-]{1,64}$")), names.toString());
        assertEquals(names.size(), names.stream().distinct().count());
        assertTrue(names.contains("files__search_docs") && names.contains("web__search_docs"), names.toString());
        assertTrue(names.contains("read") && names.contains("fetch"));
        List<String> again = new LiveCatalogue(List.of(new Listed("files", "x".repeat(80), "write", "search.docs", "read"),
                new Listed("web", "fetch", "search.docs"))).tools().stream().map(CatalogueTool::modelName).toList();
        assertEquals(names, again);
    }

    @Test
    void includeExcludeAndPrefixApplyAndAChangeShowsOnTheNextRead() {
        Listed a = new Listed("a", "one", "two", "three");
        McpServerSettings s = new McpServerSettings("a", new dev.kairos.transports.ServerEndpoint.Stdio("x", null, null, null),
                true, null, List.of("two"), Duration.ofSeconds(5), null, null, null, null, true);
        LiveCatalogue cat = new LiveCatalogue(List.of(a), Map.of("a", s), Duration.ofSeconds(60));
        assertEquals(List.of("a__one", "a__three"), cat.tools().stream().map(CatalogueTool::modelName).toList());
        assertEquals(Duration.ofSeconds(5), cat.tools().getFirst().timeout());
        a.names.add("four");
        assertEquals(2, cat.tools().size());
        a.listeners.forEach(Runnable::run);
        assertEquals(List.of("a__four", "a__one", "a__three"), cat.tools().stream().map(CatalogueTool::modelName).toList());
    }
}
