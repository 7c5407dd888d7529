package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.internal.InputProblem;
import dev.kairos.transports.internal.InputRequired;
import dev.kairos.transports.internal.InputRound;
import dev.kairos.transports.internal.TaskInputs;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asking the client for input from inside a tool, prompt or resource handler, whatever revision the
 * client speaks: on 2025-11-25 and older the request goes to the client at once (elicitation,
 * sampling, roots) and the handler waits for its answer; on 2026-07-28 the handler's request ends with
 * an {@code input_required} result and runs again when the client retries with its answers (multi
 * round-trip requests). Handlers written against this class do not care which: they ask, and either
 * get the answer or are run again later. A handler must therefore ask before it changes anything.
 *
 * <p>Keys name each question within one request; on 2026-07-28 the client sees them.
 */
public final class ClientInput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClientInput() {
    }

    /** One question for the client. */
    public sealed interface Ask permits Elicit, Sample, ListRoots {
    }

    public record Elicit(McpSchema.ElicitRequest request) implements Ask {
    }

    public record Sample(McpSchema.CreateMessageRequest request) implements Ask {
    }

    public record ListRoots() implements Ask {
    }

    /** The client's answers, in the order asked: {@code ElicitResult}, {@code CreateMessageResult} or {@code ListRootsResult}. */
    public static Map<String, Object> ask(McpSyncServerExchange exchange, Map<String, Ask> questions) {
        Map<String, Object> answers = new LinkedHashMap<>();
        if (exchange.transportContext().get(TaskInputs.CONTEXT_KEY) instanceof TaskInputs task) {
            // a task: every question goes out at once and waits for tasks/update
            Map<String, JsonNode> asked = new LinkedHashMap<>();
            for (var q : questions.entrySet()) {
                requireCapability(exchange.getClientCapabilities(), q.getValue());
                asked.put(q.getKey(), JSON.createObjectNode().put("method", method(q.getValue())).set("params", params(q.getValue())));
            }
            Map<String, JsonNode> got = task.askAll(asked);
            for (var q : questions.entrySet()) {
                answers.put(q.getKey(), read(q.getKey(), got.get(q.getKey()), q.getValue()));
            }
            return answers;
        }
        if (exchange.transportContext().get(InputRound.CONTEXT_KEY) instanceof InputRound round) {
            for (var q : questions.entrySet()) {
                requireCapability(round.capabilities(), q.getValue());
                JsonNode answer = round.answer(q.getKey());
                if (answer == null) {
                    round.ask(q.getKey(), method(q.getValue()), params(q.getValue()));
                } else {
                    answers.put(q.getKey(), read(q.getKey(), answer, q.getValue()));
                }
            }
            if (answers.size() < questions.size()) {
                throw new InputRequired();
            }
            return answers;
        }
        for (var q : questions.entrySet()) {
            answers.put(q.getKey(), switch (q.getValue()) {
                case Elicit e -> exchange.createElicitation(e.request());
                case Sample s -> exchange.createMessage(s.request());
                case ListRoots r -> exchange.listRoots();
            });
        }
        return answers;
    }

    public static McpSchema.ElicitResult elicit(McpSyncServerExchange exchange, String key, McpSchema.ElicitRequest request) {
        return (McpSchema.ElicitResult) ask(exchange, Map.of(key, new Elicit(request))).get(key);
    }

    public static McpSchema.CreateMessageResult sample(McpSyncServerExchange exchange, String key, McpSchema.CreateMessageRequest request) {
        return (McpSchema.CreateMessageResult) ask(exchange, Map.of(key, new Sample(request))).get(key);
    }

    public static McpSchema.ListRootsResult roots(McpSyncServerExchange exchange, String key) {
        return (McpSchema.ListRootsResult) ask(exchange, Map.of(key, new ListRoots())).get(key);
    }

    /** Whether the request was a 2026-07-28 retry whose requestState this server issued and verified. */
    public static boolean stateVerified(McpSyncServerExchange exchange) {
        return exchange.transportContext().get(InputRound.CONTEXT_KEY) instanceof InputRound round && round.stateVerified();
    }

    private static String method(Ask ask) {
        return switch (ask) {
            case Elicit e -> McpSchema.METHOD_ELICITATION_CREATE;
            case Sample s -> McpSchema.METHOD_SAMPLING_CREATE_MESSAGE;
            case ListRoots r -> McpSchema.METHOD_ROOTS_LIST;
        };
    }

    private static JsonNode params(Ask ask) {
        return switch (ask) {
            case Elicit e -> JSON.valueToTree(e.request());
            case Sample s -> JSON.valueToTree(s.request());
            case ListRoots r -> JSON.createObjectNode();
        };
    }

    private static Object read(String key, JsonNode answer, Ask ask) {
        try {
            return switch (ask) {
                case Elicit e -> JSON.treeToValue(answer, McpSchema.ElicitResult.class);
                case Sample s -> JSON.treeToValue(answer, McpSchema.CreateMessageResult.class);
                case ListRoots r -> JSON.treeToValue(answer, McpSchema.ListRootsResult.class);
            };
        } catch (Exception e) {
            throw new InputProblem.InvalidAnswer(key, method(ask));
        }
    }

    private static void requireCapability(McpSchema.ClientCapabilities capabilities, Ask ask) {
        String missing = switch (ask) {
            case Elicit e -> capabilities.elicitation() == null ? "elicitation" : null;
            case Sample s -> capabilities.sampling() == null ? "sampling" : null;
            case ListRoots r -> capabilities.roots() == null ? "roots" : null;
        };
        if (missing != null) {
            throw new InputProblem.MissingCapability(missing);
        }
    }
}
