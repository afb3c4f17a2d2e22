// Browser tests of the chat page (nginx/www) against the real running stack, in Debian's chromium
// driven by playwright-core. Run: node chat-page.test.mjs [screenshot dir]; env from scripts/test.sh.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertNoDuplicateSeqs, launchBrowser, makeApi, newChat, reply, requireEnv, send, signIn,
  startFlakyProxy, storedMessage, waitFor, waitReplyEnd,
} from './support.mjs';

const env = requireEnv();
const api = makeApi(env);
const outDir = path.resolve(process.argv[2] || process.env.CHAT_TEST_OUT_DIR || path.join(env.runDir, 'screenshots'));
fs.mkdirSync(outDir, { recursive: true });
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  console.log(`browser tests: screenshots in ${outDir}`);
});

// A fresh context per test: its own sessionStorage, so each test signs in like a new tab.
async function openPage(t) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    await d.dismiss();
  });
  t.after(() => assert.deepEqual(problems, [], 'the page raised errors or dialogs'));
  return page;
}

// Messages that must still be streaming when a test acts carry SLOW: the local generator's
// "/slow" directive (per-token delay) where it has one; else the stack's CHAT_LOCAL_DELAY_MS.
const shot = (page, name) => page.screenshot({ path: path.join(outDir, `${name}.png`) });

// The stop / reload / cut tests need a reply that is still streaming when they act.
async function waitMidReply(page, i, minTokens = 3) {
  return waitFor(`reply ${i} to stream ${minTokens} tokens`, async () => {
    const r = await reply(page, i);
    if (r && r.outcome !== 'streaming') {
      throw new Error('the reply finished before the test could interrupt it: the test stack must run its ' +
        'workers with a per-token delay (CHAT_LOCAL_DELAY_MS, e.g. 40) so a reply lasts a few seconds');
    }
    return r && r.seqs.length >= minTokens ? r : null;
  });
}

// SIGKILLs every process of a kind the test stack runs under scripts/supervise.sh (pids/KIND.N.pid).
function killSupervised(env, kind) {
  const dir = path.join(env.runDir, 'pids');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => new RegExp(`^${kind}\\.\\d+\\.pid$`).test(f)) : [];
  assert.ok(files.length > 0, `no ${kind} pid files in ${dir}`);
  for (const f of files) process.kill(Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()), 'SIGKILL');
}

async function expectStored(conversationId, r) {
  assert.ok(r.messageId, `done event named no message (outcome ${r.outcome})`);
  const stored = await storedMessage(api, conversationId, r.messageId);
  assert.ok(stored, `stored message ${r.messageId} not listed`);
  assert.equal(r.text, stored.content, 'streamed text differs from the stored assistant message');
  assert.ok(r.text.length > 0, 'empty reply');
  return stored;
}

test('a bad key gets a clear message and stays out of the URL', async (t) => {
  const page = await openPage(t);
  await page.goto(env.baseUrl + '/');
  await shot(page, '01-sign-in');
  await page.fill('#api-key-input', 'ck_nobody_wrong');
  await page.press('#api-key-input', 'Enter');
  await page.waitForFunction(() => /401/.test(document.getElementById('sign-in-error').textContent));
  assert.ok(await page.isVisible('#sign-in-view'));
  await shot(page, '02-bad-key');
  await signIn(page, env);
  assert.ok(!page.url().includes(env.apiKey), 'API key appears in the URL');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('chat.apiKey')), env.apiKey);
});

