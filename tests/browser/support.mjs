// Shared helpers for the browser tests: environment, Chromium launch, REST calls, page actions.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');

// Integration tests must fail, not skip, when the stack's address is missing.
export function requireEnv() {
  const missing = ['CHAT_TEST_BASE_URL', 'CHAT_TEST_API_KEY', 'CHAT_TEST_RUN_DIR'].filter((n) => !process.env[n]);
  if (missing.length) {
    throw new Error(`browser tests need the running test stack: ${missing.join(', ')} not set (run them through \`make test\`)`);
  }
  return {
    baseUrl: process.env.CHAT_TEST_BASE_URL.replace(/\/$/, ''),
    apiKey: process.env.CHAT_TEST_API_KEY,
    runDir: process.env.CHAT_TEST_RUN_DIR,
  };
}

// playwright-core is installed by scripts/build-web.sh next to the page's own packages.
export function loadPlaywright() {
  const require = createRequire(path.join(repoRoot, 'nginx/www/package.json'));
  try {
    return require('playwright-core');
  } catch (error) {
    throw new Error(`playwright-core not installed: run scripts/build-web.sh (${error.message})`);
  }
}

export const CHROMIUM = process.env.CHAT_TEST_CHROMIUM || '/usr/bin/chromium';

// Debian's chromium, never a downloaded browser. playwright's launch() itself passes a fresh
// temporary --user-data-dir (and removes it on close); it refuses one given in args.
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install the Debian package chromium`);
  const { chromium } = loadPlaywright();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export function makeApi(env) {
  return async function call(method, urlPath, body) {
    const response = await fetch(env.baseUrl + urlPath, {
      method,
      headers: { Authorization: `Bearer ${env.apiKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${urlPath} -> ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

// Polls fn until it returns a truthy value; the deadline makes a hang a clear failure.
export async function waitFor(what, fn, { timeoutMs = 20000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function signIn(page, env) {
  await page.goto(env.baseUrl + '/');
  await page.fill('#api-key-input', env.apiKey);
  await page.press('#api-key-input', 'Enter');
  await page.waitForSelector('#chat-app:not([hidden])');
}

export async function newChat(page) {
  const before = await page.locator('#conversation-list > li').count();
  await page.click('#new-chat');
  await page.waitForFunction((n) => document.querySelectorAll('#conversation-list > li').length > n, before);
  await page.waitForSelector('#compose-input:not([disabled])');
  return page.evaluate(() => document.querySelector('#conversation-list > li.active').dataset.id);
}

// Types and sends with Enter; resolves to the index of the new reply in window.chatDebug.replies.
export async function send(page, text) {
  const before = await replyCount(page);
  await page.fill('#compose-input', text);
  await page.press('#compose-input', 'Enter');
  await page.waitForFunction((n) => (window.chatDebug?.replies.length ?? 0) > n, before);
  return before;
}

export function replyCount(page) {
  return page.evaluate(() => window.chatDebug?.replies.length ?? 0);
}

// The state of reply number i as the page assembled it.
export function reply(page, i) {
  return page.evaluate((idx) => {
    const r = window.chatDebug.replies[idx];
    return r && {
      turnId: r.turnId, outcome: r.outcome, messageId: r.messageId ?? null, text: r.stream.text,
      seqs: r.stream.appliedSeqs, reopenCount: r.stream.reopenCount, state: r.stream.state,
      states: r.stream.states,
    };
  }, i);
}

export async function waitReplyEnd(page, i, timeoutMs = 30000) {
  return waitFor(`reply ${i} to end`, async () => {
    const r = await reply(page, i);
    return r && r.outcome !== 'streaming' ? r : null;
  }, { timeoutMs });
}

// Seqs applied must rise strictly between resets: a repeated or lower seq is a duplicate.
export function assertNoDuplicateSeqs(assert, seqs) {
  let last = 0;
  for (const s of seqs) {
    if (s === 'reset') { last = 0; continue; }
    assert.ok(s > last, `seq ${s} applied after ${last}: duplicate or out of order (${seqs.join(',')})`);
    last = s;
  }
}

export async function storedMessage(api, conversationId, messageId) {
  const page = await api('GET', `/api/v1/conversations/${conversationId}/messages?limit=50`);
  return page.items.find((m) => m.id === messageId);
}

// A loopback TCP proxy in front of nginx that a test can cut (drop every connection, as a network
// failure does) or stall (keep the event-stream connections open but pass no byte, as a dead
// proxy or a sleeping laptop does). The page is opened through proxy.url.
export async function startFlakyProxy(targetUrl) {
  const target = new URL(targetUrl);
  const pairs = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { client, upstream, stalled: false, isStream: false };
    pairs.add(pair);
    client.on('data', (d) => {
      if (/^GET \/api\/v1\/turns\/[^ ]+\/stream/.test(d.toString('latin1', 0, 200))) pair.isStream = true;
      if (!pair.stalled) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!pair.stalled) client.write(d);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const s of [client, upstream]) {
      s.on('close', close);
      s.on('error', close);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cutAll() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
    },
    stallStreams() {
      let n = 0;
      for (const p of pairs) if (p.isStream) (p.stalled = true), n++;
      return n;
    },
    close() {
      this.cutAll();
      server.close();
    },
  };
}
