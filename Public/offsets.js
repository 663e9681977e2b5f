// Offsets cross one boundary only: here. The API counts Unicode code points (Python str indices); the browser
// counts UTF-16 code units. An OffsetMap converts both ways for one text, so a span never drifts on emoji,
// flags, CJK outside the BMP or combining marks.
export class OffsetMap {
  constructor(text) {
    this.text = text;
    const units = [];          // code point index → UTF-16 index
    let unit = 0;
    for (const character of text) {   // iterates by code point
      units.push(unit);
      unit += character.length;
    }
    units.push(unit);
    this.units = Int32Array.from(units);
    this.length = units.length - 1;  // in code points
  }

  // UTF-16 index of code point `point` (clamped to the text).
  toUnit(point) {
    return this.units[Math.max(0, Math.min(this.length, point))];
  }

  // Code point index of UTF-16 index `unit`; a unit inside a surrogate pair rounds down to its code point.
  toPoint(unit) {
    let low = 0, high = this.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.units[mid] <= unit) low = mid; else high = mid - 1;
    }
    return low;
  }

  // The text of code points [start, end).
  slice(start, end) {
    return this.text.slice(this.toUnit(start), this.toUnit(end));
  }
}

export function codePointLength(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// Word-like tokens of a text as [start, end) in code points (Intl.Segmenter: emoji sequences and CJK stay whole).
export function tokens(map) {
  const out = [];
  const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
  for (const segment of segmenter.segment(map.text)) {
    if (!segment.segment.trim()) continue;
    out.push({ start: map.toPoint(segment.index), end: map.toPoint(segment.index + segment.segment.length) });
  }
  return out;
}
