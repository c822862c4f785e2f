package io.zkrecipes.micrometer;

/**
 * Every meter the binding makes: its name (Micrometer's dot-separated lower-case convention; the
 * registry adds units and suffixes such as {@code _seconds} or {@code _total}) and its description.
 * docs/metrics.md lists the same meters with their types and tags.
 */
enum RecipeMeter {
    CLIENT_STATE("zkrecipes.client.state", "1 for the client's current connection state, 0 for the others"),
    CLIENT_SUSPENSIONS("zkrecipes.client.suspensions", "Connections lost while the session may live (SUSPENDED)"),
    CLIENT_EXPIRATIONS("zkrecipes.client.session.expirations",
            "Sessions taken as expired (LOST): expired, disconnected past the session timeout, or refused"),
    CLIENT_RETRIES("zkrecipes.client.retries", "Requests sent again after a connection loss or an operation timeout"),

    LOCK_ACQUISITIONS("zkrecipes.lock.acquisitions", "Leases granted by acquires"),
    LOCK_TIMEOUTS("zkrecipes.lock.timeouts", "Timed acquires and try-acquires that gave up without a lease"),
    LOCK_LOSSES("zkrecipes.lock.losses", "Leases lost before their release"),
    LOCK_WAIT("zkrecipes.lock.wait", "Time an acquire waited, until granted or given up"),
    LOCK_HOLD("zkrecipes.lock.hold", "Time a lease was held, from its grant to its release or loss"),

    ELECTION_CHANGES("zkrecipes.election.leadership.changes", "Leadership gained or lost by this client's participants"),
    ELECTION_LEADERSHIP("zkrecipes.election.leadership", "Time this client's participants led, per term"),
    ELECTION_LEADING("zkrecipes.election.leading", "Participants of this client that lead now (1 or 0)"),
    ELECTION_LEADER_CHANGES("zkrecipes.election.leader.changes", "Changes of leader seen by this client's observers"),
    ELECTION_LEADER_PRESENT("zkrecipes.election.leader.present", "1 while this client's observers see a leader, else 0"),

    QUEUE_PUTS("zkrecipes.queue.puts", "Items put"),
    QUEUE_TAKES("zkrecipes.queue.takes", "Items removed by take or poll"),
    QUEUE_OUTCOMES("zkrecipes.queue.outcomes", "processNext calls, by outcome"),
    QUEUE_DEAD_LETTERS("zkrecipes.queue.dead.letters", "Items moved to the dead letters"),
    QUEUE_DEPTH("zkrecipes.queue.depth",
            "Items this client's consumer listed and has not handed out, as of its last look"),

    REGISTRY_REGISTRATIONS("zkrecipes.registry.registrations",
            "Instance nodes created by this client's registrations, also again after a session loss"),
    REGISTRY_INSTANCES("zkrecipes.registry.instances", "Instances this client's discovery sees");

    final String id;
    final String description;

    RecipeMeter(String id, String description) {
        this.id = id;
        this.description = description;
    }
}
