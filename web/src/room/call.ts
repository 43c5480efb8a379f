// The room's audio/video call: a collapsible strip above the editor, WebRTC peer to peer (a mesh:
// one RTCPeerConnection per other participant in the call), signalled over the room's socket
// (call_signal, relayed by roomd, never logged). The first offer always comes from the impolite
// side (the larger participant id), so a new pair never starts with crossing offers; later
// renegotiation (a camera turned on) uses the "perfect negotiation" pattern, so two peers that
// offer at once settle without a deadlock. Candidates that arrive before their description wait
// for it, and a pair still not connected after STALL_MS restarts ICE once. Nobody's camera or
// microphone starts without their own click; leaving the call (or the page) stops every track.
import { h, clear } from '../dom';
import type { CallMedia, CallSignal, CallSignalMsg, CallStateChangedMsg, IceServersAnswer, SessionStateMsg } from '../protocol';
import type { RoomContext } from './context';

/** How long a peer may take to connect before we say there is no route. */
const CONNECT_TIMEOUT_MS = 15_000;
/** How long a pair may try before the impolite side restarts ICE (fresh candidates both ways). */
const STALL_MS = 6_000;
/** RMS level (0..1) above which a tile shows as speaking. */
const SPEAKING_LEVEL = 0.02;

interface Peer {
  pid: string;
  pc: RTCPeerConnection;
  /** Perfect negotiation: the polite peer yields when both offer at once. */
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  stream: MediaStream;
  tile: Tile;
  connectTimer?: number;
  stallTimer?: number;
  /** A remote description has been applied once: the first offer/answer is done. */
  negotiated: boolean;
  /** The polite side wanted to offer before the first exchange: it offers after answering. */
  deferredOffer: boolean;
  /** Candidates that came before any remote description (applied right after it). */
  early: RTCIceCandidateInit[];
  /** Signals from this peer, handled one at a time in arrival order. */
  queue: Promise<void>;
}

interface Tile {
  el: HTMLElement;
  video: HTMLVideoElement;
  label: HTMLElement;
  level?: () => number;
}

/** Why getUserMedia failed, as a sentence for the person. */
export function mediaFailure(err: unknown, wanted: string): string {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return `The browser was not allowed to use your ${wanted}. Allow it for this site (the icon left of the address) and join again.`;
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return `No ${wanted} was found. Plug one in, or join with what you have.`;
  if (name === 'NotReadableError' || name === 'AbortError') return `Your ${wanted} is in use by another application, or could not be started.`;
  return `Could not start your ${wanted}: ${err instanceof Error ? err.message : String(err)}`;
}

export class Call {
  private strip!: HTMLElement;
  private tiles!: HTMLElement;
  private status!: HTMLElement;
  private controls!: HTMLElement;
  private local: MediaStream | null = null;
  private localTile: Tile | null = null;
  private audioOn = false;
  private videoOn = false;
  private joined = false;
  private peers = new Map<string, Peer>();
  /** Who the server says is in the call (ourselves included). */
  private remote = new Map<string, CallMedia>();
  private iceServers: RTCIceServer[] = [];
  private hasTurn = false;
  private audioCtx: AudioContext | null = null;
  /** Tests: force relay candidates only (proves the TURN path). */
  forceRelay = false;

  constructor(
    private ctx: RoomContext,
    private names: (pid: string) => string | undefined,
  ) {}

  /** Builds the strip at the top of the room's main column, collapsed until someone is in the call. */
  mount(editorHost: HTMLElement) {
    this.tiles = h('div', { class: 'call-tiles', id: 'call-tiles' });
    this.status = h('div', { class: 'call-status muted small', id: 'call-status', role: 'status' });
    this.controls = h('div', { class: 'call-controls' });
    const toggle = h('button', { class: 'btn btn-small', id: 'call-toggle', title: 'Show or hide the call' }, 'Call');
    this.strip = h('section', { class: 'call-strip collapsed', id: 'call-strip' }, h('div', { class: 'call-bar' }, toggle, this.controls, this.status), this.tiles);
    toggle.addEventListener('click', () => this.strip.classList.toggle('collapsed'));
    editorHost.parentElement?.insertBefore(this.strip, editorHost.parentElement.firstChild);
    this.renderControls();
    window.addEventListener('pagehide', () => this.stopMedia());
    window.setInterval(() => this.showSpeaking(), 150);
  }

  // ---------------------------------------------------------------- from the server

