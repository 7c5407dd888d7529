package dev.kairos.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.AgentMemory;
import dev.kairos.agent.Conversation;
import dev.kairos.agent.MemoryOptions;
import dev.kairos.agent.RunRequest;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.Message;
import dev.kairos.inference.ResponseFormat;
import dev.kairos.inference.StreamListener;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.ToolSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's memory in one run: the window of recent turns with the rolling summary of the older
 * ones (folded by the engine when the window outgrows its token share), the {@code [UserProfile]}
 * and {@code [Summary]} blocks that stay the same from turn to turn, the {@code [Recall]} block for
 * this message, and, after the turn, the profile update and the exchange kept for later recall.
 * Memory never fails a run: what cannot be read or written is logged and left out.
 */
final class RunMemory {
    private static final Logger LOG = LoggerFactory.getLogger(RunMemory.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PROFILE_BLOCK = "[UserProfile]";
    static final String SUMMARY_BLOCK = "[Summary]";
    static final String RECALL_BLOCK = "[Recall]";

    private final AgentMemory memory;
    private final MemoryOptions options;
    private final ChatClient engine;
    private final String runId;

    /** What the run shows the model from memory; any part may be null. */
    record Blocks(String stable, String recall, Conversation.Summary summary, String profile) {
    }

    RunMemory(AgentMemory memory, MemoryOptions options, ChatClient engine, String runId) {
        this.memory = memory;
        this.options = options;
        this.engine = engine;
        this.runId = runId;
    }

    /** A rough token count (four characters a token), enough to share a budget out. */
    static int tokens(String s) {
        return s == null ? 0 : (s.length() + 3) / 4;
    }

    /** The turns among {@code messages}: one per user message. */
    static int turns(List<Message> messages) {
        int n = 0;
        for (Message m : messages) {
            if (m instanceof Message.User) {
                n++;
            }
        }
        return n;
    }

    static int tokens(List<Message> messages) {
        int n = 0;
        for (Message m : messages) {
            n += 4 + switch (m) {
                case Message.System s -> tokens(s.text());
                case Message.User u -> tokens(u.text());
                case Message.Assistant a -> tokens(a.content()) + a.toolCalls().stream()
                        .mapToInt(c -> tokens(c.name()) + tokens(c.arguments())).sum();
                case Message.ToolResult r -> tokens(r.content());
            };
        }
        return n;
    }

    /** The tokens the system prompt and the tools take. */
    static int fixedTokens(String system, List<ToolSpec> tools) {
        int n = tokens(system);
        for (ToolSpec t : tools) {
            n += tokens(t.name()) + tokens(t.description()) + tokens(String.valueOf(t.inputSchema()));
        }
        return n;
    }

    /**
     * Before a run's first step: folds the window if it outgrew its share, reads the profile and
     * recalls for the message. {@code history} is the conversation before this run's message.
     */
    Blocks prepare(RunRequest request, List<Message> history, Conversation.Summary summary, int fixed) {
        String user = request.user();
        String profile = null;
        if (options.profile() && user != null) {
            try {
                profile = memory.profile(user).map(JsonNode::toString).orElse(null);
            } catch (RuntimeException e) {
                LOG.warn("run {}: the profile of {} could not be read: {}", runId, user, e.toString());
            }
            if (profile != null && tokens(profile) > options.profileTokens(fixed)) {
                LOG.warn("run {}: the profile of {} ({} tokens) is over its share of {}; left out", runId, user,
                        tokens(profile), options.profileTokens(fixed));
                profile = null;
            }
        }
        Conversation.Summary s = fold(history, summary, fixed);
        String recall = recall(request, history.subList(s == null ? 0 : Math.min(s.covers(), history.size()), history.size()), fixed);
        List<String> stable = new ArrayList<>();
        if (profile != null) {
            stable.add(PROFILE_BLOCK + " What is known about the user (JSON):\n" + profile);
        }
        if (s != null) {
            stable.add(SUMMARY_BLOCK + " Earlier in this conversation:\n" + s.text());
        }
        return new Blocks(stable.isEmpty() ? null : String.join("\n\n", stable), recall, s, profile);
    }

    /**
     * When the window (the messages after the summary) is over its token share or holds more than
     * {@link MemoryOptions#windowTurns()} turns, its oldest whole turns are summarised with the old
     * summary until what is left fills at most half the share and holds at most half the turns. The
     * engine writes the summary; if it cannot, nothing is folded this time.
     */
    Conversation.Summary fold(List<Message> history, Conversation.Summary summary, int fixed) {
        int covers = summary == null ? 0 : Math.min(summary.covers(), history.size());
        int share = options.windowTokens(fixed);
        int maxTurns = options.windowTurns();
        int size = history.size();
        boolean overTurns = maxTurns > 0 && turns(history.subList(covers, size)) > maxTurns;
        if (!overTurns && tokens(history.subList(covers, size)) <= share) {
            return summary;
        }
        int keepTurns = maxTurns > 0 ? Math.max(1, maxTurns / 2) : Integer.MAX_VALUE;
        int cut = -1;
        for (int i = covers + 1; i < size; i++) {
            if (history.get(i) instanceof Message.User && tokens(history.subList(i, size)) <= share / 2
                    && turns(history.subList(i, size)) <= keepTurns) {
                cut = i;
                break;
            }
        }
        for (int i = size - 1; cut < 0 && i > covers; i--) {
            if (history.get(i) instanceof Message.User) {
                cut = i; // even the last turn alone is over half the share: keep just that one
            }
        }
        if (cut <= covers) {
            return summary;
        }
        int words = Math.max(30, options.summaryTokens(fixed) * 3 / 4);
        String prompt = "Summary so far:\n" + (summary == null ? "(none)" : summary.text()) + "\n\nTurns to add to it:\n"
                + transcript(history.subList(covers, cut)) + "\n\nWrite the updated summary in at most " + words + " words.";
        try {
            String text = engine.stream(ChatRequest.of(Message.system("You keep the running summary of a conversation"
                            + " between a user and an assistant: facts about the user, what they want, decisions made and"
                            + " tasks still open; no small talk. Answer with the summary only."), Message.user(prompt)),
                    StreamListener.IGNORE).content().strip();
            if (text.isEmpty()) {
                return summary;
            }
            LOG.info("run {}: folded messages {}..{} into the conversation's summary", runId, covers, cut - 1);
            return new Conversation.Summary(text, cut);
        } catch (EngineException e) {
            LOG.warn("run {}: the summary could not be made ({}); the window stays whole", runId, e.getMessage());
            return summary;
        }
    }

    private String recall(RunRequest request, List<Message> window, int fixed) {
        List<String> lines;
        try {
            lines = memory.recall(request.user(), request.task(), options.recallLimit());
        } catch (RuntimeException e) {
            LOG.warn("run {}: recall failed: {}", runId, e.toString());
            return null;
        }
        // What the window already shows is not recalled again.
        Set<String> shown = new HashSet<>();
        for (Message m : window) {
            if (m instanceof Message.User u && u.text().strip().length() >= 8) {
                shown.add(u.text().strip());
            }
        }
        shown.add(request.task().strip());
        int budget = options.recallTokens(fixed);
        int cap = Math.max(160, budget); // characters of one line: no single long exchange takes the whole share
        int used = 0;
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            if (shown.stream().anyMatch(line::contains)) {
                continue;
            }
            String l = line.length() > cap ? line.substring(0, cap - 1).strip() + "…" : line;
            int t = tokens(l) + 1;
            if (used + t > budget) {
                continue; // a shorter one further down may still fit
            }
            kept.add(l);
            used += t;
        }
        return kept.isEmpty() ? null : RECALL_BLOCK + " From earlier conversations and what is known (it may bear on this message):\n- "
                + String.join("\n- ", kept);
    }

