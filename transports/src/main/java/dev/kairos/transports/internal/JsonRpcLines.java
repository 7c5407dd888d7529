package dev.kairos.transports.internal;

import java.io.ByteArrayOutputStream;

/**
 * Splits a byte stream into newline-delimited lines, keeping at most {@code maxLineBytes} of any
 * one line in memory: the rest of a longer line is skipped as it arrives and reported once.
 */
final class JsonRpcLines {
    /** Where complete lines (without the newline or a trailing CR) and overlong ones go. */
    interface Receiver {
        void line(byte[] bytes, int length);

        void tooLong(long limit);
    }

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final int maxLineBytes;
    private final Receiver receiver;
    private boolean skipping;

    JsonRpcLines(int maxLineBytes, Receiver receiver) {
        this.maxLineBytes = maxLineBytes;
        this.receiver = receiver;
    }

    synchronized void feed(byte[] bytes, int off, int len) {
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (bytes[i] == '\n') {
                append(bytes, start, i - start);
                endLine();
                start = i + 1;
            }
        }
        append(bytes, start, end - start);
    }

    /** The input ended: a last line without a newline still counts. */
    synchronized void finish() {
        endLine();
    }

    private void append(byte[] bytes, int off, int len) {
        if (skipping || len == 0) {
            return;
        }
        if (line.size() + len > maxLineBytes) {
            skipping = true;
            line.reset();
            receiver.tooLong(maxLineBytes);
            return;
        }
        line.write(bytes, off, len);
    }

    private void endLine() {
        if (skipping) {
            skipping = false;
            return;
        }
        byte[] bytes = line.toByteArray();
        line.reset();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
            length--;
        }
        if (length > 0) {
            receiver.line(bytes, length);
        }
    }
}
