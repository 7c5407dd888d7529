package dev.kairos.memory.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LuceneTest {
    @Test
    void userTextNeverBecomesLuceneSyntax() {
        assertEquals("(group_id:\"g\") AND (name OR or OR x OR and OR content OR to)", Lucene.query("name:* OR x AND content:[* TO *]", List.of("g")));
        assertNull(Lucene.query("*?~ ()", List.of("g")));
        assertEquals("a\\:b\\*c\\\"\\\\", Lucene.escape("a:b*c\"\\"));
        assertEquals("and", Lucene.escape("AND"));
        String q = Lucene.query("XJ-9000", List.of("a", "b-c"));
        assertEquals("(group_id:\"a\" OR group_id:\"b\\-c\") AND (XJ OR 9000)", q);
    }
}
