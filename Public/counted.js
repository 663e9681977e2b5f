// "1 item", "2 items": a count with its noun in the right number.
export function counted(count, noun, plural = noun + "s") {
  return `${count} ${count === 1 ? noun : plural}`;
}