test('send with Enter, the reply streams and equals the stored message', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  await page.fill('#compose-input', 'first line');
  await page.press('#compose-input', 'Shift+Enter');
  await page.type('#compose-input', 'second line');
  assert.equal(await page.inputValue('#compose-input'), 'first line\nsecond line', 'Shift+Enter must add a line');
  await page.press('#compose-input', 'Enter');
  await page.waitForFunction(() => window.chatDebug?.replies.length === 1);
  const r = await waitReplyEnd(page, 0);
  assert.equal(r.outcome, 'done');
  assertNoDuplicateSeqs(assert, r.seqs);
  const stored = await expectStored(conv, r);
  // The stored message replaces the streamed bubble and shows usage; focus never left the input.
  const bubble = page.locator(`li.message[data-id="${stored.id}"]`);
  await bubble.waitFor();
  assert.match(await bubble.locator('.usage').textContent(), /\d/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'compose-input');
  // announce() clears the live region and sets the text 50 ms later (so repeats are read too).
  await page.waitForFunction(() => /\S/.test(document.querySelector('#announcer')?.textContent ?? ''), null, { timeout: 2000 })
    .catch(() => null);
  assert.match(await page.textContent('#announcer'), /\S/, 'the live region announced nothing');
  const sent = await page.locator('li.message.user .message-body').last().innerText();
  assert.match(sent, /first line\s+second line/);
  await shot(page, '03-reply-done');
});

// The first message's auto-title (a PATCH) replaces the page's conversation object; when its answer
// lands while the page re-reads the messages after `done`, that re-read must still count.
test('a rename landing while the reply is re-read: the stored message still replaces the streamed one', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  let releaseRename;
  const renameHeld = new Promise((resolve) => { releaseRename = resolve; });
  await page.route((url) => url.pathname === `/api/v1/conversations/${conv}`, async (route) => {
    if (route.request().method() === 'PATCH') await renameHeld;
    await route.continue();
  });
  await page.route((url) => url.pathname === `/api/v1/conversations/${conv}/messages`, async (route) => {
    const afterDone = await page.evaluate(() => window.chatDebug?.replies[0]?.outcome === 'done');
    if (route.request().method() === 'GET' && afterDone) {
      const renamed = page.waitForResponse((r) => r.request().method() === 'PATCH');
      releaseRename();
      await renamed;
      await page.waitForFunction(() => document.querySelector('#chat-title').textContent === 'Name two rivers.');
    }
    await route.continue();
  });
  const r = await waitReplyEnd(page, await send(page, 'Name two rivers.'));
  assert.equal(r.outcome, 'done');
  const stored = await expectStored(conv, r);
  await page.locator(`li.message[data-id="${stored.id}"]`).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('li.message.assistant').count(), 1, 'the streamed bubble stayed beside the stored one');
});

test('Stop cancels a streaming reply and keeps its partial text', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  const i = await send(page, 'Please write a long answer about rivers. /slow');
  await waitMidReply(page, i);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'compose-input', 'focus left the input');
  assert.ok(await page.isVisible('#stop-button'));
  await shot(page, '04-streaming');
  await page.click('#stop-button');
  const r = await waitReplyEnd(page, i);
  assert.equal(r.outcome, 'stopped');
  await waitFor('turn cancelled', async () => (await api('GET', `/api/v1/turns/${r.turnId}`)).status === 'cancelled');
  const turn = await api('GET', `/api/v1/turns/${r.turnId}`);
  assert.ok(turn.content.startsWith(r.text) || r.text.startsWith(turn.content), 'partial text lost');
  assertNoDuplicateSeqs(assert, r.seqs);
  assert.ok(await page.isVisible('#send-button'), 'Send is back after the stop');
  await shot(page, '05-stopped');
  void conv;
});

test('a reload mid-reply finds the running turn and follows it to the end', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  const i = await send(page, 'Tell me a story about a lighthouse. /slow');
  await waitMidReply(page, i);
  await page.reload();
  // After the reload the page starts a fresh record list and follows the same turn.
  await page.waitForFunction(() => window.chatDebug?.replies.length === 1, null, { timeout: 20000 });
  const r = await waitReplyEnd(page, 0);
  assert.equal(r.outcome, 'done');
  assertNoDuplicateSeqs(assert, r.seqs);
  await expectStored(conv, r);
  await shot(page, '06-after-reload');
});

