package dev.kairos.bench.recall;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Generates long multi-session chats between a person and a friend, with life events, facts that change (jobs,
 * homes), stated preferences and plenty of small talk, plus questions whose evidence turns are known.
 *
 * <p>Deterministic for a seed. Questions use other words than their evidence where people would ("what kind of dog"
 * for "a beagle from the shelter"), and every event category also appears in small talk and in the friend's life, so a
 * question cannot be answered by matching one rare word.
 */
public final class Conversations {

    /** One turn of a chat; {@code id} is unique over the whole data set. */
    public record Turn(String id, int session, Instant at, String speaker, String text) {
        /** The episode content as a chat log would store it. */
        public String content() {
            return speaker + ": " + text;
        }
    }

    /**
     * Question types of the benchmark. {@code EVENT_RELATIVE}: a time given by another event of the chat ("Where did
     * Alice travel before they moved to Lisbon?").
     */
    public enum Type { SINGLE_HOP, MULTI_HOP, TEMPORAL, PREFERENCE, EVENT_RELATIVE }

    /** A name the generator planted in a conversation (a person, place, job, pet, hobby, …) and its label. */
    public record Planted(String name, String label) {}

    /** A question about one conversation, asked at {@code askedAt}, answered by the evidence turns. */
    public record Question(String id, Type type, String text, Instant askedAt, Set<String> evidence) {}

