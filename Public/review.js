// The lead's review: disagreements first, every answer side by side, gold picked with a key, comments.
import { wordDiff } from "./diff.js";
import { counted } from "./counted.js";

const root = document.getElementById("review");
const project = root.dataset.project;
const kind = root.dataset.kind;
// Compare and rate answers are labels too: a choice in the pair's terms (a, b, tie, both_bad) or a rating.
const byLabels = kind === "classify" || kind === "compare" || kind === "rate" || kind === "watch";
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
const element = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

let queue = [];
let position = 0;
let current = null; // { item, annotations, gold }: the item on screen; null while none is (keys then do nothing)
let lastChange = null; // { itemId, previous }: the last gold decision, for `u`

async function api(method, path, body) {
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: body === undefined ? { "X-CSRF-Token": csrf } : { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const value = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(value && value.error ? value.error.message : response.statusText);
  return value;
}

async function loadQueue() {
  const answer = await api("GET", `/api/projects/${project}/review`);
  queue = answer.items;
  $("queue-count").textContent = `(${answer.total})`;
  const list = $("queue");
  list.replaceChildren(...queue.map((entry, i) => {
    const li = element("li", { className: "queue-item" },
      `item ${entry.item_id}${entry.external_id ? ` (${entry.external_id})` : ""} — ${entry.agreeing} of ${entry.answers} agree`);
    li.dataset.index = i;
    li.addEventListener("click", () => show(i));
    return li;
  }));
  if (!queue.length) {
    current = null;
    $("current").replaceChildren(element("p", { className: "muted" }, "No disagreements left to review."));
    $("answers").replaceChildren();
    $("gold").textContent = "";
    $("comments").replaceChildren();
    return;
  }
  await show(Math.min(position, queue.length - 1));
}

// Code-point offsets to the pieces of a text, so spans never drift on emoji or characters outside the BMP.
function marked(text, spans, differing) {
  const points = Array.from(text);
  const out = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) continue;
    out.push(document.createTextNode(points.slice(at, span.start).join("")));
    const mark = element("mark", { className: differing(span) ? "span differs" : "span", title: span.label },
      points.slice(span.start, span.end).join(""), element("sub", {}, span.label + (differing(span) ? " ≠" : "")));
    out.push(mark);
    at = span.end;
  }
  out.push(document.createTextNode(points.slice(at).join("")));
  return out;
}

const spanKey = (s) => `${s.start}:${s.end}:${s.label}`;
const lastAssistant = (messages) => [...(messages || [])].reverse().find((m) => m.role === "assistant") || { content: "" };

function answerOf(annotation, item) {
  if (annotation.decision === "reject") return { decision: "reject" };
  if (byLabels) return { labels: annotation.labels };
  if (kind === "spans") return { spans: annotation.spans };
  return { messages: annotation.messages || item.input.messages };
}

