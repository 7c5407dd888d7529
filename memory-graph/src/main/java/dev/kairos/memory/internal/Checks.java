package dev.kairos.memory.internal;

import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStoreException;
import org.neo4j.driver.Record;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The input checks every read and write shares: groups, sizes, uuids, belief times, and referenced episodes. */
final class Checks {
    static final int MAX_NAME = 500;
    static final int MAX_TEXT = 10_000;

    private final Bolt bolt;
    private final MemorySettings settings;

    Checks(Bolt bolt, MemorySettings settings) {
        this.bolt = bolt;
        this.settings = settings;
    }

    MemorySettings settings() {
        return settings;
    }

    String group(String field, String g) {
        return g == null ? settings.defaultGroup() : MemoryInput.groupId(field, g);
    }

    List<String> groups(List<String> gs) {
        if (gs == null || gs.isEmpty()) return List.of(settings.defaultGroup());
        List<String> out = new ArrayList<>(gs.size());
        for (int i = 0; i < gs.size(); i++) out.add(MemoryInput.groupId("groupIds[" + i + "]", gs.get(i)));
        return List.copyOf(new LinkedHashSet<>(out));
    }

    /** Every episode named exists (else not found, naming {@code field}). */
    void episodesExist(List<String> uuids, String field) {
        if (uuids.isEmpty()) return;
        Set<String> want = new LinkedHashSet<>(uuids);
        Set<String> found = new HashSet<>();
        for (Record r : bolt.read("UNWIND $ids AS id MATCH (e:Episode {uuid: id}) RETURN e.uuid AS uuid", Map.of("ids", new ArrayList<>(want))))
            found.add(r.get("uuid").asString());
        for (String u : want) if (!found.contains(u)) throw new MemoryNotFoundException(field, "episode", u);
    }

    static String optionalText(String field, String v, int max) {
        if (v == null) return null;
        if (v.length() > max) throw new MemoryInputException(field, "is " + v.length() + " characters, the limit is " + max);
        return v;
    }

    static String uuidOrNew(String field, String uuid) {
        return uuid == null ? UUID.randomUUID().toString() : MemoryInput.uuid(field, uuid);
    }

    static List<String> uuids(String field, List<String> uuids) {
        List<String> out = new ArrayList<>(uuids.size());
        for (int i = 0; i < uuids.size(); i++) out.add(MemoryInput.uuid(field + "[" + i + "]", uuids.get(i)));
        return out;
    }

    static ZonedDateTime now() {
        return ZonedDateTime.now(ZoneOffset.UTC);
    }

    /** A restored belief time (when something was recorded): never in the future. Null stays null (now). */
    static ZonedDateTime recorded(String field, Instant at) {
        if (at == null) return null;
        if (at.isAfter(Instant.now()))
            throw new MemoryInputException(field, "(" + at + ") is in the future; it says when this was recorded");
        return Rows.utc(at);
    }

    /**
     * A uniqueness violation on a caller-given uuid: the caller's mistake, refused naming the field.
     *
     * <p>Uuids are unique across the whole store, other tenants' groups included, so "already used" would tell a
     * caller that a uuid it has seen somewhere exists in a group it may not read. The refusal therefore says the same
     * words whether the uuid is in the caller's own group or in another tenant's, and asks for another uuid; nothing
     * is overwritten (an upsert by uuid would let one tenant replace another's record).
     * A free uuid is accepted, so a caller that already holds another tenant's uuid can still tell it is taken, but
     * learns nothing of where or what; random (v4) uuids cannot be guessed. A retry of the very same episode in the
     * same group is answered with the stored one instead ({@link EpisodeWrites}), as a client that lost the first
     * answer expects.
     */
    static RuntimeException uuidTaken(MemoryStoreException e, String field, String uuid) {
        if (isUniquenessViolation(e))
            return new MemoryInputException(field, "uuid " + uuid + " cannot be used for a new record; "
                    + "choose another, or leave it out to get a fresh one");
        return e;
    }

    static boolean isUniquenessViolation(MemoryStoreException e) {
        return e.getCause() instanceof org.neo4j.driver.exceptions.Neo4jException n
                && "Neo.ClientError.Schema.ConstraintValidationFailed".equals(n.code());
    }
}
