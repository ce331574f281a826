"use strict";

// Corpus text and user text only ever reach the DOM through textContent and text nodes, never
// innerHTML, so a question such as <img onerror=…> is displayed, not run.

const FIXED_EXAMPLES = ["航空港实验区坚持走什么路子？", "巩义要建成全省什么基地？"];
const SPEAKER_EXAMPLES = 3;
const MAX_HISTORY = 20; // messages: follow-ups only lean on the last turns, and the API caps the list at 50
const MAX_CONTENT = 4000; // the API's limit on one message
const TIMEOUT_MS = 60000;

const $ = (selector) => document.querySelector(selector);
const els = {
  messages: $("#messages"),
  empty: $("#empty"),
  examples: $("#empty .examples"),
  corpusNote: $("#empty .corpus-note"),
  loading: $("#loading"),
  form: $("#ask"),
  question: $("#question"),
  send: $("#send"),
  speaker: $("#speaker"),
  reset: $("#reset"),
  context: $("#context"),
  contextTitle: $("#context-title"),
  contextMeta: $("#context .context-meta"),
  contextBody: $("#context .context-body"),
};

let history = [];
let busy = false;
let conversation = 0; // bumped by 新对话 so a reply that arrives afterwards is dropped
let contextRequest = 0; // only the latest context request may fill the dialog

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

// Text with the [start, end) spans wrapped in <mark>; spans may arrive unsorted or overlapping.
function highlighted(text, spans) {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const [start, end] of [...(spans || [])].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(start, at);
    const to = Math.min(end, text.length);
    if (to <= from) continue;
    if (from > at) fragment.append(text.slice(at, from));
    fragment.append(el("mark", null, text.slice(from, to)));
    at = to;
  }
  if (at < text.length) fragment.append(text.slice(at));
  return fragment;
}

