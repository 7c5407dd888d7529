package dev.kairos.inference.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads UTF-8 lines straight from the HTTP body with one small buffer that grows only for long
 * lines: a thousand open streams should not each hold a Reader's 24 KiB of buffers. Lines end at LF
 * (a CR before it is dropped); UTF-8's multi-byte sequences never contain an LF byte.
 */
final class LineReader {
    /** The longest line a streamed body may have; a longer one is not an engine's answer. */
    private static final int MAX_LINE = 32 << 20;
    private final InputStream in;
    private byte[] buf = new byte[2048];
    private int start;
    private int end;
    private int scanned;

    LineReader(InputStream in) {
        this.in = in;
    }

    /** The next line without its CR/LF, or null at the end of the body. */
    String readLine() throws IOException {
        while (true) {
            for (int i = Math.max(start, scanned); i < end; i++) {
                if (buf[i] == '\n') {
                    int lineEnd = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                    String line = new String(buf, start, lineEnd - start, StandardCharsets.UTF_8);
                    start = i + 1;
                    scanned = start;
                    return line;
                }
            }
            scanned = end;
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                scanned -= start;
                start = 0;
            }
            if (end == buf.length) {
                if (buf.length >= MAX_LINE) {
                    throw new IOException("a line of the answer is longer than " + (MAX_LINE >> 20) + " MiB");
                }
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                if (end > start) {
                    String line = new String(buf, start, end - start, StandardCharsets.UTF_8);
                    start = end;
                    return line;
                }
                return null;
            }
            end += n;
        }
    }
}