  sessionState(m: SessionStateMsg) {
    this.remote = new Map(Object.entries(m.calls ?? {}));
    const me = this.ctx.participantId;
    const serverHasMe = !!me && this.remote.has(me);
    // A fresh page (or a restart) the server still thinks is in the call: it is not, so say so.
    if (serverHasMe && !this.joined) this.sendState();
    if (!serverHasMe && this.joined) this.sendState();
    for (const pid of this.peers.keys()) if (!this.remote.has(pid)) this.closePeer(pid);
    if (this.joined) for (const pid of this.remote.keys()) if (pid !== me) this.ensurePeer(pid);
    this.renderAll();
  }

  stateChanged(m: CallStateChangedMsg) {
    if (m.joined) this.remote.set(m.participantId, { audio: m.audio, video: m.video });
    else this.remote.delete(m.participantId);
    if (m.participantId !== this.ctx.participantId) {
      if (!m.joined) this.closePeer(m.participantId);
      else if (this.joined) this.ensurePeer(m.participantId);
    }
    this.renderAll();
  }

  left(pid: string) {
    this.remote.delete(pid);
    this.closePeer(pid);
    this.renderAll();
  }

  signal(m: CallSignalMsg) {
    if (!this.joined) return; // not in the call: nobody may make us send media
    const peer = this.ensurePeer(m.from);
    // One at a time: a candidate must not overtake the description it belongs to.
    peer.queue = peer.queue.then(() => this.handleSignal(peer, m));
  }

