package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.transports.Caller;
import dev.kairos.transports.McpFeatures;
import dev.kairos.transports.TaskSpec;
import dev.kairos.transports.Tasks;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.util.DefaultMcpUriTemplateManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers requests of MCP's stateless 2026-07-28 revision, on any transport, from the same features
 * the session-based SDK servers offer: {@code server/discover}, tools, resources, templates, prompts
 * and completions, with the revision's per-request {@code _meta}, {@code resultType}, caching hints and
 * multi round-trip input requests. Handlers run on the caller's thread; a handler that asks the client
 * for input ({@link dev.kairos.transports.ClientInput} or the SDK exchange) ends its round with an
 * {@code input_required} result and runs again when the client retries with the answers.
 */
public final class StatelessDispatcher {
    private static final Logger log = LoggerFactory.getLogger(StatelessDispatcher.class);
    private static final Set<String> MAY_NEED_INPUT = Set.of(McpSchema.METHOD_TOOLS_CALL, McpSchema.METHOD_PROMPT_GET,
            McpSchema.METHOD_RESOURCES_READ);
    private static final Pattern SDK_MISSING_CAPABILITY = Pattern.compile("configured with (?:form |URL )?(sampling|elicitation) capabilit");
    /** How long clients may cache a list or a discovery answer: the tool set is fixed for the process's life. */
    private static final long LIST_TTL_MS = 300_000;

    private final McpFeatures features;
    private final ObjectMapper json;
    private final McpJsonMapper mapper;
    private final JsonSchemaValidator validator;
    private final RequestState state;
    private final Map<String, SyncToolSpecification> tools = new LinkedHashMap<>();
    private final Map<String, SyncResourceSpecification> resources = new LinkedHashMap<>();
    private final Map<String, SyncPromptSpecification> prompts = new LinkedHashMap<>();
    private final Map<McpSchema.CompleteReference, SyncCompletionSpecification> completions = new HashMap<>();
    private final Map<SyncResourceTemplateSpecification, DefaultMcpUriTemplateManager> templates = new LinkedHashMap<>();
    private final ObjectNode capabilities;
    /** Names each call's exchange; a counter, not a random UUID, which cost a SecureRandom draw per call. */
    private final java.util.concurrent.atomic.AtomicLong exchanges = new java.util.concurrent.atomic.AtomicLong();
    private final Tasks tasks;
    /** Each tool's {@code x-mcp-header} parameters, read from its schema once. */
    private final Map<String, List<ParamHeaders.Param>> paramHeaders = new java.util.concurrent.ConcurrentHashMap<>();

    /** A finished answer: the JSON-RPC response and the HTTP status it goes with. */
    public record Answer(int httpStatus, ObjectNode body) {
    }

    public StatelessDispatcher(McpFeatures features, ObjectMapper json, McpJsonMapper mapper,
                               JsonSchemaValidator validator, RequestState state) {
        this.features = features;
        this.json = json;
        this.mapper = mapper;
        this.validator = validator;
        this.state = state;
        features.tools().forEach(t -> tools.put(t.tool().name(), t));
        features.resources().forEach(r -> resources.put(r.resource().uri(), r));
        features.prompts().forEach(p -> prompts.put(p.prompt().name(), p));
        features.completions().forEach(c -> completions.put(c.referenceKey(), c));
        features.resourceTemplates().forEach(t -> templates.put(t, new DefaultMcpUriTemplateManager(t.resourceTemplate().uriTemplate())));
        capabilities = json.createObjectNode();
        capabilities.putObject("tools");
        capabilities.putObject("prompts");
        capabilities.putObject("resources").put("subscribe", true);
        if (!completions.isEmpty()) {
            capabilities.putObject("completions");
        }
        capabilities.putObject("logging");
        tasks = features.tasks();
        if (tasks != null) {
            capabilities.putObject("extensions").putObject(Tasks.EXTENSION);
        }
    }

    /**
     * The {@code x-mcp-header} parameters of a tool, whose {@code Mcp-Param-*} headers a call must carry;
     * empty for an unknown tool (the call fails on its own) and for annotations that break the revision's
     * rules (clients leave such a tool out, so there is nothing to check).
     */
    public List<ParamHeaders.Param> paramHeaders(String tool) {
        SyncToolSpecification t = tools.get(tool);
        if (t == null) {
            return List.of();
        }
        return paramHeaders.computeIfAbsent(tool, n -> switch (ParamHeaders.read(json.valueToTree(t.tool().inputSchema()))) {
            case ParamHeaders.Valid v -> v.params();
            case ParamHeaders.Invalid bad -> {
                log.warn("tool {}: its x-mcp-header annotations are invalid, so its headers are not checked: {}", n, bad.reason());
                yield List.of();
            }
        });
    }

