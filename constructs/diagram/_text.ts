/** Text of the pictures' labels, shared by the renderers. */
import { DiagramNode } from './flow-diagram';

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(w => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** A node's details, without a role that only repeats its title (`Tempo distributor` under `tempo-distributor`). */
export function visibleDetails(n: DiagramNode): readonly string[] {
  const plain = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return n.details.filter((d, i) => i > 0 || plain(d) !== plain(n.label));
}
