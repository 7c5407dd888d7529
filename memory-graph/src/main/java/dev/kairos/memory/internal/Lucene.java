package dev.kairos.memory.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds fulltext (Lucene) queries from user text. The text is split into words and each word is escaped, so that
 * no user character acts as Lucene syntax (field names, wildcards, ranges, boolean operators).
 */
final class Lucene {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+");
    private static final String SPECIAL = "+-&|!(){}[]^\"~*?:\\/";
    /** Long queries cost much and add little; Graphiti skips queries of 128+ words. */
    static final int MAX_TERMS = 32;
    /**
     * Words that carry no topic: a question's "what did … do" would otherwise match every turn of a chat (the
     * fulltext index keeps stop words). Dropped from queries only; a query of nothing else keeps them.
     */
    static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can",
            "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "he", "her", "hers", "him", "his",
            "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "she", "so", "than",
            "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "up", "us", "was",
            "we", "were", "what", "when", "where", "which", "who", "whom", "whose", "why", "will", "with", "would", "you",
            "your", "s", "t", "about", "any", "some", "now", "get", "got");

    private Lucene() {}

    /** Escapes every Lucene special character (and lower-cases the boolean keywords). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            if (SPECIAL.indexOf(c) >= 0) b.append('\\');
            b.append(c);
        }
        String out = b.toString();
        return switch (out) {
            case "AND", "OR", "NOT", "TO" -> out.toLowerCase(Locale.ROOT);
            default -> out;
        };
    }

    /**
     * Any-word query over the {@code name} field only (entity names), restricted to the groups; null when the text
     * has no word but stop words.
     */
    static String nameQuery(String text, List<String> groups) {
        Set<String> words = new LinkedHashSet<>();
        var m = WORD.matcher(text);
        while (m.find() && words.size() < MAX_TERMS)
            if (!STOP_WORDS.contains(m.group().toLowerCase(Locale.ROOT))) words.add("name:" + escape(m.group()));
        if (words.isEmpty()) return null;
        List<String> gs = new ArrayList<>();
        for (String g : groups) gs.add("group_id:\"" + escape(g) + "\"");
        return "(" + String.join(" OR ", gs) + ") AND (" + String.join(" OR ", words) + ")";
    }

    /** Any-word query over the text, restricted to the groups; null when the text has no words. */
    static String query(String text, List<String> groups) {
        Set<String> words = new LinkedHashSet<>();
        Set<String> all = new LinkedHashSet<>();
        var m = WORD.matcher(text);
        while (m.find() && words.size() < MAX_TERMS) {
            String w = m.group();
            if (all.size() < MAX_TERMS) all.add(escape(w));
            if (!STOP_WORDS.contains(w.toLowerCase(Locale.ROOT))) words.add(escape(w));
        }
        if (words.isEmpty()) words = all;
        if (words.isEmpty()) return null;
        String terms = String.join(" OR ", words);
        List<String> gs = new ArrayList<>();
        for (String g : groups) gs.add("group_id:\"" + escape(g) + "\"");
        // Prefiltering by group inside Lucene keeps other tenants' documents from crowding out the top-k;
        // the Cypher around it still checks the exact group id.
        return "(" + String.join(" OR ", gs) + ") AND (" + terms + ")";
    }
}
