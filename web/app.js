"use strict";

// Corpus text and user text only ever reach the DOM through textContent and text nodes, never
// innerHTML, so a question such as <img onerror=…> is displayed, not run.

const MAX_HISTORY = 20; // messages: follow-ups only lean on the last turns, and the API caps the list at 50
const MAX_CONTENT = 4000; // the API's limit on one message
const TIMEOUT_MS = 60000;
const ANSWER_PASSAGES = 3;
const SPEAKERS_COMPARED = 10; // the by-speaker view: one passage each of up to this many speakers
const JOB_POLL_MS = 400;
const TOKEN_KEY = "qa-admin-token"; // sessionStorage: typed once per tab, gone when it closes
const LANG_KEY = "qa-lang";

// What a refusal's HTTP status means, for a reader of the Chinese page (the API's details are English).
const ZH_REFUSALS = {
  400: "请求有误",
  401: "需要密钥或令牌",
  403: "没有权限",
  404: "找不到所请求的内容",
  409: "与正在进行的操作冲突，请稍后再试",
  413: "内容太大",
  415: "不支持的文件类型",
  422: "请求的内容无法处理",
  429: "请求太频繁，请稍后再试",
  503: "索引正在加载，请稍后再试",
};

// Every string of the page, in both languages; functions take what they fill in.
const STRINGS = {
  zh: {
    pageTitle: "讲话问答",
    title: "讲话问答",
    tagline: "答案出自讲话原文，每段注明出处；模型生成的回答另有标注",
    views: "视图",
    chat: "问答",
    library: "资料库",
    language: "语言",
    speaker: "发言人",
    allSpeakers: "全部发言人",
    bySpeaker: "按发言人",
    reset: "新对话",
    dateRange: "讲话日期",
    dateFrom: "从",
    dateTo: "至",
    conversation: "对话",
    examplesHeading: "可以这样问",
    searching: "正在检索…",
    question: "问题",
    placeholder: "输入问题，按回车发送",
    send: "发送",
    close: "关闭",
    cancel: "取消",
    delete: "删除",
    libraryHeading: "资料库",
    readOnly: "此服务器为只读：可以浏览资料，不能上传或删除。",
    token: "管理令牌",
    tokenHint: "QA_ADMIN_TOKEN",
    dropHint: "把讲话文件拖到这里，或",
    pick: "选择文件",
    metaSpeaker: "发言人",
    metaRole: "职务",
    metaDate: "日期",
    metaTitle: "标题",
    metaEvent: "场合",
    metaPlace: "地点",
    metaUrl: "原文链接",
    upload: "上传",
    chosen: (names) => `已选：${names.join("、")}`,
    noFiles: "请先选择要上传的文件。",
    noToken: "请先输入管理令牌。",
    uploading: "正在上传…",
    queued: "排队中…",
    jobDone: (message) => `完成：${message}`,
    jobFailed: (message) => `失败：${message}`,
    confirmDelete: (title) => `确定删除《${title}》吗？文件将从资料中移除。`,
    documentMeta: (d) =>
      [d.speakers.join("、") || "（未注明发言人）", d.date || "（无日期）", `${d.passages}段`].join(" · "),
    noDocuments: "资料库里还没有讲话。",
    score: (s) => `相关度 ${s}`,
    more: "查看上下文",
    source: (host) => `原文：${host}`,
    introduction: "导语",
    searchedAs: (q) => `按“${q}”检索`,
    loadingContext: "正在加载…",
    error: (m) => `出错了：${m}`,
    timeout: "请求超时，请稍后重试。",
    offline: "无法连接服务器，请检查网络后重试。",
    serverError: "服务器出错",
    // The server explains a refusal in English: a Chinese reader gets what the status means first.
    refused: (status, detail) =>
      `${ZH_REFUSALS[status] || (status >= 500 ? "服务器出错" : "请求未被接受")}` +
      `${detail ? `（${detail}）` : ""}（HTTP ${status}）`,
    streamFailed: (detail) => `回答中断（${detail}）`,
    unreadable: "服务器返回了无法读取的内容。",
    speakersFailed: (m) => `无法读取发言人列表：${m}`,
    corpus: (titles) => `资料：${titles.join("、")}`,
    quoteTitle: (t) => `《${t}》`,
    dated: (t, d) => (d ? `《${t}》（${d}）` : `《${t}》`),
    withRole: (s, r) => `${s}（${r}）`,
    checking: "模型正在作答，尚未核对：每句话写完后都要与所引段落核对",
    generated: "由模型生成，每句话已与所引段落核对",
    quoted: "摘自讲话原文",
    fallback: (why) => `模型的回答未能采用，以下为原文摘录。原因：${why}`,
    cite: (n) => `查看第${n}条引文`,
    passageNumber: (n) => `[${n}]`,
    dropped: (n) => `未被引文支持（${n}句，已删去）`,
    dropReason: (kind, reason) => `${kind}：${reason}`,
    dropKind: { uncited: "未标注引文", unknown_passage: "引用了不存在的段落", number: "数字与段落不符", unsupported: "段落中找不到依据" },
  },
  en: {
    pageTitle: "Speech QA",
    title: "Speech QA",
    tagline: "Answers drawn from the speeches, every passage with its source; a model-written answer says so",
    views: "Views",
    chat: "Ask",
    library: "Library",
    language: "Language",
    speaker: "Speaker",
    allSpeakers: "All speakers",
    bySpeaker: "By speaker",
    reset: "New chat",
    dateRange: "Speech date",
    dateFrom: "From",
    dateTo: "To",
    conversation: "Conversation",
    examplesHeading: "Try asking",
    searching: "Searching…",
    question: "Question",
    placeholder: "Type a question and press Enter",
    send: "Send",
    close: "Close",
    cancel: "Cancel",
    delete: "Delete",
    libraryHeading: "Library",
    readOnly: "This server is read-only: you can browse the speeches but not upload or delete them.",
    token: "Admin token",
    tokenHint: "QA_ADMIN_TOKEN",
    dropHint: "Drop speech files here, or",
    pick: "choose files",
    metaSpeaker: "Speaker",
    metaRole: "Role",
    metaDate: "Date",
    metaTitle: "Title",
    metaEvent: "Event",
    metaPlace: "Place",
    metaUrl: "Source URL",
    upload: "Upload",
    chosen: (names) => `Chosen: ${names.join(", ")}`,
    noFiles: "Choose the files to upload first.",
    noToken: "Type the admin token first.",
    uploading: "Uploading…",
    queued: "Queued…",
    jobDone: (message) => `Done: ${message}`,
    jobFailed: (message) => `Failed: ${message}`,
    confirmDelete: (title) => `Delete “${title}”? The file is removed from the library.`,
    documentMeta: (d) =>
      [d.speakers.join(", ") || "(no speaker named)", d.date || "(undated)", `${d.passages} ${d.passages === 1 ? "passage" : "passages"}`].join(" · "),
    noDocuments: "The library has no speeches yet.",
    score: (s) => `score ${s}`,
    more: "Read in context",
    source: (host) => `Source: ${host}`,
    introduction: "Introduction",
    searchedAs: (q) => `Searched as “${q}”`,
    loadingContext: "Loading…",
    error: (m) => `Error: ${m}`,
    timeout: "The request timed out; please try again.",
    offline: "Cannot reach the server; check the connection and try again.",
    serverError: "server error",
    refused: (status, detail) => `${detail || (status >= 500 ? "server error" : "request refused")} (HTTP ${status})`,
    streamFailed: (detail) => detail,
    unreadable: "The server sent something unreadable.",
    speakersFailed: (m) => `Could not load the speakers: ${m}`,
    corpus: (titles) => `Speeches: ${titles.join("; ")}`,
    quoteTitle: (t) => `“${t}”`,
    dated: (t, d) => (d ? `“${t}” (${d})` : `“${t}”`),
    withRole: (s, r) => `${s} (${r})`,
    checking: "The model is writing; not yet checked: each sentence is checked against the passages it cites",
    generated: "Written by the model, every sentence checked against the passages it cites",
    quoted: "Quoted from the speeches",
    fallback: (why) => `The model's answer could not be used, so the speeches are quoted instead. Why: ${why}`,
    cite: (n) => `Go to source ${n}`,
    passageNumber: (n) => `[${n}]`,
    dropped: (n) => `Not supported by the passages (${n} ${n === 1 ? "sentence" : "sentences"}, left out)`,
    dropReason: (kind, reason) => `${kind}: ${reason}`,
    dropKind: { uncited: "no citation", unknown_passage: "cites a passage not given", number: "a number the passage does not have", unsupported: "not in the passage" },
  },
};
const HTML_LANG = { zh: "zh-CN", en: "en" };

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
  bySpeaker: $("#by-speaker"),
  dates: $("#dates"),
  dateFrom: $("#date-from"),
  dateTo: $("#date-to"),
  reset: $("#reset"),
  lang: $("#lang"),
  showChat: $("#show-chat"),
  showLibrary: $("#show-library"),
  chatTools: $("#chat-tools"),
  library: $("#library"),
  readOnly: $("#read-only"),
  upload: $("#upload"),
  token: $("#token"),
  drop: $("#drop"),
  files: $("#files"),
  chosen: $("#chosen"),
  job: $("#job"),
  jobProgress: $("#job-progress"),
  jobMessage: $("#job-message"),
  libraryError: $("#library-error"),
  documents: $("#documents"),
  context: $("#context"),
  contextTitle: $("#context-title"),
  contextMeta: $("#context .context-meta"),
  contextBody: $("#context .context-body"),
  confirm: $("#confirm"),
  confirmText: $("#confirm-text"),
  confirmYes: $("#confirm-yes"),
  confirmNo: $("#confirm-no"),
};

