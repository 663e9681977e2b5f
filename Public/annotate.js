// The annotate page: chat, classify and spans items, and blind judging of models' answers (compare, rate), keyboard first. Item text is only ever set with
// textContent; the one HTML it inserts is the server's libcmark rendering (raw HTML dropped).
import { wordDiff } from "./diff.js";
import { SpanEditor } from "./spans.js";

const root = document.getElementById("annotate");
const projectId = root.dataset.project;
const kind = root.dataset.kind;
const multi = root.dataset.multi === "true";
const overlapping = root.dataset.overlapping === "true";
const judging = kind === "compare" || kind === "rate" || kind === "watch";
// Judging: the verdict rows (overall, then each criterion) and the keys that choose (1 2 t b, or the scale's).
const verdictRows = [...document.querySelectorAll("#verdicts .verdict")].map((row) => row.dataset.criterion);
const choiceKeys = {};
document.querySelectorAll("#choices button").forEach((button) => {
  choiceKeys[button.dataset.key || button.querySelector("kbd").textContent] = button.dataset.choice;
});
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

let state = null;          // { item, version, status, labels, spans, decision, note, messages, original }
let preview = false;       // a lead who is not a member looks without taking a slot: nothing is saved
let undoStack = [];
let history = [];          // ids of my answered items, oldest first
let position = null;       // index into history while going back, null at the frontier
let draftTimer = null;
let saving = false;        // one save (and one move to the next item) at a time
// Time on an item counts only while it is on screen and the page has the focus.
let activeMs = 0;
let activeSince = null;
function timing() { return document.visibilityState === "visible" && document.hasFocus(); }
function pauseClock() { if (activeSince !== null) { activeMs += Date.now() - activeSince; activeSince = null; } }
function resumeClock() { if (activeSince === null && timing()) activeSince = Date.now(); }
function resetClock() { activeMs = 0; activeSince = timing() ? Date.now() : null; }
function secondsOnItem() { return Math.round((activeMs + (activeSince === null ? 0 : Date.now() - activeSince)) / 1000); }
window.addEventListener("blur", pauseClock);
window.addEventListener("focus", resumeClock);
document.addEventListener("visibilitychange", () => (document.visibilityState === "visible" ? resumeClock() : pauseClock()));
let editor = null;         // the span editor (spans projects), loaded once per item and on undo
// Each label's colour (by its position, as on the settings page), on its button and on its spans.
const typeColours = {};
document.querySelectorAll("#labels .label").forEach((button) => {
  typeColours[button.dataset.label] = button.dataset.colour;
  button.querySelector(".swatch").style.setProperty("background", button.dataset.colour);
});
let editorItem = null;

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error?.message || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

function say(text) { $("status").textContent = text; }

// Loads an item to show; when keys come faster than the answers, only the last one asked for is shown.
let navigation = 0;
async function load(url) {
  const ticket = ++navigation;
  const data = await api("GET", url);
  if (ticket === navigation) show(data);
}

function snapshot() {
  return JSON.stringify({ labels: state.labels, spans: state.spans, decision: state.decision, note: state.note, messages: state.messages,
    verdict: state.verdict, criteria: state.criteria, row: state.row });
}

function change(mutate) {
  undoStack.push(snapshot());
  mutate();
  render();
  scheduleDraft();
}

function undo() {
  const last = undoStack.pop();
  if (!last) return say("Nothing to undo");
  Object.assign(state, JSON.parse(last));
  editorItem = null; // spans come back whole
  render();
  scheduleDraft();
  say("Undone");
}

function scheduleDraft() {
  clearTimeout(draftTimer);
  draftTimer = null;
  if (preview || (state.status && state.status !== "draft")) return; // a submitted answer changes only when submitted again
  draftTimer = setTimeout(() => save("draft").catch((e) => say(e.message)), 1200);
}