test('a cut connection mid-reply resumes without repeated or missing text', async (t) => {
  const proxy = await startFlakyProxy(env.baseUrl);
  t.after(() => proxy.close());
  const page = await openPage(t);
  await signIn(page, { ...env, baseUrl: proxy.url });
  const conv = await newChat(page);
  const i = await send(page, 'Explain how tides work, step by step. /slow');
  await waitMidReply(page, i);
  proxy.cutAll(); // every connection drops; EventSource reconnects with Last-Event-ID
  await waitFor('the page to notice the drop', async () => (await reply(page, i)).states.includes('reconnecting'),
    { timeoutMs: 10000 });
  await shot(page, '07-reconnecting');
  const r = await waitReplyEnd(page, i);
  assert.equal(r.outcome, 'done');
  assertNoDuplicateSeqs(assert, r.seqs);
  await expectStored(conv, r);
  await shot(page, '08-resumed');
});

test('a restarted stream handler mid-reply: the page resumes without duplicates', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  const i = await send(page, 'Describe the water cycle in detail. /slow');
  await waitMidReply(page, i);
  killSupervised(env, 'stream'); // their supervisors start new ones
  const r = await waitReplyEnd(page, i, 45000);
  assert.equal(r.outcome, 'done');
  assert.ok(r.states.includes('reconnecting'), `no reconnect seen: ${r.states}`);
  assertNoDuplicateSeqs(assert, r.seqs);
  await expectStored(conv, r);
});

test('a worker lost mid-reply: reset clears the partial text and the new attempt completes', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  const i = await send(page, 'Write about mountains and valleys. /slow');
  await waitMidReply(page, i);
  killSupervised(env, 'worker'); // the lease expires, another attempt claims the turn
  const r = await waitReplyEnd(page, i, 60000);
  assert.equal(r.outcome, 'done');
  assert.ok(r.seqs.includes('reset'), `no reset event reached the page: ${r.seqs.join(',')}`);
  assertNoDuplicateSeqs(assert, r.seqs);
  await expectStored(conv, r);
});

test('HTML and javascript: links in messages and replies are inert', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  await newChat(page);
  const i = await send(page, 'look <img src=x onerror=alert(1)> and [x](javascript:alert(1)) <script>alert(2)</script>');
  await waitReplyEnd(page, i);
  const user = page.locator('li.message.user').last();
  const img = user.locator('img');
  assert.equal(await img.count(), 1, 'the img should render, without its handler');
  assert.equal(await img.getAttribute('onerror'), null);
  const link = user.locator('a', { hasText: 'x' });
  const href = await link.count() ? await link.first().getAttribute('href') : null;
  assert.ok(!href || !/^\s*javascript:/i.test(href), `link href is ${href}`);
  const unsafe = await page.evaluate(() => ({
    handlers: [...document.querySelectorAll('#message-list *')].filter((n) =>
      [...n.attributes].some((a) => a.name.startsWith('on'))).length,
    jsLinks: [...document.querySelectorAll('#message-list a')].filter((a) =>
      /^\s*javascript:/i.test(a.getAttribute('href') || '')).length,
    scripts: document.querySelectorAll('#message-list script').length,
  }));
  assert.deepEqual(unsafe, { handlers: 0, jsLinks: 0, scripts: 0 });
  if (await link.count()) await link.first().click(); // an inert link: no dialog may fire
  await shot(page, '09-sanitised');
  // openPage's dialog listener fails the test if alert() ever ran.
});

