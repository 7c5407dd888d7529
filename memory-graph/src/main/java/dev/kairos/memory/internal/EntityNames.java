package dev.kairos.memory.internal;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Entity names found in a query without a model: a name counts when all its words appear in the query, in order and
 * next to each other, after normalising both (lower case, accents and punctuation dropped, so "Alice's" holds "Alice"
 * and "José" matches "Jose").
 */
final class EntityNames {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");

    private EntityNames() {}

    /** The normalised words of {@code text}. */
    static List<String> words(String text) {
        String plain = MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFKD)).replaceAll("").toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        var m = WORD.matcher(plain);
        while (m.find()) out.add(m.group());
        return out;
    }

    /** Whether the whole {@code name} appears in the query's words. */
    static boolean named(List<String> queryWords, String name) {
        List<String> n = words(name);
        if (n.isEmpty() || n.size() > queryWords.size()) return false;
        return java.util.Collections.indexOfSubList(queryWords, n) >= 0;
    }
}
