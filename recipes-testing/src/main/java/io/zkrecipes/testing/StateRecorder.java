package io.zkrecipes.testing;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ConnectionStateListener} that records every state it is told of, in order, and lets a
 * test wait for a state or a sequence of states. Thread-safe.
 *
 * <pre>{@code
 * StateRecorder states = StateRecorder.attach(client);
 * zk.expireSession(client);
 * states.awaitStates(Duration.ofSeconds(10), ConnectionState.LOST, ConnectionState.RECONNECTED);
 * }</pre>
 */
public final class StateRecorder implements ConnectionStateListener, AutoCloseable {
    private final List<ConnectionState> states = new ArrayList<>();
    private volatile ZkClient attachedTo;

    /** A recorder not yet registered anywhere; pass it to {@link ZkClient#addListener}. */
    public StateRecorder() {
    }

    /** Creates a recorder and registers it on {@code client}; {@link #close()} removes it. */
    public static StateRecorder attach(ZkClient client) {
        StateRecorder recorder = new StateRecorder();
        recorder.attachedTo = client;
        client.addListener(recorder);
        return recorder;
    }

    @Override
    public synchronized void stateChanged(ZkClient client, ConnectionState newState) {
        states.add(newState);
        notifyAll();
    }

    /** The states recorded so far, oldest first. */
    public synchronized List<ConnectionState> states() {
        return List.copyOf(states);
    }

    /** Forgets the states recorded so far. */
    public synchronized void clear() {
        states.clear();
    }

    /**
     * Waits until {@code state} has been recorded (now or earlier).
     *
     * @throws AssertionError if it is not recorded within {@code timeout}
     * @throws IllegalStateException if the thread is interrupted (the interrupt is kept)
     */
    public void awaitState(ConnectionState state, Duration timeout) {
        awaitStates(timeout, state);
    }

    /**
     * Waits until the recorded states contain {@code expected} in this order, other states possibly
     * in between (e.g. {@code SUSPENDED, LOST, RECONNECTED} matches {@code LOST, RECONNECTED}).
     *
     * @throws AssertionError if they are not recorded within {@code timeout}
     * @throws IllegalStateException if the thread is interrupted (the interrupt is kept)
     */
    public synchronized void awaitStates(Duration timeout, ConnectionState... expected) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!containsInOrder(expected)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("expected states " + List.of(expected) + " in order within "
                        + timeout + ", recorded " + states);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for states " + List.of(expected), e);
            }
        }
    }

    private boolean containsInOrder(ConnectionState[] expected) {
        int matched = 0;
        for (ConnectionState state : states) {
            if (matched < expected.length && state == expected[matched]) {
                matched++;
            }
        }
        return matched == expected.length;
    }

    /** Removes this recorder from the client it was {@linkplain #attach attached} to, if any. */
    @Override
    public void close() {
        ZkClient client = attachedTo;
        if (client != null) {
            client.removeListener(this);
        }
    }

    @Override
    public synchronized String toString() {
        return "StateRecorder" + states;
    }
}
