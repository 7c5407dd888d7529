package dev.kairos.memory.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.memory.Entity;
import dev.kairos.memory.EntityRef;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewFact;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.ingest.internal.LooseJson;
import dev.kairos.memory.ingest.internal.RelativeDates;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Model-driven extraction of one episode into the temporal graph, as named steps: extract, resolve, date, contradict,
 * invalidate, summarise, write. A typical episode costs one model call (extraction) plus one when existing facts share
 * an entity with the new ones (contradiction check); a malformed answer gets one repair turn.
 */
public final class Extraction {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String EXTRACT_PROMPT = prompt("extract-v1.txt");
    static final String CONTRADICT_PROMPT = prompt("contradict-v1.txt");
    private static final int SUMMARY_MAX = 600;

    /** What one episode produced; {@code modelCalls} counts repair turns too. */
    public record Outcome(List<String> entities, List<Fact> facts, List<Fact> invalidated, int modelCalls,
                          long promptTokens, long completionTokens) {}

    /** The model's answer could not be used even after the repair turn; {@code rawAnswer} is its last answer. */
    public static final class Failed extends RuntimeException {
        private final String rawAnswer;

        public Failed(String message, String rawAnswer) {
            super(message);
            this.rawAnswer = rawAnswer;
        }

        public String rawAnswer() {
            return rawAnswer;
        }
    }

    /** An entity as extracted, then resolved to the name it has in the graph. */
    record Mention(String name, String type, String summary, Entity existing) {}

    /** A fact as extracted, with its dates resolved. */
    record Draft(String source, String relation, String target, String fact, Instant validAt, Instant invalidAt) {}

    private final MemoryGraph graph;
    private final ModelForExtraction model;
    private int calls;
    private long promptTokens;
    private long completionTokens;

    private Extraction(MemoryGraph graph, ModelForExtraction model) {
        this.graph = graph;
        this.model = model;
    }

    /** Runs every step for one stored episode and writes the result; throws {@link Failed} on unusable answers. */
    public static Outcome run(MemoryGraph graph, ModelForExtraction model, Episode episode) {
        return new Extraction(graph, model).ingest(episode);
    }

    private Outcome ingest(Episode episode) {
        Instant reference = episode.validAt() != null ? episode.validAt() : episode.createdAt();
        JsonNode extracted = ask(EXTRACT_PROMPT, "Reference time: " + reference + "\nEpisode:\n" + episode.content(),
                "extraction", extractSchema(), Extraction::checkExtraction);
        Map<String, Mention> mentions = resolve(episode.groupId(), extracted.path("entities"));
        List<Draft> drafts = date(extracted.path("facts"), reference, mentions);
        List<Draft> kept = new ArrayList<>();
        List<Fact> invalidate = new ArrayList<>();
        List<Instant> invalidateAt = new ArrayList<>();
        contradictAndInvalidate(mentions, drafts, kept, invalidate, invalidateAt);
        List<NewEntity> entities = summarise(episode, mentions);
        graph.upsertEntities(entities);
        List<NewFact> facts = new ArrayList<>();
        for (Draft d : kept) {
            facts.add(new NewFact(episode.groupId(), EntityRef.name(d.source()), d.relation(), d.fact(),
                    EntityRef.name(d.target()), d.validAt(), d.invalidAt(), false, List.of(episode.uuid()), null, null));
        }
        List<Fact> written = facts.isEmpty() ? List.of() : graph.addFacts(facts);
        List<Fact> ended = new ArrayList<>();
        for (int i = 0; i < invalidate.size(); i++) ended.add(graph.invalidateFact(invalidate.get(i).uuid(), invalidateAt.get(i)));
        return new Outcome(entities.stream().map(NewEntity::name).toList(), written, ended, calls, promptTokens, completionTokens);
    }

    // ---- step: ask (with one repair turn) ----

    private JsonNode ask(String system, String user, String schemaName, JsonNode schema, Function<JsonNode, String> check) {
        List<ModelForExtraction.Turn> turns = new ArrayList<>(List.of(
                new ModelForExtraction.Turn(ModelForExtraction.Role.SYSTEM, system),
                new ModelForExtraction.Turn(ModelForExtraction.Role.USER, user)));
        String last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            ModelForExtraction.Answer a = model.complete(turns, schemaName, schema);
            calls++;
            promptTokens += a.promptTokens();
            completionTokens += a.completionTokens();
            last = a.text();
            String problem;
            JsonNode node = null;
            try {
                node = LooseJson.object(last);
                problem = check.apply(node);
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
            if (problem == null) return node;
            if (attempt == 1) throw new Failed("the model's " + schemaName + " answer was unusable after a repair turn: " + problem, last);
            turns.add(new ModelForExtraction.Turn(ModelForExtraction.Role.ASSISTANT, last));
            turns.add(new ModelForExtraction.Turn(ModelForExtraction.Role.USER,
                    "That answer could not be used: " + problem + ". Answer again with only the JSON object."));
        }
        throw new IllegalStateException("unreachable");
    }

