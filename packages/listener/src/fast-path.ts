import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { INTERNAL_ERROR_BODY } from './action-handler.js';
import type { ActionHandler, Outcome } from './action-handler.js';

/** A node:http request listener. */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

// @hono/node-server turns the request target into the Request URL unchanged when the target
// uses only these characters, has no dot segment and the Host is plain (its `buildUrl`); else it
// normalizes it with `new URL`. With `%` but without `'`, `new URL` changes nothing either (the
// WHATWG parser keeps `%` and percent-encodes `'` only in a query). The fast path takes only
// targets that come out unchanged, so it sees exactly the target the Hono app would see.
const NODE_SERVER_PLAIN = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const PLAIN_WITH_PERCENT = /^\/[!#$%&(-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PREFIX = '/snom/';
const OK_HEADERS: OutgoingHttpHeaders = { 'content-length': '0' };

function unchangedByNodeServer(url: string, host: string | undefined): boolean {
  if (host !== undefined && host !== '' && !PLAIN_HOST.test(host)) return false;
  if (!(url.includes('%') ? PLAIN_WITH_PERCENT : NODE_SERVER_PLAIN).test(url)) return false;
  return !DOT_SEGMENT.test(url);
}

function write(res: ServerResponse, outcome: Outcome): void {
  if (outcome === undefined) {
    res.writeHead(200, OK_HEADERS);
    res.end();
    return;
  }
  const body = JSON.stringify({ error: outcome.error, detail: outcome.detail });
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  if (outcome.status === 429) headers['retry-after'] = '1';
  res.writeHead(outcome.status, headers);
  res.end(body);
}

function fail(res: ServerResponse, error: unknown): void {
  console.error('snomlink listener: unexpected error', error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(INTERNAL_ERROR_BODY);
  res.writeHead(500, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * The phone port's request listener: a plain `GET /snom/{phoneId}/{event}?…` (the only request
 * phones send in practice) is answered straight from node:http through the same handler the Hono
 * app calls; everything else (other methods, other paths, percent-encoded paths, targets or
 * hosts @hono/node-server would normalize) goes to `fallback`, the Hono app on node-server.
 * Skipping the framework's Request, Context, router and Response for the common case is what
 * brings the listener close to a bare node:http server (see bench/listener).
 */
export function createFastPath(
  handler: ActionHandler,
  fallback: NodeRequestListener,
): NodeRequestListener {
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(PREFIX)) {
      fallback(req, res);
      return;
    }
    // `/snom/{phoneId}/{event}` exactly, both non-empty, the path without `%` (Hono decodes
    // escapes in paths; those requests take the fallback).
    const length = url.length;
    let slash = -1;
    let end = length;
    for (let i = PREFIX.length; i < length; i++) {
      const c = url.charCodeAt(i);
      if (c === 63 || c === 35) {
        end = i;
        break;
      }
      if (c === 37) {
        fallback(req, res);
        return;
      }
      if (c === 47) {
        if (slash >= 0) {
          fallback(req, res);
          return;
        }
        slash = i;
      }
    }
    if (
      slash <= PREFIX.length ||
      slash === end - 1 ||
      !unchangedByNodeServer(url, req.headers.host)
    ) {
      fallback(req, res);
      return;
    }
    try {
      const remote = req.socket.remoteAddress;
      const refused = handler.limits(url, remote);
      if (refused !== undefined) {
        write(res, refused);
        return;
      }
      const outcome = handler.event(
        url,
        url.slice(PREFIX.length, slash),
        url.slice(slash + 1, end),
        remote,
      );
      if (outcome instanceof Promise) {
        outcome.then(
          (o) => {
            write(res, o);
          },
          (error: unknown) => {
            fail(res, error);
          },
        );
      } else {
        write(res, outcome);
      }
    } catch (error) {
      fail(res, error);
    }
  };
}
