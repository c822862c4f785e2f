package io.zkrecipes.cli;

import java.io.PrintWriter;

/**
 * What a command found, as a record: its components are the JSON output (written by Jackson),
 * and {@link #print} is the output for a person.
 */
interface Report {
    void print(PrintWriter out);
}
