package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.inference.ArgumentProblem;
import dev.kairos.inference.ArgumentValidator;
import dev.kairos.inference.ToolCall;
import io.modelcontextprotocol.spec.McpSchema;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A catalogue and a small parallel executor over in-process providers, used only by these tests
 * until the tool-connections executor is merged: every call of a turn on its own virtual thread,
 * arguments validated first, a timeout per call, results in the model's order.
 */
final class LocalTools implements ToolCatalogue, ToolExecutor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ToolProvider> providers;
    private final List<CatalogueTool> tools = new ArrayList<>();
    private final Map<String, ToolProvider> byTool = new HashMap<>();

    LocalTools(Set<String> confirm, ToolProvider... providers) {
        this.providers = List.of(providers);
        for (ToolProvider p : providers) {
            for (ToolDescriptor d : p.tools()) {
                boolean needs = d.hints().isDestructive() || confirm.contains(d.name());
                tools.add(new CatalogueTool(d.name(), p.name(), d, Duration.ofSeconds(10), needs, d.hints().isSafeToRepeat()));
                byTool.put(d.name(), p);
            }
        }
    }

    LocalTools(ToolProvider... providers) {
        this(Set.of(), providers);
    }

    @Override
    public List<CatalogueTool> tools() {
        return tools;
    }

    @Override
    public Turn begin(Consumer<ToolEvent> events) {
        return new Turn() {
            final Map<String, Future<ToolCallResult>> running = new LinkedHashMap<>();

            @Override
            public synchronized void start(ToolCall call) {
                if (running.containsKey(call.id())) {
                    return;
                }
                FutureTask<ToolCallResult> task = new FutureTask<>(() -> run(call, events));
                running.put(call.id(), task);
                Thread.ofVirtual().start(task);
            }

            @Override
            public List<ToolCallResult> finish(List<ToolCall> calls) throws InterruptedException {
                calls.forEach(this::start);
                List<ToolCallResult> out = new ArrayList<>();
                for (ToolCall c : calls) {
                    Future<ToolCallResult> f;
                    synchronized (this) {
                        f = running.get(c.id());
                    }
                    try {
                        out.add(f.get(30, TimeUnit.SECONDS));
                    } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException e) {
                        out.add(new ToolCallResult(c, "cancelled", null, ToolOutcome.CANCELLED, null, 1));
                    }
                }
                return out;
            }

            @Override
            public synchronized void cancel() {
                running.values().forEach(f -> f.cancel(true));
            }

            @Override
            public void close() {
                cancel();
            }
        };
    }

    private ToolCallResult run(ToolCall call, Consumer<ToolEvent> events) {
        Instant t0 = Instant.now();
        CatalogueTool tool = find(call.name()).orElse(null);
        ToolCallResult r;
        List<ArgumentProblem> problems = new ArgumentValidator(specs()).validate(call);
        if (tool == null) {
            r = new ToolCallResult(call, problems.getFirst().toString(), null, ToolOutcome.UNKNOWN_TOOL, null, 0);
        } else if (!problems.isEmpty()) {
            r = new ToolCallResult(call, ArgumentValidator.repairText(call, problems), null, ToolOutcome.INVALID_ARGUMENTS, null, 0);
        } else {
            ToolProvider p = byTool.get(call.name());
            events.accept(new ToolEvent.Started(call, p.name()));
            try {
                Instant deadline = Instant.now().plus(tool.timeout());
                McpSchema.CallToolResult res = p.call(tool.descriptor().name(), call.parsedArguments(), new ToolCallControl() {
                    @Override
                    public Instant deadline() {
                        return deadline;
                    }

                    @Override
                    public void progress(double progress, Double total, String message) {
                        events.accept(new ToolEvent.Progress(call, progress, total, message));
                    }
                });
                String text = res.content().stream().map(c -> c instanceof McpSchema.TextContent t ? t.text() : c.toString())
                        .collect(Collectors.joining("\n"));
                r = new ToolCallResult(call, text, null, Boolean.TRUE.equals(res.isError()) ? ToolOutcome.TOOL_ERROR : ToolOutcome.OK,
                        Duration.between(t0, Instant.now()), 1);
            } catch (InterruptedException e) {
                r = new ToolCallResult(call, "cancelled", null, ToolOutcome.CANCELLED, Duration.between(t0, Instant.now()), 1);
            } catch (ToolUnavailableException e) {
                r = new ToolCallResult(call, e.getMessage(), null, ToolOutcome.UNAVAILABLE, Duration.between(t0, Instant.now()), 1);
            }
        }
        events.accept(new ToolEvent.Finished(r));
        return r;
    }

    /** A provider from lambdas: name, tool descriptors and a handler. */
    static ToolProvider provider(String name, List<ToolDescriptor> tools, Handler handler) {
        return new ToolProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<ToolDescriptor> tools() {
                return tools;
            }

            @Override
            public McpSchema.CallToolResult call(String tool, JsonNode arguments, ToolCallControl control) throws InterruptedException {
                return handler.call(tool, arguments);
            }
        };
    }

    @FunctionalInterface
    interface Handler {
        McpSchema.CallToolResult call(String tool, JsonNode args) throws InterruptedException;
    }

    static ToolDescriptor tool(String name, String schemaJson, ToolHints hints) {
        try {
            return new ToolDescriptor(name, null, name.replace('_', ' '), JSON.readTree(schemaJson), null, hints);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static McpSchema.CallToolResult ok(String text) {
        return McpSchema.CallToolResult.builder().addTextContent(text).isError(false).build();
    }

    static McpSchema.CallToolResult error(String text) {
        return McpSchema.CallToolResult.builder().addTextContent(text).isError(true).build();
    }

    static final ToolHints READ_ONLY = new ToolHints(true, false, true, false);
    static final ToolHints HARMLESS = new ToolHints(false, false, false, false);
    static final ToolHints DESTRUCTIVE = new ToolHints(false, true, false, false);
}
