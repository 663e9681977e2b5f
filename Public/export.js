// The export page: runs an export through the API, shows its progress while it runs, then the report.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const form = document.getElementById("export");
const progress = document.getElementById("export-progress");
const status = document.getElementById("export-status");
const result = document.getElementById("export-result");
const project = form.dataset.project;
const button = form.querySelector("button");
// Whether this page's own export runs (its progress is `watch`'s, not `watchElsewhere`'s).
let exporting = false;
document.getElementById("export-model").value = result.dataset.defaultModel;

const paragraph = (className, text) => Object.assign(document.createElement("p"), { className, textContent: text });

// The server's word on this project's export under way, wherever it runs: {running, done, total}.
const progressNow = async () => (await fetch(`/api/projects/${project}/exports/progress`, { credentials: "same-origin" })).json();

function showProgress(state, text) {
  progress.max = Math.max(state.total, 1);
  progress.value = state.done;
  status.textContent = text;
}

async function watch() {
  // Polls the server's count of items read until the export returns.
  while (!progress.hidden) {
    try {
      const state = await progressNow();
      // A poll answered after the export's own response must not write over "written" (or its error).
      if (!progress.hidden && state.running && state.total > 0) showProgress(state, `${state.done} of ${state.total} items read`);
    } catch { /* the export's own response says what went wrong */ }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

// An export of this project run elsewhere (another page, another server, `quorum export`): its progress is shown
// and the button held until it ends, as the server would refuse a second one meanwhile.
async function watchElsewhere() {
  let seen = false;
  for (;;) {
    let state;
    try { state = await progressNow(); } catch { break; }
    if (exporting) return;
    if (!state.running) break;
    seen = true;
    button.disabled = true;
    progress.hidden = false;
    showProgress(state, `Another export of this project is under way (another page, or quorum export): ${state.done} of ${state.total} items read`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (seen) {
    progress.hidden = true;
    button.disabled = false;
    status.textContent = "The other export has ended: reload the page to see it listed.";
  }
}

async function run() {
  if (button.disabled || !form.reportValidity()) return;
  let elsewhere = false;
  exporting = true;
  const consensus = document.getElementById("export-consensus").value.trim();
  const body = {
    format: document.getElementById("export-format").value,
    target: document.getElementById("export-target").value,
    consensus,
    validation: Number(document.getElementById("export-validation").value || 0),
    holdout: Number(document.getElementById("export-holdout").value || 0),
    seed: Number(document.getElementById("export-seed").value || 0),
    model: document.getElementById("export-model").value,
    keep_contradictions: document.getElementById("export-keep").checked,
  };
  progress.hidden = false;
  progress.removeAttribute("value");
  status.textContent = "Exporting…";
  button.disabled = true;
  watch();
  try {
    const response = await fetch(`/api/projects/${project}/exports`, {
      method: "POST", body: JSON.stringify(body), credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
    });
    const answer = await response.json();
    if (!response.ok) {
      const nodes = [paragraph("error", answer.error.message)];
      if (answer.error.reasons && answer.error.reasons.length) {
        const list = document.createElement("ul");
        for (const reason of answer.error.reasons) list.append(Object.assign(document.createElement("li"), { textContent: reason }));
        nodes.push(list);
      }
      result.replaceChildren(...nodes);
      status.textContent = "";
      elsewhere = response.status === 409;
      return;
    }
    status.textContent = `Export ${answer.export} written.`;
    const links = document.createElement("p");
    links.className = "files";
    for (const file of answer.files) {
      links.append(Object.assign(document.createElement("a"), { href: `/api/exports/${answer.export}/files/${file}`, textContent: file, download: file }), " ");
    }
    const report = document.createElement("article");
    report.className = "report";
    // Rendered by the server from templates/report-body.mustache, which escapes every value.
    report.innerHTML = answer.report_html;
    result.replaceChildren(links, report);
    // Also the server's rendering (escaped): the list of earlier exports, this one first.
    document.getElementById("earlier-exports").innerHTML = answer.exports_html;
  } catch (error) {
    result.replaceChildren(paragraph("error", error.message));
  } finally {
    exporting = false;
    progress.hidden = true;
    button.disabled = false;
    if (elsewhere) watchElsewhere();
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
});
watchElsewhere();
