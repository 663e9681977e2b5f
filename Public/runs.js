// A project's runs: start one (Ctrl+Enter), watch it, cancel or resume it. The page is the server's rendering;
// this module only sends the requests and reloads the page when a run's state changes.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const form = document.getElementById("run-form");
const status = document.getElementById("run-status");

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((answer.error && answer.error.message) || response.statusText);
  return answer;
}

async function start() {
  const data = new FormData(form);
  const limit = parseInt(data.get("limit"), 10);
  status.textContent = "Starting…";
  try {
    const withhold = parseFloat(data.get("withhold"));
    const run = await post(`/api/projects/${form.dataset.project}/runs`, {
      model: data.get("model"), items: data.get("items"), limit: limit > 0 ? limit : undefined, purpose: data.get("purpose"),
      withhold: withhold > 0 ? withhold : undefined,
    });
    status.textContent = `Run ${run.run} started`;
    watch();
  } catch (error) {
    status.textContent = error.message;
  }
}

// While a run is running, its row shows how far it got (its answers as stored, which every server reads alike);
// the page is drawn again when none runs any more.
async function watch() {
  const project = form ? form.dataset.project : null;
  if (!project) return;
  const runs = await (await fetch(`/api/projects/${project}/runs`, { credentials: "same-origin" })).json();
  const running = runs.filter((run) => run.status === "running");
  for (const run of running) {
    const row = document.querySelector(`tr[data-run="${run.run}"]`);
    // A run started since the page was drawn (here or elsewhere): drawn again, its row comes with it.
    if (!row) return location.reload();
    row.querySelector(".run-answered").textContent = run.answered;
    row.querySelector(".run-failed").textContent = run.failed;
  }
  if (running.length) setTimeout(watch, 700);
  else if (document.querySelector("#runs button.cancel") || status.textContent.startsWith("Run ")) location.reload();
}

// A compare or rate project from the runs ticked, in their order.
const judging = document.getElementById("judging-form");
if (judging) {
  judging.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(judging);
    const said = document.getElementById("judging-status");
    said.textContent = "Creating…";
    try {
      const made = await post(`/api/projects/${judging.dataset.project}/judging`, {
        name: data.get("name"), kind: data.get("kind"), runs: data.getAll("runs").map(Number), pairs: data.get("pairs"),
        scale: data.get("scale"), criteria: data.get("criteria"), annotators_per_item: parseInt(data.get("annotators_per_item"), 10) || 1,
      });
      said.replaceChildren(`Project ${made.project} made with ${made.items} items: `,
        Object.assign(document.createElement("a"), { href: `/projects/${made.project}/settings`, textContent: "add its judges" }), " · ",
        Object.assign(document.createElement("a"), { href: `/projects/${made.project}/results`, textContent: "results" }));
    } catch (error) {
      said.textContent = error.message;
    }
  });
}

if (form) {
  form.addEventListener("submit", (event) => { event.preventDefault(); start(); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); start(); }
  });
}
document.querySelectorAll("button.cancel").forEach((b) => b.addEventListener("click", () => post(`/api/runs/${b.dataset.run}/cancel`).then(watch)));
document.querySelectorAll("button.resume").forEach((b) => b.addEventListener("click", () => {
  post(`/api/runs/${b.dataset.run}/resume`).then(() => { status.textContent = `Run ${b.dataset.run} resumed`; watch(); }).catch((e) => { status.textContent = e.message; });
}));
if (document.querySelector("#runs button.cancel")) watch();
