package dev.kairos.inference.internal;

import java.util.function.BiConsumer;

/**
 * Separates {@code <think>...</think>} from content in a stream of text pieces, also when a tag is
 * split across pieces. Calls the sink with (isReasoning, text).
 */
public final class ThinkSplitter {
    private static final String OPEN = "<think>";
    private static final String CLOSE = "</think>";
    private final BiConsumer<Boolean, String> sink;
    private final StringBuilder pending = new StringBuilder();
    private boolean inThink;

    public ThinkSplitter(BiConsumer<Boolean, String> sink) {
        this.sink = sink;
    }

    public void accept(String piece) {
        if (piece == null || piece.isEmpty()) {
            return;
        }
        pending.append(piece);
        while (true) {
            String tag = inThink ? CLOSE : OPEN;
            int at = pending.indexOf(tag);
            if (at >= 0) {
                emit(pending.substring(0, at));
                pending.delete(0, at + tag.length());
                inThink = !inThink;
                continue;
            }
            // Keep back a tail that could be the start of the tag.
            int keep = partialTagSuffix(pending, tag);
            emit(pending.substring(0, pending.length() - keep));
            pending.delete(0, pending.length() - keep);
            return;
        }
    }

    public void finish() {
        emit(pending.toString());
        pending.setLength(0);
    }

    private void emit(String s) {
        if (!s.isEmpty()) {
            sink.accept(inThink, s);
        }
    }

    private static int partialTagSuffix(CharSequence s, String tag) {
        int max = Math.min(tag.length() - 1, s.length());
        for (int n = max; n > 0; n--) {
            boolean match = true;
            for (int i = 0; i < n; i++) {
                if (s.charAt(s.length() - n + i) != tag.charAt(i)) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return n;
            }
        }
        return 0;
    }

    /** Splits a whole text: [reasoning, content]. A lone {@code </think>} closes reasoning that began in the prompt. */
    public static String[] split(String text) {
        if (text == null) {
            return new String[]{null, ""};
        }
        if (!text.contains(OPEN) && text.contains(CLOSE)) {
            int at = text.indexOf(CLOSE);
            return new String[]{text.substring(0, at).strip(), text.substring(at + CLOSE.length()).stripLeading()};
        }
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        ThinkSplitter s = new ThinkSplitter((r, t) -> (r ? reasoning : content).append(t));
        s.accept(text);
        s.finish();
        return new String[]{reasoning.isEmpty() ? null : reasoning.toString().strip(),
                reasoning.isEmpty() ? content.toString() : content.toString().stripLeading()};
    }
}