    private static String checkExtraction(JsonNode n) {
        if (!n.path("entities").isArray()) return "'entities' must be an array";
        if (!n.path("facts").isArray()) return "'facts' must be an array";
        for (JsonNode e : n.path("entities")) if (!e.path("name").isTextual() || e.path("name").asText().isBlank()) return "every entity needs a 'name'";
        for (JsonNode f : n.path("facts"))
            for (String k : List.of("source", "relation", "target"))
                if (!f.path(k).isTextual() || f.path(k).asText().isBlank()) return "every fact needs '" + k + "'";
        return null;
    }

    private static String checkContradictions(JsonNode n) {
        if (!n.path("contradictions").isArray()) return "'contradictions' must be an array";
        for (JsonNode c : n.path("contradictions"))
            if (!c.path("new").canConvertToInt() || !c.path("existing").isArray()) return "each contradiction needs 'new' and 'existing'";
        return null;
    }

    // ---- step: resolve entities against the graph ----

    private Map<String, Mention> resolve(String group, JsonNode entities) {
        Map<String, Mention> out = new LinkedHashMap<>();
        for (JsonNode e : entities) {
            String name = e.path("name").asText().trim();
            Entity found = graph.entityNamed(group, name).orElse(null);
            if (found == null) {
                // Normalised and fuzzy matches among the lexical and vector candidates the search finds.
                var hits = graph.search(SearchQuery.of(name).inGroups(List.of(group)).only(SearchQuery.Scope.ENTITIES).limit(5)).entityList();
                for (Entity c : hits) {
                    if (normal(c.name()).equals(normal(name)) || similarity(normal(c.name()), normal(name)) >= 0.85) {
                        found = c;
                        break;
                    }
                }
            }
            out.put(name, new Mention(found != null ? found.name() : name, e.path("type").asText(null),
                    e.path("summary").asText(null), found));
        }
        return out;
    }