// A draft still waiting when the page is left is sent at once (keepalive: the request outlives the page).
window.addEventListener("pagehide", () => {
  if (!draftTimer || !state || preview) return;
  clearTimeout(draftTimer);
  draftTimer = null;
  fetch(`/api/items/${state.item.id}/annotation`, {
    method: "PUT", keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body("draft")),
  });
});

function show(data) {
  if (!data) {
    state = null;
    delete $("item").dataset.item;
    $("item").replaceChildren(Object.assign(document.createElement("p"), { className: "empty", textContent: "Nothing left to annotate here. Thank you!" }));
    say("All done");
    renderSide();
    api("GET", `/api/projects/${projectId}/progress`).then(showProgress).catch((e) => say(e.message));
    return;
  }
  const { item, annotation, progress } = data;
  $("item").dataset.item = item.id;
  preview = !!data.preview;
  $("preview").hidden = !preview;
  $("submit").disabled = preview;
  $("skip").disabled = preview;
  // A model's draft (a suggesting run's) is the conversation the annotator corrects, and what the diff is against.
  const drafted = kind === "chat" && item.suggestions && Array.isArray(item.suggestions.messages) ? item.suggestions.messages : null;
  const original = kind === "chat" ? drafted || item.input.messages : null;
  state = {
    item,
    version: annotation ? annotation.version : 0,
    status: annotation ? annotation.status : null,
    labels: annotation ? annotation.labels : [],
    spans: annotation ? annotation.spans : [],
    decision: annotation ? annotation.decision : null,
    note: annotation ? annotation.note : "",
    messages: annotation && annotation.messages ? annotation.messages : structuredClone(original),
    original,
    // Judging: the overall verdict (a side, or a rating), each criterion's, and the row the keys choose for.
    verdict: annotation ? (annotation.choice ?? annotation.rating ?? null) : null,
    criteria: (annotation && annotation.criteria) || {},
    row: 0,
  };
  // Suggested labels are shown as suggestions, never pre-selected: the annotator confirms one (its key, or y).
  undoStack = [];
  editorItem = null;
  resetClock();
  showProgress(progress);
  render();
  showFeedback(data);
  $("item").focus();
}

// On an item they answered, annotators see the gold answer and the lead's comments.
function showFeedback(data) {
  const box = $("feedback");
  const parts = [];
  if (data.gold) {
    const answer = data.gold.answer;
    const text = answer.decision === "reject" ? "rejected" : answer.labels ? answer.labels.join(", ")
      : answer.spans ? answer.spans.map((s) => `${s.text} [${s.label}]`).join("; ")
      : ((answer.messages || []).filter((m) => m.role === "assistant").pop() || {}).content || "";
    parts.push(Object.assign(document.createElement("p"), { textContent: `Gold answer: ${text}` }));
  }
  for (const comment of data.comments || []) {
    parts.push(Object.assign(document.createElement("p"), { textContent: `${comment.username}: ${comment.body}` }));
  }
  box.replaceChildren(...parts);
  box.hidden = !parts.length;
}

function showProgress(progress) {
  if (!progress) return;
  $("mine").textContent = progress.mine;
  $("complete").textContent = progress.complete;
  $("items").textContent = progress.items;
  $("project-progress").max = Math.max(progress.items, 1);
  $("project-progress").value = progress.complete;
}

