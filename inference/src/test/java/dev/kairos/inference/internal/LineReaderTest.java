package dev.kairos.inference.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LineReaderTest {
    /** A body that arrives a byte per read, as a slow network might hand it over. */
    private static InputStream byteAtATime(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
    }

    private static List<String> lines(InputStream in) throws IOException {
        LineReader lines = new LineReader(in);
        List<String> out = new ArrayList<>();
        for (String l; (l = lines.readLine()) != null; ) {
            out.add(l);
        }
        return out;
    }

    @Test
    void splitsAtLfAndCrLfKeepsEmptyLinesAndALastLineWithoutEnd() throws IOException {
        String body = "data: {\"a\":1}\r\n\r\ndata: [DONE]\n\nno end";
        List<String> expected = List.of("data: {\"a\":1}", "", "data: [DONE]", "", "no end");
        assertEquals(expected, lines(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))));
        assertEquals(expected, lines(byteAtATime(body.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void decodesUtf8SplitAcrossReadsAndLinesLongerThanTheBuffer() throws IOException {
        String longLine = "é€😀".repeat(3000); // 27,000 bytes: the 2 KiB buffer grows
        String body = "Grüße 😀\n" + longLine + "\nend\n";
        assertEquals(List.of("Grüße 😀", longLine, "end"), lines(byteAtATime(body.getBytes(StandardCharsets.UTF_8))));
    }
}
