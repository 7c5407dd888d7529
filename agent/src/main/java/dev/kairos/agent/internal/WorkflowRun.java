package dev.kairos.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.CatalogueTool;
import dev.kairos.agent.StateVisit;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolCatalogue;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.agent.WorkflowSource;
import dev.kairos.fsm.ActivePath;
import dev.kairos.fsm.Candidate;
import dev.kairos.fsm.Choice;
import dev.kairos.fsm.ChoiceRequest;
import dev.kairos.fsm.Event;
import dev.kairos.fsm.FireResult;
import dev.kairos.fsm.Machine;
import dev.kairos.fsm.MachineInstance;
import dev.kairos.fsm.Snapshot;
import dev.kairos.fsm.StateDef;
import dev.kairos.fsm.Transition;
import dev.kairos.fsm.TransitionChooser;
import dev.kairos.fsm.Workflow;
import dev.kairos.inference.ArgumentProblem;
import dev.kairos.inference.ArgumentValidator;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.Message;
import dev.kairos.inference.ResponseFormat;
import dev.kairos.inference.StreamListener;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.ToolSpec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A workflow driving a run: the active state's prompt and tools, the built-in tools that fill
 * slots, report events and ask the user, and the model as the {@link TransitionChooser}.
 */
final class WorkflowRun implements TransitionChooser {
    static final String FILL = "fill_slots";
    static final String EVENT = "report_event";
    static final String ASK = "ask_user";
    /** Fired when a state's sub-task ({@code react}) ends, with its answer, steps and whether it finished. */
    static final String SUBTASK_DONE = "subtask_done";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A built-in call's result, and the question when it ends the turn. */
    record Outcome(ToolCallResult result, String question) {
    }

    private final Workflow workflow;
    private final MachineInstance instance;
    private final ChatClient chooserEngine;
    private final String chooserModel;
    /** The small model that fills slots from the user's message; null: the main model does, with {@link #FILL}. */
    private final ChatClient slotEngine;
    private final Consumer<StateVisit> entered;
    private List<Message> history = List.of();
    private int step;
    private String lastChoiceReason;
    private String renderedFor;
    private String rendered;

    WorkflowRun(WorkflowSource source, String snapshot, ChatClient chooserEngine, String chooserModel,
                ChatClient slotEngine, Consumer<StateVisit> entered) {
        this.workflow = source.load();
        Machine machine = Machine.of(workflow);
        this.instance = snapshot == null ? machine.start() : machine.restore(Snapshot.fromJson(snapshot));
        this.chooserEngine = chooserEngine;
        this.chooserModel = chooserModel;
        this.slotEngine = slotEngine;
        this.entered = entered;
        if (snapshot == null) {
            entered.accept(new StateVisit(0, instance.path().relative(), "the workflow starts in its initial state"));
        }
    }

    String snapshot() {
        return instance.snapshot().toJson();
    }

    boolean finished() {
        return instance.isFinished();
    }

    ActivePath path() {
        return instance.path();
    }

    List<String> allowedTools() {
        return instance.tools();
    }

    /** Whether the name is one of the workflow's own tools (always handled here, never by the executor). */
    static boolean builtin(String name) {
        return name.equals(FILL) || name.equals(EVENT) || name.equals(ASK);
    }

    /** The functions the model sees in this state: the state's allowed tools in catalogue order, then the built-ins. */
    List<ToolSpec> specs(ToolCatalogue catalogue) {
        List<String> allowed = instance.tools();
        List<ToolSpec> out = new ArrayList<>();
        for (CatalogueTool t : catalogue.tools()) {
            if (allowed.contains(t.modelName()) && !builtin(t.modelName())) {
                out.add(t.spec());
            }
        }
        out.addAll(builtins());
        return out;
    }

    /** The functions of the state's sub-task: only the state's own tools, no built-ins. */
    List<ToolSpec> subtaskSpecs(ToolCatalogue catalogue) {
        List<String> allowed = instance.tools();
        List<ToolSpec> out = new ArrayList<>();
        for (CatalogueTool t : catalogue.tools()) {
            if (allowed.contains(t.modelName()) && !builtin(t.modelName())) {
                out.add(t.spec());
            }
        }
        return out;
    }

