// Entry point: sign-in with an API key, then the sidebar and the chat view.
import { ApiError, api, storeKey, storedKey } from './api.js';
import { applyStaticTexts, language, setLanguage, t } from './strings.js';
import { ChatView } from './chat-view.js';
import { Sidebar } from './sidebar.js';

const byId = (id) => document.getElementById(id);
const OPEN_KEY = 'chat.openConversation';

function describeError(error) {
  if (error instanceof ApiError) {
    const p = error.problem || {};
    return t('requestFailed', { title: p.title || 'Error', status: error.status, detail: p.detail || '' });
  }
  return t('networkError', { message: error?.message || String(error) });
}

function announce(text) {
  const region = byId('announcer');
  region.textContent = '';
  // A fresh text node after a tick makes screen readers announce repeated texts too.
  setTimeout(() => (region.textContent = text), 50);
}

function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut(t('badKey'));
    return;
  }
  byId('chat-error').textContent = describeError(error);
}

const chat = new ChatView({
  onError: showError,
  onConversationChanged: (conv) => sidebar.upsert(conv),
  announce,
});

const sidebar = new Sidebar({
  onOpen: (conv) => openConversation(conv),
  onChanged: (conv) => chat.conversationChanged(conv),
  onRemoved: (conv) => {
    if (chat.conv?.id === conv.id) openConversation(null);
  },
  onError: showError,
});

async function openConversation(conv) {
  byId('chat-error').textContent = '';
  sidebar.setActive(conv?.id ?? null);
  if (conv) sessionStorage.setItem(OPEN_KEY, conv.id);
  else sessionStorage.removeItem(OPEN_KEY);
  try {
    await chat.open(conv);
    if (conv) byId('compose-input').focus();
  } catch (error) {
    showError(error);
  }
}

function showSignedIn(signedIn) {
  byId('sign-in-view').hidden = signedIn;
  byId('chat-app').hidden = !signedIn;
  byId('sign-out').hidden = !signedIn;
}

function signOut(message = '') {
  storeKey('');
  chat.open(null);
  showSignedIn(false);
  byId('sign-in-error').textContent = message;
  byId('api-key-input').focus();
}

async function startSignedIn() {
  showSignedIn(true);
  await sidebar.reload();
  const wanted = sessionStorage.getItem(OPEN_KEY);
  const conv = wanted && sidebar.find(wanted);
  if (conv) await openConversation(conv);
  else byId('new-chat').focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = byId('api-key-input').value.trim();
  const errorLine = byId('sign-in-error');
  if (!key) return;
  errorLine.textContent = t('signingIn');
  try {
    await api.checkKey(key);
  } catch (error) {
    errorLine.textContent = error instanceof ApiError && error.status === 401 ? t('badKey') : describeError(error);
    return;
  }
  errorLine.textContent = '';
  byId('api-key-input').value = '';
  storeKey(key);
  await startSignedIn();
}

async function newChat() {
  try {
    await openConversation(await sidebar.createConversation());
  } catch (error) {
    showError(error);
  }
}

function init() {
  const select = byId('language-select');
  select.value = language();
  setLanguage(language());
  select.addEventListener('change', () => {
    setLanguage(select.value);
    sidebar.render();
    chat.renderTitle();
  });
  applyStaticTexts(document);
  byId('sign-in-form').addEventListener('submit', signIn);
  byId('sign-out').addEventListener('click', () => signOut());
  byId('new-chat').addEventListener('click', newChat);
  if (storedKey()) {
    startSignedIn().catch(showError);
  } else {
    showSignedIn(false);
    byId('api-key-input').focus();
  }
}

init();
