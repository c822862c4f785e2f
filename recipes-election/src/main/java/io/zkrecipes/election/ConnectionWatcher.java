package io.zkrecipes.election;

import io.zkrecipes.core.ConnectionState;
import io.zkrecipes.core.ConnectionStateListener;
import io.zkrecipes.core.ZkClient;

/**
 * The connection-state handling of a {@link Campaign}: a closed client closes the campaign; any
 * other change wakes its thread, which then re-reads the client's state (it steps down, keeps or
 * checks its node as the follow and leading steps decide).
 */
final class ConnectionWatcher implements ConnectionStateListener {
    private final ZkClient client;
    private final Signals signals;
    private final Runnable closeCampaign;

    ConnectionWatcher(ZkClient client, Signals signals, Runnable closeCampaign) {
        this.client = client;
        this.signals = signals;
        this.closeCampaign = closeCampaign;
    }

    void register() {
        client.addListener(this);
    }

    void unregister() {
        client.removeListener(this);
    }

    @Override
    public void stateChanged(ZkClient c, ConnectionState state) {
        if (state == ConnectionState.CLOSED) {
            closeCampaign.run();
        } else {
            signals.wake(false);
        }
    }
}
