package dev.kairos.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.kairos.agent.MemoryOptions;
import dev.kairos.inference.EngineInfo;

import java.util.Locale;

/**
 * The {@code agent.memory:} section: the agent's own memory in {@code kairos run}, {@code kairos chat} and
 * {@code agent_run} (a window of recent turns, a rolling summary of older ones, recall from the memory graph,
 * and optionally a profile per user). It needs the memory store ({@code memory.mode} not off).
 *
 * <pre>
 * agent:
 *   memory:
 *     enabled: false        # true: runs recall from and add to the user's memory
 *     window: 20            # earlier turns kept word for word; past that the oldest are summarised (0: only the token share)
 *     summary_tokens: 0     # the rolling summary's budget; 0: a tenth of what the prompt leaves for memory
 *     recall_limit: 8       # results asked of long-term memory per message (1..50)
 *     profile: false        # keep a [UserProfile] per user, updated after each turn
 *     context_tokens: 0     # the engine's context size when the probe cannot tell; 0: 8192
 * </pre>
 *
 * The token budget comes from the engine's context size as its probe reports it; {@code context_tokens} only
 * stands in when the probe finds none.
 */
public record AgentMemoryConfig(Boolean enabled, Integer window, Integer summaryTokens, Integer recallLimit,
                                Boolean profile, Integer contextTokens) {

    /**
     * What the section resolves to.
     *
     * @param enabled whether runs use the agent's memory
     * @param options the options with the configured context size (see {@link #options(EngineInfo)})
     */
    public record Resolved(boolean enabled, MemoryOptions options) {
        /** The options for an engine the probe described: its context size when it reported one, else the configured one. */
        public MemoryOptions options(EngineInfo probed) {
            Integer ctx = probed == null ? null : probed.contextSize();
            if (ctx == null || ctx <= 0) {
                return options;
            }
            return new MemoryOptions(ctx, options.recallLimit(), options.profile(), options.windowTurns(), options.summaryBudget());
        }
    }

    /** Binds and checks the section; errors name {@code agent.memory.<key>} and the file. */
    public static Resolved resolve(KairosConfig config) {
        String source = config.source();
        JsonNode section = config.agent().get("memory");
        if (section != null && !section.isNull() && !section.isObject()) {
            throw new ConfigException(source + ": agent.memory: must be a mapping, not "
                    + section.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        AgentMemoryConfig c = ConfigLoader.bind(source, "agent.memory",
                section == null || section.isNull() ? JsonNodeFactory.instance.objectNode() : section, AgentMemoryConfig.class);
        if (c.contextTokens() != null && c.contextTokens() != 0 && c.contextTokens() < 512) {
            throw new ConfigException(source + ": agent.memory.context_tokens: must be 0 (8192) or at least 512, was " + c.contextTokens());
        }
        try {
            MemoryOptions o = new MemoryOptions(
                    c.contextTokens() == null ? 0 : c.contextTokens(),
                    c.recallLimit() == null ? MemoryOptions.DEFAULT_RECALL_LIMIT : c.recallLimit(),
                    Boolean.TRUE.equals(c.profile()),
                    c.window() == null ? MemoryOptions.DEFAULT_WINDOW_TURNS : c.window(),
                    c.summaryTokens() == null ? 0 : c.summaryTokens());
            return new Resolved(Boolean.TRUE.equals(c.enabled()), o);
        } catch (IllegalArgumentException e) {
            // MemoryOptions names the key
            throw new ConfigException(source + ": agent.memory." + e.getMessage());
        }
    }
}
