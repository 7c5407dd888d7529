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
 * @param contextTokens the engine's context size in tokens; 0: unknown ({@value #UNKNOWN_CONTEXT} is assumed)
 * @param recallLimit   results asked of long-term memory per message (1..50)
 * @param profile       keep a profile per user (JSON), updated after each turn and shown as {@code [UserProfile]}
 */
public record MemoryOptions(int contextTokens, int recallLimit, boolean profile) {
    public static final int UNKNOWN_CONTEXT = 8192;

    public MemoryOptions {
        if (contextTokens < 0) {
            throw new IllegalArgumentException("memory.context_tokens: must be >= 0 (0: from the probe or "
                    + UNKNOWN_CONTEXT + "), was " + contextTokens);
        }
        if (recallLimit < 1 || recallLimit > 50) {
            throw new IllegalArgumentException("memory.recall_limit: must be in [1, 50], was " + recallLimit);
        }
    }

    /** Recall of 8 results, no profile, the context size of {@code info} when the probe found one. */
    public static MemoryOptions fromProbe(EngineInfo info) {
        Integer ctx = info == null ? null : info.contextSize();
        return new MemoryOptions(ctx == null ? 0 : ctx, 8, false);
    }

    public MemoryOptions withProfile(boolean p) {
        return new MemoryOptions(contextTokens, recallLimit, p);
    }

    public MemoryOptions withRecallLimit(int n) {
        return new MemoryOptions(contextTokens, n, profile);
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
        return memoryTokens(fixed) / 10;
    }

    public int recallTokens(int fixed) {
        return memoryTokens(fixed) / 5;
    }

    /** The window's share: what the shares of the profile, summary and recall leave (six tenths). */
    public int windowTokens(int fixed) {
        return memoryTokens(fixed) - profileTokens(fixed) - summaryTokens(fixed) - recallTokens(fixed);
    }
}
