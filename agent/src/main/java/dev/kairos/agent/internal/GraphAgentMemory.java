package dev.kairos.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.AgentMemory;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.SearchResults;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** {@link AgentMemory} over the memory graph: a group per user, exchanges as episodes, the profile on the user's entity. */
public final class GraphAgentMemory implements AgentMemory {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The attribute of the user's entity that holds the profile (JSON text). */
    static final String PROFILE = "kairos_profile";
    private static final int NEIGHBOURS_PER_ENTITY = 5;
    private final MemoryGraph graph;

    public GraphAgentMemory(MemoryGraph graph) {
        this.graph = graph;
    }

    /**
     * The user's group: {@code user-<id>} when the id is made only of characters a group id may hold (and
     * is short enough); otherwise those characters replaced and a digest of the whole id appended, so two
     * ids never share a group. Null: the default group.
     */
    public static String group(String user) {
        if (user == null || user.isBlank()) {
            return null;
        }
        String id = user.strip();
        if (id.matches("[A-Za-z0-9_-]{1,100}")) {
            return "user-" + id;
        }
        String readable = id.replaceAll("[^A-Za-z0-9_-]", "_");
        return "user-" + readable.substring(0, Math.min(readable.length(), 80)) + "-" + digest(id);
    }

    private static String digest(String id) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public List<String> recall(String user, String message, int limit) {
        String g = group(user);
        List<String> groups = g == null ? List.of() : List.of(g);
        SearchResults r = graph.search(SearchQuery.of(message).inGroups(groups)
                .only(SearchQuery.Scope.FACTS, SearchQuery.Scope.ENTITIES, SearchQuery.Scope.EPISODES).limit(limit));
        // The entities the message names, and the user: what is one hop around them.
        Map<String, Entity> centres = new LinkedHashMap<>();
        for (Entity e : r.entityList()) {
            if (names(message, e.name())) {
                centres.putIfAbsent(e.uuid(), e);
            }
        }
        if (user != null && !user.isBlank()) {
            graph.entityNamed(g, user.strip()).ifPresent(e -> centres.putIfAbsent(e.uuid(), e));
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        r.factList().forEach(f -> out.add(line(f)));
        for (Entity e : centres.values()) {
            graph.neighbourhood(e.uuid(), 1, false).facts().stream().limit(NEIGHBOURS_PER_ENTITY).forEach(f -> out.add(line(f)));
        }
        for (Episode ep : r.episodeList()) {
            out.add(day(ep.validAt()) + ep.content().strip().replaceAll("\\s*\\n\\s*", " / "));
        }
        return new ArrayList<>(out);
    }

    private static boolean names(String message, String name) {
        if (name == null || name.isBlank()) {
            return false;
        }
        return Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(name.strip()) + "(?![\\p{L}\\p{N}])",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE).matcher(message).find();
    }

    private static String line(Fact f) {
        return f.fact() + (f.validAt() == null ? "" : " (since " + f.validAt().atOffset(ZoneOffset.UTC).toLocalDate() + ")");
    }

    private static String day(Instant at) {
        return at == null ? "" : "[" + at.atOffset(ZoneOffset.UTC).toLocalDate() + "] ";
    }

    @Override
    public void remember(String user, String session, String userMessage, String answer, Instant at) {
        String content = "User: " + userMessage.strip() + (answer == null || answer.isBlank() ? "" : "\nAssistant: " + answer.strip());
        graph.addEpisode(new NewEpisode(group(user), "conversation " + session, content, Episode.Source.MESSAGE,
                "a turn of agent session " + session, at, null));
    }

    @Override
    public Optional<ObjectNode> profile(String user) {
        if (user == null || user.isBlank()) {
            return Optional.empty();
        }
        return graph.entityNamed(group(user), user.strip()).map(e -> e.attributes().get(PROFILE)).map(text -> {
            try {
                JsonNode n = JSON.readTree(text);
                return n instanceof ObjectNode o ? o : null;
            } catch (Exception e) {
                return null; // a profile that no longer parses is started afresh
            }
        });
    }

    @Override
    public void saveProfile(String user, ObjectNode profile) {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("user: a profile belongs to a user; none was given");
        }
        graph.upsertEntity(new NewEntity(group(user), user.strip(), List.of("User"), null, List.of(),
                Map.of(PROFILE, profile.toString()), List.of()));
    }
}
