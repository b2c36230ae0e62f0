// One headline number with a short note under it (change against the previous period, error bars).
interface Props {
  label: string;
  value: string | undefined;
  note?: string | undefined;
  name: string;
}

export function Stat({ label, value, note, name }: Props) {
  return (
    <div class="stat" data-stat={name}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value ?? '…'}</div>
      <div class="stat-note">{note ?? '\u00a0'}</div>
    </div>
  );
}