async function show(i) {
  position = i;
  current = null;
  document.querySelectorAll("#queue li").forEach((li) => li.setAttribute("aria-current", li.dataset.index == i ? "true" : "false"));
  const entry = queue[i];
  const [itemAnswer, annotations, gold, comments] = await Promise.all([
    api("GET", `/api/items/${entry.item_id}`), api("GET", `/api/items/${entry.item_id}/annotations`),
    api("GET", `/api/items/${entry.item_id}/gold`), api("GET", `/api/items/${entry.item_id}/comments`),
  ]);
  const item = itemAnswer.item;
  const submitted = annotations.filter((a) => a.status === "submitted");
  if (position !== i) return; // another item was asked for meanwhile
  current = { item, annotations: submitted, gold };
  const header = [element("h2", {}, `Item ${item.id}${item.external_id ? ` (${item.external_id})` : ""}`)];
  if (kind === "chat") {
    for (const message of item.input.messages.slice(0, -1)) header.push(element("p", { className: `turn ${message.role}` }, element("b", {}, message.role + ": "), message.content || ""));
  } else if (kind === "classify") {
    header.push(element("p", { className: "text" }, item.input.text));
  } else if (byLabels) {
    // The lead sees the pair in order with the runs' names (a first).
    for (const message of item.input.messages || []) header.push(element("p", { className: `turn ${message.role}` }, element("b", {}, message.role + ": "), message.content || ""));
    (item.input.responses || [item.input.response]).forEach((text, n) => {
      header.push(element("p", { className: "turn assistant" }, element("b", {}, `${kind === "compare" ? "ab"[n] : "answer"}${item.runs ? ` (${item.runs[n]})` : ""}: `), text || ""));
    });
  }
  $("current").replaceChildren(...header);
  const original = lastAssistant(item.input.messages).content || "";
  // The first answer is compared with the original; every other with the first, so two corrections show how they differ.
  const firstFinal = submitted.length ? lastAssistant(submitted[0].messages || item.input.messages).content || "" : original;
  $("answers").replaceChildren(...submitted.map((annotation, n) => {
    const card = element("article", { className: "answer" }, element("h3", {}, element("kbd", {}, String(n + 1)), " ", annotation.annotator.username));
    if (annotation.decision === "reject") card.append(element("p", { className: "decision" }, "✗ rejected"));
    if (byLabels) {
      card.append(element("p", { className: "labels" }, ...annotation.labels.map((l) => element("span", { className: "chip" }, l))));
    } else if (kind === "spans") {
      const others = submitted.filter((a) => a !== annotation).map((a) => new Set(a.spans.map(spanKey)));
      card.append(element("p", { className: "text" }, ...marked(item.input.text, annotation.spans, (s) => others.some((set) => !set.has(spanKey(s))))));
    } else if (annotation.decision !== "reject") {
      const final = lastAssistant(annotation.messages || item.input.messages).content || "";
      const against = n === 0 ? original : firstFinal;
      card.append(element("p", { className: "muted" }, n === 0 ? (annotation.messages ? "corrected; against the original:" : "unchanged")
        : `against ${submitted[0].annotator.username}'s answer:`));
      card.append(element("p", { className: "final" }, ...wordDiff(against, final)));
    }
    if (annotation.suggestion_outcome && annotation.suggestion_outcome !== "none") {
      card.append(element("p", { className: "muted" }, `The suggestion shown: ${annotation.suggestion_outcome}`));
    }
    if (annotation.note) card.append(element("p", { className: "muted" }, `Note: ${annotation.note}`));
    return card;
  }));
  $("gold").textContent = gold ? `Gold (${gold.source}${gold.decided_by ? `, ${gold.decided_by}` : ""}): ${JSON.stringify(gold.answer)}` : "";
  $("comments").replaceChildren(...comments.map((c) => element("li", {}, element("b", {}, c.username + ": "), c.body)));
}

// `e`: write the gold answer by hand, starting from the first answer — the final assistant message (chat), the
// labels separated by commas (classify) or the spans as JSON (spans). Ctrl+Enter saves it, Esc leaves.
function editGold() {
  if (!current) return;
  const base = current.annotations.find((a) => a.decision !== "reject") || null;
  const area = element("textarea", { id: "gold-edit", rows: kind === "spans" ? 8 : 4 });
  area.setAttribute("aria-label", "Gold answer");
  if (kind === "chat") area.value = lastAssistant(base && base.messages || current.item.input.messages).content || "";
  else if (byLabels) area.value = base ? base.labels.join(", ") : "";
  else area.value = JSON.stringify(base ? base.spans : [], null, 1);
  const box = element("div", { className: "gold-editor" }, element("p", { className: "muted" }, "Ctrl+Enter saves the gold answer, Esc leaves."), area);
  $("answers").after(box);
  area.focus();
  area.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") { box.remove(); return; }
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    let answer;
    try {
      if (kind === "chat") {
        const messages = structuredClone(base && base.messages || current.item.input.messages);
        const last = messages.map((m) => m.role).lastIndexOf("assistant");
        messages[last].content = area.value;
        answer = { messages };
      } else if (byLabels) {
        answer = { labels: area.value.split(",").map((l) => l.trim()).filter(Boolean) };
      } else {
        answer = { spans: JSON.parse(area.value) };
      }
    } catch (error) {
      $("gold").textContent = `Not valid JSON: ${error.message}`;
      return;
    }
    box.remove();
    await setGold(answer, null);
  });
}