  private async handleSignal(peer: Peer, m: CallSignalMsg) {
    const { pc } = peer;
    const { description, candidate } = m.signal;
    try {
      if (description) {
        const collision = description.type === 'offer' && (peer.makingOffer || pc.signalingState !== 'stable');
        peer.ignoreOffer = !peer.polite && collision;
        if (peer.ignoreOffer) return;
        await pc.setRemoteDescription(description as RTCSessionDescriptionInit);
        peer.negotiated = true;
        // Candidates of an offer that was rolled back fail here: they belong to no description.
        for (const c of peer.early.splice(0)) await pc.addIceCandidate(c).catch(() => undefined);
        if (description.type === 'offer') {
          await pc.setLocalDescription();
          this.send(m.from, { description: pc.localDescription!.toJSON() });
          if (peer.deferredOffer) {
            peer.deferredOffer = false;
            await this.offer(peer);
          }
        }
      } else if (candidate !== undefined) {
        if (!pc.remoteDescription) {
          if (candidate) peer.early.push(candidate);
          return;
        }
        try {
          await pc.addIceCandidate(candidate ?? undefined);
        } catch (err) {
          if (!peer.ignoreOffer) throw err;
        }
      }
    } catch (err) {
      this.say(`Call with ${this.nameOf(m.from)}: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  }

  // ---------------------------------------------------------------- our own clicks

  /** Joins with the microphone and, if asked, the camera. Only ever called from a click. */
  async join(video: boolean) {
    if (this.joined) return;
    const wanted = video ? 'camera and microphone' : 'microphone';
    if (!navigator.mediaDevices?.getUserMedia) return this.say('This browser cannot make calls here (calls need HTTPS or localhost).', true);
    this.say(`Asking for your ${wanted}…`);
    try {
      this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video });
    } catch (err) {
      // With both asked, try the microphone alone before giving up: a laptop without a camera can still talk.
      if (video && err instanceof DOMException && (err.name === 'NotFoundError' || err.name === 'NotReadableError')) {
        try {
          this.local = await navigator.mediaDevices.getUserMedia({ audio: true });
          this.say('No camera available: joined with the microphone only.');
        } catch (err2) {
          return this.say(mediaFailure(err2, 'microphone'), true);
        }
      } else return this.say(mediaFailure(err, wanted), true);
    }
    await this.loadIceServers();
    this.joined = true;
    this.audioOn = this.local.getAudioTracks().length > 0;
    this.videoOn = this.local.getVideoTracks().length > 0;
    this.strip.classList.remove('collapsed');
    this.localTile = this.makeTile(this.ctx.participantId ?? 'me', true);
    this.localTile.video.srcObject = this.local;
    this.localTile.level = this.analyser(this.local);
    this.sendState();
    for (const pid of this.remote.keys()) if (pid !== this.ctx.participantId) this.ensurePeer(pid);
    this.say('');
    this.renderAll();
    void this.fillDevices();
  }

  leave() {
    if (!this.joined) return;
    this.joined = false;
    for (const pid of [...this.peers.keys()]) this.closePeer(pid);
    this.stopMedia();
    this.localTile?.el.remove();
    this.localTile = null;
    this.audioOn = this.videoOn = false;
    this.sendState();
    this.renderAll();
  }

  toggleAudio() {
    this.audioOn = !this.audioOn;
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = this.audioOn;
    this.sendState();
    this.renderAll();
  }

  async toggleVideo() {
    if (!this.local) return;
    if (!this.local.getVideoTracks().length) {
      // Joined with the microphone only: ask for the camera now (a click), and renegotiate.
      try {
        const cam = await navigator.mediaDevices.getUserMedia({ video: true });
        const track = cam.getVideoTracks()[0];
        this.local.addTrack(track);
        for (const p of this.peers.values()) p.pc.addTrack(track, this.local);
      } catch (err) {
        return this.say(mediaFailure(err, 'camera'), true);
      }
      this.videoOn = true;
    } else {
      this.videoOn = !this.videoOn;
      for (const t of this.local.getVideoTracks()) t.enabled = this.videoOn;
    }
    this.sendState();
    this.renderAll();
  }

  /** Switches to another microphone or camera without renegotiating (replaceTrack). */
  async useDevice(kind: 'audioinput' | 'videoinput', deviceId: string) {
    if (!this.local) return;
    const audio = kind === 'audioinput';
    try {
      const s = await navigator.mediaDevices.getUserMedia(audio ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } });
      const track = (audio ? s.getAudioTracks() : s.getVideoTracks())[0];
      track.enabled = audio ? this.audioOn : this.videoOn;
      const old = audio ? this.local.getAudioTracks()[0] : this.local.getVideoTracks()[0];
      for (const p of this.peers.values()) {
        const sender = p.pc.getSenders().find((x) => x.track === old);
        if (sender) await sender.replaceTrack(track);
        else p.pc.addTrack(track, this.local);
      }
      if (old) {
        this.local.removeTrack(old);
        old.stop();
      }
      this.local.addTrack(track);
      if (audio && this.localTile) this.localTile.level = this.analyser(this.local);
    } catch (err) {
      this.say(mediaFailure(err, audio ? 'microphone' : 'camera'), true);
    }
  }

  // ---------------------------------------------------------------- peers

  private ensurePeer(pid: string): Peer {
    const known = this.peers.get(pid);
    if (known) return known;
    const me = this.ctx.participantId ?? '';
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.forceRelay ? 'relay' : 'all' });
    const peer: Peer = {
      pid,
      pc,
      polite: me < pid,
      makingOffer: false,
      ignoreOffer: false,
      negotiated: false,
      deferredOffer: false,
      early: [],
      stream: new MediaStream(),
      tile: this.makeTile(pid, false),
      queue: Promise.resolve(),
    };
    peer.tile.video.srcObject = peer.stream;
    this.peers.set(pid, peer);
    for (const t of this.local?.getTracks() ?? []) pc.addTrack(t, this.local!);
    // The impolite side makes the first offer even without media of its own, so that it receives.
    if (!peer.polite && pc.getTransceivers().length === 0) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
    }
    pc.ontrack = ({ track }) => {
      peer.stream.addTrack(track);
      if (track.kind === 'audio') peer.tile.level = this.analyser(peer.stream);
      void peer.tile.video.play().catch(() => undefined);
    };
    pc.onicecandidate = ({ candidate }) => this.send(pid, { candidate: candidate ? candidate.toJSON() : null } as CallSignal);
    pc.onnegotiationneeded = () => {
      // Before the first exchange only the impolite side offers; the polite one offers its own
      // changes right after its first answer (handleSignal).
      if (peer.polite && !peer.negotiated) {
        peer.deferredOffer = true;
        return;
      }
      void this.offer(peer);
    };
    pc.onconnectionstatechange = () => {
      const s = pc.connectionState;
      peer.tile.el.setAttribute('data-connection', s);
      if (s === 'connected') {
        window.clearTimeout(peer.connectTimer);
        window.clearTimeout(peer.stallTimer);
        this.say('');
      } else if (s === 'failed') this.noRoute(peer);
    };
    // A lost candidate or a half-open path: new ICE credentials make both sides gather again.
    peer.stallTimer = window.setTimeout(() => {
      if (!peer.polite && pc.connectionState !== 'connected' && pc.signalingState !== 'closed') pc.restartIce();
    }, STALL_MS);
    peer.connectTimer = window.setTimeout(() => {
      if (pc.connectionState !== 'connected') this.noRoute(peer);
    }, CONNECT_TIMEOUT_MS);
    return peer;
  }

  private async offer(peer: Peer) {
    const { pc } = peer;
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      this.send(peer.pid, { description: pc.localDescription!.toJSON() } as CallSignal);
    } catch (err) {
      this.say(`Call with ${this.nameOf(peer.pid)}: ${err instanceof Error ? err.message : String(err)}`, true);
    } finally {
      peer.makingOffer = false;
    }
  }

  private noRoute(peer: Peer) {
    const who = this.nameOf(peer.pid);
    this.say(
      this.hasTurn
        ? `Could not connect to ${who}: no network route, not even through the TURN relay. A firewall may block it.`
        : `Could not connect to ${who}: no network route between you (strict NAT or a firewall). A TURN relay solves this: start roomd with --turn-url and --turn-secret.`,
      true,
    );
  }

  private closePeer(pid: string) {
    const p = this.peers.get(pid);
    if (!p) return;
    window.clearTimeout(p.connectTimer);
    window.clearTimeout(p.stallTimer);
    p.pc.close();
    p.tile.el.remove();
    this.peers.delete(pid);
  }

  private send(to: string, signal: CallSignal) {
    this.ctx.socket.send({ type: 'call_signal', to, signal });
  }

  private sendState() {
    this.ctx.socket.send({ type: 'call_state', audio: this.joined && this.audioOn, video: this.joined && this.videoOn, joined: this.joined });
  }

  private async loadIceServers() {
    try {
      const r = await fetch(`/api/ice-servers?sessionId=${encodeURIComponent(this.ctx.sessionId)}`, { cache: 'no-store' });
      if (!r.ok) return;
      const body = (await r.json()) as IceServersAnswer;
      this.iceServers = body.iceServers ?? [];
      this.hasTurn = this.iceServers.some((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)));
    } catch {
      this.iceServers = []; // host candidates still connect people on one network
    }
  }

  private stopMedia() {
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = null;
  }

  // ---------------------------------------------------------------- the strip

  private makeTile(pid: string, self: boolean): Tile {
    const video = h('video', { autoplay: true, playsinline: true, 'data-participant': pid, class: 'call-video' });
    // Our own tile is silent (no echo of ourselves); others' tiles play their audio.
    video.muted = self;
    const label = h('span', { class: 'call-name' });
    const el = h('div', { class: `call-tile${self ? ' call-self' : ''}`, 'data-participant': pid }, video, label);
    this.tiles.appendChild(el);
    return { el, video, label };
  }

  /** A level meter (RMS, 0..1) on a stream's audio, through one shared AudioContext. */
  private analyser(stream: MediaStream): (() => number) | undefined {
    if (!stream.getAudioTracks().length) return undefined;
    try {
      this.audioCtx ??= new AudioContext();
      void this.audioCtx.resume().catch(() => undefined);
      const node = this.audioCtx.createAnalyser();
      node.fftSize = 512;
      this.audioCtx.createMediaStreamSource(stream).connect(node);
      const buf = new Uint8Array(node.fftSize);
      return () => {
        node.getByteTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += ((v - 128) / 128) ** 2;
        return Math.sqrt(sum / buf.length);
      };
    } catch {
      return undefined;
    }
  }

  private showSpeaking() {
    const me = this.ctx.participantId ?? '';
    const tiles: [string, Tile][] = [...this.peers.values()].map((p) => [p.pid, p.tile]);
    if (this.localTile) tiles.push([me, this.localTile]);
    for (const [pid, tile] of tiles) {
      const audible = this.remote.get(pid)?.audio ?? false;
      const speaking = audible && !!tile.level && tile.level() > SPEAKING_LEVEL;
      tile.el.classList.toggle('speaking', speaking);
    }
  }

  private renderAll() {
    const me = this.ctx.participantId ?? '';
    const entries: [string, Tile][] = [...this.peers.values()].map((p) => [p.pid, p.tile]);
    if (this.localTile) entries.push([me, this.localTile]);
    for (const [pid, tile] of entries) {
      const media = pid === me ? { audio: this.audioOn, video: this.videoOn } : this.remote.get(pid);
      tile.label.textContent = `${this.nameOf(pid)}${pid === me ? ' (you)' : ''}${media && !media.audio ? ' · muted' : ''}`;
      tile.el.classList.toggle('muted', !!media && !media.audio);
      tile.el.classList.toggle('camera-off', !!media && !media.video);
      tile.el.setAttribute('data-audio', String(!!media?.audio));
      tile.el.setAttribute('data-video', String(!!media?.video));
    }
    const others = [...this.remote.keys()].filter((p) => p !== me).length;
    if (others && !this.joined) this.strip.classList.remove('collapsed');
    this.strip.setAttribute('data-in-call', String(this.remote.size));
    this.renderControls(others);
  }

  private renderControls(others = 0) {
    clear(this.controls);
    const btn = (id: string, label: string, onClick: () => void, cls = 'btn btn-small') => {
      const b = h('button', { class: cls, id }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    if (!this.joined) {
      this.controls.append(
        btn('call-join-video', 'Join with camera', () => void this.join(true), 'btn btn-small btn-primary'),
        btn('call-join-audio', 'Join with microphone', () => void this.join(false)),
        h('span', { class: 'muted small' }, others ? `${others} in the call` : 'Nobody is in the call'),
      );
      return;
    }
    this.controls.append(
      btn('call-mute', this.audioOn ? 'Mute' : 'Unmute', () => this.toggleAudio()),
      btn('call-camera', this.videoOn ? 'Camera off' : 'Camera on', () => void this.toggleVideo()),
      btn('call-leave', 'Leave call', () => this.leave(), 'btn btn-small btn-danger'),
      this.deviceSelect('audioinput', 'call-mic-select', 'Microphone'),
      this.deviceSelect('videoinput', 'call-camera-select', 'Camera'),
    );
  }

  private deviceSelect(kind: 'audioinput' | 'videoinput', id: string, label: string): HTMLSelectElement {
    const sel = h('select', { class: 'select select-small', id, 'aria-label': label, 'data-kind': kind });
    sel.addEventListener('change', () => void this.useDevice(kind, sel.value));
    return sel;
  }

  /** Device names are only known once a permission was given: filled after joining. */
  private async fillDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    for (const sel of this.controls.querySelectorAll<HTMLSelectElement>('select[data-kind]')) {
      const kind = sel.getAttribute('data-kind');
      const current = (kind === 'audioinput' ? this.local?.getAudioTracks() : this.local?.getVideoTracks())?.[0]?.getSettings().deviceId;
      clear(sel);
      for (const d of devices.filter((x) => x.kind === kind)) sel.appendChild(h('option', { value: d.deviceId }, d.label || d.kind));
      if (current) sel.value = current;
      sel.hidden = sel.options.length < 2;
    }
  }

  private say(text: string, error = false) {
    this.status.textContent = text;
    this.status.classList.toggle('call-error', error);
  }

  private nameOf(pid: string): string {
    return this.names(pid) ?? 'someone';
  }

  /** For the browser tests (`window.__room.call`). */
  testView() {
    return {
      joined: this.joined,
      audio: this.audioOn,
      video: this.videoOn,
      inCall: Object.fromEntries(this.remote),
      status: this.status.textContent ?? '',
      peers: [...this.peers.values()].map((p) => ({
        participantId: p.pid,
        connection: p.pc.connectionState,
        signaling: p.pc.signalingState,
        ice: p.pc.iceConnectionState,
        gathering: p.pc.iceGatheringState,
        audioTracks: p.stream.getAudioTracks().length,
        videoTracks: p.stream.getVideoTracks().length,
      })),
    };
  }

  /** For the browser tests: the selected candidate pair's types of every peer (relay proves TURN). */
  async candidateTypes(): Promise<{ participantId: string; local?: string; remote?: string }[]> {
    const out = [];
    for (const p of this.peers.values()) {
      const stats = await p.pc.getStats();
      let local: string | undefined;
      let remote: string | undefined;
      // The transport names the pair in use; a nominated, succeeded pair is the fallback for
      // browsers that do not fill selectedCandidatePairId yet.
      let pairId: string | undefined;
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      });
      stats.forEach((s) => {
        if (s.type !== 'candidate-pair') return;
        const inUse = pairId ? s.id === pairId : s.state === 'succeeded' && (s.nominated || s.selected);
        if (!inUse) return;
        local = stats.get(s.localCandidateId)?.candidateType;
        remote = stats.get(s.remoteCandidateId)?.candidateType;
      });
      out.push({ participantId: p.pid, local, remote });
    }
    return out;
  }
}
