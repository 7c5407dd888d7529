package dev.kairos.memory.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One embedded store, several Kairos processes: the process that opened the store publishes its Bolt
 * address in {@code <store>/kairos-owner.json}; a second process on the same data directory (a second
 * IDE window, say) connects to that address instead of failing on Neo4j's store lock.
 */
final class SharedStore {
    private static final Logger log = LoggerFactory.getLogger(SharedStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "kairos-owner.json";

    /** The Kairos process serving a store over Bolt. */
    record Owner(long pid, String boltUri) {
        boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private SharedStore() {
    }

    /** The live process that owns the store in {@code home}, if any (a file left by a crash is ignored). */
    static Optional<Owner> liveOwner(Path home) {
        Path file = home.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            long pid = node.path("pid").asLong(-1);
            String uri = node.path("bolt_uri").asText("");
            boolean alive = pid > 0 && pid != ProcessHandle.current().pid()
                    && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive && uri.startsWith("bolt://127.0.0.1:") ? Optional.of(new Owner(pid, uri)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Waits (bounded) for the process holding the store lock to publish its address. */
    static Optional<Owner> awaitOwner(Path home, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Owner> owner = liveOwner(home);
            if (owner.isPresent()) {
                return owner;
            }
            TimeUnit.MILLISECONDS.sleep(250); // polling a file another process writes; bounded above
        }
        return Optional.empty();
    }

    /** Announces this process as the store's owner. */
    static void publish(Path home, String boltUri) {
        Path file = home.resolve(FILE);
        Path tmp = home.resolve(FILE + ".tmp");
        try {
            Files.writeString(tmp, JSON.writeValueAsString(Map.of("pid", ProcessHandle.current().pid(), "bolt_uri", boltUri)));
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            log.warn("could not publish the store's Bolt address in {}: {} (other Kairos processes cannot share it)", file, e.toString());
        }
    }

    /** Withdraws the announcement, if it is still this process's. */
    static void withdraw(Path home) {
        Path file = home.resolve(FILE);
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node.path("pid").asLong(-1) == ProcessHandle.current().pid()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // nothing published, or already gone
        }
    }

    /** Whether a start failed because another process holds the store's lock. */
    static boolean isLockedByAnother(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("locked by another process")) {
                return true;
            }
        }
        return false;
    }
}