async function pick(n) {
  if (!current || n >= current.annotations.length) return;
  await setGold(answerOf(current.annotations[n], current.item), current.annotations[n].annotator.username);
}

function say(text) { $("review-status").textContent = text; }

async function setGold(answer, who) {
  const target = current;
  if (!target) return;
  current = null; // one decision per item shown: keys wait for the next item
  try {
    await api("PUT", `/api/items/${target.item.id}/gold`, answer);
    const previous = target.gold && target.gold.answer;
    lastChange = { itemId: target.item.id, previous };
    const what = answer.decision === "reject" ? "rejected" : summary(answer);
    say(`Item ${target.item.id}: gold ${previous ? `replaced (was ${summary(previous)})` : "set"}${who ? ` from ${who}'s answer` : ""}: ${what}. Press u to undo.`);
    $("resolved").prepend(element("li", {}, `item ${target.item.id}: ${what}`));
    queue.splice(position, 1);
    await loadQueue();
  } catch (error) {
    current = target;
    say(error.message);
  }
}

function summary(answer) {
  if (answer.decision === "reject") return "rejected";
  if (answer.labels) return answer.labels.join(", ");
  if (answer.spans) return answer.spans.map((s) => `${s.text} [${s.label}]`).join("; ");
  return (lastAssistant(answer.messages).content || "").slice(0, 80);
}

// `u`: puts back the gold answer the last decision replaced (or removes the one it set).
async function undoGold() {
  if (!lastChange) return say("Nothing to undo");
  const { itemId, previous } = lastChange;
  lastChange = null;
  try {
    if (previous) await api("PUT", `/api/items/${itemId}/gold`, previous);
    else await api("DELETE", `/api/items/${itemId}/gold`);
    say(`Item ${itemId}: ${previous ? "the earlier gold answer is back" : "gold removed"}.`);
    $("resolved").firstElementChild?.remove();
    await loadQueue();
  } catch (error) {
    say(error.message);
  }
}

$("comment-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = $("comment").value.trim();
  if (!body || !current) return;
  const comment = await api("POST", `/api/items/${current.item.id}/comments`, { body });
  $("comments").append(element("li", {}, element("b", {}, comment.username + ": "), comment.body));
  $("comment").value = "";
});

document.addEventListener("keydown", (event) => {
  if (event.target.id === "gold-edit") return;
  if (event.target.id === "comment") {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (/^[1-9]$/.test(event.key)) { event.preventDefault(); pick(Number(event.key) - 1); }
  else if (event.key === "x") { event.preventDefault(); if (current) setGold({ decision: "reject" }); }
  else if (event.key === "u") { event.preventDefault(); undoGold(); }
  else if (event.key === "j" || event.key === "ArrowDown") { event.preventDefault(); if (position + 1 < queue.length) show(position + 1); }
  else if (event.key === "k" || event.key === "ArrowUp") { event.preventDefault(); if (position > 0) show(position - 1); }
  else if (event.key === "c") { event.preventDefault(); $("comment").focus(); }
  else if (event.key === "e") { event.preventDefault(); editGold(); }
});

// Agreed answers become gold first (when the project allows it), then the queue.
api("POST", `/api/projects/${project}/review/promote`, {})
  .then((answer) => {
    $("promoted").textContent = answer.promoted_to_gold ? `${counted(answer.promoted_to_gold, "agreed answer")} became gold by themselves.` : "";
    return loadQueue();
  })
  .catch((error) => { $("current").replaceChildren(element("p", { className: "error" }, error.message)); });
