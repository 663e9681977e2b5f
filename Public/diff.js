// A word diff (longest common subsequence) for a corrected answer against the original:
// returns DOM nodes, <del> for removed words and <ins> for added ones. Text only, never HTML.
export function wordDiff(before, after) {
  const a = before.split(/(\s+)/), b = after.split(/(\s+)/);
  if (a.length * b.length > 1_000_000) return [node("del", before), node("ins", after)];
  const table = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { out.push(document.createTextNode(a[i])); i++; j++; }
    else if (table[i + 1][j] >= table[i][j + 1]) out.push(node("del", a[i++]));
    else out.push(node("ins", b[j++]));
  }
  while (i < a.length) out.push(node("del", a[i++]));
  while (j < b.length) out.push(node("ins", b[j++]));
  return out;
}

function node(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}