// Seconds into a recording → "m:ss", or "h:mm:ss" from an hour on.
function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(total % 60)}` : `${m}:${pad(total % 60)}`;
}

function timeSpan(source) {
  if (source.start == null) return null;
  return source.end == null ? clock(source.start) : `${clock(source.start)}–${clock(source.end)}`;
}

// Who said it, in which speech, where in it: the card's header, in the speech's language.
function sourceLabel(source) {
  const en = source.language === "en";
  const range = source.last_paragraph ? `${source.paragraph}–${source.last_paragraph}` : `${source.paragraph}`;
  const paragraphs = en ? `¶ ${range}` : `第${range}段`;
  const part = source.part && (en ? `${paragraphs} (part ${source.part})` : `${paragraphs}（第${source.part}部分）`);
  const where = [part || paragraphs, timeSpan(source)];
  const title = (text) => text && (en ? `“${text}”` : `《${text}》`);
  const who = source.speaker
    ? [source.speaker, source.role, title(source.speech_title)]
    : [en ? "Introduction" : "导语", title(source.title)];
  return [...who, ...where].filter(Boolean).join(" · ");
}

// The rest of what is known: document, date, event, place.
function sourceDetails(source) {
  const title = source.language === "en" ? `“${source.title}”` : `《${source.title}》`;
  return [source.speaker && title, source.date, source.event, source.place].filter(Boolean).join(" · ");
}

// Only http(s) addresses become links: a javascript: or data: URL from a corpus file must never be clickable.
function sourceLink(source) {
  let url;
  try {
    url = new URL(source.url);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const link = el("a", "source-link", `原文：${url.hostname}`);
  link.href = url.href;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  return link;
}

// "巩义市委书记、市长" → "巩义市", "航空港实验区党工委书记" → "航空港实验区": questions read better by place.
function placeOf(role) {
  const match = /^(.+?)(?:党工委|(?<=[市区县])委)/.exec(role || "");
  return match ? match[1] : null;
}

async function api(path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  let data = null;
  try {
    response = await fetch(path, {
      method: body ? "POST" : "GET",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
    });
    try {
      data = await response.json();
    } catch {
      // A proxy's HTML error page is not JSON; the status below still says what happened.
    }
  } catch (err) {
    throw new Error(err.name === "AbortError" ? "请求超时，请稍后重试。" : "无法连接服务器，请检查网络后重试。");
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    const detail = data && data.detail;
    const text = typeof detail === "string" ? detail : detail ? JSON.stringify(detail) : "服务器出错";
    throw new Error(`${text}（HTTP ${response.status}）`);
  }
  if (data === null) throw new Error("服务器返回了无法读取的内容。");
  return data;
}

function errorBox(message) {
  const box = el("div", "error", `出错了：${message}`);
  box.setAttribute("role", "alert");
  return box;
}

// New entries go above #loading so the indicator always sits at the end of the conversation.
function append(node) {
  els.messages.insertBefore(node, els.loading);
  return node;
}

function setBusy(value) {
  busy = value;
  els.send.disabled = value;
  els.loading.hidden = !value;
  if (value) els.loading.scrollIntoView({ block: "nearest" });
}

function card(passage) {
  const button = el("button", "card");
  button.type = "button";
  const text = el("span", "card-text");
  text.append(highlighted(passage.text, passage.highlights));
  const foot = el("span", "card-foot");
  foot.append(el("span", "score", `相关度 ${passage.score.toFixed(2)}`), el("span", "more", "查看上下文"));
  const details = sourceDetails(passage.source);
  button.append(el("span", "card-header", sourceLabel(passage.source)));
  if (details) button.append(el("span", "card-source", details));
  button.append(text, foot);
  button.addEventListener("click", () => openContext(passage));
  // A link cannot sit inside a button, so it goes beside it.
  const link = passage.source.url ? sourceLink(passage.source) : null;
  if (!link) return button;
  const hit = el("div", "hit");
  hit.append(button, link);
  return hit;
}

function reply(data, question) {
  const article = el("article", "reply");
  article.append(el("p", "answer", data.answer));
  if (data.query && data.query !== question) {
    article.append(el("p", "query-note", `按“${data.query}”检索`));
  }
  if (data.passages.length) {
    const cards = el("div", "cards");
    cards.append(...data.passages.map(card));
    article.append(cards);
  }
  return article;
}

async function ask(text) {
  const question = text.trim();
  if (!question || busy) return;
  const turn = conversation;
  els.empty.hidden = true;
  els.question.value = "";
  const bubble = append(el("div", "bubble user", question));
  const messages = [...history, { role: "user", content: question }].slice(-MAX_HISTORY);
  setBusy(true);
  try {
    const data = await api("/api/chat", { messages, top_k: 3, speaker: els.speaker.value || null });
    if (turn !== conversation) return;
    append(reply(data, question));
    // A failed turn stays out of the history so the next question is not read against it.
    history.push({ role: "user", content: question }, { role: "assistant", content: data.answer.slice(0, MAX_CONTENT) });
  } catch (err) {
    if (turn === conversation) append(errorBox(err.message));
  } finally {
    setBusy(false);
    // Answers are longer than a screen: show the question and the start of its answer, not the end.
    if (turn === conversation) bubble.scrollIntoView({ block: "start" });
  }
}

function resetConversation() {
  conversation += 1;
  history = [];
  setBusy(false);
  for (const node of [...els.messages.children]) {
    if (node !== els.empty && node !== els.loading) node.remove();
  }
  els.empty.hidden = false;
  els.question.focus();
}

async function openContext(passage) {
  const request = ++contextRequest;
  const { source } = passage;
  els.contextTitle.textContent = `《${source.speech_title || source.title}》`;
  const link = source.url ? sourceLink(source) : null;
  els.contextMeta.replaceChildren(
    [sourceLabel(source), sourceDetails(source)].filter(Boolean).join(" · "),
    ...(link ? [" ", link] : []),
  );
  els.contextBody.replaceChildren(el("p", "context-status", "正在加载…"));
  if (!els.context.open) els.context.showModal();
  try {
    const data = await api(`/api/passages/${encodeURIComponent(passage.id)}`);
    if (request !== contextRequest) return;
    els.contextBody.replaceChildren(
      ...data.speech.map((item) => {
        const paragraph = el("p", "paragraph");
        paragraph.append(el("span", "paragraph-number", `${item.paragraph}`));
        if (item.id === passage.id) {
          paragraph.classList.add("current");
          paragraph.setAttribute("aria-current", "true");
          paragraph.append(highlighted(item.text, item.text === passage.text ? passage.highlights : []));
        } else {
          paragraph.append(item.text);
        }
        return paragraph;
      }),
    );
    els.contextBody.querySelector(".current")?.scrollIntoView({ block: "center" });
  } catch (err) {
    if (request === contextRequest) els.contextBody.replaceChildren(errorBox(err.message));
  }
}

function exampleButton(question) {
  const button = el("button", null, question);
  button.type = "button";
  button.addEventListener("click", () => ask(question));
  return button;
}

function showExamples(speakers) {
  // Spread the picks over the list so the examples cover different places.
  const picked = Array.from({ length: Math.min(SPEAKER_EXAMPLES, speakers.length) }, (_, i) => {
    const s = speakers[Math.floor(((i + 0.5) * speakers.length) / SPEAKER_EXAMPLES)];
    return `${placeOf(s.role) || s.speaker}在讲话中提出了什么？`;
  });
  els.examples.replaceChildren(...[...new Set([...FIXED_EXAMPLES, ...picked])].map(exampleButton));
}

async function loadSpeakers() {
  try {
    const data = await api("/api/speakers");
    // One option per person even if they speak in several documents.
    const speakers = [...new Map(data.speakers.map((s) => [s.speaker, s])).values()];
    for (const s of speakers) {
      const option = el("option", null, s.role ? `${s.speaker}（${s.role}）` : s.speaker);
      option.value = s.speaker;
      els.speaker.append(option);
    }
    showExamples(speakers);
    const titles = data.documents.map((d) => `《${d.title}》${d.date ? `（${d.date}）` : ""}`);
    els.corpusNote.textContent = `资料：${titles.join("、")}`;
    els.corpusNote.hidden = !data.documents.length;
  } catch (err) {
    append(errorBox(`无法读取发言人列表：${err.message}`));
  }
}

els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  ask(els.question.value);
});
els.reset.addEventListener("click", resetConversation);
els.context.querySelector(".close").addEventListener("click", () => els.context.close());
// The dialog has no padding of its own, so a click whose target is the dialog itself hit the backdrop.
els.context.addEventListener("click", (event) => {
  if (event.target === els.context) els.context.close();
});
els.context.addEventListener("close", () => {
  contextRequest += 1;
});

showExamples([]);
loadSpeakers();