    /**
     * Answers one request. Notifications the handler sends on the way (progress, log messages the
     * client asked for) go to {@code notifications} before the answer is returned.
     *
     * @param context   what handlers see of the transport (the caller)
     * @param principal who sent it, to bind any requestState to them
     */
    public Answer handle(JsonNode request, McpTransportContext context, String principal, Consumer<ObjectNode> notifications) {
        JsonNode id = request.get("id");
        String method = request.path("method").asText();
        JsonNode params = request.get("params");
        JsonNode meta = params == null ? null : params.get("_meta");
        if (!(params instanceof ObjectNode) || !(meta instanceof ObjectNode)
                || !meta.path(Revision2026.META_VERSION).isTextual() || !meta.path(Revision2026.META_CAPABILITIES).isObject()) {
            return error(id, 400, Revision2026.INVALID_PARAMS, "params._meta must carry " + Revision2026.META_VERSION
                    + " (a string) and " + Revision2026.META_CAPABILITIES + " (an object)", null);
        }
        String version = meta.get(Revision2026.META_VERSION).asText();
        if (!Revision2026.VERSION.equals(version)) {
            return unsupportedVersion(id, version);
        }
        try {
            return switch (method) {
                case "server/discover" -> ok(id, discover());
                case McpSchema.METHOD_TOOLS_LIST -> ok(id, cacheable(listOf("tools",
                        tools.values().stream().map(SyncToolSpecification::tool).toList()), "public", LIST_TTL_MS));
                case McpSchema.METHOD_PROMPT_LIST -> ok(id, cacheable(listOf("prompts",
                        prompts.values().stream().map(SyncPromptSpecification::prompt).toList()), "public", LIST_TTL_MS));
                // resource lists and contents depend on the caller's groups: never shared by intermediaries
                case McpSchema.METHOD_RESOURCES_LIST -> ok(id, cacheable(listOf("resources",
                        resources.values().stream().map(SyncResourceSpecification::resource).toList()), "private", 0));
                case McpSchema.METHOD_RESOURCES_TEMPLATES_LIST -> ok(id, cacheable(listOf("resourceTemplates",
                        templates.keySet().stream().map(SyncResourceTemplateSpecification::resourceTemplate).toList()), "public", LIST_TTL_MS));
                case McpSchema.METHOD_TOOLS_CALL, McpSchema.METHOD_PROMPT_GET, McpSchema.METHOD_RESOURCES_READ,
                     McpSchema.METHOD_COMPLETION_COMPLETE -> withInput(id, method, (ObjectNode) params, context, principal, notifications);
                case "tasks/get", "tasks/update", "tasks/cancel" -> taskMethod(id, method, (ObjectNode) params, principal);
                default -> error(id, 404, Revision2026.METHOD_NOT_FOUND, "Method not found: " + method
                        + (isSessionMethod(method) ? " (not part of MCP " + Revision2026.VERSION + ")" : ""), null);
            };
        } catch (RuntimeException e) {
            log.warn("{} failed: {}", method, e.toString());
            return error(id, 500, Revision2026.INTERNAL_ERROR, "Internal error while handling " + method, null);
        }
    }

    /** tasks/get, tasks/update and tasks/cancel, for clients that declared the tasks extension. */
    private Answer taskMethod(JsonNode id, String method, ObjectNode params, String principal) {
        if (tasks == null) {
            return error(id, 404, Revision2026.METHOD_NOT_FOUND, "Method not found: " + method, null);
        }
        if (!declaresTasks(params.get("_meta"))) {
            return missingTasksExtension(id);
        }
        String taskId = params.path("taskId").isTextual() ? params.get("taskId").asText() : null;
        try {
            return switch (method) {
                case "tasks/get" -> ok(id, tasks.runner().get(taskId, principal,
                        n -> tools.get(n), n -> tasks.spec(n)));
                case "tasks/update" -> {
                    tasks.runner().update(taskId, principal, params.get("inputResponses"));
                    yield ok(id, json.createObjectNode());
                }
                default -> {
                    tasks.runner().cancel(taskId, principal);
                    yield ok(id, json.createObjectNode());
                }
            };
        } catch (dev.kairos.transports.internal.TaskRunner.TaskError e) {
            return error(id, 400, e.code(), e.getMessage(), null);
        }
    }

    private static boolean declaresTasks(JsonNode meta) {
        return meta != null && meta.path(Revision2026.META_CAPABILITIES).path("extensions").has(Tasks.EXTENSION);
    }