let lang = pickLanguage();
let history = [];
let busy = false;
let conversation = 0; // bumped by a new conversation so a reply that arrives afterwards is dropped
let answering = null; // the AbortController of the answer being streamed, stopped by a new conversation
let contextRequest = 0; // only the latest context request may fill the dialog
let chosenFiles = [];
let writable = false;
let corpus = { speakers: [], documents: [] };

function t(key, ...args) {
  const value = STRINGS[lang][key];
  return typeof value === "function" ? value(...args) : value;
}

// A choice made with the switch wins; otherwise the browser's first language that we speak.
function pickLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved in STRINGS) return saved;
  for (const tag of navigator.languages || [navigator.language]) {
    const base = (tag || "").toLowerCase().split("-")[0];
    if (base in STRINGS) return base;
  }
  return "en";
}

function applyLanguage() {
  document.documentElement.lang = HTML_LANG[lang];
  document.title = t("pageTitle");
  els.lang.value = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll("[data-i18n-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  }
  showChosen();
}

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

// Who said it, in which speech, where in it: the card's header, in the speech's language (not the page's).
function sourceLabel(source) {
  const en = source.language === "en";
  const range = source.last_paragraph ? `${source.paragraph}–${source.last_paragraph}` : `${source.paragraph}`;
  const paragraphs = en ? `¶ ${range}` : `第${range}段`;
  const part = source.part && (en ? `${paragraphs} (part ${source.part})` : `${paragraphs}（第${source.part}部分）`);
  const where = [source.section, part || paragraphs, timeSpan(source)];
  const title = (text) => text && (en ? `“${text}”` : `《${text}》`);
  const who = source.speaker
    ? [source.speaker, source.role, title(source.speech_title)]
    : [en ? STRINGS.en.introduction : STRINGS.zh.introduction, title(source.title)];
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
  const link = el("a", "source-link", t("source", url.hostname));
  link.href = url.href;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  return link;
}

// fetch with a timeout; JSON in and out (or a FormData body); a failure is an Error with a readable message.
async function api(path, { method, json, form, headers } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  let data = null;
  try {
    response = await fetch(path, {
      method: method || (json || form ? "POST" : "GET"),
      headers: { ...(json ? { "content-type": "application/json" } : {}), ...(headers || {}) },
      body: json ? JSON.stringify(json) : form,
      signal: controller.signal,
    });
    try {
      data = await response.json();
    } catch {
      // A proxy's HTML error page is not JSON; the status below still says what happened.
    }
  } catch (err) {
    throw failedRequest(err);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw refused(response, data);
  if (data === null) throw new Error(t("unreadable"));
  return data;
}

function failedRequest(err) {
  return new Error(err.name === "AbortError" ? t("timeout") : t("offline"));
}

// The server's {"detail"} of a 4xx/5xx, or what its status says.
function refused(response, data) {
  const detail = data && data.detail;
  const text = typeof detail === "string" ? detail : detail ? JSON.stringify(detail) : "";
  return new Error(t("refused", response.status, text));
}

// One server-sent event block ("event: NAME\ndata: JSON") → [name, data]; null when it is not one.
function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!data.length) return null;
  try {
    return [name, JSON.parse(data.join("\n"))];
  } catch {
    return null;
  }
}

