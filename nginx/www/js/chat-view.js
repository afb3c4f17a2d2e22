// The open conversation: history paged upward, sending, and the reply that streams in.
import { api, randomId } from './api.js';
import { t } from './strings.js';
import { editInPlace, isBeingEdited, renderMessage, displayedText } from './message-view.js';
import { ReplyController } from './reply-controller.js';
import { conversationTitle } from './sidebar.js';

const byId = (id) => document.getElementById(id);
const NEAR_EDGE_PX = 60;
const editTime = (iso) => Date.parse(iso || '') || 0;

export class ChatView {
  // handlers: onError(error), onConversationChanged(conv), announce(text)
  constructor(handlers) {
    this.handlers = handlers;
    this.conv = null;
    // Counts open() calls: a reply that comes back after another open() is dropped. Not the conv
    // object itself: a rename (autoTitle) replaces it while the same conversation stays open.
    this.opened = 0;
    this.olderCursor = null;
    this.loadingOlder = false;
    this.stickToBottom = true;
    this.scroller = byId('messages');
    this.list = byId('message-list');
    this.input = byId('compose-input');
    this.sendButton = byId('send-button');
    this.stopButton = byId('stop-button');
    this.jumpButton = byId('jump-latest');
    this.reply = new ReplyController(this);
    this.scroller.addEventListener('scroll', () => this.onScroll());
    this.jumpButton.addEventListener('click', () => {
      this.stickToBottom = true;
      this.scrollToBottom();
      this.input.focus();
    });
    byId('compose').addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
    this.input.addEventListener('keydown', (e) => this.onComposeKey(e));
    this.stopButton.addEventListener('click', () => this.reply.stop());
  }

