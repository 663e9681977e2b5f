// Project settings: label colour swatches, and importing a file from the browser with its errors shown by line.
import { counted } from "./counted.js";
const csrf = document.querySelector('meta[name="csrf-token"]').content;

document.querySelectorAll(".swatch").forEach((s) => s.style.setProperty("background", s.dataset.colour));

const form = document.getElementById("import");
const result = document.getElementById("import-result");
const progress = document.getElementById("import-progress");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("import-file").files[0];
  if (!file) return;
  const params = new URLSearchParams({
    format: document.getElementById("import-format").value,
    filename: file.name,
    skip_invalid: document.getElementById("import-skip").checked ? "true" : "false",
  });
  progress.hidden = false;
  result.replaceChildren(Object.assign(document.createElement("p"), { textContent: `Importing ${file.name}…` }));
  try {
    const response = await fetch(`/api/projects/${form.dataset.project}/import?${params}`, {
      method: "POST", body: file, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin",
    });
    const summary = await response.json();
    show(summary, response.ok);
  } catch (error) {
    result.replaceChildren(Object.assign(document.createElement("p"), { className: "error", textContent: error.message }));
  } finally {
    progress.hidden = true;
  }
});

function show(summary, ok) {
  const nodes = [];
  if (summary.error) {
    nodes.push(Object.assign(document.createElement("p"), { className: "error", textContent: summary.error.message }));
  } else {
    const line = ok && summary.committed
      ? `Imported ${counted(summary.imported, "item")}; ${counted(summary.duplicates, "duplicate")} skipped; ${summary.rejected} rejected.`
      : `Nothing imported: ${counted(summary.rejected, "bad record")}. Fix them, or tick "skip the bad ones".`;
    nodes.push(Object.assign(document.createElement("p"), { className: ok ? "message" : "error", textContent: line }));
    if (summary.errors && summary.errors.length) {
      const list = document.createElement("ul");
      list.className = "import-errors";
      for (const e of summary.errors) {
        list.append(Object.assign(document.createElement("li"), { textContent: `line ${e.line}, ${e.field}: ${e.message}` }));
      }
      if (summary.error_count > summary.errors.length) {
        list.append(Object.assign(document.createElement("li"), { textContent: `… and ${summary.error_count - summary.errors.length} more` }));
      }
      nodes.push(list);
    }
  }
  result.replaceChildren(...nodes);
}