function render() {
  if (!state) return;
  const container = $("item");
  if (kind === "spans") {
    // The editor changes only what a span touches; it is loaded again only for another item or an undo.
    if (editorItem !== state.item.id) {
      const text = Object.assign(document.createElement("div"), { className: "text spans-text" });
      const model = state.item.suggestions && state.item.suggestions.model;
      container.replaceChildren(...(model ? [Object.assign(document.createElement("p"), {
        className: "suggested", id: "suggested", textContent: `Suggested spans by ${model}: y takes the one under the cursor, Y all of them`,
      })] : []), text);
      editor = new SpanEditor(text, { onChange: spansChanged, onMessage: say, colours: typeColours, overlapping });
      const suggested = (state.item.suggestions && state.item.suggestions.spans) || [];
      editor.load(state.item.input.text, state.spans, suggested);
      editorItem = state.item.id;
    }
    renderSide();
    return;
  }
  container.replaceChildren();
  if (judging) {
    renderJudged(container);
  } else if (kind === "chat") {
    if (state.item.suggestions && state.item.suggestions.messages) {
      container.append(Object.assign(document.createElement("p"), {
        className: "suggested", id: "suggested", textContent: `The last answer is a draft by ${state.item.suggestions.model || "a model"}: correct it (e), or accept it as it is`,
      }));
    }
    state.messages.forEach((message, index) => container.append(turn(message, index)));
  } else {
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = state.item.input.text;
    container.append(text);
    const suggested = suggestedLabels();
    if (suggested.length) {
      const source = state.item.suggestions.model ? `by ${state.item.suggestions.model}` : "by the import";
      container.append(Object.assign(document.createElement("p"), {
        className: "suggested", id: "suggested",
        textContent: `Suggested ${source}: ${suggested.join(", ")} — press y to take it, or pick a label`,
      }));
    }
  }
  renderSide();
}

// The prompt as the models got it, then the answers: two side by side ("Response 1" left), or one. Text only.
function renderJudged(container) {
  for (const message of state.item.input.messages || []) {
    const box = Object.assign(document.createElement("div"), { className: "turn " + message.role });
    box.append(Object.assign(document.createElement("div"), { className: "role", textContent: message.role }),
      Object.assign(document.createElement("div"), { className: "content plain", textContent: message.content || "" }));
    container.append(box);
  }
  const answers = state.item.input.responses || [state.item.input.response || ""];
  const row = Object.assign(document.createElement("div"), { className: "responses" });
  answers.forEach((text, index) => {
    const box = Object.assign(document.createElement("section"), { className: "response" });
    const name = answers.length === 2 ? `Response ${index + 1}` : "Response";
    const runs = state.item.runs ? ` (${state.item.runs[index]})` : "";
    box.setAttribute("aria-label", name);
    box.append(Object.assign(document.createElement("h2"), { textContent: name + runs }),
      Object.assign(document.createElement("div"), { className: "content plain", textContent: text }));
    row.append(box);
  });
  container.append(row);
}

function verdictOf(criterion) { return criterion === "overall" ? state.verdict : state.criteria[criterion] ?? null; }
const shownChoice = { left: "Response 1", right: "Response 2", tie: "Tie", both_bad: "Both bad" };

// Sets the current row's verdict and moves to the next row still open.
function choose(value) {
  const criterion = verdictRows[state.row];
  change(() => {
    if (criterion === "overall") state.verdict = value; else state.criteria = { ...state.criteria, [criterion]: value };
    const open = verdictRows.findIndex((name, index) => index > state.row && verdictOf(name) === null);
    if (open >= 0) state.row = open;
  });
  say(`${criterion === "overall" ? "Overall" : criterion}: ${shownChoice[value] || value}`);
}

function moveRow(step) {
  if (!verdictRows.length) return;
  state.row = Math.min(verdictRows.length - 1, Math.max(0, state.row + step));
  renderSide();
}

function turn(message, index) {
  const box = document.createElement("div");
  box.className = "turn " + message.role;
  box.dataset.index = index;
  const role = document.createElement("div");
  role.className = "role";
  role.textContent = message.role;
  box.append(role);
  const original = state.original[index];
  const edited = message.role === "assistant" && original && original.content !== message.content;
  if (edited) box.classList.add("edited");
  const body = document.createElement("div");
  body.className = "content";
  if (edited) {
    body.classList.add("diff");
    body.append(...wordDiff(original.content || "", message.content || ""));
  } else if (state.item.rendered && state.item.rendered[index] !== undefined && original && original.content === message.content) {
    body.innerHTML = state.item.rendered[index]; // libcmark output in safe mode: no raw HTML, no javascript: links
  } else {
    body.textContent = message.content || "";
  }
  box.append(body);
  if (message.role === "assistant") {
    const edit = document.createElement("button");
    edit.type = "button";
    edit.className = "edit";
    edit.textContent = "Edit";
    edit.addEventListener("click", () => editTurn(index));
    box.append(edit);
  }
  return box;
}

