package dev.kairos.memory.ingest.internal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the dates a model writes into instants: ISO dates and times, bare years and months, and relative phrases
 * ("last year", "next week", "two days ago", "去年") resolved against the episode's reference time, in code.
 */
public final class RelativeDates {
    private static final Pattern AGO = Pattern.compile("(\\w+) (day|week|month|year)s? ago");
    private static final Pattern IN = Pattern.compile("in (\\w+) (day|week|month|year)s?");
    private static final String[] NUMBERS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};

    private RelativeDates() {}

    /** The instant meant, or null when the text is empty or not understood (unknown time). */
    public static Instant resolve(String text, Instant reference) {
        if (text == null) return null;
        String t = text.trim().toLowerCase(Locale.ROOT).replaceAll("[年]$", "");
        if (t.isEmpty() || t.equals("null") || t.equals("unknown")) return null;
        ZonedDateTime ref = reference.atZone(ZoneOffset.UTC);
        try {
            if (t.matches("\\d{4}")) return LocalDate.of(Integer.parseInt(t), 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
            if (t.matches("\\d{4}-\\d{2}")) return YearMonth.parse(t).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            if (t.matches("\\d{4}-\\d{2}-\\d{2}")) return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            if (t.matches("\\d{4}-\\d{2}-\\d{2}t.*")) return OffsetDateTime.parse(t.toUpperCase(Locale.ROOT)).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
        LocalDate day = ref.toLocalDate();
        switch (t) {
            case "now", "today", "今天", "现在": return day.atStartOfDay(ZoneOffset.UTC).toInstant();
            case "yesterday", "昨天": return day.minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "tomorrow", "明天": return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "last week", "上周": return day.minusWeeks(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "next week", "下周": return day.plusWeeks(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "last month", "上个月": return day.minusMonths(1).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "next month", "下个月": return day.plusMonths(1).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "this year", "今": return LocalDate.of(day.getYear(), 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "last year", "去": return LocalDate.of(day.getYear() - 1, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "next year", "明": return LocalDate.of(day.getYear() + 1, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
            default: break;
        }
        Matcher m = AGO.matcher(t);
        if (m.matches()) return shift(day, m.group(1), m.group(2), -1);
        m = IN.matcher(t);
        if (m.matches()) return shift(day, m.group(1), m.group(2), 1);
        return null;
    }

    private static Instant shift(LocalDate day, String amount, String unit, int sign) {
        int n = -1;
        if (amount.matches("\\d{1,4}")) n = Integer.parseInt(amount);
        else if (amount.equals("a") || amount.equals("an")) n = 1;
        else for (int i = 0; i < NUMBERS.length; i++) if (NUMBERS[i].equals(amount)) n = i;
        if (n < 0) return null;
        long k = (long) sign * n;
        LocalDate d = switch (unit) {
            case "day" -> day.plusDays(k);
            case "week" -> day.plusWeeks(k);
            case "month" -> day.plusMonths(k);
            default -> day.plusYears(k);
        };
        return d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
