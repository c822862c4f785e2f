/**
 * The test kit shared by every module's tests: {@link io.zkrecipes.testing.ZkTestServers} runs
 * embedded servers or ensembles and injects faults (session expiry, connection cuts, dropped
 * replies, stopped servers); {@link io.zkrecipes.testing.StateRecorder} records connection states;
 * {@link io.zkrecipes.testing.HoldHistory}, {@link io.zkrecipes.testing.ItemHistory} and
 * {@link io.zkrecipes.testing.LeaderHistory} check the safety properties of recorded histories.
 */
package io.zkrecipes.testing;
