// Every user-visible text of the page, in English and Russian; nothing else holds UI strings.
// Placeholders look like {name} and are filled by t(key, {name: value}).

export const STRINGS = {
  en: {
    appTitle: 'Chat',
    language: 'Language',
    signInTitle: 'Sign in',
    signInHelp: 'Paste your API key. It is kept in this tab only (sessionStorage) and sent as a header, never in a URL.',
    apiKey: 'API key',
    signIn: 'Sign in',
    signingIn: 'Checking the key…',
    badKey: 'This API key was not accepted (401). Check that you copied the whole key, e.g. from .run/api-key.',
    signOut: 'Sign out',
    conversations: 'Conversations',
    newChat: 'New chat',
    untitled: 'Untitled chat',
    showArchived: 'Show archived',
    loadMore: 'Load more',
    noConversations: 'No conversations yet.',
    rename: 'Rename',
    renameLabel: 'New title',
    save: 'Save',
    cancel: 'Cancel',
    pin: 'Pin',
    unpin: 'Unpin',
    archive: 'Archive',
    unarchive: 'Unarchive',
    delete: 'Delete',
    confirmDelete: 'Delete “{title}”? This cannot be undone.',
    pinned: 'Pinned',
    archived: 'Archived',
    chatActions: 'Actions for {title}',
    pickOrCreate: 'Pick a conversation or start a new chat.',
    loadingOlder: 'Loading older messages…',
    startOfChat: 'Start of the conversation',
    you: 'You',
    assistant: 'Assistant',
    edited: 'edited',
    edit: 'Edit',
    regenerate: 'Regenerate',
    retry: 'Retry',
    messageLabel: 'Message',
    composePlaceholder: 'Write a message. Enter sends, Shift+Enter adds a line.',
    send: 'Send',
    stop: 'Stop',
    usage: '{input} in · {output} out tokens',
    model: 'model {model}',
    queued: 'Waiting for a worker…',
    streaming: 'Writing…',
    reconnecting: 'Connection lost, reconnecting…',
    stopped: 'Stopped',
    failed: 'The reply failed: {message}',
    replyAnnounce: 'Reply: {text}',
    replyStarted: 'Assistant is replying',
    replyStopped: 'Reply stopped',
    networkError: 'Network error: {message}',
    requestFailed: '{title} ({status}): {detail}',
    jumpToLatest: 'Jump to latest',
  },
  ru: {
    appTitle: 'Чат',
    language: 'Язык',
    signInTitle: 'Вход',
    signInHelp: 'Вставьте ваш API-ключ. Он хранится только в этой вкладке (sessionStorage) и передаётся в заголовке, никогда в адресе.',
    apiKey: 'API-ключ',
    signIn: 'Войти',
    signingIn: 'Проверяем ключ…',
    badKey: 'Этот API-ключ не принят (401). Проверьте, что скопировали ключ целиком, например из .run/api-key.',
    signOut: 'Выйти',
    conversations: 'Беседы',
    newChat: 'Новый чат',
    untitled: 'Без названия',
    showArchived: 'Показать архив',
    loadMore: 'Загрузить ещё',
    noConversations: 'Бесед пока нет.',
    rename: 'Переименовать',
    renameLabel: 'Новое название',
    save: 'Сохранить',
    cancel: 'Отмена',
    pin: 'Закрепить',
    unpin: 'Открепить',
    archive: 'В архив',
    unarchive: 'Из архива',
    delete: 'Удалить',
    confirmDelete: 'Удалить «{title}»? Это нельзя отменить.',
    pinned: 'Закреплено',
    archived: 'В архиве',
    chatActions: 'Действия для {title}',
    pickOrCreate: 'Выберите беседу или начните новый чат.',
    loadingOlder: 'Загружаем более ранние сообщения…',
    startOfChat: 'Начало беседы',
    you: 'Вы',
    assistant: 'Ассистент',
    edited: 'изменено',
    edit: 'Изменить',
    regenerate: 'Сгенерировать заново',
    retry: 'Повторить',
    messageLabel: 'Сообщение',
    composePlaceholder: 'Напишите сообщение. Enter — отправить, Shift+Enter — новая строка.',
    send: 'Отправить',
    stop: 'Стоп',
    usage: 'токенов: {input} на входе · {output} на выходе',
    model: 'модель {model}',
    queued: 'Ждём свободного исполнителя…',
    streaming: 'Пишет…',
    reconnecting: 'Связь потеряна, переподключаемся…',
    stopped: 'Остановлено',
    failed: 'Ответ не удался: {message}',
    replyAnnounce: 'Ответ: {text}',
    replyStarted: 'Ассистент отвечает',
    replyStopped: 'Ответ остановлен',
    networkError: 'Ошибка сети: {message}',
    requestFailed: '{title} ({status}): {detail}',
    jumpToLatest: 'К последним сообщениям',
  },
};

const LANG_KEY = 'chat.lang';
let current = pickInitialLanguage();

function pickInitialLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && STRINGS[saved]) return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!STRINGS[lang]) return;
  current = lang;
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
  applyStaticTexts(document);
}

// Looks a key up in the current language (English as fallback) and fills {placeholders}.
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

// Fills elements marked data-i18n (text), data-i18n-placeholder, data-i18n-title, data-i18n-aria-label.
export function applyStaticTexts(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['placeholder', 'title', 'aria-label']) {
    const dataName = 'i18n' + attr.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.dataset[dataName]));
    }
  }
}