    private Answer missingTasksExtension(JsonNode id) {
        ObjectNode data = json.createObjectNode();
        data.putObject("requiredCapabilities").putObject("extensions").putObject(Tasks.EXTENSION);
        return error(id, 400, Revision2026.MISSING_CLIENT_CAPABILITY, "This request needs the client to declare the extension '"
                + Tasks.EXTENSION + "' in " + Revision2026.META_CAPABILITIES + ".extensions", data);
    }

    private static boolean isSessionMethod(String method) {
        return Set.of(McpSchema.METHOD_INITIALIZE, McpSchema.METHOD_PING, McpSchema.METHOD_LOGGING_SET_LEVEL,
                McpSchema.METHOD_RESOURCES_SUBSCRIBE, McpSchema.METHOD_RESOURCES_UNSUBSCRIBE).contains(method);
    }

    /** The revision's supported versions and this server's capabilities and identity. */
    public ObjectNode discover() {
        ObjectNode result = json.createObjectNode();
        ArrayNode versions = result.putArray("supportedVersions");
        Revision2026.SUPPORTED.forEach(versions::add);
        result.set("capabilities", capabilities.deepCopy());
        if (features.instructions() != null) {
            result.put("instructions", features.instructions());
        }
        return cacheable(result, "public", LIST_TTL_MS);
    }

    public Answer unsupportedVersion(JsonNode id, String requested) {
        ObjectNode data = json.createObjectNode();
        ArrayNode supported = data.putArray("supported");
        Revision2026.SUPPORTED.forEach(supported::add);
        data.put("requested", requested);
        return error(id, 400, Revision2026.UNSUPPORTED_VERSION, "Unsupported protocol version: " + requested, data);
    }

    /** Runs a handler that may ask the client for input, once, for this round. */
    private Answer withInput(JsonNode id, String method, ObjectNode params, McpTransportContext context,
                             String principal, Consumer<ObjectNode> notifications) {
        JsonNode meta = params.get("_meta");
        String name = switch (method) {
            case McpSchema.METHOD_RESOURCES_READ -> params.path("uri").asText(null);
            case McpSchema.METHOD_COMPLETION_COMPLETE -> null;
            default -> params.path("name").asText(null);
        };
        if (name == null && !McpSchema.METHOD_COMPLETION_COMPLETE.equals(method)) {
            return error(id, 400, Revision2026.INVALID_PARAMS, McpSchema.METHOD_RESOURCES_READ.equals(method)
                    ? "params.uri (a string) is required" : "params.name (a string) is required", null);
        }
        JsonNode arguments = params.get(McpSchema.METHOD_PROMPT_GET.equals(method) || McpSchema.METHOD_TOOLS_CALL.equals(method) ? "arguments" : "uri");
        RequestState.Binding binding = new RequestState.Binding(principal, method, name, arguments);

        // answers known so far: the signed state of earlier rounds, then this retry's responses
        ObjectNode answers = json.createObjectNode();
        boolean stateVerified = false;
        JsonNode token = params.get("requestState");
        if (token != null && !token.isNull()) {
            if (!token.isTextual()) {
                return error(id, 400, Revision2026.INVALID_PARAMS, "params.requestState must be the string this server returned", null);
            }
            try {
                answers.setAll(state.open(token.asText(), binding));
                stateVerified = true;
            } catch (RequestState.Invalid e) {
                return error(id, 400, Revision2026.INVALID_PARAMS, e.getMessage(), null);
            }
        }
        JsonNode responses = params.get("inputResponses");
        if (responses != null && !responses.isNull()) {
            if (!responses.isObject()) {
                return error(id, 400, Revision2026.INVALID_PARAMS, "params.inputResponses must be an object keyed by input request", null);
            }
            for (var it = responses.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isObject()) {
                    return error(id, 400, Revision2026.INVALID_PARAMS, "params.inputResponses." + e.getKey() + " must be an object (the client's result)", null);
                }
                answers.set(e.getKey(), e.getValue());
            }
        }

