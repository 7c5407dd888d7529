package dev.kairos.memory.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LuceneTest {
    @Test
    void userTextNeverBecomesLuceneSyntax() {
        assertEquals("(group_id:\"g\") AND (name OR x OR content)", Lucene.query("name:* OR x AND content:[* TO *]", List.of("g")));
        // Stop words are dropped, unless nothing else is left; boolean keywords never act as operators.
        assertEquals("(group_id:\"g\") AND (kind OR dog OR Alice)", Lucene.query("What kind of dog did Alice get?", List.of("g")));
        assertEquals("(group_id:\"g\") AND (and OR or OR the)", Lucene.query("AND OR the", List.of("g")));
        assertNull(Lucene.query("*?~ ()", List.of("g")));
        assertEquals("a\\:b\\*c\\\"\\\\", Lucene.escape("a:b*c\"\\"));
        assertEquals("and", Lucene.escape("AND"));
        String q = Lucene.query("XJ-9000", List.of("a", "b-c"));
        assertEquals("(group_id:\"a\" OR group_id:\"b\\-c\") AND (XJ OR 9000)", q);
    }
}
