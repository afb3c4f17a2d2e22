// Thin client for the REST API: adds the Bearer key, turns problem+json answers into ApiError.

const KEY_STORAGE = 'chat.apiKey';
const REQUEST_TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

export function storeKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

async function readProblem(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText || 'Error', status: response.status, detail: '' };
  }
}

// One request; resolves to the parsed JSON body (or null for 204), rejects with ApiError.
export async function request(method, path, body, key = storedKey(), extraHeaders = {}) {
  const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json', ...extraHeaders };
  // A request on a dead connection must not hang forever (the stream watchdog waits on it).
  const init = { method, headers, cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

const enc = encodeURIComponent;

// A random id for Idempotency-Key; crypto.randomUUID exists only in secure contexts.
export function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${enc(v)}`).join('&') : '';
}

export const api = {
  checkKey: (key) => request('GET', '/api/v1/conversations?limit=1', undefined, key),
  listConversations: ({ archived = false, cursor, limit = 30 } = {}) =>
    request('GET', '/api/v1/conversations' + query({ archived, limit, cursor })),
  createConversation: (fields = {}) => request('POST', '/api/v1/conversations', fields),
  updateConversation: (id, fields) => request('PATCH', `/api/v1/conversations/${enc(id)}`, fields),
  deleteConversation: (id) => request('DELETE', `/api/v1/conversations/${enc(id)}`),
  listMessages: (conversationId, { before, limit = 30 } = {}) =>
    request('GET', `/api/v1/conversations/${enc(conversationId)}/messages` + query({ limit, before })),
  // The Idempotency-Key makes a retried send return the first answer instead of a second turn.
  sendMessage: (conversationId, content, idempotencyKey) =>
    request('POST', `/api/v1/conversations/${enc(conversationId)}/messages`, { content }, undefined, {
      'Idempotency-Key': idempotencyKey,
    }),
  editMessage: (conversationId, messageId, content) =>
    request('PUT', `/api/v1/conversations/${enc(conversationId)}/messages/${enc(messageId)}`, { content }),
  regenerate: (conversationId, messageId) =>
    request('POST', `/api/v1/conversations/${enc(conversationId)}/messages/${enc(messageId)}/regenerate`),
  getTurn: (turnId) => request('GET', `/api/v1/turns/${enc(turnId)}`),
  cancelTurn: (turnId) => request('POST', `/api/v1/turns/${enc(turnId)}/cancel`),
};
