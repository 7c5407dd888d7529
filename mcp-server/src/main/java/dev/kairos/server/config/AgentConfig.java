package dev.kairos.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.agent.Limits;

import java.time.Duration;

/**
 * The {@code agent:} section: the loop guards every run starts with ({@code kairos run}, {@code kairos chat},
 * {@code agent_run}); a command-line flag or an {@code agent_run} argument overrides one limit for one run.
 *
 * <pre>
 * agent:
 *   max_steps: 25            # model turns
 *   max_calls_per_turn: 16   # tool calls one model turn may ask for
 *   max_calls_per_tool: 20   # calls of one tool in one run
 *   max_repeats: 3           # the same call (name + arguments) before the run stops
 *   token_budget: 0          # tokens per run; 0 = unbounded
 *   deadline: 10m            # wall time per run
 *   memory: {...}            # the agent's memory, bound by {@link AgentMemoryConfig}
 * </pre>
 */
public record AgentConfig(Integer maxSteps, Integer maxCallsPerTurn, Integer maxCallsPerTool, Integer maxRepeats,
                          Long tokenBudget, String deadline, JsonNode memory) {

    /** Reads and checks the section of {@code config}; errors name {@code agent.<key>} and the file. */
    public static Limits limits(KairosConfig config) {
        AgentConfig c = ConfigLoader.bind(config.source(), "agent", config.agent(), AgentConfig.class);
        return c.toLimits(config.source());
    }

    Limits toLimits(String source) {
        Limits d = Limits.DEFAULTS;
        Duration deadlineValue = d.deadline();
        if (deadline != null) {
            try {
                deadlineValue = Durations.parse(deadline);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": agent.deadline: " + e.getMessage());
            }
            if (deadlineValue.isZero() || deadlineValue.isNegative()) {
                throw new ConfigException(source + ": agent.deadline: must be longer than zero, got " + deadline);
            }
        }
        if (tokenBudget != null && tokenBudget < 0) {
            throw new ConfigException(source + ": agent.token_budget: must be 0 (unbounded) or more, got " + tokenBudget);
        }
        return new Limits(positive(source, "max_steps", maxSteps, d.maxSteps()),
                positive(source, "max_calls_per_turn", maxCallsPerTurn, d.maxCallsPerTurn()),
                positive(source, "max_calls_per_tool", maxCallsPerTool, d.maxCallsPerTool()),
                positive(source, "max_repeats", maxRepeats, d.maxRepeats()),
                tokenBudget == null ? d.tokenBudget() : tokenBudget, deadlineValue);
    }

    private static int positive(String source, String key, Integer value, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < 1) {
            throw new ConfigException(source + ": agent." + key + ": must be at least 1, got " + value);
        }
        return value;
    }
}