test('conversations: rename, pin, archive, delete; Russian texts', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  const item = () => page.locator(`#conversation-list > li[data-id="${conv}"]`);
  await item().getByRole('button', { name: 'Rename' }).click();
  await page.keyboard.type('Renamed by the browser test');
  await page.keyboard.press('Enter');
  await waitFor('rename stored', async () =>
    (await api('GET', `/api/v1/conversations/${conv}`)).title === 'Renamed by the browser test');
  // The page shows a change when its own PATCH answer arrives, which may be after the GET above.
  await page.waitForFunction(() => document.querySelector('#chat-title')?.textContent === 'Renamed by the browser test', null, { timeout: 5000 })
    .catch(() => null);
  assert.equal(await page.textContent('#chat-title'), 'Renamed by the browser test');
  await item().getByRole('button', { name: 'Pin', exact: true }).click();
  await waitFor('pin stored', async () => (await api('GET', `/api/v1/conversations/${conv}`)).pinned_at);
  await page.waitForFunction((id) => document.querySelector('#conversation-list > li')?.dataset.id === id, conv, { timeout: 5000 })
    .catch(() => null);
  assert.equal(await page.locator('#conversation-list > li').first().getAttribute('data-id'), conv, 'pinned first');
  await page.selectOption('#language-select', 'ru');
  assert.equal(await page.textContent('#new-chat'), 'Новый чат');
  await shot(page, '10-russian');
  await page.selectOption('#language-select', 'en');
  await item().getByRole('button', { name: 'Archive' }).click();
  await waitFor('archive stored', async () => (await api('GET', `/api/v1/conversations/${conv}`)).archived_at);
  await item().waitFor({ state: 'detached', timeout: 5000 }).catch(() => null);
  assert.equal(await item().count(), 0, 'archived chat still in the active list');
  await page.check('#show-archived');
  await item().waitFor();
  page.removeAllListeners('dialog');
  page.once('dialog', (d) => d.accept());
  await item().hover();
  await item().getByRole('button', { name: 'Delete' }).click();
  await waitFor('delete stored', async () => {
    const r = await fetch(`${env.baseUrl}/api/v1/conversations/${conv}`, { headers: { Authorization: `Bearer ${env.apiKey}` } });
    return r.status === 404;
  });
});

test('no event for 15 s: the watchdog reopens with a fresh stream_url and resumes', async (t) => {
  const proxy = await startFlakyProxy(env.baseUrl);
  t.after(() => proxy.close());
  const page = await openPage(t);
  await signIn(page, { ...env, baseUrl: proxy.url });
  const conv = await newChat(page);
  const i = await send(page, 'What makes a good bridge? /slow');
  await waitMidReply(page, i);
  // The connection stays open but goes silent: only the 15 s watchdog can notice.
  assert.ok(proxy.stallStreams() > 0, 'no event-stream connection went through the proxy');
  const stalledAt = Date.now();
  await waitFor('the watchdog to reopen', async () => (await reply(page, i)).reopenCount > 0, { timeoutMs: 25000 });
  assert.ok(Date.now() - stalledAt >= 14000, 'reopened before 15 s of silence');
  const r = await waitReplyEnd(page, i);
  assert.equal(r.outcome, 'done');
  assertNoDuplicateSeqs(assert, r.seqs);
  await expectStored(conv, r);
});

test('a failed reply shows its error and a Retry button that regenerates', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  await newChat(page);
  const i = await send(page, '/fail-hard');
  const r = await waitReplyEnd(page, i);
  assert.equal(r.outcome, 'error', 'the local generator\'s /fail-hard directive did not fail the turn');
  const failed = page.locator('li.message.failed');
  await failed.waitFor();
  assert.match(await failed.locator('.note').textContent(), /fail/i);
  await shot(page, '11-failed');
  await failed.getByRole('button', { name: 'Retry' }).click();
  await page.waitForFunction((n) => window.chatDebug.replies.length > n, i + 1);
  assert.equal((await waitReplyEnd(page, i + 1)).outcome, 'error', 'the retried turn runs again');
});

