// The 24h / 7d / 30d switch.
import { RANGES, type Range } from '../lib/range.js';

export function RangePicker({ value, onChange }: { value: Range; onChange: (r: Range) => void }) {
  return (
    <div class="segmented" role="group" aria-label="Time range">
      {RANGES.map((r) => (
        <button type="button" key={r} aria-pressed={r === value} class={r === value ? 'on' : ''} onClick={() => onChange(r)}>
          {r}
        </button>
      ))}
    </div>
  );
}
