// A ranked list with a bar behind each row, proportional to the largest count. Labels are visitor-supplied
// (event names, paths, hosts): always rendered as text.
import { formatCount } from '../lib/format.js';

export interface TopItem {
  label: string;
  count: number;
  href?: string | undefined;
  note?: string | undefined;
}

interface Props {
  items: TopItem[];
  empty: string;
  name: string;
}

export function TopList({ items, empty, name }: Props) {
  if (items.length === 0) return <p class="muted">{empty}</p>;
  const max = Math.max(...items.map((i) => i.count), 1);
  return (
    <ol class="top" data-list={name}>
      {items.map((item, i) => (
        <li key={`${i}:${item.label}`}>
          <span class="top-fill" style={{ width: `${(item.count / max) * 100}%` }} />
          <span class="top-label" title={item.label}>
            {item.href === undefined ? item.label : <a href={item.href}>{item.label}</a>}
            {item.note !== undefined && <span class="top-note">{item.note}</span>}
          </span>
          <span class="top-count">{formatCount(item.count)}</span>
        </li>
      ))}
    </ol>
  );
}