// The page re-reads the newest messages when a reply is stored. An edit started meanwhile keeps
// its form, and a re-read answered before an edit does not undo it.
test('an edit survives the re-read that follows a reply, open or just saved', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  const held = [];  // per re-read: fetched (the server answered), release (deliver it now)
  for (let n = 0; n < 2; n++) {
    const h = {};
    h.fetched = new Promise((resolve) => { h.markFetched = resolve; });
    h.released = new Promise((resolve) => { h.release = resolve; });
    held.push(h);
  }
  let rereads = 0;
  await page.route((url) => url.pathname === `/api/v1/conversations/${conv}/messages` && !url.searchParams.has('before'), async (route) => {
    const afterDone = await page.evaluate(() => window.chatDebug?.replies.at(-1)?.outcome === 'done');
    if (route.request().method() !== 'GET' || !afterDone || rereads >= held.length) return route.continue();
    const h = held[rereads++];
    const answer = await route.fetch();
    h.markFetched();
    await h.released;
    await route.fulfill({ response: answer });
  });
  const userBubble = page.locator('li.message.user').first();
  const form = page.locator('li.message.user .edit-form textarea');
  const storedReplies = (n) => page.waitForFunction((k) => document.querySelectorAll('li.message.assistant[data-id]').length >= k, n);

  // 1. The edit form is open when the re-read lands.
  assert.equal((await waitReplyEnd(page, await send(page, 'Name three rivers.'))).outcome, 'done');
  await held[0].fetched;
  await userBubble.getByRole('button', { name: 'Edit' }).click();
  await form.fill('Name four rivers.');
  held[0].release();
  await storedReplies(1);
  assert.equal(await form.count(), 1, 'the re-read closed the edit form');
  assert.equal(await form.inputValue(), 'Name four rivers.');
  await page.keyboard.press('Enter');
  await userBubble.locator('.edited').waitFor({ timeout: 5000 });

  // 2. The next reply's re-read was answered before an edit saved meanwhile.
  assert.equal((await waitReplyEnd(page, await send(page, 'And lakes?'))).outcome, 'done');
  await held[1].fetched;
  await userBubble.getByRole('button', { name: 'Edit' }).click();
  await form.fill('Name five rivers.');
  const saved = page.waitForResponse((r) => r.request().method() === 'PUT');
  await page.keyboard.press('Enter');
  await saved;
  await page.waitForFunction(() => document.querySelector('li.message.user .message-body')?.innerText === 'Name five rivers.');
  held[1].release();
  await storedReplies(2);
  assert.equal(await userBubble.locator('.message-body').innerText(), 'Name five rivers.', 'the older re-read undid the edit');
  assert.ok(await userBubble.locator('.edited').isVisible());
});

test('edit a sent message, then regenerate its reply (the earlier reply is kept)', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  const conv = await newChat(page);
  const first = await waitReplyEnd(page, await send(page, 'Name three rivers.'));
  assert.equal(first.outcome, 'done');
  const userBubble = page.locator('li.message.user').last();
  await userBubble.getByRole('button', { name: 'Edit' }).click();
  await page.fill('li.message.user .edit-form textarea', 'Name four rivers.');
  await page.keyboard.press('Enter');
  await userBubble.locator('.edited').waitFor();
  const messages = (await api('GET', `/api/v1/conversations/${conv}/messages`)).items;
  const edited = messages.find((m) => m.role === 'user');
  assert.equal(edited.edited_content, 'Name four rivers.');
  assert.equal(edited.content, 'Name three rivers.', 'the original text stays');
  await page.locator('li.message.user').last().getByRole('button', { name: 'Regenerate' }).click();
  await page.waitForFunction(() => window.chatDebug.replies.length === 2);
  const second = await waitReplyEnd(page, 1);
  assert.equal(second.outcome, 'done');
  await expectStored(conv, second);
  assert.equal(await page.locator('li.message.assistant').count(), 2, 'both replies are shown');
  await shot(page, '12-edited-regenerated');
});