function editTurn(index) {
  const box = $("item").querySelector(`.turn[data-index="${index}"]`);
  if (!box) return;
  const area = document.createElement("textarea");
  area.value = state.messages[index].content || "";
  area.setAttribute("aria-label", "Corrected answer");
  box.querySelector(".content").replaceWith(area);
  // The box grows with the answer, so a long one is edited whole.
  const grow = () => { area.style.height = "auto"; area.style.height = `${area.scrollHeight + 4}px`; };
  area.addEventListener("input", grow);
  grow();
  area.focus();
  const finish = () => {
    if (area.value !== (state.messages[index].content || "")) change(() => { state.messages[index].content = area.value; });
    else render();
  };
  area.addEventListener("blur", finish, { once: true });
}

function suggestedLabels() {
  return (state && state.item.suggestions && state.item.suggestions.labels) || [];
}

function renderSide() {
  const suggested = suggestedLabels();
  document.querySelectorAll("#labels .label").forEach((button) => {
    button.setAttribute("aria-pressed", String(!!state && state.labels.includes(button.dataset.label)));
    button.classList.toggle("suggestion", suggested.includes(button.dataset.label) && !state.labels.includes(button.dataset.label));
  });
  document.querySelectorAll("#decision button").forEach((button) => {
    button.setAttribute("aria-pressed", String(!!state && state.decision === button.dataset.decision));
  });
  if ($("note") !== document.activeElement) $("note").value = state ? state.note : "";
  if (!judging) return;
  document.querySelectorAll("#verdicts .verdict").forEach((row, index) => {
    const value = state ? verdictOf(row.dataset.criterion) : null;
    row.classList.toggle("current", !!state && index === state.row);
    row.querySelector(".value").textContent = value === null ? "–" : shownChoice[value] || value;
  });
  const current = state ? verdictOf(verdictRows[state.row]) : null;
  document.querySelectorAll("#choices button").forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.choice === current)));
}

function spansChanged(spans) {
  undoStack.push(snapshot());
  state.spans = spans;
  scheduleDraft();
}

function toggleLabel(label) {
  change(() => {
    if (state.labels.includes(label)) state.labels = state.labels.filter((l) => l !== label);
    else state.labels = multi ? [...state.labels, label] : [label];
  });
}

function body(status) {
  if (judging) {
    return {
      status, [kind === "compare" ? "choice" : "rating"]: state.verdict, criteria: state.criteria, note: state.note,
      version: state.version, seconds_spent: secondsOnItem(),
    };
  }
  // Sent whenever it is not the conversation as imported (a model's draft, accepted as it is, is an answer too).
  const changed = kind === "chat" && JSON.stringify(state.messages) !== JSON.stringify(state.item.input.messages);
  return {
    status, decision: state.decision, labels: kind === "spans" ? [] : state.labels, spans: kind === "spans" ? state.spans : [],
    note: state.note,
    messages: changed ? state.messages : null, version: state.version,
    seconds_spent: secondsOnItem(),
  };
}

async function save(status) {
  if (!state) return;
  clearTimeout(draftTimer);
  const sent = body(status);
  // The time sent is added to what is stored: start counting again from here.
  resetClock();
  try {
    const stored = await api("PUT", `/api/items/${state.item.id}/annotation`, sent);
    state.version = stored.version;
    state.status = stored.status;
    say(status === "draft" ? "Draft saved" : status === "submitted" ? "Submitted" : "Skipped");
  } catch (error) {
    if (error.status === 409) {
      say("Saved elsewhere since: reloaded");
      await load(`/api/items/${state.item.id}`);
    }
    throw error;
  }
}

