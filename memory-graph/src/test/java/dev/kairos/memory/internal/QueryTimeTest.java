package dev.kairos.memory.internal;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Time expressions in queries, read relative to the moment the question is asked. */
class QueryTimeTest {
    /** A Wednesday. */
    private static final Instant REF = Instant.parse("2023-08-16T15:30:00Z");

    private static QueryTime.Window at(String text, Instant ref) {
        return QueryTime.parse(text, ref).orElseThrow(() -> new AssertionError("no time expression found in: " + text));
    }

    private static void window(String text, Instant ref, String from, String to) {
        QueryTime.Window w = at(text, ref);
        assertEquals(from == null ? null : Instant.parse(from), w.from(), text + ": from");
        assertEquals(to == null ? null : Instant.parse(to), w.to(), text + ": to");
    }

    @Test
    void monthsAndYears() {
        window("What did Alice do in May 2023?", REF, "2023-05-01T00:00:00Z", "2023-06-01T00:00:00Z");
        window("trips in December of 2022", REF, "2022-12-01T00:00:00Z", "2023-01-01T00:00:00Z");
        window("What happened in 2021?", REF, "2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z");
        // Without a year: the latest such month that has begun.
        window("what did she cook in March", REF, "2023-03-01T00:00:00Z", "2023-04-01T00:00:00Z");
        window("what did she cook in October", REF, "2022-10-01T00:00:00Z", "2022-11-01T00:00:00Z");
    }

    @Test
    void lastMonthNameIsTheLatestOneBeforeThisMonth() {
        window("Where did Alice travel last May?", REF, "2023-05-01T00:00:00Z", "2023-06-01T00:00:00Z");
        // Asked in May or earlier: the May of the year before.
        window("last May", Instant.parse("2023-05-20T10:00:00Z"), "2022-05-01T00:00:00Z", "2022-06-01T00:00:00Z");
        window("last September", REF, "2022-09-01T00:00:00Z", "2022-10-01T00:00:00Z");
    }

    @Test
    void relativeToTheReferenceTime() {
        window("last month", REF, "2023-07-01T00:00:00Z", "2023-08-01T00:00:00Z");
        window("this year", REF, "2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z");
        window("last year", REF, "2022-01-01T00:00:00Z", "2023-01-01T00:00:00Z");
        window("last week", REF, "2023-08-07T00:00:00Z", "2023-08-14T00:00:00Z");
        window("yesterday", REF, "2023-08-15T00:00:00Z", "2023-08-16T00:00:00Z");
        // "two weeks ago": around then, give or take half a week.
        window("What did Alice do two weeks ago?", REF, "2023-07-29T00:00:00Z", "2023-08-07T00:00:00Z");
        window("3 days ago", REF, "2023-08-12T00:00:00Z", "2023-08-14T00:00:00Z");
        window("a month ago", REF, "2023-07-01T00:00:00Z", "2023-08-01T00:00:00Z");
        window("over the past two weeks", REF, "2023-08-02T00:00:00Z", "2023-08-17T00:00:00Z");
        window("last spring", REF, "2023-03-01T00:00:00Z", "2023-06-01T00:00:00Z");
        window("last winter", REF, "2022-12-01T00:00:00Z", "2023-03-01T00:00:00Z");
        window("in the summer of 2022", REF, "2022-06-01T00:00:00Z", "2022-09-01T00:00:00Z");
        // The same words asked at another time mean another window.
        window("last month", Instant.parse("2023-01-10T00:00:00Z"), "2022-12-01T00:00:00Z", "2023-01-01T00:00:00Z");
    }

    @Test
    void openWindows() {
        window("jobs before March 2023", REF, null, "2023-03-01T00:00:00Z");
        window("what changed after 2022", REF, "2023-01-01T00:00:00Z", null);
        window("since last month", REF, "2023-07-01T00:00:00Z", "2023-08-17T00:00:00Z");
    }

    @Test
    void theExpressionIsTakenOutOfTheQuery() {
        QueryTime.Window w = at("Where did Alice travel last May?", REF);
        assertEquals("last May", w.phrase());
        assertEquals("Where did Alice travel?", w.rest());
        assertEquals("What new hobby did Ben pick up?", at("What new hobby did Ben pick up in May 2023?", REF).rest());
        assertTrue(w.contains(Instant.parse("2023-05-31T23:59:59Z")));
        assertTrue(!w.contains(Instant.parse("2023-06-01T00:00:00Z")));
    }

    @Test
    void wordsThatOnlyLookLikeTimeAreLeftAlone() {
        for (String text : new String[]{"May I ask what Alice likes?", "did they march in the parade", "the autumn leaves",
                "who will fall first", "what is Alice's job", "the last decade of jazz", ""})
            assertTrue(QueryTime.parse(text, REF).isEmpty(), text);
        assertTrue(QueryTime.parse("in May 2023", null).isEmpty(), "no reference time, no window");
        assertNull(QueryTime.parse(null, REF).orElse(null));
    }

    @Test
    void anEventInsteadOfADateIsFoundWithItsEdge() {
        QueryTime.Event e = QueryTime.event("Where did Alice travel before she moved to Lisbon?").orElseThrow();
        assertEquals("before", e.edge());
        assertEquals("she moved to Lisbon", e.event());
        assertEquals("Where did Alice travel?", e.rest());
        Instant moved = Instant.parse("2023-04-10T12:00:00Z");
        assertEquals(new QueryTime.Window(null, moved, e.phrase(), e.rest()), e.window(moved));
        QueryTime.Event after = QueryTime.event("After he started working as a nurse, what hobby did he pick up?").orElseThrow();
        assertEquals("after", after.edge());
        assertEquals("he started working as a nurse", after.event());
        assertEquals("what hobby did he pick up?", after.rest());
        assertEquals(moved, after.window(moved).from());
        assertNull(after.window(moved).to());
        // A single word after the edge is a time of day or a meal, not an event; stop words alone are nothing.
        for (String text : new String[]{"what did she eat before work?", "what happened after that?", "Where was I before?",
                "after it was"})
            assertTrue(QueryTime.event(text).isEmpty(), text);
    }

    @Test
    void entityNamesAreFoundWholeInTheQuery() {
        var words = EntityNames.words("What did José Álvarez's sister say about Lisbon?");
        assertTrue(EntityNames.named(words, "Jose Alvarez"));
        assertTrue(EntityNames.named(words, "lisbon"));
        assertFalse(EntityNames.named(words, "José"  + " Ramos"), "the whole name must be there");
        assertFalse(EntityNames.named(words, "Lis"), "whole words only");
        assertFalse(EntityNames.named(words, "  "));
    }
}
