package io.zkrecipes.queue;

import io.zkrecipes.core.ZkPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a queue keeps its nodes:
 * <pre>
 * queue/b-0000000007/i&lt;16 hex&gt;_0000000042   items (persistent sequential) in buckets (containers)
 * queue/claims/b-0000000007.i..._0000000042  a processing claim (ephemeral)
 * queue/attempts/b-0000000007.i..._...       failed attempts so far (persistent, decimal)
 * queue/dead-letter/b-0000000007.i..._...    items that failed too often (persistent)
 * queue/markers/&lt;instance id&gt;-&lt;slot&gt;       what the slot's last put or take was (persistent)
 * </pre>
 * An item's key ({@code bucket.item}) names it in the side directories. A marker is written in the
 * same multi as a put or a take, so after a lost reply reading it tells exactly whether the request
 * was applied, even after a session expiry and whatever consumers did meanwhile.
 */
final class QueueLayout {
    static final String BUCKET_PREFIX = "b-";
    static final String ITEM_PREFIX = "i";
    /** Bytes a listing spends on one item name: 4 (length) + 'i' + 16 hex + '_' + 10 digits. */
    static final int LISTED_NAME_BYTES = 32;

    final String root;
    final String claims;
    final String attempts;
    final String deadLetter;
    final String markers;

    QueueLayout(String root) {
        this.root = root;
        this.claims = ZkPaths.join(root, "claims");
        this.attempts = ZkPaths.join(root, "attempts");
        this.deadLetter = ZkPaths.join(root, "dead-letter");
        this.markers = ZkPaths.join(root, "markers");
    }

    /** The side directories, created persistent with the queue. */
    List<String> directories() {
        return List.of(claims, attempts, deadLetter, markers);
    }

    static String bucketName(long number) {
        return String.format("%s%010d", BUCKET_PREFIX, number);
    }

    /** The bucket's number, or -1 if {@code name} is not a bucket. */
    static long bucketNumber(String name) {
        if (!name.startsWith(BUCKET_PREFIX) || name.length() != BUCKET_PREFIX.length() + 10) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(BUCKET_PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The bucket numbers among {@code children}, ascending. */
    static List<Long> buckets(List<String> children) {
        List<Long> numbers = new ArrayList<>();
        for (String child : children) {
            long n = bucketNumber(child);
            if (n >= 0) {
                numbers.add(n);
            }
        }
        numbers.sort(null);
        return numbers;
    }

    String bucketPath(long number) {
        return ZkPaths.join(root, bucketName(number));
    }

    /** A fresh unique item-name prefix: the create appends the sequence. */
    static String newItemPrefix() {
        return ITEM_PREFIX + String.format("%016x", ThreadLocalRandom.current().nextLong()) + "_";
    }

    static boolean isItem(String name) {
        return name.startsWith(ITEM_PREFIX) && name.indexOf('_') == ITEM_PREFIX.length() + 16;
    }

    static String key(long bucket, String item) {
        return bucketName(bucket) + "." + item;
    }

    String claimPath(String key) {
        return ZkPaths.join(claims, key);
    }

    String attemptsPath(String key) {
        return ZkPaths.join(attempts, key);
    }

    String deadLetterPath(String key) {
        return ZkPaths.join(deadLetter, key);
    }
}