// POST /api/chat/stream: `delta` events go to onDelta as the model writes, and the `answer` event (the checked
// answer) is returned. An EventSource cannot POST, so the body is read here. `controller` stops it (a new chat).
async function streamChat(body, onDelta, controller) {
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    let response;
    try {
      response = await fetch("/api/chat/stream", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (err) {
      throw failedRequest(err);
    }
    if (!response.ok) {
      let data = null;
      try {
        data = await response.json();
      } catch {
        // not JSON (a proxy's page): the status says what happened
      }
      throw refused(response, data);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw failedRequest(err);
      }
      if (chunk.done) break;
      buffer += chunk.value;
      const blocks = buffer.split(/\r?\n\r?\n/);
      buffer = blocks.pop();
      for (const block of blocks) {
        const parsed = parseEvent(block);
        if (!parsed) continue;
        const [name, data] = parsed;
        if (name === "delta" && typeof data.text === "string") onDelta(data.text);
        else if (name === "answer") return data;
        else if (name === "error") throw new Error(data.detail ? t("streamFailed", data.detail) : t("serverError"));
      }
    }
    throw new Error(t("unreadable")); // the stream ended without an answer
  } finally {
    clearTimeout(timer);
    controller.abort(); // done with the body either way
  }
}

function errorBox(message) {
  const box = el("div", "error", t("error", message));
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

function card(passage, number, anchor) {
  const button = el("button", "card");
  button.type = "button";
  if (anchor) button.id = anchor;
  const text = el("span", "card-text");
  text.append(highlighted(passage.text, passage.highlights));
  const foot = el("span", "card-foot");
  foot.append(el("span", "score", t("score", passage.score.toFixed(2))), el("span", "more", t("more")));
  const details = sourceDetails(passage.source);
  const header = el("span", "card-header");
  if (number) header.append(el("span", "card-number", t("passageNumber", number)), " ");
  header.append(sourceLabel(passage.source));
  button.append(header);
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

let replies = 0; // numbers each reply, so that its cards' anchors are unique on the page

// [1], [1][3], [1, 2], 【2】: the markers the server's check reads (qa/support.py CITATION).
const CITATION = /[[【]\s*(\d{1,3}(?:\s*[,，、;；]\s*\d{1,3})*)\s*[\]】]/g;

// The answer's text with each [n] it cites as a link to its passage's card; other text stays text.
function citedText(text, anchors) {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const found of text.matchAll(CITATION)) {
    const numbers = found[1].split(/\s*[,，、;；]\s*/).map(Number);
    if (!numbers.every((n) => anchors.has(n))) continue;
    fragment.append(text.slice(at, found.index));
    for (const n of numbers) {
      const link = el("a", "cite", t("passageNumber", n));
      link.href = `#${anchors.get(n)}`;
      link.setAttribute("aria-label", t("cite", n));
      link.addEventListener("click", (event) => {
        event.preventDefault(); // focus scrolls to the card without touching the address
        const target = document.getElementById(anchors.get(n));
        target.focus();
        target.scrollIntoView({ block: "center" });
      });
      fragment.append(link);
    }
    at = found.index + found[0].length;
  }
  fragment.append(text.slice(at));
  return fragment;
}

function droppedList(dropped) {
  const box = el("details", "dropped");
  box.append(el("summary", null, t("dropped", dropped.length)));
  const list = el("ul");
  for (const d of dropped) {
    const item = el("li");
    item.dataset.kind = d.kind;
    item.append(el("q", "dropped-sentence", d.sentence));
    item.append(el("span", "dropped-reason", t("dropReason", t("dropKind")[d.kind] || d.kind, d.reason)));
    list.append(item);
  }
  box.append(list);
  return box;
}

function reply(data, question, grouped) {
  const article = el("article", grouped ? "reply by-speaker" : "reply");
  const mode = data.mode === "generated" ? "generated" : "quoted";
  const generated = mode === "generated";
  article.dataset.mode = mode;
  const id = ++replies;
  const anchors = new Map(); // citation marker → the id of its card
  for (const c of data.citations || []) {
    const at = data.passages.findIndex((p) => p.id === c.passage_id);
    if (at >= 0) anchors.set(c.marker, `reply-${id}-passage-${at + 1}`);
  }
  article.append(el("p", `mode ${mode}`, t(mode)));
  if (data.fallback) article.append(el("p", "fallback", t("fallback", data.fallback)));
  const answer = el("p", "answer");
  answer.append(generated ? citedText(data.answer, anchors) : data.answer);
  article.append(answer);
  if (data.dropped && data.dropped.length) article.append(droppedList(data.dropped));
  if (data.query && data.query !== question) article.append(el("p", "query-note", t("searchedAs", data.query)));
  if (data.passages.length) {
    const cards = el("div", "cards");
    // A generated answer cites passages by their number, so its cards show it.
    cards.append(
      ...data.passages.map((p, i) => card(p, generated ? i + 1 : null, generated ? `reply-${id}-passage-${i + 1}` : null)),
    );
    article.append(cards);
  }
  return article;
}

// The model's text as it comes, before the server has checked it: marked so, and replaced by the checked reply.
function draft() {
  const article = el("article", "reply draft");
  article.setAttribute("aria-busy", "true");
  const spinner = el("span", "spinner");
  spinner.setAttribute("aria-hidden", "true");
  const note = el("p", "draft-note");
  note.append(spinner, el("span", null, t("checking")));
  const text = el("p", "draft-text");
  article.append(note, text);
  return { article, add: (piece) => text.append(piece) };
}

// What the header's filters ask for, as API fields.
function filters() {
  const grouped = els.bySpeaker.checked;
  return {
    top_k: grouped ? SPEAKERS_COMPARED : ANSWER_PASSAGES,
    speaker: els.speaker.value || null,
    group_by: grouped ? "speaker" : null,
    date_from: (!els.dates.hidden && els.dateFrom.value) || null,
    date_to: (!els.dates.hidden && els.dateTo.value) || null,
  };
}

async function ask(text) {
  const question = text.trim();
  if (!question || busy) return;
  const turn = conversation;
  els.empty.hidden = true;
  els.question.value = "";
  const bubble = append(el("div", "bubble user", question));
  const messages = [...history, { role: "user", content: question }].slice(-MAX_HISTORY);
  const asked = filters();
  setBusy(true);
  let pending = null;
  const onDelta = (piece) => {
    if (turn !== conversation) return;
    if (!pending) {
      pending = draft();
      append(pending.article);
      els.loading.hidden = true; // the draft shows that something is happening
    }
    pending.add(piece);
  };
  try {
    answering = new AbortController();
    const data = await streamChat({ messages, ...asked }, onDelta, answering);
    if (turn !== conversation) return;
    const checked = reply(data, question, asked.group_by === "speaker");
    if (pending) pending.article.replaceWith(checked);
    else append(checked);
    // A failed turn stays out of the history so the next question is not read against it.
    history.push({ role: "user", content: question }, { role: "assistant", content: data.answer.slice(0, MAX_CONTENT) });
  } catch (err) {
    if (turn === conversation) {
      const box = errorBox(err.message);
      if (pending) pending.article.replaceWith(box); // unchecked text never stays on the page
      else append(box);
    }
  } finally {
    // A new conversation has already reset the page, and may be waiting for its own answer.
    if (turn === conversation) {
      setBusy(false);
      // Answers are longer than a screen: show the question and the start of its answer, not the end.
      bubble.scrollIntoView({ block: "start" });
    }
  }
}

function resetConversation() {
  conversation += 1;
  answering?.abort();
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
  els.contextTitle.textContent = t("quoteTitle", source.speech_title || source.title);
  const link = source.url ? sourceLink(source) : null;
  els.contextMeta.replaceChildren(
    [sourceLabel(source), sourceDetails(source)].filter(Boolean).join(" · "),
    ...(link ? [" ", link] : []),
  );
  els.contextBody.replaceChildren(el("p", "context-status", t("loadingContext")));
  if (!els.context.open) els.context.showModal();
  try {
    const data = await api(`/api/passages/${encodeURIComponent(passage.id)}`);
    if (request !== contextRequest) return;
    // A short turn comes with the turns around it: each turn opens with who speaks.
    const turns = new Set(data.speech.map((item) => item.speech)).size > 1;
    els.contextBody.replaceChildren(
      ...data.speech.flatMap((item, i) => {
        const opens = turns && (i === 0 || data.speech[i - 1].speech !== item.speech);
        const name = [item.speaker, item.role].filter(Boolean).join(" · ") || t("introduction");
        const who = opens && el("p", "turn-speaker", name);
        const paragraph = el("p", "paragraph");
        paragraph.append(el("span", "paragraph-number", `${item.paragraph}`));
        if (item.id === passage.id) {
          paragraph.classList.add("current");
          paragraph.setAttribute("aria-current", "true");
          paragraph.append(highlighted(item.text, item.text === passage.text ? passage.highlights : []));
        } else {
          paragraph.append(item.text);
        }
        return who ? [who, paragraph] : [paragraph];
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

// The server builds the examples from what it serves, in the page's language where the corpus has it.
async function loadExamples() {
  const asked = lang;
  try {
    const data = await api(`/api/examples?lang=${asked}`);
    if (asked === lang) els.examples.replaceChildren(...data.examples.map(exampleButton));
  } catch {
    els.examples.replaceChildren(); // the page still works without examples
  }
}

function showCorpus() {
  // One option per person even if they speak in several documents.
  const speakers = [...new Map(corpus.speakers.map((s) => [s.speaker, s])).values()];
  const chosen = els.speaker.value;
  els.speaker.replaceChildren(els.speaker.options[0]);
  for (const s of speakers) {
    const option = el("option", null, s.role ? t("withRole", s.speaker, s.role) : s.speaker);
    option.value = s.speaker;
    els.speaker.append(option);
  }
  els.speaker.value = speakers.some((s) => s.speaker === chosen) ? chosen : "";
  const titles = corpus.documents.map((d) => t("dated", d.title, d.date));
  els.corpusNote.textContent = t("corpus", titles);
  els.corpusNote.hidden = !corpus.documents.length;
  // Dates are offered only when some speech has one.
  els.dates.hidden = !els.library.hidden || !corpus.documents.some((d) => d.date);
}

async function loadSpeakers() {
  try {
    corpus = await api("/api/speakers");
    showCorpus();
  } catch (err) {
    append(errorBox(t("speakersFailed", err.message)));
  }
}

// ---- The library view

function showView(library) {
  els.library.hidden = !library;
  els.messages.hidden = library;
  els.form.hidden = library;
  els.chatTools.hidden = library;
  els.dates.hidden = library || !corpus.documents.some((d) => d.date);
  els.showLibrary.setAttribute("aria-pressed", String(library));
  els.showChat.setAttribute("aria-pressed", String(!library));
  if (library) loadDocuments();
}

function libraryProblem(message) {
  els.libraryError.replaceChildren(...(message ? [errorBox(message)] : []));
}

function documentItem(d) {
  const item = el("li", "document");
  item.dataset.document = d.document;
  const text = el("div", "document-text");
  text.append(el("span", "document-title", d.title), el("span", "document-meta", t("documentMeta", d)));
  text.append(el("span", "document-file", d.document));
  item.append(text);
  if (writable) {
    const remove = el("button", "ghost delete", t("delete"));
    remove.type = "button";
    remove.addEventListener("click", () => confirmDelete(d));
    item.append(remove);
  }
  return item;
}

async function loadDocuments() {
  try {
    const data = await api("/api/documents");
    writable = data.writable;
    els.upload.hidden = !writable;
    els.readOnly.hidden = writable;
    els.documents.replaceChildren(...data.documents.map(documentItem));
    if (!data.documents.length) els.documents.append(el("li", "document empty-library", t("noDocuments")));
  } catch (err) {
    libraryProblem(err.message);
  }
}

function authorization() {
  const token = els.token.value.trim();
  return token ? { authorization: `Bearer ${token}` } : null;
}

function showChosen() {
  els.chosen.textContent = chosenFiles.length ? t("chosen", chosenFiles.map((f) => f.name)) : "";
}

function choose(files) {
  chosenFiles = [...files];
  showChosen();
}

function showJob(state, progress, message) {
  els.job.hidden = false;
  els.job.dataset.state = state;
  els.jobProgress.value = progress;
  els.jobMessage.textContent = message;
}

// Follow a library job until it is done or failed; then show what the server now serves.
async function follow(job) {
  for (;;) {
    const status = await api(`/api/jobs/${encodeURIComponent(job)}`);
    if (status.state === "done") {
      showJob("done", 1, t("jobDone", status.message));
      break;
    }
    if (status.state === "failed") {
      showJob("failed", status.progress, t("jobFailed", status.message));
      break;
    }
    showJob(status.state, status.progress, status.state === "queued" ? t("queued") : status.message);
    await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
  }
  await Promise.all([loadDocuments(), loadSpeakers(), loadExamples()]);
}

async function uploadFiles(event) {
  event.preventDefault();
  libraryProblem(null);
  const headers = authorization();
  if (!headers) return libraryProblem(t("noToken"));
  if (!chosenFiles.length) return libraryProblem(t("noFiles"));
  const form = new FormData();
  for (const file of chosenFiles) form.append("file", file, file.name);
  for (const input of els.upload.querySelectorAll(".meta-fields input")) {
    if (input.value.trim()) form.append(input.name, input.value.trim());
  }
  showJob("uploading", 0, t("uploading"));
  try {
    const accepted = await api("/api/documents", { form, headers });
    choose([]);
    els.files.value = "";
    for (const input of els.upload.querySelectorAll(".meta-fields input")) input.value = "";
    await follow(accepted.job);
  } catch (err) {
    els.job.hidden = true;
    libraryProblem(err.message);
  }
}

function confirmDelete(d) {
  els.confirmText.textContent = t("confirmDelete", d.title);
  els.confirm.dataset.document = d.document;
  els.confirm.showModal();
}

async function deleteConfirmed() {
  const documentName = els.confirm.dataset.document;
  els.confirm.close();
  libraryProblem(null);
  const headers = authorization();
  if (!headers) return libraryProblem(t("noToken"));
  try {
    const accepted = await api(`/api/documents/${encodeURIComponent(documentName)}`, { method: "DELETE", headers });
    await follow(accepted.job);
  } catch (err) {
    libraryProblem(err.message);
  }
}

// ---- Wiring

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
els.lang.addEventListener("change", () => {
  lang = els.lang.value in STRINGS ? els.lang.value : "en";
  localStorage.setItem(LANG_KEY, lang);
  applyLanguage();
  showCorpus();
  loadExamples();
  if (!els.library.hidden) loadDocuments();
});
els.showChat.addEventListener("click", () => showView(false));
els.showLibrary.addEventListener("click", () => showView(true));
els.token.value = sessionStorage.getItem(TOKEN_KEY) || "";
els.token.addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, els.token.value));
els.files.addEventListener("change", () => choose(els.files.files));
els.drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  els.drop.classList.add("over");
});
els.drop.addEventListener("dragleave", () => els.drop.classList.remove("over"));
els.drop.addEventListener("drop", (event) => {
  event.preventDefault();
  els.drop.classList.remove("over");
  choose(event.dataTransfer.files);
});
els.upload.addEventListener("submit", uploadFiles);
els.confirmNo.addEventListener("click", () => els.confirm.close());
els.confirmYes.addEventListener("click", deleteConfirmed);

applyLanguage();
loadSpeakers();
loadExamples();
