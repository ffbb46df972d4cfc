/**
 * Pull expiry of the log's ordered consumers. The client sends idle heartbeats at half of it and
 * recreates an ordered consumer after two are missed, so this bounds how long a processor, read
 * view or journal feed stalls after a nats-server restart (the client default, 30 s, stalled a
 * processor about 40 s in a test; with 2 s the whole restart test takes about 4 s). The price is
 * one pull request per consumer every 2 s while idle.
 */
export const CONSUME_EXPIRES_MS = 2_000;
