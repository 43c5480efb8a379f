// WebSocket with automatic reconnect: exponential backoff with full jitter, heartbeat, test hooks.
import { parseServerMessage, type ClientMessage, type ServerMessage } from './protocol';

export type ConnState = 'connecting' | 'online' | 'reconnecting' | 'stopped';

export interface SocketHandlers {
  /** The socket opened: send join_session now. */
  onOpen(): void;
  onMessage(msg: ServerMessage): void;
  /** The socket closed. Return false to stop reconnecting (terminal close codes). */
  onClose(code: number, reason: string): boolean;
  onState(state: ConnState, detail: { attempt: number; retryInMs?: number }): void;
}

const BASE_DELAY = 400;
const MAX_DELAY = 10_000;
const PING_EVERY = 15_000;
const DEAD_AFTER = 40_000;

export class RoomSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private pingTimer: number | undefined;
  private lastMessageAt = 0;
  private stopped = false;
  private blocked = false; // test hook: simulate being offline
  state: ConnState = 'connecting';

  constructor(
    private url: string,
    private handlers: SocketHandlers,
  ) {
    window.addEventListener('online', () => {
      if (this.state === 'reconnecting') this.reconnectNow();
    });
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.pingTimer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'leaving');
    }
    this.setState('stopped');
  }

  /** Called by the room once session_state arrives: the connection is really usable. */
  markJoined() {
    this.attempt = 0;
    this.setState('online');
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  send(msg: ClientMessage): boolean {
    return this.sendText(JSON.stringify(msg));
  }

  /** Send an already serialised message (the caller measured it). */
  sendText(text: string): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    this.counts.framesSent++;
    return true;
  }

  /** Counters for the browser tests (reconnect loops show up here). */
  readonly counts = { connects: 0, framesSent: 0, closeCodes: [] as number[] };

  reconnectNow() {
    window.clearTimeout(this.retryTimer);
    if (!this.ws && !this.stopped) this.connect();
  }

  /** Test hook: drop the connection abnormally (not a clean close) and keep it down until restore(). */
  drop(block = true) {
    this.blocked = block;
    if (this.ws) this.ws.close(4000, 'dropped by test hook');
  }
  restore() {
    this.blocked = false;
    this.reconnectNow();
  }

  private setState(s: ConnState, retryInMs?: number) {
    this.state = s;
    this.handlers.onState(s, { attempt: this.attempt, retryInMs });
  }

  private connect() {
    if (this.stopped) return;
    if (this.blocked || (typeof navigator !== 'undefined' && navigator.onLine === false)) {
      this.scheduleRetry();
      return;
    }
    this.setState(this.attempt === 0 && this.state === 'connecting' ? 'connecting' : 'reconnecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.counts.connects++;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.lastMessageAt = Date.now();
      window.clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => this.heartbeat(), PING_EVERY);
      this.handlers.onOpen();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastMessageAt = Date.now();
      const msg = typeof ev.data === 'string' ? parseServerMessage(ev.data) : null;
      if (msg) this.handlers.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.counts.closeCodes.push(ev.code);
      window.clearInterval(this.pingTimer);
      if (this.stopped) return;
      const retry = this.handlers.onClose(ev.code, ev.reason);
      if (!retry) {
        this.stopped = true;
        this.setState('stopped');
        return;
      }
      this.scheduleRetry();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private heartbeat() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastMessageAt > DEAD_AFTER) {
      // Half-open connection: force a reconnect.
      this.ws.close(4000, 'heartbeat timeout');
      return;
    }
    this.send({ type: 'ping' });
  }

  private scheduleRetry() {
    window.clearTimeout(this.retryTimer);
    const cap = Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.min(this.attempt, 10));
    const delay = Math.round(cap / 2 + Math.random() * (cap / 2)); // "equal jitter": never 0, never > cap
    this.attempt++;
    this.setState('reconnecting', delay);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }
}
