// Markdown to safe HTML: marked renders, DOMPurify removes anything that could run (scripts,
// event-handler attributes, javascript: and other non-allow-listed URLs). Never insert unsanitised HTML.
import { Marked } from '../vendor/marked.esm.js';
import DOMPurify from '../vendor/purify.es.js';

const markdown = new Marked({ gfm: true, breaks: true, async: false });

// Links open in a new tab without giving it a handle on this page.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

const PURIFY_OPTIONS = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style'],
};

export function renderMarkdown(text) {
  let html;
  try {
    html = markdown.parse(text ?? '');
  } catch {
    // A renderer failure must not lose the text: show it escaped.
    const div = document.createElement('div');
    div.textContent = text ?? '';
    return div.innerHTML;
  }
  return DOMPurify.sanitize(html, PURIFY_OPTIONS);
}

// Replaces el's children with the sanitised rendering of text.
export function setMarkdown(el, text) {
  el.innerHTML = renderMarkdown(text);
}
