package dev.kairos.agent;

import dev.kairos.inference.EngineInfo;

/**
 * How the agent uses its memory in a run, and the token budget that decides what fits: the engine's
 * context size (from the probe) less room for the answer, less the system prompt and tools; of the
 * rest, up to a tenth each for the user profile and the rolling summary, up to a fifth for recall,
 * and the remaining six tenths for the window of recent turns. When the window outgrows its share, its oldest
 * turns are folded into the summary until it fills half of it (so this happens every few turns, and
 * between two folds the prompt is only appended to).
 *
 * <p>Besides its token share, the window holds at most {@code windowTurns} earlier turns: past that, the
 * oldest are folded the same way until half of them are left.
 *
 * @param contextTokens the engine's context size in tokens; 0: unknown ({@value #UNKNOWN_CONTEXT} is assumed)
 * @param recallLimit   results asked of long-term memory per message (1..50)
 * @param profile       keep a profile per user (JSON), updated after each turn and shown as {@code [UserProfile]}
 * @param windowTurns   earlier turns kept word for word at most; 0: no count, only the token share
 * @param summaryBudget tokens for the rolling summary, at most half of what memory may use; 0: a tenth of it
 */
public record MemoryOptions(int contextTokens, int recallLimit, boolean profile, int windowTurns, int summaryBudget) {
    public static final int UNKNOWN_CONTEXT = 8192;
    public static final int DEFAULT_RECALL_LIMIT = 8;
    public static final int DEFAULT_WINDOW_TURNS = 20;

    public MemoryOptions {
        if (contextTokens < 0) {
            throw new IllegalArgumentException("context_tokens: must be >= 0 (0: from the probe or "
                    + UNKNOWN_CONTEXT + "), was " + contextTokens);
        }
        if (recallLimit < 1 || recallLimit > 50) {
            throw new IllegalArgumentException("recall_limit: must be in [1, 50], was " + recallLimit);
        }
        if (windowTurns < 0) {
            throw new IllegalArgumentException("window: must be >= 0 (0: only the token share bounds it), was " + windowTurns);
        }
        if (summaryBudget < 0) {
            throw new IllegalArgumentException("summary_tokens: must be >= 0 (0: a tenth of the memory budget), was " + summaryBudget);
        }
    }

    /** The default window of turns and summary share. */
    public MemoryOptions(int contextTokens, int recallLimit, boolean profile) {
        this(contextTokens, recallLimit, profile, DEFAULT_WINDOW_TURNS, 0);
    }

    /** Recall of 8 results, no profile, the context size of {@code info} when the probe found one. */
    public static MemoryOptions fromProbe(EngineInfo info) {
        Integer ctx = info == null ? null : info.contextSize();
        return new MemoryOptions(ctx == null ? 0 : ctx, DEFAULT_RECALL_LIMIT, false);
    }

    public MemoryOptions withProfile(boolean p) {
        return new MemoryOptions(contextTokens, recallLimit, p, windowTurns, summaryBudget);
    }

    public MemoryOptions withRecallLimit(int n) {
        return new MemoryOptions(contextTokens, n, profile, windowTurns, summaryBudget);
    }

    public MemoryOptions withWindowTurns(int n) {
        return new MemoryOptions(contextTokens, recallLimit, profile, n, summaryBudget);
    }

    public MemoryOptions withSummaryBudget(int tokens) {
        return new MemoryOptions(contextTokens, recallLimit, profile, windowTurns, tokens);
    }

    /** The tokens a prompt may use: the context less room for the answer (a quarter, at most 4096). */
    public int promptTokens() {
        int ctx = contextTokens == 0 ? UNKNOWN_CONTEXT : contextTokens;
        return ctx - Math.min(ctx / 4, 4096);
    }

    /** What is left for memory once the system prompt and tools ({@code fixed} tokens) are in. */
    public int memoryTokens(int fixed) {
        return Math.max(0, promptTokens() - fixed);
    }

    public int profileTokens(int fixed) {
        return memoryTokens(fixed) / 10;
    }

    public int summaryTokens(int fixed) {
        int memory = memoryTokens(fixed);
        return summaryBudget == 0 ? memory / 10 : Math.min(summaryBudget, memory / 2);
    }

    public int recallTokens(int fixed) {
        return memoryTokens(fixed) / 5;
    }

    /** The window's share: what the shares of the profile, summary and recall leave (six tenths by default). */
    public int windowTokens(int fixed) {
        return Math.max(0, memoryTokens(fixed) - profileTokens(fixed) - summaryTokens(fixed) - recallTokens(fixed));
    }
}
