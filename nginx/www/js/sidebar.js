// The conversation list: paging by next_cursor, new / rename / pin / archive / delete.
import { api } from './api.js';
import { t } from './strings.js';

const byId = (id) => document.getElementById(id);

export function conversationTitle(conv) {
  return conv?.title?.trim() || t('untitled');
}

// Pinned first, then most recently updated: the order the server lists them in.
function compareConversations(a, b) {
  if (!!a.pinned_at !== !!b.pinned_at) return a.pinned_at ? -1 : 1;
  return (b.updated_at || '').localeCompare(a.updated_at || '');
}

export class Sidebar {
  // handlers: onOpen(conv), onChanged(conv), onRemoved(conv), onError(error)
  constructor(handlers) {
    this.handlers = handlers;
    this.items = [];
    this.nextCursor = null;
    this.activeId = null;
    this.renamingId = null;
    this.loading = false;
    this.list = byId('conversation-list');
    this.moreButton = byId('load-more-conversations');
    this.archivedToggle = byId('show-archived');
    this.moreButton.addEventListener('click', () => this.loadMore());
    this.archivedToggle.addEventListener('change', () => this.reload());
    // Load the next page as soon as the end of the list scrolls into view.
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.loadMore();
    }).observe(this.moreButton);
  }

  get showArchived() {
    return this.archivedToggle.checked;
  }

  async reload() {
    this.items = [];
    this.nextCursor = null;
    await this.fetchPage();
  }

  async loadMore() {
    if (this.nextCursor && !this.loading) await this.fetchPage(this.nextCursor);
  }

  async fetchPage(cursor) {
    this.loading = true;
    try {
      const page = await api.listConversations({ archived: this.showArchived, cursor });
      const known = new Set(this.items.map((c) => c.id));
      this.items.push(...page.items.filter((c) => !known.has(c.id)));
      this.nextCursor = page.next_cursor || null;
      this.render();
    } catch (error) {
      this.handlers.onError(error);
    } finally {
      this.loading = false;
    }
  }

  find(id) {
    return this.items.find((c) => c.id === id);
  }

  // Puts a created or changed conversation in its place (or drops it if it no longer belongs here).
  upsert(conv) {
    this.items = this.items.filter((c) => c.id !== conv.id);
    if (!!conv.archived_at === this.showArchived && !conv.deleted_at) this.items.push(conv);
    this.items.sort(compareConversations);
    this.render();
  }

  remove(id) {
    this.items = this.items.filter((c) => c.id !== id);
    this.render();
  }

  setActive(id) {
    this.activeId = id;
    this.render();
  }

  async createConversation() {
    const conv = await api.createConversation({});
    if (this.showArchived) this.archivedToggle.checked = false;
    this.upsert(conv);
    return conv;
  }

  async patch(conv, fields) {
    try {
      const updated = await api.updateConversation(conv.id, fields);
      this.upsert(updated);
      this.handlers.onChanged(updated);
      if (!this.find(updated.id)) this.handlers.onRemoved(updated);
      return updated;
    } catch (error) {
      this.handlers.onError(error);
      return null;
    }
  }

  async deleteConversation(conv) {
    if (!window.confirm(t('confirmDelete', { title: conversationTitle(conv) }))) return;
    try {
      await api.deleteConversation(conv.id);
      this.remove(conv.id);
      this.handlers.onRemoved(conv);
    } catch (error) {
      this.handlers.onError(error);
    }
  }

  render() {
    const focusKey = this.list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    this.list.replaceChildren(...this.items.map((conv) => this.renderItem(conv)));
    byId('conversation-empty').hidden = this.items.length > 0 || this.loading;
    this.moreButton.hidden = !this.nextCursor;
    if (focusKey) this.list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  renderItem(conv) {
    const li = document.createElement('li');
    li.className = 'conversation' + (conv.id === this.activeId ? ' active' : '');
    li.dataset.id = conv.id;
    if (conv.id === this.renamingId) {
      li.append(this.renderRenameForm(conv));
      return li;
    }
    const open = button(conversationTitle(conv), `open:${conv.id}`, () => this.handlers.onOpen(conv));
    open.className = 'conversation-open';
    if (conv.id === this.activeId) open.setAttribute('aria-current', 'page');
    const badges = [conv.pinned_at && t('pinned'), conv.archived_at && t('archived')].filter(Boolean);
    if (badges.length) {
      const span = document.createElement('span');
      span.className = 'conversation-badges';
      span.textContent = `· ${badges.join(' · ')}`;
      open.append(span);
    }
    const actions = document.createElement('div');
    actions.className = 'conversation-actions';
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-label', t('chatActions', { title: conversationTitle(conv) }));
    actions.append(
      button(t('rename'), `rename:${conv.id}`, () => this.startRename(conv)),
      button(conv.pinned_at ? t('unpin') : t('pin'), `pin:${conv.id}`, () =>
        this.patch(conv, { pinned: !conv.pinned_at })),
      button(conv.archived_at ? t('unarchive') : t('archive'), `archive:${conv.id}`, () =>
        this.patch(conv, { archived: !conv.archived_at })),
      button(t('delete'), `delete:${conv.id}`, () => this.deleteConversation(conv)),
    );
    li.append(open, actions);
    return li;
  }

  startRename(conv) {
    this.renamingId = conv.id;
    this.render();
    this.list.querySelector('.rename-form input')?.focus();
  }

  renderRenameForm(conv) {
    const form = document.createElement('form');
    form.className = 'rename-form';
    const input = document.createElement('input');
    input.value = conv.title || '';
    input.maxLength = 200;
    input.setAttribute('aria-label', t('renameLabel'));
    const finish = () => {
      this.renamingId = null;
      this.render();
      this.list.querySelector(`[data-focus-key="open:${CSS.escape(conv.id)}"]`)?.focus();
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') finish();
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      this.renamingId = null;
      await this.patch(conv, { title: input.value.trim() });
      finish();
    });
    const save = document.createElement('button');
    save.type = 'submit';
    save.textContent = t('save');
    form.append(input, save, button(t('cancel'), `cancel:${conv.id}`, finish));
    return form;
  }
}

function button(label, focusKey, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.focusKey = focusKey;
  b.addEventListener('click', onClick);
  return b;
}
