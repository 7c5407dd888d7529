package dev.kairos.memory.internal;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a time expression in a search query ("in May 2023", "last May", "two weeks ago", "last month", "in 2023",
 * "last spring", "before March 2023") and turns it into a window of valid time, relative to a reference time (the
 * moment the question is asked). Rule-based, in code: no model at query time. Days are UTC days.
 *
 * <p>Event-relative expressions ("before Alice moved to Lisbon", "after he started as a nurse") are found by
 * {@link #event}; the caller looks the event up in the memory and makes the window with {@link Event#window}.
 */
final class QueryTime {

    /**
     * A window of valid time {@code [from, to)} (either end may be open: null) and the query with the expression
     * taken out.
     */
    record Window(Instant from, Instant to, String phrase, String rest) {
        boolean contains(Instant t) {
            return t != null && (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to));
        }
    }

    private static final String MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
            + "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec";
    private static final String NUMBER = "\\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|a couple of";
    private static final String UNIT = "day|week|month|year";
    private static final String SEASONS = "spring|summer|autumn|fall|winter";
    private static final Map<String, Integer> WORDS = Map.ofEntries(Map.entry("a", 1), Map.entry("an", 1),
            Map.entry("one", 1), Map.entry("two", 2), Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5),
            Map.entry("six", 6), Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10),
            Map.entry("eleven", 11), Map.entry("twelve", 12), Map.entry("a few", 3), Map.entry("a couple of", 2));

    /** The point expressions, tried in this order (longest forms first). */
    private static final String POINT = String.join("|",
            "(?<monthYear>(?:early |late |mid-?)?(?:" + MONTHS + ")(?: of)?,? (?<my>(?:19|20)\\d{2}))",
            "(?<seasonYear>(?:the )?(?:" + SEASONS + ")(?: of)? (?<sy>(?:19|20)\\d{2}))",
            "(?<ago>(?<n>" + NUMBER + ") (?<unit>" + UNIT + ")s? ago)",
            "(?<past>(?:the )?(?:last|past) (?<pn>" + NUMBER + ") (?<punit>" + UNIT + ")s)",
            "(?<lastMonthName>last (?:" + MONTHS + "))",
            "(?<lastSeason>last (?:" + SEASONS + "))",
            "(?<relative>(?:last|this|next) (?:week|weekend|month|year))",
            "(?<day>yesterday|today|tonight|this morning)",
            "(?<year>(?:19|20)\\d{2})",
            "(?<season>(?:the )?(?:" + SEASONS + "))",
            "(?<monthName>(?:early |late |mid-?)?(?:" + MONTHS + "))");

    /** Optional "in/during/…" before, or "before/after/since/until" for an open window. */
    private static final Pattern EXPR = Pattern.compile(
            "\\b(?:(?<edge>before|after|since|until|till|by)\\s+|(?:in|during|on|from|around|over)\\s+(?:the\\s+)?)?(?:" + POINT + ")\\b");

    /**
     * An event-relative phrase: {@code edge} (before, after, since, until) and the event's words, the phrase as
     * written and the query without it.
     */
    record Event(String edge, String event, String phrase, String rest) {
        /** The window on one side of the event's time {@code at}. */
        Window window(Instant at) {
            return switch (edge) {
                case "before", "until", "till" -> new Window(null, at, phrase, rest);
                default -> new Window(at, null, phrase, rest);
            };
        }
    }

    /** "before/after/since/until" and the clause after it, up to the end of the sentence or a comma. */
    private static final Pattern EVENT = Pattern.compile(
            "\\b(?<edge>before|after|since|until|till)\\s+(?<event>[^?.!,;:]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}']+");
    /** An event needs a subject or a verb besides its object: "before work" is a time of day, not an event. */
    private static final int MIN_EVENT_WORDS = 2, MAX_EVENT_WORDS = 10;

    private QueryTime() {}

    /**
     * The first event-relative phrase in {@code text} ("after Alice moved to Lisbon"); empty if none. Only called
     * when {@link #parse} found no date: "before May 2023" is a date.
     */
    static Optional<Event> event(String text) {
        if (text == null || text.isBlank()) return Optional.empty();
        Matcher m = EVENT.matcher(text);
        while (m.find()) {
            String event = m.group("event").trim();
            int words = 0, content = 0;
            Matcher w = WORD.matcher(event);
            while (w.find()) {
                words++;
                if (!Lucene.STOP_WORDS.contains(w.group().toLowerCase(Locale.ROOT))) content++;
            }
            if (words < MIN_EVENT_WORDS || words > MAX_EVENT_WORDS || content == 0) continue;
            String rest = (text.substring(0, m.start()) + " " + text.substring(m.end())).replaceAll("\\s+", " ").trim()
                    .replaceAll("\\s+([?.!,])", "$1").replaceAll("^[,;:]\\s*", "");
            return Optional.of(new Event(m.group("edge").toLowerCase(Locale.ROOT), event, m.group().trim(), rest));
        }
        return Optional.empty();
    }

    /** The first time expression in {@code text} as a window, relative to {@code reference}; empty if none. */
    static Optional<Window> parse(String text, Instant reference) {
        if (text == null || text.isBlank() || reference == null) return Optional.empty();
        String lower = text.toLowerCase(Locale.ROOT);
        Matcher m = EXPR.matcher(lower);
        LocalDate today = reference.atZone(ZoneOffset.UTC).toLocalDate();
        while (m.find()) {
            String whole = m.group();
            // A bare month name ("march", "may") may be a verb: only "in May", "last May", "May 2023" count.
            if (m.group("monthName") != null && whole.equals(m.group("monthName"))) continue;
            if (m.group("season") != null && whole.equals(m.group("season"))) continue; // "fall", "the spring rolls"
            LocalDate[] w = window(m, today);
            if (w == null) continue;
            LocalDate from = w[0], to = w[1];
            String edge = m.group("edge");
            if (edge != null) {
                switch (edge) {
                    case "before", "until", "till", "by" -> { to = edge.equals("before") ? from : to; from = null; }
                    case "after" -> { from = to; to = null; }
                    default -> to = today.plusDays(1); // since
                }
            }
            String rest = (text.substring(0, m.start()) + " " + text.substring(m.end())).replaceAll("\\s+", " ").trim()
                    .replaceAll("\\s+([?.!,])", "$1");
            return Optional.of(new Window(start(from), start(to), text.substring(m.start(), m.end()), rest));
        }
        return Optional.empty();
    }

    private static Instant start(LocalDate d) {
        return d == null ? null : d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** [from, to) in days for the matched point expression, or null if it does not make a date. */
    private static LocalDate[] window(Matcher m, LocalDate today) {
        if (m.group("monthYear") != null) {
            return month(YearMonth.of(Integer.parseInt(m.group("my")), month(m.group("monthYear"))));
        }
        if (m.group("seasonYear") != null) {
            return season(season(m.group("seasonYear")), Integer.parseInt(m.group("sy")));
        }
        if (m.group("ago") != null) {
            int n = WORDS.containsKey(m.group("n")) ? WORDS.get(m.group("n")) : Integer.parseInt(m.group("n"));
            return switch (m.group("unit")) {
                case "day" -> new LocalDate[]{today.minusDays(n + 1L), today.minusDays(n - 1L)};
                // "two weeks ago" is about then, give or take half a week.
                case "week" -> new LocalDate[]{today.minusWeeks(n).minusDays(4), today.minusWeeks(n).plusDays(5)};
                case "month" -> month(YearMonth.from(today).minusMonths(n));
                default -> new LocalDate[]{LocalDate.of(today.getYear() - n, 1, 1), LocalDate.of(today.getYear() - n + 1, 1, 1)};
            };
        }
        if (m.group("past") != null) {
            int n = WORDS.containsKey(m.group("pn")) ? WORDS.get(m.group("pn")) : Integer.parseInt(m.group("pn"));
            LocalDate from = switch (m.group("punit")) {
                case "day" -> today.minusDays(n);
                case "week" -> today.minusWeeks(n);
                case "month" -> today.minusMonths(n);
                default -> today.minusYears(n);
            };
            return new LocalDate[]{from, today.plusDays(1)};
        }
        if (m.group("lastMonthName") != null) {
            Month mo = month(m.group("lastMonthName"));
            YearMonth ym = YearMonth.of(today.getYear(), mo);
            // "last May" said in May or earlier in the year is the year before.
            if (!ym.isBefore(YearMonth.from(today))) ym = ym.minusYears(1);
            return month(ym);
        }
        if (m.group("lastSeason") != null) {
            int s = season(m.group("lastSeason"));
            LocalDate[] w = season(s, today.getYear());
            while (!w[1].isBefore(today.plusDays(1))) w = season(s, w[0].getYear() - 1);
            return w;
        }
        if (m.group("relative") != null) {
            String r = m.group("relative");
            int shift = r.startsWith("last") ? -1 : r.startsWith("next") ? 1 : 0;
            if (r.endsWith("weekend")) {
                LocalDate sat = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.SATURDAY));
                if (shift == 0 && today.getDayOfWeek() == DayOfWeek.SUNDAY) sat = today.minusDays(1);
                if (shift == 0 && today.getDayOfWeek().getValue() < 6) sat = today.with(TemporalAdjusters.next(DayOfWeek.SATURDAY));
                if (shift == 1) sat = today.with(TemporalAdjusters.next(DayOfWeek.SATURDAY));
                if (shift == -1 && today.getDayOfWeek().getValue() >= 6) sat = sat.minusWeeks(1);
                return new LocalDate[]{sat, sat.plusDays(2)};
            }
            if (r.endsWith("week")) {
                LocalDate monday = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).plusWeeks(shift);
                return new LocalDate[]{monday, monday.plusWeeks(1)};
            }
            if (r.endsWith("month")) return month(YearMonth.from(today).plusMonths(shift));
            int y = today.getYear() + shift;
            return new LocalDate[]{LocalDate.of(y, 1, 1), LocalDate.of(y + 1, 1, 1)};
        }
        if (m.group("day") != null) {
            LocalDate d = m.group("day").equals("yesterday") ? today.minusDays(1) : today;
            return new LocalDate[]{d, d.plusDays(1)};
        }
        if (m.group("year") != null) {
            int y = Integer.parseInt(m.group("year"));
            return new LocalDate[]{LocalDate.of(y, 1, 1), LocalDate.of(y + 1, 1, 1)};
        }
        if (m.group("season") != null) {
            // "in the summer": the latest one that has begun.
            int s = season(m.group("season"));
            LocalDate[] w = season(s, today.getYear());
            while (w[0].isAfter(today)) w = season(s, w[0].getYear() - 1);
            return w;
        }
        if (m.group("monthName") != null) {
            // "in May" without a year: the latest May that has begun.
            YearMonth ym = YearMonth.of(today.getYear(), month(m.group("monthName")));
            if (ym.isAfter(YearMonth.from(today))) ym = ym.minusYears(1);
            return month(ym);
        }
        return null;
    }

    private static LocalDate[] month(YearMonth ym) {
        return new LocalDate[]{ym.atDay(1), ym.plusMonths(1).atDay(1)};
    }

    private static Month month(String phrase) {
        String w = phrase.replaceAll("^(?:last |early |late |mid-?)", "").replaceAll("[^a-z].*$", "");
        for (Month mo : Month.values()) if (mo.name().toLowerCase(Locale.ROOT).startsWith(w.substring(0, 3))) return mo;
        throw new IllegalArgumentException(phrase);
    }

    /** 0 spring, 1 summer, 2 autumn, 3 winter (northern meteorological seasons). */
    private static int season(String phrase) {
        if (phrase.contains("spring")) return 0;
        if (phrase.contains("summer")) return 1;
        if (phrase.contains("autumn") || phrase.contains("fall")) return 2;
        return 3;
    }

    /** The season of a year; winter of Y runs from December Y to the end of February Y+1. */
    private static LocalDate[] season(int s, int year) {
        LocalDate from = LocalDate.of(year, 3 + 3 * s, 1);
        return new LocalDate[]{from, from.plusMonths(3)};
    }
}
