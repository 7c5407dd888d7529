package dev.kairos.bench.mcp;

import java.util.ArrayList;
import java.util.List;

/** The data payloads of a complete text/event-stream body, one per event (multi-line data joined by newlines). */
final class SseEvents {
    private SseEvents() {
    }

    static List<String> dataOf(String stream) {
        List<String> events = new ArrayList<>(2);
        StringBuilder data = null;
        int start = 0;
        int len = stream.length();
        while (start <= len) {
            int end = stream.indexOf('\n', start);
            if (end < 0) {
                end = len;
            }
            String line = stream.substring(start, end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty()) {
                if (data != null) {
                    events.add(data.toString());
                    data = null;
                }
            } else if (line.startsWith("data:")) {
                String value = line.substring(5);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            start = end + 1;
        }
        if (data != null) {
            events.add(data.toString());
        }
        return events;
    }
}