// A conversation with more messages than one page, filled through the API (each turn must end
// before the next message: one running turn per conversation).
async function conversationWithHistory(exchanges) {
  const conv = await api('POST', '/api/v1/conversations', { title: 'Long history' });
  for (let n = 1; n <= exchanges; n++) {
    const { turn } = await api('POST', `/api/v1/conversations/${conv.id}/messages`, { content: `question number ${n}` });
    await waitFor(`turn ${n} to end`, async () =>
      ['done', 'failed', 'cancelled'].includes((await api('GET', `/api/v1/turns/${turn.id}`)).status), { intervalMs: 20 });
  }
  return conv;
}

test('keyboard only: new chat, send, stop with Escape', async (t) => {
  const page = await openPage(t);
  await signIn(page, env);
  // The page moves focus itself once the conversation list has loaded: let it, so no Tab below
  // races it, then start from the top of the page as a keyboard user does.
  await page.waitForFunction(() => ['new-chat', 'compose-input'].includes(document.activeElement.id));
  await page.focus('.skip-link');
  for (let n = 0; n < 20 && (await page.evaluate(() => document.activeElement.id)) !== 'new-chat'; n++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'new-chat', 'New chat is not reachable by Tab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'compose-input');
  const before = await page.evaluate(() => window.chatDebug?.replies.length ?? 0);
  await page.keyboard.type('Typed without a mouse /slow');
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => (window.chatDebug?.replies.length ?? 0) > n, before);
  await waitMidReply(page, before);
  await page.keyboard.press('Escape');
  assert.equal((await waitReplyEnd(page, before)).outcome, 'stopped');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'compose-input');
});

test('history pages upward on scroll; auto-scroll stops when the user scrolls up', async (t) => {
  const conv = await conversationWithHistory(18); // 36 messages: more than the page's 30
  const page = await openPage(t);
  await signIn(page, env);
  await page.locator(`#conversation-list > li[data-id="${conv.id}"] .conversation-open`).click();
  await page.waitForFunction(() => document.querySelectorAll('#message-list > li').length >= 30);
  const firstShown = () => page.evaluate(() => document.querySelector('#message-list > li .message-body').innerText);
  assert.doesNotMatch(await firstShown(), /question number 1\b/, 'the whole history came in one page');
  await page.evaluate(() => { document.getElementById('messages').scrollTop = 0; });
  await page.waitForFunction(() => document.querySelectorAll('#message-list > li').length === 36);
  assert.match(await firstShown(), /question number 1\b/);
  const ids = await page.evaluate(() => [...document.querySelectorAll('#message-list > li')].map((li) => li.dataset.id));
  assert.equal(new Set(ids).size, ids.length, 'a message is shown twice');
  await shot(page, '13-history');

  // While a reply streams, a user who scrolled up stays where they are.
  await page.evaluate(() => { document.getElementById('messages').scrollTop = 0; });
  const i = await send(page, 'One more question, answered slowly. /slow');
  await page.evaluate(() => { document.getElementById('messages').scrollTop = 0; });
  await waitMidReply(page, i, 5);
  const top = await page.evaluate(() => document.getElementById('messages').scrollTop);
  await waitFor('more tokens', async () => (await reply(page, i)).seqs.length >= 10 || (await reply(page, i)).outcome !== 'streaming');
  assert.equal(await page.evaluate(() => document.getElementById('messages').scrollTop), top, 'the view jumped while reading');
  await waitReplyEnd(page, i);
});

test('the sidebar pages through many conversations', async (t) => {
  for (let n = 0; n < 35; n++) await api('POST', '/api/v1/conversations', { title: `bulk ${n}` });
  const page = await openPage(t);
  await signIn(page, env);
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list > li').length >= 30);
  await page.locator('#load-more-conversations').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list > li').length > 30);
  const ids = await page.evaluate(() => [...document.querySelectorAll('#conversation-list > li')].map((li) => li.dataset.id));
  assert.equal(new Set(ids).size, ids.length, 'a conversation is listed twice');
});