    static String normal(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT).replaceAll("[\\p{P}\\s]+", "");
    }

    /** Dice coefficient over character bigrams. */
    static double similarity(String a, String b) {
        if (a.length() < 2 || b.length() < 2) return a.equals(b) ? 1 : 0;
        List<String> x = new ArrayList<>();
        for (int i = 0; i + 1 < a.length(); i++) x.add(a.substring(i, i + 2));
        int common = 0;
        for (int i = 0; i + 1 < b.length(); i++) if (x.remove(b.substring(i, i + 2))) common++;
        return 2.0 * common / (a.length() - 1 + b.length() - 1);
    }

    // ---- step: facts with dates resolved against the reference time ----

    private static List<Draft> date(JsonNode facts, Instant reference, Map<String, Mention> mentions) {
        List<Draft> out = new ArrayList<>();
        for (JsonNode f : facts) {
            String s = f.path("source").asText().trim(), t = f.path("target").asText().trim();
            String relation = f.path("relation").asText().trim().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]+", "_");
            if (relation.isEmpty() || !Character.isLetter(relation.charAt(0))) relation = "RELATES_TO";
            out.add(new Draft(mentions.containsKey(s) ? mentions.get(s).name() : s, relation,
                    mentions.containsKey(t) ? mentions.get(t).name() : t,
                    f.path("fact").asText(s + " " + relation + " " + t),
                    RelativeDates.resolve(f.path("valid_at").asText(null), reference),
                    RelativeDates.resolve(f.path("invalid_at").asText(null), reference)));
        }
        return out;
    }

    // ---- steps: contradiction check among facts sharing an entity, invalidation by intervals ----

    private void contradictAndInvalidate(Map<String, Mention> mentions, List<Draft> drafts, List<Draft> kept,
                                         List<Fact> invalidate, List<Instant> invalidateAt) {
        Map<String, Fact> candidates = new LinkedHashMap<>();
        for (Mention m : mentions.values()) {
            if (m.existing() == null) continue;
            for (Fact f : graph.timeline(m.existing().uuid()))
                if (f.invalidAt() == null && f.expiredAt() == null) candidates.putIfAbsent(f.uuid(), f);
        }
        List<Fact> existing = new ArrayList<>(candidates.values());
        List<Draft> out = new ArrayList<>(drafts);
        if (!existing.isEmpty() && !drafts.isEmpty()) {
            StringBuilder user = new StringBuilder("Existing facts:\n");
            for (int i = 0; i < existing.size(); i++) {
                Fact f = existing.get(i);
                user.append(i).append(": ").append(f.sourceName()).append(' ').append(f.name()).append(' ')
                        .append(f.targetName()).append(" — ").append(f.fact()).append(" (valid from ").append(f.validAt()).append(")\n");
            }
            user.append("New facts:\n");
            for (int i = 0; i < drafts.size(); i++) {
                Draft d = drafts.get(i);
                user.append(i).append(": ").append(d.source()).append(' ').append(d.relation()).append(' ')
                        .append(d.target()).append(" — ").append(d.fact()).append(" (valid from ").append(d.validAt()).append(")\n");
            }
            JsonNode answer = ask(CONTRADICT_PROMPT, user.toString(), "contradictions", contradictSchema(), Extraction::checkContradictions);
            for (JsonNode c : answer.path("contradictions")) {
                int n = c.path("new").asInt();
                if (n < 0 || n >= out.size()) continue;
                for (JsonNode x : c.path("existing")) {
                    int k = x.asInt(-1);
                    if (k < 0 || k >= existing.size()) continue;
                    Fact old = existing.get(k);
                    Draft d = out.get(n);
                    // Interval rules: the later-starting fact ends the earlier one; an older new fact is historical.
                    if (d.validAt() != null && old.validAt() != null && d.validAt().isBefore(old.validAt())) {
                        if (d.invalidAt() == null || d.invalidAt().isAfter(old.validAt()))
                            out.set(n, new Draft(d.source(), d.relation(), d.target(), d.fact(), d.validAt(), old.validAt()));
                    } else if (!invalidate.contains(old)) {
                        invalidate.add(old);
                        invalidateAt.add(d.validAt());
                    }
                }
            }
        }
        kept.addAll(out);
    }

    // ---- step: entity summaries ----

    private static List<NewEntity> summarise(Episode episode, Map<String, Mention> mentions) {
        Map<String, NewEntity> out = new LinkedHashMap<>();
        for (Mention m : mentions.values()) {
            String summary = m.summary();
            String before = m.existing() != null ? m.existing().summary() : null;
            if (before != null && !before.isBlank() && summary != null && !before.contains(summary)) summary = before + " " + summary;
            if (summary != null && summary.length() > SUMMARY_MAX) summary = summary.substring(summary.length() - SUMMARY_MAX);
            List<String> labels = m.type() != null && m.type().matches("[A-Z][A-Za-z0-9_]{0,39}") ? List.of(m.type()) : List.of();
            out.putIfAbsent(m.name(), new NewEntity(episode.groupId(), m.name(), labels, summary, List.of(), Map.of(),
                    List.of(episode.uuid())));
        }
        return new ArrayList<>(out.values());
    }

    // ---- schemas and prompts ----

    private static JsonNode extractSchema() {
        ObjectNode s = JSON.createObjectNode().put("type", "object");
        ObjectNode p = s.putObject("properties");
        ObjectNode ent = p.putObject("entities").put("type", "array").putObject("items").put("type", "object");
        ObjectNode ep = ent.putObject("properties");
        for (String k : List.of("name", "type", "summary")) ep.putObject(k).put("type", "string");
        ent.putArray("required").add("name");
        ObjectNode fact = p.putObject("facts").put("type", "array").putObject("items").put("type", "object");
        ObjectNode fp = fact.putObject("properties");
        for (String k : List.of("source", "relation", "target", "fact")) fp.putObject(k).put("type", "string");
        for (String k : List.of("valid_at", "invalid_at")) fp.putObject(k).putArray("type").add("string").add("null");
        fact.putArray("required").add("source").add("relation").add("target").add("fact");
        s.putArray("required").add("entities").add("facts");
        return s;
    }

    private static JsonNode contradictSchema() {
        ObjectNode s = JSON.createObjectNode().put("type", "object");
        ObjectNode item = s.putObject("properties").putObject("contradictions").put("type", "array").putObject("items").put("type", "object");
        ObjectNode ip = item.putObject("properties");
        ip.putObject("new").put("type", "integer");
        ip.putObject("existing").put("type", "array").putObject("items").put("type", "integer");
        ArrayNode req = item.putArray("required");
        req.add("new").add("existing");
        s.putArray("required").add("contradictions");
        return s;
    }

    private static String prompt(String file) {
        try (InputStream in = Extraction.class.getResourceAsStream("/prompts/" + file)) {
            if (in == null) throw new IllegalStateException("prompt resource missing: prompts/" + file);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
