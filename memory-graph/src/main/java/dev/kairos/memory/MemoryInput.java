package dev.kairos.memory;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.regex.Pattern;

/**
 * The input rules of the memory graph, public so that tool and CLI layers check arguments exactly as the store does.
 *
 * <p>Each method returns the checked (normalised) value or throws {@link MemoryInputException} naming {@code field}.
 */
public final class MemoryInput {
    /** Group ids: the pattern Graphiti uses. */
    public static final Pattern GROUP_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    /** Entity type labels become Neo4j labels, the only non-parameter part of our Cypher: strict. */
    public static final Pattern LABEL = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
    /** Fact (relation) names, e.g. WORKS_AT or "works at" (server-memory uses free words). */
    public static final Pattern RELATION_NAME = Pattern.compile("[\\p{L}\\p{N}_][\\p{L}\\p{N}_ \\-]{0,99}");
    /** Uuids as we generate them, or callers' own ids of the same safe alphabet. */
    public static final Pattern UUID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Labels that belong to the model itself and cannot be used as entity types. */
    private static final java.util.Set<String> RESERVED_LABELS = java.util.Set.of("Entity", "Episode", "MemorySchema");

    private static final DateTimeFormatter STRICT_DATE = DateTimeFormatter.ISO_LOCAL_DATE.withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter STRICT_LOCAL = DateTimeFormatter.ISO_LOCAL_DATE_TIME.withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter STRICT_OFFSET = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withResolverStyle(ResolverStyle.STRICT);

    private MemoryInput() {}

    public static String groupId(String field, String value) {
        if (value == null || !GROUP_ID.matcher(value).matches())
            throw new MemoryInputException(field, "group id must match [A-Za-z0-9_-]+ (1-128 characters), was " + quote(value));
        return value;
    }

    public static String label(String field, String value) {
        if (value == null || !LABEL.matcher(value).matches())
            throw new MemoryInputException(field, "entity type must match [A-Za-z][A-Za-z0-9_]* (at most 64 characters), was " + quote(value));
        if (RESERVED_LABELS.contains(value))
            throw new MemoryInputException(field, "entity type '" + value + "' is reserved");
        return value;
    }

    public static String relationName(String field, String value) {
        if (value == null || !RELATION_NAME.matcher(value).matches())
            throw new MemoryInputException(field,
                    "relation name must be letters, digits, '_', ' ' or '-' (at most 100 characters, not starting with ' ' or '-'), was " + quote(value));
        return value;
    }

    public static String uuid(String field, String value) {
        if (value == null || !UUID.matcher(value).matches())
            throw new MemoryInputException(field, "must be a uuid (letters, digits, '-' or '_', at most 64 characters), was " + quote(value));
        return value;
    }

    /** Non-blank text of at most {@code max} characters. */
    public static String text(String field, String value, int max) {
        if (blank(value)) throw new MemoryInputException(field, "must not be empty (it has no visible characters)");
        if (value.length() > max)
            throw new MemoryInputException(field, "is " + value.length() + " characters, the limit is " + max);
        return value;
    }

    /**
     * Whether text has nothing to embed or search: null, or only whitespace, control, format (e.g. U+202E)
     * and combining characters, which the embedder's tokenizer drops.
     */
    public static boolean blank(String value) {
        if (value == null) return true;
        return value.codePoints().noneMatch(c -> switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                 Character.PARAGRAPH_SEPARATOR, Character.NON_SPACING_MARK, Character.ENCLOSING_MARK,
                 Character.COMBINING_SPACING_MARK, Character.UNASSIGNED, Character.SURROGATE, Character.PRIVATE_USE -> false;
            default -> !Character.isWhitespace(c);
        });
    }

    /**
     * Parses an ISO-8601 instant: {@code 2024-03-01}, {@code 2024-03-01T10:00}, {@code 2024-03-01T10:00:00Z} or with an
     * offset. A date or a time without zone is UTC (as Graphiti). Impossible dates such as 2023-02-30 are refused.
     * Null or blank gives null.
     */
    public static Instant instant(String field, String value) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        try {
            if (v.length() <= 10) return LocalDate.parse(v, STRICT_DATE.withResolverStyle(ResolverStyle.STRICT)
                    .withChronology(java.time.chrono.IsoChronology.INSTANCE)).atStartOfDay(ZoneOffset.UTC).toInstant();
            if (v.endsWith("Z") || v.matches(".*[+-]\\d\\d:?\\d\\d$"))
                return OffsetDateTime.parse(v, STRICT_OFFSET).toInstant();
            return LocalDateTime.parse(v, STRICT_LOCAL).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new MemoryInputException(field, "is not a valid ISO-8601 date or date-time (e.g. 2024-03-01 or 2024-03-01T10:00:00Z): "
                    + quote(value) + (e.getCause() instanceof DateTimeException c ? " (" + c.getMessage() + ")" : ""));
        }
    }

    private static String quote(String v) {
        if (v == null) return "nothing";
        String shown = v.length() > 80 ? v.substring(0, 80) + "…" : v;
        return "'" + shown + "'";
    }
}
