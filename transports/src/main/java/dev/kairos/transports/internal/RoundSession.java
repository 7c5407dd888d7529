package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpLoggableSession;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

import java.util.function.Consumer;

/**
 * What a tool's SDK exchange talks to during one 2026-07-28 request: there is no session, so
 * notifications go to the request's own response stream, and a request to the client (sampling,
 * elicitation, roots) is answered from the round's input responses or becomes an open input request.
 */
final class RoundSession implements McpLoggableSession {
    private final InputRound round;
    private final ObjectMapper json;
    private final McpJsonMapper mapper;
    private final Consumer<ObjectNode> notifications;
    private final McpSchema.LoggingLevel logLevel;

    /**
     * @param logLevel the level the client asked for in {@code _meta}; null means no log messages at all
     */
    RoundSession(InputRound round, ObjectMapper json, McpJsonMapper mapper, Consumer<ObjectNode> notifications,
                 McpSchema.LoggingLevel logLevel) {
        this.round = round;
        this.json = json;
        this.mapper = mapper;
        this.notifications = notifications;
        this.logLevel = logLevel;
    }

    @Override
    public <T> Mono<T> sendRequest(String method, Object params, TypeRef<T> type) {
        String key = round.nextUnnamedKey();
        JsonNode answer = round.answer(key);
        if (answer != null) {
            try {
                return Mono.just(mapper.convertValue(answer, type));
            } catch (RuntimeException e) {
                return Mono.error(new InputProblem.InvalidAnswer(key, method));
            }
        }
        if (McpSchema.METHOD_ROOTS_LIST.equals(method) && round.capabilities().roots() == null) {
            return Mono.error(new InputProblem.MissingCapability("roots"));
        }
        round.ask(key, method, json.valueToTree(params));
        return Mono.error(new InputRequired());
    }

    @Override
    public Mono<Void> sendNotification(String method, Object params) {
        if (McpSchema.METHOD_NOTIFICATION_MESSAGE.equals(method)
                && params instanceof McpSchema.LoggingMessageNotification log && !isNotificationForLevelAllowed(log.level())) {
            return Mono.empty();
        }
        ObjectNode notification = json.createObjectNode();
        notification.put("jsonrpc", "2.0");
        notification.put("method", method);
        if (params != null) {
            notification.set("params", json.valueToTree(params));
        }
        notifications.accept(notification);
        return Mono.empty();
    }

    @Override
    public void setMinLoggingLevel(McpSchema.LoggingLevel level) {
        // 2026-07-28 has no logging/setLevel: the level comes with each request
    }

    @Override
    public boolean isNotificationForLevelAllowed(McpSchema.LoggingLevel level) {
        return logLevel != null && level.level() >= logLevel.level();
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.empty();
    }

    @Override
    public void close() {
    }

}