    /** The step bound of the active state's sub-task while it is still to be done in this visit; 0 otherwise. */
    int pendingSubtask() {
        StateDef s = instance.isFinished() ? null : state(instance.path().leaf());
        if (s == null || s.reactSteps() == 0) {
            return 0;
        }
        JsonNode rec = subtaskRecord(s);
        return rec.path("done").asBoolean(false) ? 0 : s.reactSteps();
    }

    /** This visit's record of the leaf state's sub-task under {@code data.react.<state>}; missing if none yet. */
    private JsonNode subtaskRecord(StateDef s) {
        JsonNode rec = instance.data().path("react").path(s.name());
        // a later visit (a back edge into the state) starts the sub-task afresh
        return rec.path("visit").asLong(-1) == instance.history().size() ? rec : JSON.missingNode();
    }

    private void recordSubtask(StateDef s, int steps, boolean done, String answer) {
        ObjectNode rec = JSON.createObjectNode().put("visit", instance.history().size()).put("steps", steps).put("done", done);
        if (answer != null) {
            rec.put("answer", answer);
        }
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("react").set(s.name(), rec);
        instance.update(patch);
    }

    /** Counts one step of the sub-task that called tools; true when that reached its bound. */
    boolean subtaskStep() {
        StateDef s = state(instance.path().leaf());
        int steps = subtaskRecord(s).path("steps").asInt(0) + 1;
        recordSubtask(s, steps, false, null);
        return steps >= s.reactSteps();
    }

    /**
     * Ends the active state's sub-task with the model's answer and fires {@link #SUBTASK_DONE} (data:
     * {@code answer}, {@code steps}, {@code finished}), so the state's transitions are decided on its
     * outcome. Returns the state reached, or null when the workflow stayed.
     */
    String finishSubtask(String answer, boolean finished, List<Message> history, int step) {
        this.history = history;
        this.step = step;
        StateDef s = state(instance.path().leaf());
        int steps = subtaskRecord(s).path("steps").asInt(0) + (finished ? 1 : 0);
        recordSubtask(s, steps, true, answer);
        ObjectNode data = JSON.createObjectNode().put("answer", answer).put("steps", steps).put("finished", finished);
        lastChoiceReason = null;
        if (!(instance.fire(new Event(SUBTASK_DONE, data), this) instanceof FireResult.Transitioned t)) {
            return null;
        }
        String to = t.to().relative();
        entered.accept(new StateVisit(step, to, "the sub-task of " + s.name() + (finished ? " ended after " + steps + " step(s)"
                : " reached its bound of " + s.reactSteps() + " steps") + (lastChoiceReason == null ? "" : "; the model chose it: " + lastChoiceReason)));
        return to;
    }

    private List<ToolSpec> builtins() {
        List<ToolSpec> out = new ArrayList<>();
        JsonNode slots = slotSchema();
        if (slots != null && slotEngine == null) {
            ObjectNode schema = slots.deepCopy();
            schema.remove("required"); // slots are filled a few at a time, as the user gives them
            out.add(new ToolSpec(FILL, "Record values the user gave for this step's slots. Only values the user"
                    + " actually said; never invent or guess one.", schema));
        }
        List<String> events = events();
        if (!events.isEmpty()) {
            ObjectNode schema = JSON.createObjectNode().put("type", "object");
            ObjectNode props = schema.putObject("properties");
            ArrayNode en = props.putObject("event").put("type", "string").putArray("enum");
            events.forEach(en::add);
            props.putObject("data").put("type", "object").put("description", "Facts that come with the event, e.g. an order id.");
            schema.putArray("required").add("event");
            out.add(new ToolSpec(EVENT, "Report what happened in the conversation, so the workflow can move on.", schema));
        }
        ObjectNode ask = JSON.createObjectNode().put("type", "object");
        ask.putObject("properties").putObject("question").put("type", "string").put("minLength", 1);
        ask.putArray("required").add("question");
        out.add(new ToolSpec(ASK, "Ask the user a question; your turn ends and their reply comes as the next message.", ask));
        return out;
    }

    /** The schema of the innermost active state with slots. */
    private JsonNode slotSchema() {
        List<String> active = instance.path().states();
        for (int i = active.size() - 1; i >= 0; i--) {
            StateDef s = state(active.get(i));
            if (s != null && s.slots() != null) {
                return s.slots();
            }
        }
        return null;
    }

