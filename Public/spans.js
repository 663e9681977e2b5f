// The span editor of spans projects. The text is a row of segments — plain text nodes and <mark>s for spans and
// suggestions — mirrored in `segments` ([start, end) in code points); marking, relabelling or deleting a span
// splits or merges the one segment it touches, so a 20,000-character text with hundreds of spans stays quick.
// The token cursor and a selection in progress are drawn with the CSS Custom Highlight API: no DOM changes.
// Projects that let spans overlap or nest are drawn differently: the text is cut at every span boundary and each
// piece carries one underline per span over it (redrawn whole on each change, since pieces cross marks).
import { OffsetMap, tokens } from "./offsets.js";

export class SpanEditor {
  constructor(container, { onChange, onMessage, colours = {}, overlapping = false }) {
    this.container = container;
    this.overlapping = overlapping;
    this.colours = colours;
    this.onChange = onChange;
    this.onMessage = onMessage;
    this.lastType = null;
    container.addEventListener("mouseup", (event) => this.mouseUp(event));
  }

  // Shows `text` with `spans` (accepted) and `suggestions` (dashed; those overlapping a span are left out).
  load(text, spans, suggestions) {
    this.map = new OffsetMap(text);
    this.tokens = tokens(this.map);
    this.spans = spans.map((s) => ({ ...s })).sort((a, b) => a.start - b.start);
    this.suggestions = suggestions.filter((s) => !this.spans.some((t) => overlaps(s, t)))
      .map((s) => ({ ...s, suggestion: true })).sort((a, b) => a.start - b.start);
    this.cursor = 0;
    this.anchor = null;
    this.pending = null;
    this.selected = null;
    if (this.overlapping) return this.drawPieces();
    const pieces = [...this.spans, ...this.suggestions].sort((a, b) => a.start - b.start);
    this.container.replaceChildren();
    this.segments = [];
    let at = 0;
    for (const piece of pieces) {
      if (piece.start < at) continue; // suggestions overlapping each other: the first wins
      if (piece.start > at) this.appendPlain(at, piece.start);
      this.appendMark(piece);
      at = piece.end;
    }
    if (at < this.map.length || !this.segments.length) this.appendPlain(at, this.map.length);
    this.paint();
  }

  appendPlain(start, end) {
    const node = document.createTextNode(this.map.slice(start, end));
    this.container.append(node);
    this.segments.push({ node, start, end, span: null });
  }

  markFor(span) {
    const mark = document.createElement("mark");
    mark.className = span.suggestion ? "suggestion" : "span";
    mark.dataset.label = span.label;
    mark.dataset.start = span.start;
    this.colour(mark, span.label);
    mark.textContent = this.map.slice(span.start, span.end);
    return mark;
  }

  // The type's colour on the mark's underline and label (the label's name is written too: not colour alone).
  colour(mark, label) {
    if (this.colours[label]) mark.style.setProperty("--type-colour", this.colours[label]);
  }

  appendMark(span) {
    const mark = this.markFor(span);
    this.container.append(mark);
    this.segments.push({ node: mark, start: span.start, end: span.end, span });
  }