async function advance(status) {
  if (!state || saving) return;
  if (preview) {
    // Looking only: the next item to look at, nothing saved.
    await load(`/api/projects/${projectId}/next?after=${state.item.id}`).catch((e) => say(e.message));
    return;
  }
  if (status === "submitted" && judging) {
    const open = verdictRows.find((name) => verdictOf(name) === null);
    if (open) {
      state.row = verdictRows.indexOf(open);
      renderSide();
      return say(open === "overall" ? "Choose first (or s to skip)" : `Judge "${open}" too`);
    }
  }
  if (status === "submitted" && kind === "classify" && !state.labels.length) {
    return say(suggestedLabels().length ? "Pick a label first (y takes the suggestion)" : "Pick a label first (or s to skip)");
  }
  saving = true;
  try {
    await save(status);
    if (!history.includes(state.item.id)) history.push(state.item.id);
    if (position !== null && position < history.length - 1) {
      position += 1;
      await load(`/api/items/${history[position]}`);
    } else {
      position = null;
      await load(`/api/projects/${projectId}/next`);
    }
  } catch (error) {
    say(error.message);
  } finally {
    saving = false;
  }
}

async function back() {
  if (!history.length) return say("No earlier items");
  position = position === null ? history.length - 1 : Math.max(0, position - 1);
  await load(`/api/items/${history[position]}`);
  say(`Item ${position + 1} of ${history.length} you answered`);
}

async function forward() {
  if (position === null) return;
  if (position < history.length - 1) {
    position += 1;
    await load(`/api/items/${history[position]}`);
  } else {
    position = null;
    await load(`/api/projects/${projectId}/next`);
  }
}

function inTextBox(target) {
  return target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type !== "button");
}

// A focused button, link or check box does its own action with Enter or Space; the page's keys leave it alone.
function onControl(target) {
  return target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement || target instanceof HTMLSelectElement
    || (target instanceof HTMLInputElement && !inTextBox(target));
}

function closePanel() {
  const open = ["help", "guidelines"].find((id) => !$(id).hidden);
  if (open) $(open).hidden = true;
  return !!open;
}

document.addEventListener("keydown", (event) => {
  if (inTextBox(event.target)) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.target.blur();
      advance("submitted");
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.target.blur();
    }
    return;
  }
  if (onControl(event.target) && (event.key === "Enter" || event.key === " ")) return;
  if (event.key === "Escape") { closePanel(); return; }
  if (!state && !["?", "g", "ArrowLeft", "ArrowRight", "PageUp", "PageDown"].includes(event.key)) return;
  if (saving && event.key === "Enter") { event.preventDefault(); return; }
  const labelButtons = [...document.querySelectorAll("#labels .label")];
  const byKey = labelButtons.find((b) => b.querySelector("kbd").textContent === event.key);
  if ((event.ctrlKey || event.metaKey) && event.key === "z") { event.preventDefault(); undo(); return; }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (kind === "spans" && state && spanKey(event, byKey)) return;
  if (judging && state && !preview) {
    if (choiceKeys[event.key]) { event.preventDefault(); choose(choiceKeys[event.key]); return; }
    if (event.key === "ArrowUp" || event.key === "ArrowDown") { event.preventDefault(); moveRow(event.key === "ArrowUp" ? -1 : 1); return; }
  }
  if (byKey) { toggleLabel(byKey.dataset.label); return; }
  switch (event.key) {
    case "Enter": event.preventDefault(); advance("submitted"); break;
    case "s": event.preventDefault(); advance("skipped"); break;
    case "y": if (kind === "classify") acceptSuggestedLabels(); break;
    case "a": if (kind === "chat") change(() => { state.decision = state.decision === "accept" ? null : "accept"; }); break;
    case "r": if (kind === "chat") change(() => { state.decision = state.decision === "reject" ? null : "reject"; }); break;
    case "e": {
      if (kind !== "chat") break;
      event.preventDefault();
      const last = state.messages.map((m) => m.role).lastIndexOf("assistant");
      if (last >= 0) editTurn(last);
      break;
    }
    case "n": event.preventDefault(); $("note").focus(); break;
    case "ArrowLeft": case "PageUp": event.preventDefault(); back().catch((e) => say(e.message)); break;
    case "ArrowRight": case "PageDown": event.preventDefault(); forward().catch((e) => say(e.message)); break;
    case "g": togglePanel("guidelines"); break;
    case "?": togglePanel("help"); break;
  }
});