    /** After a turn that reached the user: the profile update (when kept) and the exchange for later recall. */
    void afterTurn(RunRequest request, String answer, String profile) {
        String user = request.user();
        if (options.profile() && user != null) {
            try {
                updateProfile(request, answer, profile);
            } catch (RuntimeException e) {
                LOG.warn("run {}: the profile of {} was not updated: {}", runId, user, e.toString());
            }
        }
        try {
            memory.remember(user, request.conversation().session(), request.task(), answer, Instant.now());
        } catch (RuntimeException e) {
            LOG.warn("run {}: the exchange was not kept for recall: {}", runId, e.toString());
        }
    }

    private void updateProfile(RunRequest request, String answer, String profile) {
        ObjectNode current = JSON.createObjectNode();
        if (profile != null) {
            try {
                if (JSON.readTree(profile) instanceof ObjectNode o) {
                    current = o;
                }
            } catch (Exception ignored) {
                // started afresh
            }
        }
        String prompt = "Profile now: " + current + "\nThe user said: " + request.task().strip()
                + (answer == null || answer.isBlank() ? "" : "\nThe assistant answered: " + answer.strip());
        String text = engine.stream(ChatRequest.of(Message.system("You keep a user's profile: a JSON object of lasting facts"
                        + " about them (name, home_city, work, family, preferences, needs). From what the user just said, answer"
                        + " with a JSON object of only the fields to add or change; a field set to null is removed; answer {}"
                        + " when it tells nothing new about the user."), Message.user(prompt))
                .withResponseFormat(ResponseFormat.JSON_OBJECT), StreamListener.IGNORE).content().strip();
        JsonNode patch;
        try {
            patch = JSON.readTree(text);
        } catch (Exception e) {
            LOG.warn("run {}: the profile update was not JSON: {}", runId, text);
            return;
        }
        if (!(patch instanceof ObjectNode p) || p.isEmpty()) {
            return;
        }
        ObjectNode merged = current.deepCopy();
        for (Map.Entry<String, JsonNode> e : p.properties()) {
            if (e.getValue().isNull()) {
                merged.remove(e.getKey());
            } else {
                merged.set(e.getKey(), e.getValue());
            }
        }
        if (!merged.equals(current)) {
            memory.saveProfile(request.user(), merged);
        }
    }

    private static String transcript(List<Message> turns) {
        StringBuilder sb = new StringBuilder();
        for (Message m : turns) {
            switch (m) {
                case Message.User u -> sb.append("User: ").append(u.text().strip()).append('\n');
                case Message.Assistant a -> {
                    if (!a.content().isBlank()) {
                        sb.append("Assistant: ").append(a.content().strip()).append('\n');
                    }
                    for (ToolCall c : a.toolCalls()) {
                        sb.append("Assistant called ").append(c.name()).append(' ').append(c.arguments()).append('\n');
                    }
                }
                case Message.ToolResult r -> {
                    String c = r.content().strip();
                    sb.append("Tool ").append(r.toolName()).append(": ").append(c.length() > 300 ? c.substring(0, 300) + "…" : c).append('\n');
                }
                case Message.System s -> {
                }
            }
        }
        return sb.toString().strip();
    }
}
