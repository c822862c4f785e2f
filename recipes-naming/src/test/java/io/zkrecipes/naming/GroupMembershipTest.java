package io.zkrecipes.naming;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zkrecipes.core.ZkClient;
import io.zkrecipes.testing.ZkTestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class GroupMembershipTest {
    @RegisterExtension
    static final ZkTestServers zk = ZkTestServers.single();
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Records membership events as text: {@code +id=data}, {@code -id}, {@code ~id=data}. */
    static final class Events implements GroupView.Listener {
        final List<String> seen = new ArrayList<>();

        @Override
        public synchronized void memberJoined(GroupView.Member m) {
            seen.add("+" + m.id() + "=" + text(m.data()));
        }

        @Override
        public synchronized void memberLeft(GroupView.Member m) {
            seen.add("-" + m.id());
        }

        @Override
        public synchronized void memberUpdated(GroupView.Member before, GroupView.Member after) {
            seen.add("~" + after.id() + "=" + text(after.data()));
        }

        synchronized List<String> seen() {
            return List.copyOf(seen);
        }
    }

    @Test
    void sixMembersJoinConcurrently_viewSeesAllAndEachDeparture() throws Exception {
        GroupView view = view();
        List<GroupMember> members = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            GroupMember m = zk.closeAfterTest(new GroupMember(zk.newClient(), "/groups/workers", "w" + i, bytes("up")));
            members.add(m);
        }
        members.parallelStream().forEach(GroupMember::join);
        for (GroupMember m : members) {
            assertTrue(m.awaitJoined(WAIT));
        }
        await().atMost(WAIT).until(() -> view.members().size() == 6);
        members.get(2).close();
        await().atMost(WAIT).until(() -> view.members().size() == 5
                && view.members().stream().noneMatch(m -> m.id().equals("w2")));
    }

    @Test
    void listener_toldOfJoinDataChangeAndLeave() throws Exception {
        GroupView view = view();
        Events events = new Events();
        view.addListener(events);
        GroupMember m = zk.closeAfterTest(new GroupMember(zk.newClient(), "/groups/workers", "a", bytes("1")));
        m.join();
        await().atMost(WAIT).until(() -> events.seen().equals(List.of("+a=1")));
        m.setData(bytes("2"));
        await().atMost(WAIT).until(() -> events.seen().equals(List.of("+a=1", "~a=2")));
        m.close();
        await().atMost(WAIT).until(() -> events.seen().equals(List.of("+a=1", "~a=2", "-a")));
    }

    @Test
    void memberSessionExpiry_leavesThenComesBackWithLatestData() throws Exception {
        GroupView view = view();
        Events events = new Events();
        view.addListener(events);
        ZkClient client = zk.newClient();
        GroupMember m = zk.closeAfterTest(new GroupMember(client, "/groups/workers", "a", bytes("1")));
        m.join();
        m.setData(bytes("2"));
        assertTrue(m.awaitJoined(WAIT));
        await().atMost(WAIT).until(() -> view.members().size() == 1);
        long joined = view.members().get(0).joinZxid();
        zk.expireSession(client);
        assertTrue(m.awaitJoined(WAIT));
        await().atMost(WAIT).until(() -> events.seen().contains("-a")
                && view.members().size() == 1 && view.members().get(0).joinZxid() > joined);
        assertArrayEquals(bytes("2"), view.members().get(0).data());
    }

    @Test
    void memberCutAndRestored_staysWithoutRejoining() throws Exception {
        GroupView view = view();
        Events events = new Events();
        ZkClient client = zk.newClient();
        GroupMember m = zk.closeAfterTest(new GroupMember(client, "/groups/workers", "a", bytes("1")));
        m.join();
        assertTrue(m.awaitJoined(WAIT));
        await().atMost(WAIT).until(() -> view.members().size() == 1);
        view.addListener(events);
        zk.cut(client);
        zk.restore(client);
        assertTrue(m.awaitJoined(WAIT));
        assertEquals(List.of(), events.seen());
        assertEquals(1, view.members().size());
    }

    @Test
    void badInputAndUseAfterClose() throws Exception {
        ZkClient client = zk.newClient();
        assertThrows(IllegalArgumentException.class, () -> new GroupMember(client, "/g", "a/b", bytes("")));
        assertThrows(NullPointerException.class, () -> new GroupMember(client, "/g", "a", null));
        assertThrows(IllegalArgumentException.class, () -> new GroupMember(client, "g", "a", bytes("")));
        assertThrows(IllegalArgumentException.class,
                () -> new GroupMember(client, "/g", "a", new byte[client.maxDataBytes() + 1]));
        GroupMember m = new GroupMember(client, "/g", "a", bytes(""));
        assertThrows(IllegalStateException.class, () -> m.awaitJoined(WAIT), "not joined");
        m.join();
        assertThrows(IllegalStateException.class, m::join);
        m.close();
        m.close();
        assertFalse(m.isJoined());
        assertThrows(IllegalStateException.class, () -> m.setData(bytes("x")));
        GroupView v = new GroupView(client, "/g");
        assertThrows(IllegalStateException.class, v::members);
        v.start();
        v.close();
        assertThrows(IllegalStateException.class, v::members);
    }

    private static GroupView view() throws InterruptedException {
        GroupView view = zk.closeAfterTest(new GroupView(zk.newClient(), "/groups/workers"));
        view.start();
        assertTrue(view.awaitInitialized(WAIT));
        return view;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
