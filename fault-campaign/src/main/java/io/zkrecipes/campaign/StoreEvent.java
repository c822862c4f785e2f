package io.zkrecipes.campaign;

/**
 * One request the fenced store decided, in the order it decided them: who sent it, a read or a
 * write of which key, the fencing token it carried, the value written (or read), and whether it
 * was accepted.
 */
record StoreEvent(long monoNanos, String worker, String op, String key, long token, long value, boolean accepted) {
    static final String READ = "READ";
    static final String WRITE = "WRITE";

    boolean isWrite() {
        return WRITE.equals(op);
    }

    String line() {
        return monoNanos + "\t" + worker + "\t" + op + "\t" + key + "\t" + token + "\t" + value + "\t" + accepted;
    }

    static StoreEvent parse(String line) {
        String[] f = line.split("\t");
        return new StoreEvent(Long.parseLong(f[0]), f[1], f[2], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]),
                Boolean.parseBoolean(f[6]));
    }
}
