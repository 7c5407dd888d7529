package dev.kairos.bench.mcp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 keep-alive connection with just what the benchmark needs: one request at a time,
 * bodies by Content-Length, chunked or read-to-close.
 *
 * <p>Hand-rolled on purpose: a general HTTP client costs more CPU per call than the servers we
 * measure, and on a 2-core machine every client cycle is taken from the server.
 */
final class HttpConnection implements AutoCloseable {
    /** A response; header names are lower case. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final int MAX_BODY = 4 << 20;
    private static final int MAX_LINE = 16 << 10;

    private final String hostHeader;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[64 << 10];
    private int pos;
    private int limit;
    private boolean open = true;

    HttpConnection(String host, int port, Duration timeout) throws IOException {
        this.hostHeader = host + ":" + port;
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
        // Bounds every read: a server that stops answering fails the call instead of hanging the run.
        socket.setSoTimeout((int) timeout.toMillis());
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    boolean isOpen() {
        return open && !socket.isClosed();
    }

    /** Sends one request (written in a single write) and reads its whole response. */
    Response exchange(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[h.length + (body == null ? 0 : body.length)];
        System.arraycopy(h, 0, request, 0, h.length);
        if (body != null) {
            System.arraycopy(body, 0, request, h.length, body.length);
        }
        out.write(request);
        out.flush();
        return readResponse(method);
    }

    private Response readResponse(String method) throws IOException {
        String statusLine = readLine();
        int status;
        try {
            status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        } catch (RuntimeException e) {
            throw new IOException("bad HTTP status line: " + statusLine);
        }
        Map<String, String> headers = new HashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        byte[] body;
        String te = headers.get("transfer-encoding");
        String cl = headers.get("content-length");
        if (method.equals("HEAD") || status == 204 || status == 304 || status < 200) {
            body = new byte[0];
        } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked();
        } else if (cl != null) {
            body = readExactly(parseLength(cl));
        } else {
            body = readToClose();
        }
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
            open = false;
        }
        return new Response(status, headers, body);
    }

    private static int parseLength(String value) throws IOException {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0 || n > MAX_BODY) {
                throw new IOException("Content-Length out of range: " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("bad Content-Length: " + value);
        }
    }

    private byte[] readChunked() throws IOException {
        var body = new java.io.ByteArrayOutputStream(256);
        while (true) {
            String sizeLine = readLine();
            int semi = sizeLine.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line: " + sizeLine);
            }
            if (size == 0) {
                // trailers, then the blank line that ends the message
                while (!readLine().isEmpty()) {
                    // skip
                }
                return body.toByteArray();
            }
            if (body.size() + size > MAX_BODY) {
                throw new IOException("response body over " + MAX_BODY + " bytes");
            }
            body.write(readExactly(size));
            if (!readLine().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            if (pos == limit && !fill()) {
                throw new EOFException("connection closed after " + off + " of " + n + " body bytes");
            }
            int k = Math.min(n - off, limit - pos);
            System.arraycopy(buf, pos, b, off, k);
            pos += k;
            off += k;
        }
        return b;
    }

    private byte[] readToClose() throws IOException {
        var body = new java.io.ByteArrayOutputStream(256);
        while (pos < limit || fill()) {
            if (body.size() + (limit - pos) > MAX_BODY) {
                throw new IOException("response body over " + MAX_BODY + " bytes");
            }
            body.write(buf, pos, limit - pos);
            pos = limit;
        }
        open = false;
        return body.toByteArray();
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            if (pos == limit && !fill()) {
                throw new EOFException("connection closed mid-line: " + line);
            }
            byte b = buf[pos++];
            if (b == '\n') {
                int len = line.length();
                if (len > 0 && line.charAt(len - 1) == '\r') {
                    line.setLength(len - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("HTTP line over " + MAX_LINE + " bytes");
            }
            line.append((char) (b & 0xff));
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            open = false;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