// The keys and the guidelines open in a drawer beside the item, in view; one at a time.
function togglePanel(id) {
  const other = id === "help" ? "guidelines" : "help";
  $(other).hidden = true;
  $(id).hidden = !$(id).hidden;
}

function acceptSuggestedLabels() {
  const suggested = suggestedLabels().filter((label) => !state.labels.includes(label));
  if (!suggested.length) return say("No suggestion to take");
  change(() => { state.labels = multi ? [...state.labels, ...suggested] : [suggested[0]]; });
  say(`Took the suggestion: ${state.labels.join(", ")}`);
}

// Spans projects: type keys mark, ←/→ move the token cursor (Shift extends), Tab goes from span to span,
// Delete removes, y / Y accept the suggestion under the cursor / all of them (PageUp / PageDown go between items).
function spanKey(event, byKey) {
  if (byKey) { event.preventDefault(); editor.type(byKey.dataset.label); return true; }
  switch (event.key) {
    case "ArrowLeft": case "ArrowRight":
      event.preventDefault();
      editor.move(event.key === "ArrowLeft" ? -1 : 1, event.shiftKey);
      return true;
    case "Tab":
      if (!event.target.closest || !(event.target === document.body || event.target.closest("#item"))) return false;
      // After the last span (or before the first, going back) Tab leaves the text for the note and buttons.
      if (!editor.jump(event.shiftKey ? -1 : 1)) return false;
      event.preventDefault();
      return true;
    case "Delete": case "Backspace":
      event.preventDefault();
      if (editor.selected && !editor.selected.suggestion) editor.remove(editor.selected);
      else say("Select a span first (Tab or a click)");
      return true;
    case "y": {
      const suggestion = editor.suggestionHere();
      if (suggestion) editor.acceptSuggestion(suggestion); else say("No suggestion under the cursor");
      return true;
    }
    case "Y": say(`${editor.acceptAll()} suggestions accepted`); return true;
  }
  return false;
}

document.querySelectorAll("#labels .label").forEach((b) => b.addEventListener("click", () => {
  if (!state) return;
  if (kind !== "spans") return toggleLabel(b.dataset.label);
  // A click marks what is selected; with nothing selected it says so rather than mark a token out of sight.
  if (!editor.selected && !editor.pending) return say("Select text first (or move the cursor with ←/→ and press the type's key)");
  editor.type(b.dataset.label);
}));
document.querySelectorAll("#choices button").forEach((b) => b.addEventListener("click", () => state && !preview && choose(b.dataset.choice)));
document.querySelectorAll("#verdicts .verdict").forEach((row, index) => row.addEventListener("click", () => { if (state) { state.row = index; renderSide(); } }));
document.querySelectorAll("#decision button").forEach((b) => b.addEventListener("click", () => state && change(() => { state.decision = b.dataset.decision; })));
document.querySelectorAll(".panel-close").forEach((b) => b.addEventListener("click", () => { $(b.dataset.panel).hidden = true; }));
$("submit").addEventListener("click", () => advance("submitted"));
$("skip").addEventListener("click", () => advance("skipped"));
$("note").addEventListener("input", () => { if (state) { state.note = $("note").value; scheduleDraft(); } });

async function start() {
  try {
    history = (await api("GET", `/api/projects/${projectId}/answered`)).items;
    await load(`/api/projects/${projectId}/next`);
  } catch (error) {
    say(error.message);
  }
}
start();
