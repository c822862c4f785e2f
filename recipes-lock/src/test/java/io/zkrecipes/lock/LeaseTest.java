package io.zkrecipes.lock;

import io.zkrecipes.core.internal.Session;
import static io.zkrecipes.lock.LockFixture.WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.internal.AsyncOps;
import io.zkrecipes.core.ZkClient;
import io.zkrecipes.core.ZkRecipeException;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();

    static final String PATH = "/locks/lease";
    static final String DATA = "/guarded";

    @Test
    void suspended_losesLease_forGood_andFiresCallbackOnce() throws Exception {
        ZkClient a = zk.newClient();
        Lease lease = SequentialLock.create(a, PATH).acquire();
        AtomicInteger fired = new AtomicInteger();
        lease.onLost(fired::incrementAndGet);
        zk.cut(a);
        assertFalse(lease.isValid());
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> fired.get() == 1);
        zk.restore(a);
        assertFalse(lease.isValid(), "never valid again after a reported loss");
        lease.onLost(fired::incrementAndGet); // runs at once, on the callback lane: already lost
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> fired.get() == 2);
        lease.close();
    }

    @Test
    void keptThroughSuspended_butLostOnExpiry() throws Exception {
        ZkClient a = zk.newClient();
        LockOptions keep = LockOptions.defaults().keepLeasesWhileSuspended(true);
        Lease lease = SequentialLock.create(a, PATH, keep).acquire();
        AtomicInteger fired = new AtomicInteger();
        lease.onLost(fired::incrementAndGet);
        zk.cut(a);
        assertTrue(lease.isValid());
        zk.restore(a);
        assertTrue(lease.isValid());
        assertEquals(0, fired.get());
        zk.expireSession(a);
        assertFalse(lease.isValid());
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> fired.get() == 1);
    }

    @Test
    void guardedWrite_appliesWhileHeld_failsForAStaleHolder() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        AsyncOps.join(Session.of(b).ops().create(DATA, bytes("0"), CreateMode.PERSISTENT));
        LockOptions keep = LockOptions.defaults().keepLeasesWhileSuspended(true);
        Lease stale = ExclusiveLock.create(a, PATH, keep).acquire();
        stale.guardedWrite(List.of(Op.setData(DATA, bytes("a1"), -1)));
        zk.expireSession(a);
        Lease fresh = ExclusiveLock.create(b, PATH).acquire(WAIT).orElseThrow();
        assertTrue(fresh.fencingToken() > stale.fencingToken());
        assertThrows(LeaseLostException.class, () -> stale.guardedWrite(List.of(Op.setData(DATA, bytes("a2"), -1))));
        fresh.guardedWrite(List.of(Op.setData(DATA, bytes("b1"), -1)));
        assertArrayEquals(bytes("b1"), AsyncOps.join(Session.of(b).ops().getData(DATA, null)).data());
    }

    @Test
    void guardedWrite_reportsTheFailingOperation() throws Exception {
        ZkClient a = zk.newClient();
        Lease lease = SequentialLock.create(a, PATH).acquire();
        ZkRecipeException e = assertThrows(ZkRecipeException.class,
                () -> lease.guardedWrite(List.of(Op.setData("/missing", bytes("x"), -1))));
        assertEquals(KeeperException.Code.NONODE, e.code());
        assertTrue(lease.isValid());
        lease.close();
        assertThrows(LeaseLostException.class, () -> lease.guardedWrite(List.of(Op.check("/", -1))));
    }

    @Test
    void guardedWrite_failsWhenTheHolderNodeIsGone() throws Exception {
        ZkClient a = zk.newClient();
        ZkClient b = zk.newClient();
        Lease lease = SequentialLock.create(a, PATH).acquire();
        AtomicInteger fired = new AtomicInteger();
        lease.onLost(fired::incrementAndGet);
        AsyncOps.join(Session.of(b).ops().delete(lease.nodePath(), -1)); // an operator removed it
        assertThrows(LeaseLostException.class, () -> lease.guardedWrite(List.of(Op.check("/", -1))));
        assertFalse(lease.isValid());
        // the callback runs on the lock's callback lane, not on the calling thread
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> fired.get() == 1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
