// DOM for one message: role, sanitised Markdown body, meta line (edited, usage, model, actions).
import { setMarkdown } from './markdown.js';
import { t } from './strings.js';

export function displayedText(msg) {
  return msg.edited_content ?? msg.content ?? '';
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function actionButton(label, action, onClick) {
  const b = el('button', '', label);
  b.type = 'button';
  b.dataset.action = action;
  b.addEventListener('click', onClick);
  return b;
}

export function usageText(usage) {
  if (!usage) return '';
  const input = usage.input_tokens ?? usage.prompt_tokens;
  const output = usage.output_tokens ?? usage.completion_tokens;
  if (input === undefined && output === undefined) return '';
  return t('usage', { input: input ?? '?', output: output ?? '?' });
}

function metaLine(msg, actions) {
  const meta = el('div', 'message-meta');
  if (msg.edited_at || msg.edited_content != null) meta.append(el('span', 'edited', t('edited')));
  const usage = usageText(msg.usage);
  if (usage) meta.append(el('span', 'usage', usage));
  const model = msg.model || msg.usage?.model;
  if (model && msg.role === 'assistant') meta.append(el('span', 'model', t('model', { model })));
  if (msg.role === 'user' && actions.onEdit) meta.append(actionButton(t('edit'), 'edit', () => actions.onEdit(msg)));
  if (actions.onRegenerate) {
    meta.append(actionButton(t('regenerate'), 'regenerate', () => actions.onRegenerate(msg)));
  }
  return meta;
}

// actions: onEdit(msg), onRegenerate(msg)
export function renderMessage(msg, actions) {
  const li = el('li', `message ${msg.role === 'user' ? 'user' : 'assistant'}`);
  li.dataset.id = msg.id;
  li.dataset.role = msg.role;
  if (msg.reply_to) li.dataset.replyTo = msg.reply_to;
  if (msg.edited_at) li.dataset.editedAt = msg.edited_at;
  li.append(el('div', 'message-role', msg.role === 'user' ? t('you') : t('assistant')));
  const body = el('div', 'message-body');
  setMarkdown(body, displayedText(msg));
  li.append(body, metaLine(msg, actions));
  return li;
}

// The reply being streamed: body re-rendered as text arrives, status in the meta line.
export function renderStreamingReply(turnId) {
  const li = el('li', 'message assistant streaming');
  li.dataset.turnId = turnId;
  li.append(el('div', 'message-role', t('assistant')), el('div', 'message-body'), el('div', 'message-meta'));
  return li;
}

export function setReplyText(li, text) {
  setMarkdown(li.querySelector('.message-body'), text);
}

// Ends a streamed reply that has no stored message to show instead (stopped or failed).
export function finishReply(li, { note, usage, onRetry }) {
  li.classList.remove('streaming');
  const meta = li.querySelector('.message-meta');
  meta.replaceChildren();
  if (note) meta.append(el('span', 'note', note));
  const usageLine = usageText(usage);
  if (usageLine) meta.append(el('span', 'usage', usageLine));
  if (onRetry) {
    li.classList.add('failed');
    meta.append(actionButton(t('retry'), 'retry', onRetry));
  }
}

// True while the message's edit form is open.
export function isBeingEdited(li) {
  return li.querySelector('.edit-form') !== null;
}

// Inline editor for a user message; resolves to the new text, or null when cancelled.
export function editInPlace(li, msg) {
  return new Promise((resolve) => {
    const body = li.querySelector('.message-body');
    const meta = li.querySelector('.message-meta');
    const form = el('form', 'edit-form');
    const input = el('textarea');
    input.value = displayedText(msg);
    input.setAttribute('aria-label', t('edit'));
    const save = el('button', 'primary', t('save'));
    save.type = 'submit';
    const done = (value) => {
      form.remove();
      body.hidden = false;
      meta.hidden = false;
      resolve(value);
    };
    const cancel = actionButton(t('cancel'), 'cancel-edit', () => done(null));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      done(input.value.trim() ? input.value : null);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') done(null);
      else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    const row = el('div');
    row.append(save, ' ', cancel);
    form.append(input, row);
    body.hidden = true;
    meta.hidden = true;
    li.append(form);
    input.focus();
  });
}