  // The index of the segment holding code point `point` (the last one for the end of the text).
  segmentAt(point) {
    let low = 0, high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.segments[mid].start <= point) low = mid; else high = mid - 1;
    }
    return low;
  }

  // Overlap mode: the text cut at every boundary; each piece under spans is a <mark> with one underline per span
  // (the shortest innermost), labelled where a span ends. `segments[i].span` is the shortest span over the piece.
  drawPieces() {
    const pieces = [...this.spans, ...this.suggestions];
    const cuts = [...new Set([0, this.map.length, ...pieces.flatMap((p) => [p.start, p.end])])].sort((a, b) => a - b);
    this.container.replaceChildren();
    this.segments = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [start, end] = [cuts[i], cuts[i + 1]];
      const over = pieces.filter((p) => p.start < end && start < p.end).sort((a, b) => (a.end - a.start) - (b.end - b.start));
      if (!over.length) { this.appendPlain(start, end); continue; }
      const mark = document.createElement("mark");
      const accepted = over.filter((p) => !p.suggestion);
      mark.className = accepted.length ? "span piece" : "suggestion piece";
      mark.style.setProperty("box-shadow", accepted.map((p, k) => `inset 0 -${3 * (k + 1)}px 0 0 ${this.colours[p.label] || "#2b59c3"}`).join(", ") || "none");
      const ending = over.filter((p) => p.end === end).map((p) => p.label + (p.suggestion ? "?" : ""));
      if (ending.length) mark.dataset.label = ending.join(" ");
      mark.textContent = this.map.slice(start, end);
      this.container.append(mark);
      this.segments.push({ node: mark, start, end, span: over[0] });
    }
    if (!this.segments.length) this.appendPlain(0, 0);
    this.paint();
  }

  // Marks [start, end) with `label`; refused (and said why) when it overlaps a span unless the project allows
  // overlaps. Suggestions under it go.
  // `quiet` leaves telling the page to the caller (one change for a batch, one undo step).
  add(start, end, label, quiet = false) {
    if (end <= start) return false;
    if (this.spans.some((s) => s.start === start && s.end === end && s.label === label)) return false;
    const clash = !this.overlapping && this.spans.find((s) => s.start < end && start < s.end);
    if (clash) {
      this.onMessage(`Overlaps "${clash.text}" (${clash.label}): spans may not overlap`);
      return false;
    }
    for (const suggestion of this.suggestions.filter((s) => s.start < end && start < s.end)) this.unwrap(suggestion);
    const span = { start, end, label, text: this.map.slice(start, end) };
    this.spans.push(span);
    if (this.overlapping) this.drawPieces(); else this.wrap(span);
    this.spans.sort((a, b) => a.start - b.start);
    this.lastType = label;
    this.selected = span;
    if (!quiet) {
      this.select(span);
      this.changed();
    }
    return true;
  }

  // Splits the plain segment holding [span.start, span.end) around a new mark.
  wrap(span) {
    const i = this.segmentAt(span.start);
    const segment = this.segments[i];
    const base = this.map.toUnit(segment.start);
    const text = segment.node;
    const middle = text.splitText(this.map.toUnit(span.start) - base);
    const after = middle.splitText(this.map.toUnit(span.end) - this.map.toUnit(span.start));
    const mark = this.markFor(span);
    middle.replaceWith(mark);
    const replacement = [];
    if (span.start > segment.start) replacement.push({ node: text, start: segment.start, end: span.start, span: null });
    else text.remove();
    replacement.push({ node: mark, start: span.start, end: span.end, span });
    if (span.end < segment.end) replacement.push({ node: after, start: span.end, end: segment.end, span: null });
    else after.remove();
    this.segments.splice(i, 1, ...replacement);
  }

  // Turns a mark back into plain text, merged with the plain text beside it.
  unwrap(span) {
    if (this.overlapping) {
      this.spans = this.spans.filter((s) => s !== span);
      this.suggestions = this.suggestions.filter((s) => s !== span);
      return this.drawPieces();
    }
    let i = this.segments.findIndex((s) => s.span === span);
    if (i < 0) return;
    if (span.suggestion) this.suggestions = this.suggestions.filter((s) => s !== span);
    else this.spans = this.spans.filter((s) => s !== span);
    const text = document.createTextNode(this.map.slice(span.start, span.end));
    this.segments[i].node.replaceWith(text);
    this.segments[i] = { node: text, start: span.start, end: span.end, span: null };
    const before = this.segments[i - 1], after = this.segments[i + 1];
    if (after && !after.span) {
      text.appendData(after.node.data);
      after.node.remove();
      this.segments[i].end = after.end;
      this.segments.splice(i + 1, 1);
    }
    if (before && !before.span) {
      before.node.appendData(text.data);
      text.remove();
      before.end = this.segments[i].end;
      this.segments.splice(i, 1);
    }
  }

  remove(span) {
    this.unwrap(span);
    if (this.selected === span) this.selected = null;
    this.changed();
  }

  relabel(span, label) {
    span.label = label;
    if (this.overlapping) {
      this.lastType = label;
      this.drawPieces();
      return this.changed();
    }
    const segment = this.segments.find((s) => s.span === span);
    segment.node.dataset.label = label;
    this.colour(segment.node, label);
    this.lastType = label;
    this.changed();
  }

  acceptSuggestion(suggestion, quiet = false) {
    this.unwrap(suggestion);
    return this.add(suggestion.start, suggestion.end, suggestion.label, quiet);
  }

  // Every suggestion at once: one change, one undo step; the cursor stays where it was.
  acceptAll() {
    let accepted = 0;
    for (const suggestion of [...this.suggestions]) if (this.acceptSuggestion(suggestion, true)) accepted++;
    this.selected = null;
    if (accepted) this.changed();
    return accepted;
  }

  // A type key: relabels the selected span, marks the range being made, or accepts the selected suggestion as it.
  type(label) {
    if (this.selected && !this.selected.suggestion) return this.relabel(this.selected, label);
    if (this.pending) {
      const { start, end } = this.pending;
      this.pending = null;
      this.anchor = null;
      return this.add(start, end, label);
    }
    if (this.selected && this.selected.suggestion) {
      const { start, end } = this.selected;
      this.unwrap(this.selected);
      return this.add(start, end, label);
    }
    const token = this.tokens[this.cursor];
    if (token) return this.add(token.start, token.end, label);
  }

  // ←/→ move the token cursor; with Shift they extend a range from where it started.
  move(delta, extend) {
    if (!this.tokens.length) return;
    if (extend && this.anchor === null) this.anchor = this.cursor;
    if (!extend) this.anchor = null;
    this.cursor = Math.max(0, Math.min(this.tokens.length - 1, this.cursor + delta));
    this.selected = null;
    this.pending = this.anchor === null ? null : {
      start: this.tokens[Math.min(this.anchor, this.cursor)].start, end: this.tokens[Math.max(this.anchor, this.cursor)].end,
    };
    this.paint();
  }

  // Tab / Shift+Tab: the next or previous span or suggestion after the cursor.
  // Selects the next (or previous) span or suggestion; false past the last (or first) one, with nothing selected,
  // so Tab can leave the text.
  jump(delta) {
    const all = [...this.spans, ...this.suggestions].sort((a, b) => a.start - b.start);
    if (!all.length) return false;
    let here = this.selected ? all.indexOf(this.selected) : all.findIndex((s) => s.start >= (this.tokens[this.cursor]?.start ?? 0));
    if (!this.selected) here = here < 0 ? all.length : here - (delta > 0 ? 1 : 0);
    const target = here + delta;
    if (target < 0 || target >= all.length) {
      this.selected = null;
      this.paint();
      return false;
    }
    this.select(all[target]);
    return true;
  }

  select(span) {
    this.selected = span;
    this.pending = null;
    this.anchor = null;
    const token = this.tokens.findIndex((t) => t.end > span.start);
    if (token >= 0) this.cursor = token;
    this.paint();
  }

  // The suggestion under the cursor, or the selected one.
  suggestionHere() {
    if (this.selected && this.selected.suggestion) return this.selected;
    const token = this.tokens[this.cursor];
    return token && this.suggestions.find((s) => s.start < token.end && token.start < s.end);
  }

  // A mouse selection becomes a span: snapped to whole tokens (Shift: exact characters), labelled with the last
  // type used, or waiting for a type key. A click on a mark selects it.
  mouseUp(event) {
    const selection = window.getSelection();
    if (!selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    if (range.collapsed) {
      const mark = event.target.closest && event.target.closest("mark");
      if (mark) {
        const segment = this.segments.find((s) => s.node === mark);
        if (segment) this.select(segment.span);
      }
      return;
    }
    let start = this.pointOf(range.startContainer, range.startOffset);
    let end = this.pointOf(range.endContainer, range.endOffset);
    selection.removeAllRanges();
    if (start === null || end === null) return;
    if (!event.shiftKey) {
      const first = this.tokens.find((t) => t.end > start);
      const last = [...this.tokens].reverse().find((t) => t.start < end);
      if (!first || !last || first.start >= last.end) return;
      start = first.start;
      end = last.end;
    } else {
      while (start < end && !this.map.slice(start, start + 1).trim()) start++;
      while (end > start && !this.map.slice(end - 1, end).trim()) end--;
    }
    if (end <= start) return;
    if (this.lastType) return this.add(start, end, this.lastType);
    this.selected = null;
    this.pending = { start, end };
    this.paint();
    this.onMessage("Press a type's key to mark the selection");
  }

  // The code point a DOM position stands for, or null outside the text.
  pointOf(node, offset) {
    if (node === this.container) {
      const segment = this.segments[offset];
      return segment ? segment.start : this.map.length;
    }
    const owner = node.nodeType === Node.TEXT_NODE ? (node.parentNode === this.container ? node : node.parentNode) : node;
    const segment = this.segments.find((s) => s.node === owner);
    if (!segment) return null;
    if (node.nodeType !== Node.TEXT_NODE) return offset === 0 ? segment.start : segment.end;
    return this.map.toPoint(this.map.toUnit(segment.start) + offset);
  }

  // A DOM position for code point `point`, for highlight ranges.
  position(point) {
    const segment = this.segments[this.segmentAt(point)];
    const node = segment.span ? segment.node.firstChild : segment.node;
    return { node, offset: this.map.toUnit(Math.min(point, segment.end)) - this.map.toUnit(segment.start) };
  }

  paint() {
    this.container.querySelectorAll("mark.selected").forEach((m) => m.classList.remove("selected"));
    if (this.selected) {
      for (const segment of this.segments) {
        if (segment.span && segment.start >= this.selected.start && segment.end <= this.selected.end) segment.node.classList.add("selected");
      }
    }
    if (typeof CSS === "undefined" || !CSS.highlights) return;
    const range = (start, end) => {
      const r = new Range();
      const a = this.position(start), b = this.position(end);
      r.setStart(a.node, a.offset);
      r.setEnd(b.node, b.offset);
      return r;
    };
    const token = this.tokens[this.cursor];
    if (token && !this.selected) CSS.highlights.set("token-cursor", new Highlight(range(token.start, token.end)));
    else CSS.highlights.delete("token-cursor");
    if (this.pending) CSS.highlights.set("span-pending", new Highlight(range(this.pending.start, this.pending.end)));
    else CSS.highlights.delete("span-pending");
  }

  changed() {
    this.paint();
    this.onChange(this.spans.map(({ start, end, label, text }) => ({ start, end, label, text })));
  }
}

function overlaps(a, b) { return a.start < b.end && b.start < a.end; }
