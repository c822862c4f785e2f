package io.zkrecipes.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line: {@code [--rounds N] [--warmup N] [--warmup-s S] [--waiters N] [--items N]
 * [--connect host:port] [--link-ms X] [--long] [--list] [name...]}. Warm-up runs at least N rounds
 * and, for each side, at least S seconds. {@code --link-ms X} puts a simulated link in front of
 * the server that adds X ms to every round trip of every session (X/2 each way).
 */
record Options(int rounds, int warmup, Duration warmupTime, int waiters, int items, String connect, double linkMs, boolean includeLong,
        boolean list, List<String> names) {
    static final String USAGE = "usage: Bench [--rounds N] [--warmup N] [--warmup-s S] [--waiters N] [--items N]"
            + " [--connect host:port[,...]] [--link-ms X] [--long] [--list] [all | scenario | group ...]";

    /** @throws IllegalArgumentException on an unknown option or a bad number */
    static Options parse(String[] args) {
        int rounds = 5;
        int warmup = 1;
        int warmupSeconds = 3;
        int waiters = 200;
        int items = 200_000;
        String connect = null;
        double linkMs = 0;
        boolean includeLong = false;
        boolean list = false;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = count(args, ++i, 1);
                case "--warmup" -> warmup = count(args, ++i, 0);
                case "--warmup-s" -> warmupSeconds = count(args, ++i, 0);
                case "--waiters" -> waiters = count(args, ++i, 1);
                case "--items" -> items = count(args, ++i, 1);
                case "--connect" -> connect = value(args, ++i);
                case "--link-ms" -> linkMs = millis(args, ++i);
                case "--long" -> includeLong = true;
                case "--list" -> list = true;
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
                    }
                    names.add(args[i]);
                }
            }
        }
        if (names.isEmpty()) {
            names.add("all");
        }
        return new Options(rounds, warmup, Duration.ofSeconds(warmupSeconds), waiters, items, connect, linkMs, includeLong, list, List.copyOf(names));
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static double millis(String[] args, int i) {
        String v = value(args, i);
        try {
            double ms = Double.parseDouble(v);
            if (!(ms >= 0 && ms <= 10_000)) {
                throw new IllegalArgumentException(args[i - 1] + " must be between 0 and 10000, was " + v);
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(args[i - 1] + " must be a number of milliseconds, was " + v, e);
        }
    }

    private static int count(String[] args, int i, int min) {
        String v = value(args, i);
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                throw new IllegalArgumentException(args[i - 1] + " must be at least " + min + ", was " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(args[i - 1] + " must be a number, was " + v, e);
        }
    }
}
