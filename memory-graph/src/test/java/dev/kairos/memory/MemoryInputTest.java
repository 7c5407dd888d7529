package dev.kairos.memory;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/** The input rules and settings validation, without a database. */
class MemoryInputTest {

    @Test
    void isoDatesParseAndImpossibleOnesAreRefused() {
        assertEquals(Instant.parse("2024-02-29T00:00:00Z"), MemoryInput.instant("validAt", "2024-02-29"));
        assertEquals(Instant.parse("2024-03-01T10:00:00Z"), MemoryInput.instant("validAt", "2024-03-01T10:00"));
        assertEquals(Instant.parse("2024-03-01T08:00:00Z"), MemoryInput.instant("validAt", "2024-03-01T10:00:00+02:00"));
        assertEquals(Instant.parse("2024-03-01T10:00:00.5Z"), MemoryInput.instant("validAt", "2024-03-01T10:00:00.5Z"));
        assertNull(MemoryInput.instant("validAt", " "));
        for (String bad : new String[]{"2023-02-29", "2024-02-30", "2024-13-01", "2024-04-31T10:00:00Z", "2024-01-01T25:00", "yesterday", "01/02/2024"}) {
            MemoryInputException e = assertThrows(MemoryInputException.class, () -> MemoryInput.instant("asOf", bad), bad);
            assertEquals("asOf", e.field());
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void anUnnamedEpisodeIsCalledByItsFirstLineCutLikeASubjectLine() {
        assertEquals("Lunch with Quinn at noon", NewEpisode.defaultName("  Lunch  with\tQuinn at noon\nShe ordered soup."));
        String longLine = "word ".repeat(30);
        String name = NewEpisode.defaultName(longLine);
        assertEquals(NewEpisode.DEFAULT_NAME_LENGTH, name.length());
        assertEquals(longLine.substring(0, NewEpisode.DEFAULT_NAME_LENGTH - 3) + "...", name);
        assertEquals("x".repeat(NewEpisode.DEFAULT_NAME_LENGTH), NewEpisode.defaultName("x".repeat(NewEpisode.DEFAULT_NAME_LENGTH)));
    }

    @Test
    void patterns() {
        assertEquals("team-a_1", MemoryInput.groupId("g", "team-a_1"));
        assertThrows(MemoryInputException.class, () -> MemoryInput.groupId("g", ""));
        assertThrows(MemoryInputException.class, () -> MemoryInput.groupId("g", "a.b"));
        assertThrows(MemoryInputException.class, () -> MemoryInput.groupId("g", null));
        assertEquals("Person", MemoryInput.label("l", "Person"));
        assertThrows(MemoryInputException.class, () -> MemoryInput.label("l", "1Person"));
        assertThrows(MemoryInputException.class, () -> MemoryInput.label("l", "Per son"));
        assertEquals("works at", MemoryInput.relationName("r", "works at"));
        assertThrows(MemoryInputException.class, () -> MemoryInput.relationName("r", "a`b"));
        assertThrows(MemoryInputException.class, () -> MemoryInput.relationName("r", " lead"));
    }

    @Test
    void settingsDefaultsAndErrorsNameTheKey() {
        MemorySettings d = MemorySettings.defaults();
        assertEquals(MemorySettings.Mode.EMBEDDED, d.mode());
        // ~ is $HOME when it is set (as shells and scripts expect), else Java's user.home
        String home = System.getenv("HOME");
        String expectedHome = home != null && !home.isBlank() ? home : System.getProperty("user.home");
        assertEquals(Path.of(expectedHome, ".kairos", "data"), d.dataDir());
        assertEquals("neo4j", d.database());
        assertEquals("default", d.defaultGroup());
        assertEquals("all-minilm-l6-v2-q", d.embedder());
        assertEquals(Duration.ofSeconds(60), d.readyTimeout());
        assertKey("memory.uri", () -> MemorySettings.defaults().withExternal(null, null, null, null));
        assertKey("memory.uri", () -> MemorySettings.external(URI.create("http://localhost:7474"), null, null, null));
        assertKey("memory.password", () -> MemorySettings.external(URI.create("bolt://localhost:7687"), "neo4j", null, null));
        assertKey("memory.database", () -> d.withDatabase("bad name"));
        assertKey("memory.defaultGroup", () -> d.withDefaultGroup("a b"));
        assertKey("memory.maxEpisodeChars", () -> d.withMaxEpisodeChars(-1));
        assertKey("memory.embedder", () -> d.withEmbedder("gpt"));
        assertKey("memory.readyTimeout", () -> d.withReadyTimeout(Duration.ofSeconds(-1)));
        assertKey("memory.pageCache", () -> d.withPageCache("lots"));
        assertKey("memory.mode", () -> MemorySettings.Mode.parse("cloud"));
        MemorySettings ext = MemorySettings.external(URI.create("neo4j+s://db.example.com"), "neo4j", "secret", "memory");
        assertEquals("memory", ext.database());
        assertFalse(ext.toString().contains("secret"), "password is not logged");
    }

    static void assertKey(String key, org.junit.jupiter.api.function.Executable call) {
        assertEquals(key, assertThrows(MemoryInputException.class, call).field());
    }
}
