// The reply being generated in the open conversation: streams it into a bubble, stops it, and
// finds it again after a page reload (turn id kept in sessionStorage per conversation).
import { api } from './api.js';
import { t } from './strings.js';
import { finishReply, renderStreamingReply, setReplyText } from './message-view.js';
import { TurnStream, isTerminal } from './turn-stream.js';

const turnKey = (conversationId) => `chat.turn.${conversationId}`;

function addNote(bubble, text) {
  const note = document.createElement('span');
  note.className = 'note';
  note.textContent = text;
  bubble.querySelector('.message-meta')?.prepend(note);
}

// What the browser tests read: each followed reply's assembled text and the seqs it applied.
const debug = (window.chatDebug ??= { replies: [] });

export class ReplyController {
  constructor(view) {
    this.view = view;
    this.stream = null;
    this.bubble = null;
    this.frame = 0;
  }

  get active() {
    return !!this.stream;
  }

  follow(conv, turn, userMessageId) {
    this.detach();
    sessionStorage.setItem(turnKey(conv.id), JSON.stringify({ turnId: turn.id, userMessageId }));
    this.userMessageId = userMessageId;
    this.stopRequested = false;
    this.bubble = renderStreamingReply(turn.id);
    this.view.list.append(this.bubble);
    this.view.scrollIfSticky();
    this.view.setStatus(turn.status === 'queued' ? t('queued') : t('streaming'));
    this.view.handlers.announce(t('replyStarted'));
    const record = { turnId: turn.id, conversationId: conv.id, outcome: 'streaming' };
    const stream = new TurnStream(turn, {
      onText: (text) => this.onText(stream, text),
      onDone: (data, text) => this.onDone(stream, conv, data, text, record),
      onError: (data, text) => this.onError(stream, conv, data, text, record),
      onState: (state) => this.onState(stream, state),
    });
    record.stream = stream;
    debug.replies.push(record);
    this.stream = stream;
    stream.start();
    this.view.updateComposer();
  }

  // Stops following without cancelling (another conversation opened); a return resumes it.
  detach() {
    this.stream?.close();
    this.stream = null;
    this.bubble = null;
    cancelAnimationFrame(this.frame);
    this.view.setStatus('');
    this.view.updateComposer();
  }

  async stop() {
    if (!this.stream) return;
    this.stopRequested = true;
    try {
      await api.cancelTurn(this.stream.turnId);
    } catch (error) {
      this.view.handlers.onError(error);
    }
    // The stream then ends with its final event; the watchdog covers a lost one.
  }

  onText(stream, text) {
    if (stream !== this.stream) return;
    this.view.setStatus(t('streaming'));
    // Render at most once a frame however fast tokens arrive.
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => {
      if (stream !== this.stream) return;
      setReplyText(this.bubble, stream.text);
      this.view.scrollIfSticky();
    });
  }

  onState(stream, state) {
    if (stream !== this.stream) return;
    if (state === 'reconnecting') this.view.setStatus(t('reconnecting'));
    else if (state === 'live') this.view.setStatus(stream.text ? t('streaming') : t('queued'));
  }

  finish(stream, conv) {
    const bubble = this.bubble;
    cancelAnimationFrame(this.frame);
    setReplyText(bubble, stream.text);
    sessionStorage.removeItem(turnKey(conv.id));
    this.stream = null;
    this.bubble = null;
    this.view.setStatus('');
    this.view.updateComposer();
    return bubble;
  }

  async onDone(stream, conv, data, text, record) {
    if (stream !== this.stream) return;
    const bubble = this.finish(stream, conv);
    const stopped = this.stopRequested || data.finish_reason === 'cancelled';
    record.outcome = stopped ? 'stopped' : 'done';
    record.messageId = data.message_id;
    record.text = text;
    this.view.handlers.announce(stopped ? t('replyStopped') : t('replyAnnounce', { text: text.slice(0, 500) }));
    try {
      const items = (await this.view.refreshLatest()) || [];
      // The stored message (with usage and model) takes the streamed bubble's place.
      const storedBubble = data.message_id && this.view.messageElement(data.message_id);
      if (storedBubble && items.some((m) => m.id === data.message_id)) {
        bubble.remove();
        if (stopped) addNote(storedBubble, t('stopped'));
      } else {
        finishReply(bubble, { note: stopped ? t('stopped') : '', usage: data.usage });
      }
    } catch (error) {
      finishReply(bubble, { note: stopped ? t('stopped') : '', usage: data.usage });
      this.view.handlers.onError(error);
    }
  }

  onError(stream, conv, data, text, record) {
    if (stream !== this.stream) return;
    const bubble = this.finish(stream, conv);
    record.text = text;
    if (data.code === 'cancelled' || this.stopRequested) {
      record.outcome = 'stopped';
      finishReply(bubble, { note: t('stopped') });
      this.view.handlers.announce(t('replyStopped'));
      return;
    }
    record.outcome = 'error';
    this.showFailure(bubble, data.message || data.code || '?');
  }

  showFailure(bubble, message) {
    const userMessageId = this.userMessageId;
    const note = t('failed', { message });
    finishReply(bubble, { note, onRetry: () => this.view.regenerate(userMessageId) });
    this.view.handlers.announce(note);
  }

  // After a reload or on return to a conversation: follow its running turn, if it has one.
  async resumeIfRunning(conv, items) {
    const stored = JSON.parse(sessionStorage.getItem(turnKey(conv.id)) || 'null');
    const last = items[items.length - 1];
    const turnId = stored?.turnId || (last?.role === 'user' ? last.turn_id : null);
    if (!turnId) return;
    let turn;
    try {
      turn = await api.getTurn(turnId);
    } catch {
      sessionStorage.removeItem(turnKey(conv.id));
      return;
    }
    if (this.view.conv?.id !== conv.id || this.stream) return;
    const userMessageId = turn.user_message_id || stored?.userMessageId || last?.id;
    if (!isTerminal(turn.status)) {
      this.follow(conv, turn, userMessageId);
      return;
    }
    sessionStorage.removeItem(turnKey(conv.id));
    if (turn.status === 'failed' && !turn.message_id) {
      this.userMessageId = userMessageId;
      const bubble = renderStreamingReply(turn.id);
      this.view.list.append(bubble);
      setReplyText(bubble, turn.content || '');
      this.showFailure(bubble, turn.error?.message || turn.error?.code || 'failed');
    }
  }
}
