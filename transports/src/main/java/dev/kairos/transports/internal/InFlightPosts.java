package dev.kairos.transports.internal;

import dev.kairos.transports.InFlight;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Counts POSTs until their response is complete, so shutdown can wait for the answers of calls
 * already accepted. Long-lived GET streams are not counted: they are closed, not awaited.
 */
public final class InFlightPosts extends Handler.Wrapper {
    private final InFlight inFlight;

    public InFlightPosts(Handler next, InFlight inFlight) {
        super(next);
        this.inFlight = inFlight;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!"POST".equals(request.getMethod())) {
            return super.handle(request, response, callback);
        }
        inFlight.begin();
        Callback counted = new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                inFlight.end();
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                inFlight.end();
                super.failed(x);
            }
        };
        try {
            boolean handled = super.handle(request, response, counted);
            if (!handled) {
                inFlight.end();
            }
            return handled;
        } catch (Exception | Error e) {
            inFlight.end();
            throw e;
        }
    }
}
