package dev.kairos.bench.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Realistic short fact sentences about a synthetic population, reproducible from a seed. */
final class SyntheticFacts {

    /** One fact: subject, relation, object, sentence. */
    record Row(String subject, String relation, String object, String sentence) {}

    static final String[] FIRST = {"Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo", "Mia", "Lucas",
            "Amara", "Kenji", "Priya", "Omar", "Ingrid", "Tomás", "Yuki", "Zara", "Felix", "Leila", "Dmitri", "Chloe",
            "Ravi", "Nadia", "Hugo", "Aisha", "Sven", "Lucia", "Kwame", "Mei", "Jonas", "Fatima", "Diego", "Hana",
            "Arjun", "Elena", "Theo", "Sana", "Marco", "Freya"};
    static final String[] LAST = {"Chen", "Garcia", "Smith", "Okafor", "Nguyen", "Müller", "Rossi", "Kowalski", "Silva",
            "Tanaka", "Haddad", "Johansson", "Patel", "Dubois", "Novak", "Kim", "Mensah", "Ivanova", "Costa", "Berg",
            "Hughes", "Yilmaz", "Andersen", "Moreau", "Santos", "Reyes", "Fischer", "Larsen", "Ali", "Sato",
            "Herrera", "Kaur", "Popescu", "Lindqvist", "Adeyemi", "Weber", "Russo", "Jensen", "Park", "Oliveira",
            "Abbott", "Bauer", "Carvalho", "Doyle", "Eriksen", "Ferrari", "Gomez", "Horvat", "Ito", "Jovanovic"};
    static final String[] COMPANIES = {"Globex", "Initech", "Umbrella Labs", "Stark Industries", "Wayne Shipping",
            "Acme Robotics", "Hooli", "Vandelay Imports", "Soylent Foods", "Cyberdyne", "Tyrell Genetics",
            "Wonka Confectionery", "Oscorp", "Pied Piper", "Massive Dynamic", "Aperture Science", "Gringotts Bank",
            "Monarch Airlines", "Nakatomi Trading", "Blue Sun Energy"};
    static final String[] CITIES = {"Lisbon", "Osaka", "Nairobi", "Toronto", "Berlin", "Buenos Aires", "Seoul",
            "Copenhagen", "Marrakesh", "Melbourne", "Reykjavik", "Hanoi", "Lima", "Prague", "Cape Town", "Vancouver",
            "Istanbul", "Helsinki", "Bogotá", "Kraków", "Dublin", "Mumbai", "Porto", "Tallinn"};
    static final String[] FOODS = {"green tea", "spicy ramen", "dark chocolate", "sourdough bread", "black coffee",
            "mango lassi", "goat cheese", "pickled herring", "tacos al pastor", "miso soup", "baklava", "kimchi",
            "espresso", "falafel", "blueberry pie"};
    static final String[] HOBBIES = {"the cello", "chess", "rock climbing", "tennis", "the violin", "football",
            "the piano", "badminton", "go", "volleyball", "the drums", "table tennis"};
    static final String[] THINGS = {"red bicycle", "vintage camera", "sailboat", "golden retriever", "electric car",
            "telescope", "grand piano", "tabby cat", "motorcycle", "greenhouse"};
    static final String[] SUBJECTS = {"physics", "linguistics", "architecture", "medicine", "economics",
            "computer science", "marine biology", "philosophy", "law", "music theory"};
    static final String[] UNIVERSITIES = {"Uppsala University", "the University of Lagos", "Kyoto University",
            "ETH Zurich", "McGill University", "the University of Porto", "Seoul National University"};

    private SyntheticFacts() {}

    static List<String> people(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; out.size() < n; i++) {
            String name = FIRST[i % FIRST.length] + " " + LAST[(i / FIRST.length) % LAST.length];
            int round = i / (FIRST.length * LAST.length);
            out.add(round == 0 ? name : name + " " + (char) ('A' + round % 26) + ".");
        }
        return out;
    }

    static List<Row> generate(int count, int population, long seed) {
        Random r = new Random(seed);
        List<String> people = people(population);
        List<Row> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String p = people.get(r.nextInt(people.size()));
            out.add(switch (r.nextInt(8)) {
                case 0 -> { String c = pick(r, COMPANIES); yield new Row(p, "WORKS_AT", c, p + " works at " + c + " as a " + pick(r, new String[]{"designer", "engineer", "analyst", "manager", "nurse", "chef", "lawyer"})); }
                case 1 -> { String c = pick(r, CITIES); yield new Row(p, "LIVES_IN", c, p + " lives in " + c + " near the " + pick(r, new String[]{"harbour", "old town", "university", "central station", "river"})); }
                case 2 -> { String f = pick(r, FOODS); yield new Row(p, "LIKES", f, p + " likes " + f + " in the " + pick(r, new String[]{"morning", "evening", "afternoon"})); }
                case 3 -> { String q = people.get(r.nextInt(people.size())); yield new Row(p, "KNOWS", q, p + " knows " + q + " from " + pick(r, new String[]{"school", "work", "the gym", "a conference", "the neighbourhood"})); }
                case 4 -> { String h = pick(r, HOBBIES); yield new Row(p, "PLAYS", h, p + " plays " + h + " every " + pick(r, new String[]{"weekend", "Tuesday", "evening", "summer"})); }
                case 5 -> { String t = pick(r, THINGS); yield new Row(p, "OWNS", t, p + " owns a " + t); }
                case 6 -> { String s = pick(r, SUBJECTS), u = pick(r, UNIVERSITIES); yield new Row(p, "STUDIED_AT", u, p + " studied " + s + " at " + u); }
                default -> { String c = pick(r, CITIES); yield new Row(p, "VISITED", c, p + " visited " + c + " in " + (2015 + r.nextInt(10))); }
            });
        }
        return out;
    }

    /** Queries: half name-and-word lookups, half by meaning with no shared words. */
    static List<String> queries(int count, int population, long seed) {
        Random r = new Random(seed);
        List<String> people = people(population);
        String[] meaning = {"Who enjoys hot drinks?", "Which people make music?", "Who has a pet?",
                "Who went to college abroad?", "Who travelled to Asia?", "Who is employed by a tech firm?",
                "Who lives by the sea?", "Which friends met at the office?", "Who likes sweet desserts?",
                "Who does sport at weekends?"};
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String p = people.get(r.nextInt(people.size()));
            out.add(switch (i % 4) {
                case 0 -> "Where does " + p + " work?";
                case 1 -> p + " " + pick(r, new String[]{"lives", "likes", "plays", "owns"});
                default -> meaning[r.nextInt(meaning.length)];
            });
        }
        return out;
    }

    private static String pick(Random r, String[] xs) {
        return xs[r.nextInt(xs.length)];
    }
}