        McpSchema.ClientCapabilities capabilities;
        McpSchema.Implementation clientInfo;
        try {
            capabilities = mapper.convertValue(meta.get(Revision2026.META_CAPABILITIES), McpSchema.ClientCapabilities.class);
            clientInfo = meta.has(Revision2026.META_CLIENT_INFO)
                    ? mapper.convertValue(meta.get(Revision2026.META_CLIENT_INFO), McpSchema.Implementation.class) : null;
        } catch (RuntimeException e) {
            return error(id, 400, Revision2026.INVALID_PARAMS, "params._meta: client capabilities or client info are malformed", null);
        }
        McpSchema.LoggingLevel logLevel = logLevel(meta.path(Revision2026.META_LOG_LEVEL).asText(null));
        InputRound round = new InputRound(answers, capabilities, stateVerified);
        Map<String, Object> values = new HashMap<>();
        if (context.get(Caller.CONTEXT_KEY) != null) {
            values.put(Caller.CONTEXT_KEY, context.get(Caller.CONTEXT_KEY));
        }
        values.put(InputRound.CONTEXT_KEY, round);
        McpTransportContext roundContext = McpTransportContext.create(values);
        var session = new RoundSession(round, json, mapper, notifications, logLevel);
        var exchange = new McpSyncServerExchange(new McpAsyncServerExchange(
                "stateless-" + exchanges.incrementAndGet(), session, capabilities, clientInfo, roundContext));