    private List<String> events() {
        Set<String> out = new LinkedHashSet<>();
        List<String> active = instance.path().states();
        for (int i = active.size() - 1; i >= 0; i--) {
            StateDef s = state(active.get(i));
            if (s == null) {
                continue;
            }
            for (Transition t : s.transitions()) {
                if (t.event() != null && !t.event().equals(Machine.DONE)) {
                    out.add(t.event());
                }
            }
        }
        return List.copyOf(out);
    }

    private StateDef state(String name) {
        return workflow.allStates().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * The state's part of the system prompt. It is rendered when the state is entered and then kept as
     * it is, so the prompt prefix stays the same for every step spent in the state (state data that
     * changes meanwhile reaches the model through the built-in tools' results).
     */
    String statePrompt(List<Message> history, String userProfile) {
        String at = instance.path().relative();
        if (!at.equals(renderedFor)) {
            Map<String, String> values = Map.of(
                    "conversation_history", transcript(history),
                    "user_profile", userProfile == null || userProfile.isBlank() ? "(no user profile)" : userProfile,
                    "state_data", instance.data().path("slots").toString());
            String prompt = instance.prompt(values);
            StringBuilder sb = new StringBuilder();
            sb.append("# WORKFLOW ").append(workflow.name()).append(", state ").append(at).append('\n');
            sb.append(prompt.strip()).append("\n\n# HOW TO WORK IN THIS WORKFLOW\n");
            sb.append("- Tools allowed in this state: ").append(instance.tools().isEmpty() ? "none" : String.join(", ", instance.tools())).append(".\n");
            StateDef leaf = state(instance.path().leaf());
            if (leaf != null && leaf.reactSteps() > 0) {
                sb.append("- This state starts with a sub-task: work on it with the tools allowed here (at most ")
                        .append(leaf.reactSteps()).append(" steps), then answer with its outcome in a few sentences and no"
                                + " tool call; the workflow decides the next state from that outcome. The built-in tools"
                                + " below are offered once the sub-task is done.\n");
            }
            if (slotEngine == null) {
                sb.append("- ").append(FILL).append(": record slot values the user gave; ");
            } else {
                sb.append("- Slot values are taken from the user's messages for you; ");
            }
            sb.append(EVENT).append(": report what happened; ").append(ASK).append(": ask the user and end your turn.\n");
            sb.append("- Known so far: ").append(instance.data().path("slots")).append('\n');
            rendered = sb.toString();
            renderedFor = at;
        }
        return rendered;
    }

    /** The final state's closing prompt (its own, or a plain one when it has none). */
    String finalPrompt(List<Message> history, String userProfile) {
        StateDef s = state(instance.path().leaf());
        if (s == null || s.prompt() == null) {
            return "# WORKFLOW " + workflow.name() + " finished in state " + instance.path().relative()
                    + "\nTell the user the outcome in a few words.\n";
        }
        return statePrompt(history, userProfile);
    }

    /** Handles one built-in call in the model's order. */
    Outcome handle(ToolCall call, List<Message> history, int step) {
        this.history = history;
        this.step = step;
        ToolSpec spec = builtins().stream().filter(s -> s.name().equals(call.name())).findFirst().orElse(null);
        if (spec == null) {
            return new Outcome(result(call, ToolOutcome.UNKNOWN_TOOL, "'" + call.name() + "' cannot be used in state "
                    + instance.path().relative() + "; usable here: " + usable()), null);
        }
        List<ArgumentProblem> problems = new ArgumentValidator(List.of(spec)).validate(call);
        if (!problems.isEmpty()) {
            return new Outcome(result(call, ToolOutcome.INVALID_ARGUMENTS, ArgumentValidator.repairText(call, problems)), null);
        }
        JsonNode args = call.parsedArguments();
        return switch (call.name()) {
            case FILL -> {
                ObjectNode patch = JSON.createObjectNode();
                patch.set("slots", args);
                instance.update(patch);
                String moved = settle("slots filled: " + String.join(", ", fieldNames(args)));
                List<String> missing = instance.slotProblems();
                yield new Outcome(result(call, ToolOutcome.OK, "Recorded. Slots now: " + instance.data().path("slots")
                        + (moved != null ? ". The workflow moved on to state " + moved + "." : missing.isEmpty() ? "."
                        : ". Still needed: " + String.join("; ", missing) + ".")), null);
            }
            case EVENT -> {
                String name = args.path("event").asText();
                ObjectNode data = args.path("data") instanceof ObjectNode o ? o : JSON.createObjectNode();
                lastChoiceReason = null;
                FireResult r = instance.fire(new Event(name, data), this);
                yield switch (r) {
                    case FireResult.Transitioned t -> {
                        entered.accept(new StateVisit(step, t.to().relative(), "event '" + name + "'"
                                + (lastChoiceReason == null ? "" : "; the model chose it: " + lastChoiceReason)));
                        String now = t.to().relative();
                        yield new Outcome(result(call, ToolOutcome.OK, "The workflow moved to state " + now + "."
                                + (instance.isFinished() ? " The workflow is finished." : "")), null);
                    }
                    case FireResult.Rejected rej -> new Outcome(result(call, ToolOutcome.TOOL_ERROR,
                            "The workflow stayed in " + instance.path().relative() + ": " + rej.reason()
                                    + ". Events it accepts here: " + events() + "."), null);
                };
            }
            default -> {
                String q = args.path("question").asText();
                yield new Outcome(result(call, ToolOutcome.OK, "The question was put to the user; their reply comes next."), q);
            }
        };
    }

    /**
     * Fills the active state's slots from the user's message with one constrained call to the small
     * model (the slot schema as the JSON schema); values that do not fit the schema are dropped. When
     * that moves the workflow into a state with other slots, the same message is read for those too.
     * Returns what was filled, e.g. {@code "destination, date"} (empty when nothing was).
     */
    List<String> extractSlots(String userMessage, List<Message> history, int step) {
        this.history = history;
        this.step = step;
        List<String> filled = new ArrayList<>();
        Set<JsonNode> asked = new java.util.HashSet<>();
        for (int i = 0; i <= workflow.allStates().size() && !instance.isFinished(); i++) {
            JsonNode slots = slotSchema();
            if (slots == null || !asked.add(slots)) {
                break;
            }
            ObjectNode schema = slots.deepCopy();
            schema.remove("required");
            schema.put("additionalProperties", false);
            ObjectNode values = slotValues(schema, userMessage, history);
            if (values.isEmpty()) {
                break;
            }
            ObjectNode patch = JSON.createObjectNode();
            patch.set("slots", values);
            instance.update(patch);
            filled.addAll(fieldNames(values));
            if (settle("slots taken from the user's message by the small model: " + String.join(", ", fieldNames(values))) == null) {
                break;
            }
        }
        return filled;
    }

    private ObjectNode slotValues(ObjectNode schema, String userMessage, List<Message> history) {
        StringBuilder sb = new StringBuilder();
        sb.append("Workflow ").append(workflow.name()).append(", step ").append(instance.path().relative());
        StateDef s = state(instance.path().leaf());
        if (s != null && s.description() != null) {
            sb.append(": ").append(s.description());
        }
        sb.append("\nSlots (JSON schema): ").append(schema).append('\n');
        sb.append("Known so far: ").append(instance.data().path("slots")).append('\n');
        String question = lastQuestion(history);
        if (question != null) {
            sb.append("The assistant asked: ").append(question).append('\n');
        }
        sb.append("The user said: ").append(userMessage).append("\n\nAnswer with a JSON object of the slots the user's"
                + " message gives a value for; leave out every slot it does not mention. Never guess.");
        ChatRequest req = ChatRequest.of(
                        Message.system("You take slot values for a workflow step from what the user said. Answer with JSON only."),
                        Message.user(sb.toString()))
                .withResponseFormat(new ResponseFormat.JsonSchema("slots", schema, false));
        ChatResponse r = slotEngine.stream(req, StreamListener.IGNORE);
        ObjectNode out = JSON.createObjectNode();
        JsonNode answer;
        try {
            answer = JSON.readTree(r.content().strip());
        } catch (Exception e) {
            return out; // the main model can still ask
        }
        if (!(answer instanceof ObjectNode o)) {
            return out;
        }
        ArgumentValidator validator = new ArgumentValidator(List.of(new ToolSpec(FILL, "slots", schema)));
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            if (e.getValue().isNull() || !schema.path("properties").has(e.getKey())) {
                continue;
            }
            ObjectNode one = JSON.createObjectNode();
            one.set(e.getKey(), e.getValue());
            if (validator.validate(new ToolCall("slots", FILL, one.toString())).isEmpty()) {
                out.set(e.getKey(), e.getValue()); // a value that breaks the schema is dropped, not stored
            }
        }
        return out;
    }

    private static String lastQuestion(List<Message> history) {
        for (int i = history.size() - 1; i >= 0; i--) {
            if (history.get(i) instanceof Message.Assistant a) {
                for (ToolCall c : a.toolCalls()) {
                    if (c.name().equals(ASK) && c.argumentsParse()) {
                        return c.parsedArguments().path("question").asText();
                    }
                }
                if (!a.content().isBlank()) {
                    return a.content().strip();
                }
            }
        }
        return null;
    }

    /** Follows transitions whose guards now hold, until none does; the state reached, or null if none was taken. */
    private String settle(String reason) {
        String reached = null;
        int bound = workflow.allStates().size() + 1;
        for (int i = 0; i < bound && !instance.isFinished(); i++) {
            lastChoiceReason = null;
            if (!(instance.fire(Event.of("slots_updated"), this) instanceof FireResult.Transitioned t)) {
                break;
            }
            reached = t.to().relative();
            entered.accept(new StateVisit(step, reached, reason + (lastChoiceReason == null ? "" : "; the model chose it: " + lastChoiceReason)));
            reason = "guards checked after entering " + reached;
        }
        return reached;
    }

    String usable() {
        List<String> out = new ArrayList<>(instance.tools());
        builtins().forEach(s -> out.add(s.name()));
        return String.join(", ", out);
    }

    /** The model picks the next state among the candidates, constrained to their names (or "stay"). */
    @Override
    public Choice choose(ChoiceRequest request) {
        List<String> targets = request.candidates().stream().map(Candidate::target).distinct().toList();
        StringBuilder sb = new StringBuilder();
        sb.append("Conversation so far:\n").append(transcript(history)).append("\n\n");
        sb.append("The workflow ").append(workflow.name()).append(" is in state ").append(request.path().relative())
                .append(" and the event '").append(request.event().name()).append("' happened. Which state comes next?\n");
        for (Candidate c : request.candidates()) {
            sb.append("- ").append(c.target()).append(": ")
                    .append(c.description() != null ? c.description() : c.targetDescription() != null ? c.targetDescription() : "")
                    .append('\n');
        }
        sb.append("- stay: none of these fits yet.\nAnswer with JSON: {\"target\": ..., \"reason\": ...}");
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        ObjectNode props = schema.putObject("properties");
        ArrayNode en = props.putObject("target").put("type", "string").putArray("enum");
        targets.forEach(en::add);
        en.add("stay");
        props.putObject("reason").put("type", "string");
        schema.putArray("required").add("target").add("reason");
        ChatRequest req = ChatRequest.of(
                        Message.system("You choose the next step of a workflow from the conversation. Answer with JSON only."),
                        Message.user(sb.toString()))
                .withModel(chooserModel)
                .withResponseFormat(new ResponseFormat.JsonSchema("transition", schema, true));
        ChatResponse r = chooserEngine.stream(req, StreamListener.IGNORE);
        JsonNode answer;
        try {
            answer = JSON.readTree(r.content().strip());
        } catch (Exception e) {
            return Choice.stay("the model's choice was not JSON: " + r.content());
        }
        String target = answer.path("target").asText("");
        lastChoiceReason = answer.path("reason").asText("");
        if (target.equals("stay") || !targets.contains(target)) {
            return Choice.stay(lastChoiceReason.isEmpty() ? "no candidate fits" : lastChoiceReason);
        }
        return Choice.to(target);
    }

    static String transcript(List<Message> history) {
        List<String> lines = new ArrayList<>();
        for (Message m : history) {
            switch (m) {
                case Message.User u -> lines.add("User: " + u.text());
                case Message.Assistant a when !a.content().isBlank() -> lines.add("Assistant: " + a.content().strip());
                case Message.Assistant a -> a.toolCalls().stream().filter(c -> c.name().equals(ASK) && c.argumentsParse())
                        .forEach(c -> lines.add("Assistant: " + c.parsedArguments().path("question").asText()));
                default -> {
                }
            }
        }
        List<String> tail = lines.subList(Math.max(0, lines.size() - 20), lines.size());
        return tail.isEmpty() ? "(nothing yet)" : String.join("\n", tail);
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static ToolCallResult result(ToolCall call, ToolOutcome outcome, String text) {
        return new ToolCallResult(call, text, null, outcome, null, 1);
    }
}
