// Quorum's pages share this module: keyboard navigation that every page has.
// "g p" goes to the projects list; the rest of the keys live with each page's own module.
let lastKey = "";
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
  if (lastKey === "g" && event.key === "p") window.location.assign("/");
  lastKey = event.key;
});