  onComposeKey(e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.send();
    } else if (e.key === 'Escape' && this.reply.active) {
      e.preventDefault();
      this.reply.stop();
    }
  }

  async open(conv) {
    this.reply.detach();
    this.conv = conv;
    const opened = ++this.opened;
    this.olderCursor = null;
    this.stickToBottom = true;
    this.list.replaceChildren();
    byId('chat-title').textContent = conv ? conversationTitle(conv) : '';
    byId('empty-chat').hidden = !!conv;
    byId('history-status').textContent = '';
    this.input.disabled = !conv;
    this.updateComposer();
    if (!conv) return;
    const page = await api.listMessages(conv.id);
    if (this.opened !== opened) return; // another conversation was opened meanwhile
    this.olderCursor = page.next_cursor || null;
    this.list.append(...page.items.map((m) => this.renderMessage(m)));
    this.scrollToBottom();
    await this.fillViewport();
    await this.reply.resumeIfRunning(conv, page.items);
  }

  conversationChanged(conv) {
    if (this.conv?.id !== conv.id) return;
    this.conv = conv;
    this.renderTitle();
  }

  renderTitle() {
    if (this.conv) byId('chat-title').textContent = conversationTitle(this.conv);
  }

  renderMessage(msg) {
    return renderMessage(msg, {
      onEdit: (m) => this.edit(m),
      onRegenerate: (m) => this.regenerate(m),
    });
  }

  messageElement(id) {
    return this.list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
  }

  // Replaces a shown message by id, or appends it; keeps the list in server order. A message
  // whose edit form is open, or shown with a later edit than `msg` (a re-read answered before
  // the edit), stays as it is.
  upsertMessage(msg) {
    const existing = this.messageElement(msg.id);
    if (existing && (isBeingEdited(existing) || editTime(existing.dataset.editedAt) > editTime(msg.edited_at))) {
      return existing;
    }
    const node = this.renderMessage(msg);
    if (existing) existing.replaceWith(node);
    else this.list.append(node);
    return node;
  }

  async send() {
    const content = this.input.value;
    if (!this.conv || !content.trim() || this.reply.active || this.sending) return;
    const conv = this.conv;
    this.sending = true;
    this.updateComposer();
    try {
      const result = await api.sendMessage(conv.id, content, randomId());
      this.input.value = '';
      this.stickToBottom = true;
      this.upsertMessage(result.message);
      this.reply.follow(conv, result.turn, result.message.id);
      if (!conv.title?.trim()) this.autoTitle(conv, content);
    } catch (error) {
      this.handlers.onError(error);
    } finally {
      this.sending = false;
      this.updateComposer();
      if (document.activeElement === this.sendButton || document.activeElement === document.body) this.input.focus();
    }
  }

  // A new chat takes its first line as title, so the sidebar says what it is about.
  async autoTitle(conv, content) {
    const title = content.trim().split('\n')[0].slice(0, 60);
    try {
      const updated = await api.updateConversation(conv.id, { title });
      if (this.conv?.id === updated.id) this.conv = updated;
      this.renderTitle();
      this.handlers.onConversationChanged(updated);
    } catch (error) {
      this.handlers.onError(error);
    }
  }

  async edit(msg) {
    const li = this.messageElement(msg.id);
    if (!li) return;
    const text = await editInPlace(li, msg);
    if (text === null || text === displayedText(msg)) {
      li.querySelector('[data-action="edit"]')?.focus();
      return;
    }
    try {
      const updated = await api.editMessage(this.conv.id, msg.id, text);
      this.upsertMessage(updated).querySelector('[data-action="regenerate"]')?.focus();
    } catch (error) {
      this.handlers.onError(error);
    }
  }

  // The user message a reply answers: reply_to when the API gives it, else the one before it.
  userMessageFor(msg) {
    if (msg.role === 'user') return msg.id;
    if (msg.reply_to) return msg.reply_to;
    let node = this.messageElement(msg.id)?.previousElementSibling;
    while (node && node.dataset.role !== 'user') node = node.previousElementSibling;
    return node?.dataset.id || null;
  }

  async regenerate(msg) {
    const userMessageId = typeof msg === 'string' ? msg : this.userMessageFor(msg);
    if (!this.conv || !userMessageId || this.reply.active) return;
    const conv = this.conv;
    try {
      const result = await api.regenerate(conv.id, userMessageId);
      this.stickToBottom = true;
      this.reply.follow(conv, result.turn, userMessageId);
    } catch (error) {
      this.handlers.onError(error);
    }
    if (document.activeElement === document.body) this.input.focus();
  }

  // Newest page again, after a reply is stored: shows the stored text, usage and model.
  async refreshLatest() {
    if (!this.conv) return;
    const opened = this.opened;
    const page = await api.listMessages(this.conv.id);
    if (this.opened !== opened) return;
    for (const msg of page.items) this.upsertMessage(msg);
    this.scrollIfSticky();
    return page.items;
  }

  updateComposer() {
    const busy = this.reply.active;
    this.sendButton.hidden = busy;
    this.stopButton.hidden = !busy;
    this.sendButton.disabled = !this.conv || !!this.sending;
    if (!busy && document.activeElement === document.body && this.conv) this.input.focus();
  }

  setStatus(text) {
    byId('stream-status').textContent = text;
  }

  onScroll() {
    const s = this.scroller;
    this.stickToBottom = s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_EDGE_PX;
    this.jumpButton.hidden = this.stickToBottom || !this.reply.active;
    if (s.scrollTop < NEAR_EDGE_PX) this.loadOlder();
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // Follows new text only while the user has not scrolled up to read.
  scrollIfSticky() {
    if (this.stickToBottom) this.scrollToBottom();
    else this.jumpButton.hidden = !this.reply.active;
  }

  async loadOlder() {
    if (!this.olderCursor || this.loadingOlder || !this.conv) return;
    const conv = this.conv;
    const opened = this.opened;
    this.loadingOlder = true;
    byId('history-status').textContent = t('loadingOlder');
    try {
      const page = await api.listMessages(conv.id, { before: this.olderCursor });
      if (this.opened !== opened) return;
      const before = this.scroller.scrollHeight;
      const known = new Set([...this.list.children].map((li) => li.dataset.id));
      this.list.prepend(...page.items.filter((m) => !known.has(m.id)).map((m) => this.renderMessage(m)));
      // Keep what the user was reading in place.
      this.scroller.scrollTop += this.scroller.scrollHeight - before;
      this.olderCursor = page.next_cursor || null;
      byId('history-status').textContent = this.olderCursor ? '' : t('startOfChat');
    } catch (error) {
      this.handlers.onError(error);
    } finally {
      this.loadingOlder = false;
    }
  }

  // Pages in older history until the view can scroll (else no scroll event would ever ask for it).
  async fillViewport() {
    while (this.olderCursor && this.scroller.scrollHeight <= this.scroller.clientHeight + NEAR_EDGE_PX) {
      const cursor = this.olderCursor;
      await this.loadOlder();
      if (this.olderCursor === cursor) break; // failed or raced: stop rather than spin
    }
    this.scrollToBottom();
  }
}
