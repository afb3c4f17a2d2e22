// Follows one turn's Server-Sent Events and assembles its text exactly once per token.
// Recovery: EventSource reconnects by itself with Last-Event-ID; tokens with seq <= the last applied
// one are ignored, so a replay never duplicates text. If nothing (token or heartbeat) arrives for
// `watchdogMs`, or the browser gives up (readyState CLOSED, e.g. an expired token or a 502), the
// stream is closed and reopened from a fresh stream_url (GET turn) with ?after=<last seq>.
import { api } from './api.js';

const TERMINAL = new Set(['done', 'failed', 'cancelled']);

export class TurnStream {
  // handlers: onText(fullText), onReset(), onDone(data), onError(data), onState(state)
  // state is one of 'connecting', 'live', 'reconnecting', 'closed'.
  constructor(turn, handlers, { watchdogMs = 15000 } = {}) {
    this.turnId = turn.id;
    this.streamUrl = turn.stream_url;
    this.handlers = handlers;
    this.watchdogMs = watchdogMs;
    this.text = '';
    this.lastSeq = 0;
    this.appliedSeqs = []; // kept for the browser tests: proves no seq is applied twice
    this.reopenCount = 0;
    this.states = []; // state history, for the browser tests
    this.source = null;
    this.finished = false;
    this.lastEventAt = Date.now();
    this.retryDelayMs = 500;
    this.watchdog = null;
  }

  start() {
    this.open(this.streamUrl);
    this.watchdog = setInterval(() => this.checkAlive(), 1000);
  }

  // Stops following (the turn itself goes on); used on navigation and after done/error.
  close() {
    this.finished = true;
    clearInterval(this.watchdog);
    clearTimeout(this.reopenTimer);
    if (this.source) this.source.close();
    this.source = null;
    this.setState('closed');
  }

  open(url) {
    if (this.source) this.source.close();
    this.lastEventAt = Date.now();
    this.setState('connecting');
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      if (source === this.source) this.setState('live');
    };
    source.onerror = (event) => this.onConnectionError(source, event);
    source.addEventListener('token', (e) => this.onToken(source, e));
    source.addEventListener('heartbeat', () => this.touch(source));
    source.addEventListener('reset', (e) => this.onReset(source, e));
    source.addEventListener('done', (e) => this.onDone(source, e));
    source.addEventListener('error', (e) => this.onServerError(source, e));
  }

  touch(source) {
    if (source !== this.source) return false;
    this.lastEventAt = Date.now();
    this.retryDelayMs = 500;
    if (this.state !== 'live') this.setState('live');
    return true;
  }

  onToken(source, event) {
    if (!this.touch(source)) return;
    const { seq, text } = JSON.parse(event.data);
    if (seq <= this.lastSeq) return; // already shown: a replay after a reconnect
    this.lastSeq = seq;
    this.appliedSeqs.push(seq);
    this.text += text;
    this.handlers.onText?.(this.text);
  }

  onReset(source) {
    if (!this.touch(source)) return;
    // Drop the partial text; the server follows with the current attempt from its first token.
    this.text = '';
    this.lastSeq = 0;
    this.appliedSeqs.push('reset');
    this.handlers.onReset?.();
    this.handlers.onText?.(this.text);
  }

  onDone(source, event) {
    if (!this.touch(source)) return;
    const data = event.data ? JSON.parse(event.data) : {};
    this.close();
    this.handlers.onDone?.(data, this.text);
  }

  // The server's `error` event carries data; the browser's connection errors do not.
  onServerError(source, event) {
    if (!(event instanceof MessageEvent) || !event.data) return;
    if (!this.touch(source)) return;
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      data = { code: 'unknown', message: String(event.data), retryable: true };
    }
    this.close();
    this.handlers.onError?.(data, this.text);
  }

  onConnectionError(source, event) {
    if (source !== this.source || this.finished) return;
    if (event instanceof MessageEvent && event.data) return; // a server `error` event, handled above
    if (source.readyState === EventSource.CLOSED) this.scheduleReopen();
    else this.setState('reconnecting'); // the browser retries on its own, with Last-Event-ID
  }

  checkAlive() {
    if (this.finished || this.reopenTimer) return;
    if (Date.now() - this.lastEventAt >= this.watchdogMs) {
      // A connection can look open while nothing flows (a dead proxy, a sleeping laptop).
      this.source?.close();
      this.scheduleReopen(0);
    }
  }

  scheduleReopen(delayMs = this.retryDelayMs) {
    if (this.finished || this.reopenTimer) return;
    this.setState('reconnecting');
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 8000);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      this.reopen().catch(() => this.scheduleReopen());
    }, delayMs);
  }

  // stream_url tokens are short-lived: ask for a fresh one, then resume after the last seq shown.
  async reopen() {
    if (this.finished) return;
    const turn = await api.getTurn(this.turnId);
    if (this.finished) return;
    this.reopenCount += 1;
    this.streamUrl = turn.stream_url;
    // A finished turn's stream replays and ends with done/error, so the end is never missed.
    this.open(withAfter(turn.stream_url, this.lastSeq));
    this.lastTurnStatus = turn.status;
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.states.push(state);
    this.handlers.onState?.(state);
  }
}

export function isTerminal(status) {
  return TERMINAL.has(status);
}

function withAfter(url, lastSeq) {
  if (!lastSeq) return url;
  const u = new URL(url, location.href);
  u.searchParams.set('after', String(lastSeq));
  return u.pathname + u.search;
}