        ObjectNode plain = params;
        if (params.has("inputResponses") || params.has("requestState")) {
            plain = params.deepCopy();
            plain.remove("inputResponses");
            plain.remove("requestState");
        }
        Object result;
        try {
            result = switch (method) {
                case McpSchema.METHOD_TOOLS_CALL -> callTool(id, exchange, plain, meta, round, principal, context);
                case McpSchema.METHOD_PROMPT_GET -> getPrompt(id, exchange, plain);
                case McpSchema.METHOD_RESOURCES_READ -> readResource(id, exchange, plain);
                default -> complete(id, exchange, plain);
            };
        } catch (RuntimeException e) {
            Throwable cause = unwrap(e);
            if (round.hasOpenRequests() && MAY_NEED_INPUT.contains(method)) {
                return ok(id, inputRequired(round, binding));
            }
            return switch (cause) {
                case InputProblem.MissingCapability m -> missingCapability(id, m.capability());
                case InputProblem.InvalidAnswer bad -> error(id, 400, Revision2026.INVALID_PARAMS, bad.getMessage(), null);
                case McpError mcp when missingCapability(mcp) != null -> missingCapability(id, missingCapability(mcp));
                case McpError mcp -> error(id, 400, mcp.getJsonRpcError().code(), mcp.getJsonRpcError().message(),
                        json.valueToTree(mcp.getJsonRpcError().data()));
                default -> {
                    log.warn("{} {} failed: {}", method, name, cause.toString());
                    yield error(id, 500, Revision2026.INTERNAL_ERROR, "Internal error while handling " + method, null);
                }
            };
        }
        if (result instanceof Answer answer) {
            return answer;
        }
        if (round.hasOpenRequests() && MAY_NEED_INPUT.contains(method)) {
            // the handler asked, then carried on (it may have caught the signal): the question stands
            return ok(id, inputRequired(round, binding));
        }
        ObjectNode node = result instanceof ObjectNode n ? n : json.valueToTree(result);
        if (McpSchema.METHOD_RESOURCES_READ.equals(method)) {
            cacheable(node, "private", 0);
        }
        return ok(id, node);
    }

    private Object callTool(JsonNode id, McpSyncServerExchange exchange, ObjectNode params, JsonNode meta, InputRound round,
                            String principal, McpTransportContext context) {
        McpSchema.CallToolRequest request = mapper.convertValue(params, McpSchema.CallToolRequest.class);
        SyncToolSpecification tool = tools.get(request.name());
        if (tool == null) {
            return error(id, 400, Revision2026.INVALID_PARAMS, "Unknown tool: " + request.name(), null);
        }
        var args = request.arguments() == null ? Map.<String, Object>of() : request.arguments();
        var verdict = validator.validate(tool.tool().inputSchema(), args);
        if (!verdict.valid()) {
            return McpSchema.CallToolResult.builder().isError(true)
                    .addTextContent("Invalid arguments for tool " + request.name() + ": " + verdict.errorMessage()).build();
        }
        TaskSpec task = tasks == null ? null : tasks.spec(request.name());
        if (task != null) {
            boolean declared = declaresTasks(meta);
            if (!declared && task.support() == TaskSpec.Support.REQUIRED) {
                return missingTasksExtension(id);
            }
            if (task.prepare() != null) {
                task.prepare().prepare(exchange, request); // asks in this round: ends it when an answer is missing
            }
            if (declared) {
                Caller caller = context.get(Caller.CONTEXT_KEY) instanceof Caller c ? c : null;
                ObjectNode created = tasks.runner().start(tool, params, principal, caller,
                        meta.get(Revision2026.META_CAPABILITIES), meta.get(Revision2026.META_CLIENT_INFO), round.answersSoFar());
                created.put("resultType", "task");
                return created;
            }
        }
        return tool.callHandler().apply(exchange, request);
    }

    private Object getPrompt(JsonNode id, McpSyncServerExchange exchange, ObjectNode params) {
        McpSchema.GetPromptRequest request = mapper.convertValue(params, McpSchema.GetPromptRequest.class);
        SyncPromptSpecification prompt = prompts.get(request.name());
        if (prompt == null) {
            return error(id, 400, Revision2026.INVALID_PARAMS, "Unknown prompt: " + request.name(), null);
        }
        return prompt.promptHandler().apply(exchange, request);
    }

    private Object readResource(JsonNode id, McpSyncServerExchange exchange, ObjectNode params) {
        McpSchema.ReadResourceRequest request = mapper.convertValue(params, McpSchema.ReadResourceRequest.class);
        SyncResourceSpecification resource = resources.get(request.uri());
        if (resource != null) {
            return resource.readHandler().apply(exchange, request);
        }
        for (var t : templates.entrySet()) {
            if (t.getValue().matches(request.uri())) {
                return t.getKey().readHandler().apply(exchange, request);
            }
        }
        return error(id, 400, Revision2026.INVALID_PARAMS, "Resource not found: " + request.uri(),
                json.createObjectNode().put("uri", request.uri()));
    }

    private Object complete(JsonNode id, McpSyncServerExchange exchange, ObjectNode params) {
        McpSchema.CompleteRequest request = mapper.convertValue(params, McpSchema.CompleteRequest.class);
        SyncCompletionSpecification spec = completions.get(request.ref());
        if (spec == null) {
            // nothing to offer for this reference: an empty completion, as the session servers answer
            return new McpSchema.CompleteResult(new McpSchema.CompleteResult.CompleteCompletion(java.util.List.of(), 0, false));
        }
        return spec.completionHandler().apply(exchange, request);
    }

    private ObjectNode inputRequired(InputRound round, RequestState.Binding binding) {
        ObjectNode result = json.createObjectNode();
        result.put("resultType", "input_required");
        ObjectNode requests = result.putObject("inputRequests");
        round.openRequests().forEach(requests::set);
        result.put("requestState", state.seal(binding, round.answersSoFar()));
        return result;
    }

    private static String missingCapability(McpError e) {
        Matcher m = SDK_MISSING_CAPABILITY.matcher(String.valueOf(e.getMessage()));
        return m.find() ? m.group(1) : null;
    }

    private Answer missingCapability(JsonNode id, String capability) {
        ObjectNode data = json.createObjectNode();
        data.putObject("requiredCapabilities").putObject(capability);
        return error(id, 400, Revision2026.MISSING_CLIENT_CAPABILITY,
                "This request needs the client capability '" + capability + "'; declare it in " + Revision2026.META_CAPABILITIES, data);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
                && !(t instanceof InputProblem) && !(t instanceof McpError) && !(t instanceof InputRequired)) {
            t = t.getCause();
        }
        return t;
    }

    private static McpSchema.LoggingLevel logLevel(String name) {
        if (name == null) {
            return null;
        }
        for (McpSchema.LoggingLevel level : McpSchema.LoggingLevel.values()) {
            if (level.name().equalsIgnoreCase(name)) {
                return level;
            }
        }
        return null;
    }

    private ObjectNode listOf(String field, java.util.List<?> items) {
        ObjectNode result = json.createObjectNode();
        result.set(field, json.valueToTree(items));
        return result;
    }

    private static ObjectNode cacheable(ObjectNode result, String scope, long ttlMs) {
        result.put("ttlMs", ttlMs);
        result.put("cacheScope", scope);
        return result;
    }

    private Answer ok(JsonNode id, ObjectNode result) {
        if (!result.has("resultType")) {
            result.put("resultType", "complete");
        }
        ObjectNode meta = result.has("_meta") && result.get("_meta").isObject() ? (ObjectNode) result.get("_meta") : result.putObject("_meta");
        meta.putObject(Revision2026.META_SERVER_INFO).put("name", features.name()).put("version", features.version());
        ObjectNode body = json.createObjectNode();
        body.put("jsonrpc", "2.0");
        body.set("id", id);
        body.set("result", result);
        return new Answer(200, body);
    }

    public Answer error(JsonNode id, int httpStatus, int code, String message, JsonNode data) {
        ObjectNode body = json.createObjectNode();
        body.put("jsonrpc", "2.0");
        body.set("id", id == null ? json.nullNode() : id);
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        if (data != null && !data.isNull()) {
            error.set("data", data);
        }
        return new Answer(httpStatus, body);
    }
}
