package dev.kairos.transports.internal;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The SSE streams of one MCP session and their recent events, so that a client whose connection
 * drops can resume a stream with a GET carrying {@code Last-Event-ID} (Streamable HTTP,
 * "Resumability and Redelivery"). A stream outlives its HTTP connection: what is sent while no
 * connection is attached is kept and written when the client comes back.
 *
 * <p>Event ids are {@code <stream>-<seq>}: unique across the session's streams, and the id alone
 * names the stream to continue, so a replay never crosses streams. Sequence 0 is the priming event
 * (an id and empty data) sent first to clients of 2025-11-25 and later.
 *
 * <p>Memory is bounded without configuration: per stream the newest {@value #MAX_EVENTS} events
 * and about {@value #MAX_BYTES} bytes (the newest event is always kept, so a large result can
 * still be fetched once), and per session the {@value #KEEP_FINISHED} most recently finished
 * streams besides the open ones. Everything goes with the session.
 */
final class SseStreams {
    private static final Logger log = LoggerFactory.getLogger(SseStreams.class);
    static final int MAX_EVENTS = 500;
    static final int MAX_BYTES = 1 << 20;
    static final int KEEP_FINISHED = 8;
    /** How long a client waits before reconnecting after the server closed a connection (the SSE retry field). */
    static final int RETRY_MILLIS = 1000;

    private static final HttpField SSE_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream");
    private static final HttpField NO_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");
    private static final byte[] RETRY = ("retry: " + RETRY_MILLIS + "\n\n").getBytes(StandardCharsets.US_ASCII);

    private final String sessionId;
    private final AtomicLong numbers = new AtomicLong();
    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
    private final ArrayDeque<Stream> finished = new ArrayDeque<>();

    SseStreams(String sessionId) {
        this.sessionId = sessionId;
    }

    /** A new stream, not yet on any connection; {@code listening} for a GET stream, else a POST's. */
    Stream create(boolean listening) {
        Stream stream = new Stream(numbers.incrementAndGet(), listening);
        streams.put(stream.number, stream);
        return stream;
    }

    /** Where a {@code Last-Event-ID} points: a stream of this session and the last event the client has. */
    record Position(Stream stream, long after) {
    }

    /** The stream and position this id names, or null when it names nothing this session still holds. */
    Position find(String lastEventId) {
        int dash = lastEventId.indexOf('-');
        if (dash <= 0) {
            return null;
        }
        try {
            long number = Long.parseLong(lastEventId.substring(0, dash));
            long seq = Long.parseLong(lastEventId.substring(dash + 1));
            Stream stream = streams.get(number);
            return stream == null || seq < 0 || !stream.hasSent(seq) ? null : new Position(stream, seq);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    int size() {
        return streams.size();
    }

    private void finished(Stream stream) {
        synchronized (finished) {
            finished.addLast(stream);
            while (finished.size() > KEEP_FINISHED) {
                Stream oldest = finished.removeFirst();
                streams.remove(oldest.number, oldest);
            }
        }
    }

    private void reopened(Stream stream) {
        synchronized (finished) {
            finished.remove(stream);
        }
    }

    /** One event as it goes on the wire, with its sequence number. */
    private record Event(long seq, byte[] frame) {
    }

    /**
     * One SSE stream: a POST's reply or the GET stream. Its events are numbered and kept; one HTTP
     * connection at a time carries them.
     */
    final class Stream {
        final long number;
        /** A GET stream (server-initiated messages), not a POST's reply. */
        final boolean listening;
        private final ReentrantLock lock = new ReentrantLock();
        private final ArrayDeque<Event> events = new ArrayDeque<>();
        private long bytes;
        private long lastSeq = -1;
        private Connection connection;
        private boolean finished;

        private Stream(long number, boolean listening) {
            this.number = number;
            this.listening = listening;
        }

        String id(long seq) {
            return number + "-" + seq;
        }

        private boolean hasSent(long seq) {
            lock.lock();
            try {
                return seq <= lastSeq;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Puts the stream on its first connection: the SSE headers go out now, then the priming
         * event (an id, the retry field and empty data) when the client understands one.
         */
        void start(Connection first, boolean prime) throws IOException {
            lock.lock();
            try {
                connection = first;
                first.open();
                if (prime) {
                    lastSeq = 0;
                    first.write(ByteBuffer.wrap(("id: " + id(0) + "\nretry: " + RETRY_MILLIS + "\ndata: \n\n")
                            .getBytes(StandardCharsets.US_ASCII)));
                }
            } catch (IOException e) {
                connection = null;
                first.fail(e);
                throw e;
            } finally {
                lock.unlock();
            }
        }

        /** Stores a message and writes it to the connection, if one is attached; false once the stream is finished. */
        boolean send(byte[] json) {
            lock.lock();
            try {
                if (finished) {
                    return false;
                }
                long seq = ++lastSeq;
                byte[] head = ("id: " + id(seq) + "\nevent: message\ndata: ").getBytes(StandardCharsets.US_ASCII);
                byte[] frame = new byte[head.length + json.length + 2];
                System.arraycopy(head, 0, frame, 0, head.length);
                System.arraycopy(json, 0, frame, head.length, json.length);
                frame[frame.length - 2] = '\n';
                frame[frame.length - 1] = '\n';
                keep(new Event(seq, frame));
                if (connection != null) {
                    try {
                        connection.write(ByteBuffer.wrap(frame));
                    } catch (IOException e) {
                        // The client went away; the event is kept for when it resumes.
                        log.debug("Stream {} of session {} lost its connection: {}", id(seq), sessionId, e.getMessage());
                        connection.fail(e);
                        connection = null;
                    }
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        private void keep(Event event) {
            events.addLast(event);
            bytes += event.frame.length;
            while (events.size() > 1 && (events.size() > MAX_EVENTS || bytes > MAX_BYTES)) {
                bytes -= events.removeFirst().frame.length;
            }
        }

        /** No more events: the connection, if any, ends; the events stay for a late resumption. */
        void finish() {
            lock.lock();
            try {
                if (finished) {
                    return;
                }
                finished = true;
                if (connection != null) {
                    connection.end();
                    connection = null;
                }
            } finally {
                lock.unlock();
            }
            finished(this);
        }

        /** Takes events again after {@link #finish} (a GET stream that is resumed and listens anew). */
        void reopen() {
            lock.lock();
            try {
                finished = false;
            } finally {
                lock.unlock();
            }
            reopened(this);
        }

        boolean isFinished() {
            lock.lock();
            try {
                return finished;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Closes the connection without ending the stream (SSE polling): a retry field goes first,
         * and the client resumes with the last id it saw. False when no connection is attached or the
         * client has no event id to resume from yet.
         */
        boolean closeConnection() {
            lock.lock();
            try {
                if (connection == null || lastSeq < 0) {
                    return false;
                }
                try {
                    connection.write(ByteBuffer.wrap(RETRY));
                    connection.end();
                } catch (IOException e) {
                    connection.fail(e);
                }
                connection = null;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Carries on over a new connection: events after {@code after} are written to it, then live
         * ones; a finished stream's connection ends after the replay. A connection still attached
         * (the client reconnected before the server noticed the old one had died) is ended.
         */
        void resume(Connection next, long after) throws IOException {
            lock.lock();
            try {
                if (connection != null) {
                    connection.end();
                    connection = null;
                }
                next.open();
                Iterator<Event> it = events.iterator();
                boolean first = true;
                while (it.hasNext()) {
                    Event e = it.next();
                    if (e.seq <= after) {
                        continue;
                    }
                    if (first && e.seq > after + 1) {
                        log.info("Resuming stream {} of session {}: events {}..{} were dropped (bound of {} events, {} bytes)",
                                number, sessionId, after + 1, e.seq - 1, MAX_EVENTS, MAX_BYTES);
                    }
                    first = false;
                    next.write(ByteBuffer.wrap(e.frame));
                }
                if (finished) {
                    next.end();
                } else {
                    connection = next;
                }
            } catch (IOException e) {
                next.fail(e);
                throw e;
            } finally {
                lock.unlock();
            }
        }

        /** The client dropped this connection: events are kept until it resumes. */
        void detach(Connection gone, Throwable why) {
            lock.lock();
            try {
                if (connection == gone) {
                    connection = null;
                    gone.fail(why);
                }
            } finally {
                lock.unlock();
            }
        }

        /** Whether this connection is the one carrying the stream now. */
        boolean carriedBy(Connection c) {
            lock.lock();
            try {
                return connection == c;
            } finally {
                lock.unlock();
            }
        }
    }

    /** One HTTP response carrying a stream's events; ends once. */
    static final class Connection {
        private final Response response;
        private final Callback callback;
        private boolean opened;
        private boolean ended;

        Connection(Response response, Callback callback) {
            this.response = response;
            this.callback = callback;
        }

        /** Status and SSE headers, flushed so that the client sees the stream open. */
        void open() throws IOException {
            if (opened) {
                return;
            }
            opened = true;
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(SSE_TYPE);
            response.getHeaders().put(NO_CACHE);
            write(BufferUtil.EMPTY_BUFFER);
        }

        void write(ByteBuffer buffer) throws IOException {
            if (ended) {
                throw new IOException("connection already ended");
            }
            try (Blocker.Callback written = Blocker.callback()) {
                response.write(false, buffer, written);
                written.block();
            }
        }

        void end() {
            if (!ended) {
                ended = true;
                response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            }
        }

        void fail(Throwable why) {
            if (!ended) {
                ended = true;
                callback.failed(why);
            }
        }
    }
}