    /**
     * One conversation: its people, turns in time order, questions, and the names planted in it (the ground truth an
     * ideal entity extraction would find).
     */
    public record Conversation(String id, String person, String friend, List<Turn> turns, List<Question> questions,
                               List<Planted> entities) {

        /**
         * The planted names a turn mentions, as ideal extraction would find them: its speaker and every planted name
         * in its text (whole words, any case).
         */
        public List<Planted> mentionedIn(Turn t) {
            List<Planted> out = new ArrayList<>();
            String lower = t.text().toLowerCase(Locale.ROOT);
            for (Planted p : entities)
                if (p.name().equals(t.speaker()) || java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(
                        p.name().toLowerCase(Locale.ROOT)) + "\\b").matcher(lower).find()) out.add(p);
            return out;
        }
    }

    private static final String[] NAMES = {"Alice", "Ben", "Chloe", "Daniel", "Emma", "Farid", "Grace", "Hugo", "Isla",
            "Jonah", "Kira", "Leo", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Samir", "Tara", "Uma", "Victor",
            "Wendy", "Yusuf"};
    private static final String[] SISTERS = {"Clara", "Nina", "Lucia", "Hannah", "Freya", "Ines", "Mira", "Zoe"};
    private static final String[] PARTNERS = {"Marco", "Tobias", "Ravi", "Elliot", "Jasper", "Anton", "Felix", "Omar"};
    private static final String[] CITIES = {"Denver", "Lisbon", "Toronto", "Glasgow", "Austin", "Melbourne", "Utrecht",
            "Portland", "Valencia", "Montreal", "Seattle", "Dublin"};
    private static final String[][] JOBS = {{"nurse", "the children's hospital"}, {"data analyst", "a logistics firm"},
            {"sous-chef", "a tapas restaurant"}, {"teacher", "the primary school on Elm Street"},
            {"architect", "a small studio downtown"}, {"physiotherapist", "a sports clinic"},
            {"UX designer", "a fintech start-up"}, {"librarian", "the university library"}};
    private static final String[][] BREEDS = {{"beagle", "Max"}, {"border collie", "Luna"}, {"greyhound", "Pepper"},
            {"dachshund", "Biscuit"}, {"labrador", "Scout"}, {"corgi", "Mochi"}};
    private static final String[] RUINED = {"running shoes", "sofa cushions", "passport", "headphones", "garden hose"};
    private static final String[][] ACTIVITIES = {{"bouldering", "my forearms are completely wrecked"},
            {"tennis", "my backhand is hopeless so far"}, {"open-water swimming", "the lake was freezing at seven in the morning"},
            {"salsa", "I stepped on my partner's feet about twenty times"}, {"rowing", "my hands are covered in blisters"},
            {"fencing", "the mask smells like a locker room"}, {"pottery", "my first bowl came out lopsided"},
            {"archery", "I hit the target twice out of forty arrows"}};
    private static final String[][] TRIPS = {{"Kyoto", "we walked through the bamboo forest at dawn and ate far too much ramen"},
            {"Iceland", "we drove the ring road and saw the northern lights one night"},
            {"Marrakesh", "the souks were overwhelming but the mint tea was perfect"},
            {"the Scottish Highlands", "it rained every single day but the lochs were stunning"},
            {"Rome", "we queued two hours for the Vatican and it was worth it"},
            {"Patagonia", "we hiked to the glacier and my boots gave up on the way back"},
            {"Crete", "we rented a tiny car and found a beach with nobody on it"}};
    private static final String[][] FOODS = {{"Thai curries", "the spicier the better"}, {"sushi", "I could eat it every day"},
            {"Neapolitan pizza", "nothing beats a proper wood-fired crust"}, {"Ethiopian food", "injera with lentils is my comfort meal"},
            {"dim sum", "Sunday brunch with dumplings is my favourite ritual"}};
    private static final String[][] MUSIC = {{"jazz", "old Coltrane records on vinyl"}, {"synth-pop", "eighties synthesizers all day"},
            {"bluegrass", "banjo and fiddle, it just makes me happy"}, {"opera", "Puccini on repeat while I cook"}};

    private static final String[] SMALL_TALK = {
            "How have you been? It feels like ages.", "Pretty good, just tired. Work has been busy.",
            "The weather has been awful, rain all week.", "Did you watch the match on Saturday?",
            "I really should go to the gym more often.", "My coworker keeps talking about his holiday in Spain.",
            "My neighbour's dog barks all night, it's driving me mad.", "I made pancakes this morning, a small win.",
            "Traffic was terrible on the way home today.", "I'm thinking of repainting the kitchen at some point.",
            "Have you read anything good lately?", "Not really, I keep starting books and not finishing them.",
            "We should grab coffee soon.", "Definitely, next week maybe?", "My phone screen cracked again.",
            "The new season of that baking show started.", "I'm trying to drink less coffee, it's not going well.",
            "My sister says hi, by the way.", "Ha, say hi back!", "I slept badly, the heating made a weird noise all night.",
            "It's been a long week honestly.", "Same here, I'm counting the hours to Friday.",
            "I saw a documentary about octopuses, they're so clever.", "We had a team lunch, the food was mediocre.",
            "I need a holiday, any holiday.", "Do you still play that video game?", "Only on weekends now.",
            "The supermarket was out of oat milk again.", "I finally fixed the leaking tap.", "Good for you!",
            "Any plans for the weekend?", "Nothing much, maybe a walk if it stops raining.", "That sounds nice.",
            "I'm so behind on emails.", "Me too, it never ends.", "I bought a plant, let's see how long it survives.",
            "My job is fine, nothing new really.", "Someone at work got a puppy and brings it in on Fridays.",
            "We watched a film about a road trip across America.", "I keep meaning to learn an instrument."};
    private static final String[] FRIEND_EVENTS = {
            "My brother is visiting next month, I need to clean the spare room.",
            "I'm thinking about switching jobs too, my manager is exhausting.", "We booked a weekend away by the coast.",
            "I started running again, just short distances.", "My cat knocked a glass off the table this morning.",
            "My parents are moving to a smaller house.", "I got promoted, finally!", "I've been learning to bake sourdough.",
            "We went to a wedding last weekend, lovely but long.", "I joined a book club at the library."};

    private Conversations() {}

    /** {@code count} conversations of {@code sessions} sessions with {@code turnsPerSession} turns each. */
    public static List<Conversation> generate(long seed, int count, int sessions, int turnsPerSession) {
        if (count > NAMES.length / 2) throw new IllegalArgumentException("at most " + NAMES.length / 2 + " conversations");
        List<Conversation> out = new ArrayList<>();
        for (int c = 0; c < count; c++) out.add(new Builder(new Random(seed * 1_000_003L + c), c, sessions, turnsPerSession).build());
        return out;
    }

    /** An event turn of the person, by category, for building questions. */
    private record Event(String category, int session, Turn turn, String detail) {}

    private static final class Builder {
        private final Random r;
        private final String cid;
        private final String person, friend, sister, partner;
        private final int sessions, perSession;
        private final List<Turn> turns = new ArrayList<>();
        private final List<Event> events = new ArrayList<>();
        private final List<Question> questions = new ArrayList<>();
        private int turnNo;

        Builder(Random r, int index, int sessions, int perSession) {
            this.r = r;
            this.cid = "c" + index;
            this.person = NAMES[2 * index];
            this.friend = NAMES[2 * index + 1];
            this.sister = pick(SISTERS);
            this.partner = pick(PARTNERS);
            this.sessions = sessions;
            this.perSession = perSession;
        }

        private <T> T pick(T[] a) {
            return a[r.nextInt(a.length)];
        }

        Conversation build() {
            // Plan the person's life: which event falls into which session.
            List<String[]> cities = shuffled(CITIES, 3);
            List<String[]> jobs = shuffled(JOBS, 3);
            List<String[]> activities = shuffled(ACTIVITIES, 4);
            List<String[]> trips = shuffled(TRIPS, 4);
            String[] dog = pick(BREEDS);
            String ruined = pick(RUINED);
            String[] food = pick(FOODS);
            String[] music = pick(MUSIC);
            String[] sisterNews = {sister + " got engaged to " + partner + ", he proposed on a ferry!",
                    sister + " is expecting a baby in the autumn, I'm going to be an aunt.",
                    sister + " finished her PhD, we all went out to celebrate."};

            LocalDate day = LocalDate.of(2022, 1, 3).plusDays(r.nextInt(200));
            int ci = 0, ji = 0, ai = 0, ti = 0, si = 0;
            for (int s = 0; s < sessions; s++) {
                ZonedDateTime start = day.atTime(18 + r.nextInt(3), r.nextInt(60)).atZone(ZoneOffset.UTC);
                List<String[]> planned = new ArrayList<>(); // {category, detail, text}
                if (s == 0) {
                    planned.add(new String[]{"intro-sister", sister, "My sister " + sister + " is staying with us this week, she says hello."});
                    planned.add(new String[]{"move", cities.get(ci)[0], "I still can't believe we live in " + cities.get(ci++)[0] + " now, the neighbourhood is great."});
                    planned.add(new String[]{"job", jobs.get(ji)[0], "First week as a " + jobs.get(ji)[0] + " at " + jobs.get(ji++)[1] + " went well."});
                }
                if (s == 2) planned.add(new String[]{"pet", dog[0], "We adopted a " + dog[0] + " from the shelter, we named him " + dog[1] + "."});
                if (s == 4 || s == sessions - 3)
                    planned.add(new String[]{"move", cities.get(ci)[0], "We packed everything into a van and drove to " + cities.get(ci++)[0]
                            + ", the new flat has a balcony."});
                if (s == 3 || s == sessions - 2)
                    planned.add(new String[]{"job", jobs.get(ji)[0], "I handed in my notice; from Monday I'm a " + jobs.get(ji)[0] + " at "
                            + jobs.get(ji++)[1] + "."});
                if (s == 6) planned.add(new String[]{"pet-damage", ruined, dog[1] + " chewed through my " + ruined + " while I was out, unbelievable."});
                if (s % 3 == 1 && ai < activities.size()) {
                    String[] a = activities.get(ai++);
                    planned.add(new String[]{"activity", a[0], "I signed up for " + a[0] + " classes on Tuesdays; " + a[1] + "."});
                }
                if (s % 3 == 2 && ti < trips.size()) {
                    String[] t = trips.get(ti++);
                    planned.add(new String[]{"trip", t[0], "We just got back from " + t[0] + ": " + t[1] + "."});
                }
                if (s % 4 == 1 && si < sisterNews.length) planned.add(new String[]{"sister-news", sister, sisterNews[si++]});
                if (s == 1 || s == 7) planned.add(new String[]{"food", food[0], s == 1
                        ? "Honestly I could live on " + food[0] + ", " + food[1] + "."
                        : "We found a new place for " + food[0] + " near the station, I've been three times already."});
                if (s == 5 || s == 9) planned.add(new String[]{"music", music[0], s == 5
                        ? "I've been listening to " + music[0] + " nonstop, " + music[1] + "."
                        : "Went to a " + music[0] + " concert on Friday, best night in months."});

                // Lay out the session: greeting, small talk with the events and the friend's news mixed in, goodbye.
                List<String[]> lines = new ArrayList<>(); // {speaker, text, category, detail}
                lines.add(new String[]{person, "Hey " + friend + "! Got a minute to catch up?", null, null});
                lines.add(new String[]{friend, "Always. What's new with you?", null, null});
                int body = perSession - 4;
                List<Integer> slots = new ArrayList<>();
                for (int i = 0; i < body; i++) slots.add(i);
                java.util.Collections.shuffle(slots, r);
                String[][] bodyLines = new String[body][];
                int pi = 0;
                for (String[] p : planned) {
                    int slot = -1;
                    for (int k = pi; k < slots.size(); k++) if (slots.get(k) % 2 == 0) { slot = slots.remove(k); break; }
                    if (slot < 0) break;
                    bodyLines[slot] = new String[]{person, p[2], p[0], p[1]};
                    // The friend's reaction follows, so the evidence turn has a neighbour that depends on it.
                    if (slot + 1 < body && bodyLines[slot + 1] == null) {
                        slots.remove(Integer.valueOf(slot + 1));
                        bodyLines[slot + 1] = new String[]{friend, pick(new String[]{"No way, that's huge!", "Wow, how do you feel about it?",
                                "That's amazing news.", "Oh, I didn't see that coming!", "Tell me more!"}), null, null};
                    }
                }
                for (int i = 0; i < body; i++) {
                    if (bodyLines[i] != null) continue;
                    String speaker = i % 2 == 0 ? person : friend;
                    String text = speaker.equals(friend) && r.nextInt(6) == 0 ? pick(FRIEND_EVENTS) : pick(SMALL_TALK);
                    bodyLines[i] = new String[]{speaker, text, null, null};
                }
                lines.addAll(java.util.Arrays.asList(bodyLines));
                lines.add(new String[]{person, "I have to run, talk soon!", null, null});
                lines.add(new String[]{friend, "Bye, take care!", null, null});
                for (int i = 0; i < lines.size(); i++) {
                    String[] l = lines.get(i);
                    Turn t = new Turn(cid + "-s" + s + "-t" + (turnNo++), s, start.plusMinutes(i).toInstant(), l[0], l[1]);
                    turns.add(t);
                    if (l[2] != null) events.add(new Event(l[2], s, t, l[3]));
                }
                day = day.plusDays(18 + r.nextInt(23));
            }
            questions(dog, ruined, food, music);
            List<Planted> planted = new ArrayList<>(List.of(new Planted(person, "Person"), new Planted(friend, "Person"),
                    new Planted(sister, "Person"), new Planted(partner, "Person"), new Planted(dog[1], "Pet"),
                    new Planted(dog[0], "Breed"), new Planted(food[0], "Food"), new Planted(music[0], "Music")));
            for (String[] c : cities) planted.add(new Planted(c[0], "Place"));
            for (String[] j : jobs) planted.add(new Planted(j[0], "Occupation"));
            for (String[] a : activities) planted.add(new Planted(a[0], "Activity"));
            for (String[] t : trips) planted.add(new Planted(t[0], "Place"));
            return new Conversation(cid, person, friend, List.copyOf(turns), List.copyOf(questions), List.copyOf(planted));
        }

        private List<String[]> shuffled(Object source, int n) {
            List<String[]> l = new ArrayList<>();
            if (source instanceof String[] a) for (String s : a) l.add(new String[]{s});
            else for (String[] a : (String[][]) source) l.add(a);
            java.util.Collections.shuffle(l, r);
            return l.subList(0, Math.min(n, l.size()));
        }

        private List<Event> of(String category) {
            return events.stream().filter(e -> e.category().equals(category)).toList();
        }

        private void ask(Type type, String text, Instant at, List<Event> evidence) {
            if (evidence.isEmpty()) return;
            Set<String> ids = new LinkedHashSet<>();
            for (Event e : evidence) ids.add(e.turn().id());
            questions.add(new Question(cid + "-q" + questions.size(), type, text, at, ids));
        }

        private Instant end() {
            return turns.getLast().at().plus(Duration.ofDays(3));
        }

        private void questions(String[] dog, String ruined, String[] food, String[] music) {
            Instant now = end();
            List<Event> jobs = of("job"), moves = of("move"), pets = of("pet"), trips = of("trip"), acts = of("activity"),
                    news = of("sister-news");
            // Single hop: one turn answers, in other words than the question's.
            ask(Type.SINGLE_HOP, "What kind of dog did " + person + " get?", now, pets);
            ask(Type.SINGLE_HOP, "Where does " + person + " work now?", now, List.of(jobs.getLast()));
            ask(Type.SINGLE_HOP, "Which city does " + person + " live in at the moment?", now, List.of(moves.getLast()));
            if (!trips.isEmpty()) ask(Type.SINGLE_HOP, "What did " + person + " see on the holiday in " + trips.getFirst().detail() + "?", now, List.of(trips.getFirst()));
            if (!acts.isEmpty()) ask(Type.SINGLE_HOP, "How are the " + acts.getLast().detail() + " lessons going for " + person + "?", now, List.of(acts.getLast()));
            // Multi hop: two turns, linked by a name or by time.
            List<Event> engaged = news.stream().filter(e -> e.turn().text().contains("engaged")).toList();
            if (!engaged.isEmpty())
                ask(Type.MULTI_HOP, "Who is " + person + "'s sister going to marry?", now, List.of(of("intro-sister").getFirst(), engaged.getFirst()));
            ask(Type.MULTI_HOP, "What did " + person + "'s dog destroy?", now, List.of(pets.getFirst(), of("pet-damage").getFirst()));
            Event pet = pets.getFirst();
            Event homeThen = moves.stream().filter(m -> m.session() <= pet.session()).reduce((a, b) -> b).orElseThrow();
            ask(Type.MULTI_HOP, "Which city was " + person + " living in when they adopted the dog?", now, List.of(pet, homeThen));
            Event firstJob = jobs.getFirst();
            ask(Type.MULTI_HOP, "What was " + person + "'s job before switching careers, and what came next?", now, List.of(firstJob, jobs.get(1)));
            // Temporal: a time expression names the window; the evidence is every event of the kind asked in it.
            List<Event> timed = new ArrayList<>();
            timed.addAll(trips);
            timed.addAll(acts);
            timed.addAll(news);
            timed.addAll(jobs.subList(1, jobs.size()));
            int form = 0;
            for (Event e : timed) {
                String what = what(e.category());
                ZonedDateTime at = e.turn().at().atZone(ZoneOffset.UTC);
                Instant asked;
                String when;
                Predicate<Instant> window;
                switch (form++ % 4) {
                    case 0 -> { // in May 2023
                        asked = now;
                        when = "in " + month(at.getMonth()) + " " + at.getYear();
                        window = t -> sameMonth(t, at);
                    }
                    case 1 -> { // last May, asked some months later (within the year)
                        asked = at.plusMonths(2 + r.nextInt(6)).toInstant();
                        when = "last " + month(at.getMonth());
                        window = t -> sameMonth(t, at);
                    }
                    case 2 -> { // two weeks ago
                        int weeks = 1 + r.nextInt(3);
                        asked = at.plusWeeks(weeks).plusHours(r.nextInt(48) - 24).toInstant();
                        when = (weeks == 1 ? "a week" : weeks == 2 ? "two weeks" : "three weeks") + " ago";
                        window = t -> Math.abs(Duration.between(t, at.toInstant()).toDays()) <= 4;
                    }
                    default -> { // last month
                        asked = at.plusMonths(1).withDayOfMonth(1 + r.nextInt(27)).toInstant();
                        when = "last month";
                        window = t -> sameMonth(t, at);
                    }
                }
                Instant cut = asked;
                List<Event> ev = timed.stream().filter(x -> x.category().equals(e.category()) && window.test(x.turn().at())
                        && !x.turn().at().isAfter(cut)).toList();
                ask(Type.TEMPORAL, what + " " + when + "?", asked, ev);
            }
            // Event-relative: the time is another event of the chat (a later move or job change), before or after it;
            // the evidence is every event of the kind asked on that side of it.
            List<Event> anchors = new ArrayList<>(moves.subList(1, moves.size()));
            anchors.addAll(jobs.subList(1, jobs.size()));
            String[] kinds = {"trip", "activity", "sister-news"};
            int kind = 0;
            for (Event a : anchors)
                for (String edge : new String[]{"before", "after"}) {
                    String category = kinds[kind++ % kinds.length];
                    String event = a.category().equals("move") ? "they moved to " + a.detail()
                            : "they started working as " + article(a.detail()) + " " + a.detail();
                    Instant at = a.turn().at();
                    List<Event> ev = of(category).stream().filter(x -> edge.equals("before")
                            ? x.turn().at().isBefore(at) : x.turn().at().isAfter(at)).toList();
                    ask(Type.EVENT_RELATIVE, what(category) + " " + edge + " " + event + "?", now, ev);
                }
            // Preference / open: several turns together answer it.
            ask(Type.PREFERENCE, "What kind of food does " + person + " enjoy?", now, of("food"));
            ask(Type.PREFERENCE, "What music is " + person + " into?", now, of("music"));
            ask(Type.PREFERENCE, "What does " + person + " do to stay active?", now, acts);
            ask(Type.PREFERENCE, "How is " + person + "'s family doing?", now, news);
        }

        private String what(String category) {
            return switch (category) {
                case "trip" -> "Where did " + person + " travel";
                case "activity" -> "What new hobby did " + person + " pick up";
                case "sister-news" -> "What news did " + person + " share about their sister";
                default -> "What changed in " + person + "'s work";
            };
        }

        private static String article(String noun) {
            return "aeiouAEIOU".indexOf(noun.charAt(0)) >= 0 && !noun.startsWith("UX") ? "an" : "a";
        }

        private static boolean sameMonth(Instant t, ZonedDateTime at) {
            ZonedDateTime z = t.atZone(ZoneOffset.UTC);
            return z.getYear() == at.getYear() && z.getMonth() == at.getMonth();
        }

        private static String month(Month m) {
            return m.getDisplayName(TextStyle.FULL, Locale.ENGLISH);
        }
    }
}
