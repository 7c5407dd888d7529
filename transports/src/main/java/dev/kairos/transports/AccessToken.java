package dev.kairos.transports;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Set;

/**
 * A bearer token that may call the HTTP endpoint, and the memory groups its holder may touch.
 *
 * <p>{@code groups} containing {@code "*"} grants every group. {@link #toString()} never shows the
 * secret, so a token cannot leak into a log line.
 */
public record AccessToken(String name, String secret, Set<String> groups, String defaultGroup) {

    public AccessToken {
        Objects.requireNonNull(name, "name");
        if (name.equals(Caller.local("default").principal())) {
            // a token's name is its principal: one named like the local user would own the local user's agent runs
            throw new IllegalArgumentException("the name '" + name + "' is reserved for the local user; name the token otherwise");
        }
        if (secret == null || secret.length() < 16) {
            throw new IllegalArgumentException("token '" + name + "' is shorter than 16 characters");
        }
        groups = Set.copyOf(groups);
        if (defaultGroup == null) {
            defaultGroup = groups.stream().filter(g -> !g.equals("*")).sorted().findFirst().orElse("default");
        }
    }

    /** Compares in constant time, so response timing does not reveal how much of a guess was right. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(
                secret.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }

    public Caller caller() {
        boolean all = groups.contains("*");
        return new Caller(name, all ? Set.of() : groups, all, defaultGroup);
    }

    @Override
    public String toString() {
        return "AccessToken[name=" + name + ", groups=" + groups + "]";
    }
}
