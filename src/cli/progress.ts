// A one-line progress bar for long operations (replay, import). Redraws in place on a terminal; elsewhere prints a
// line at most every few seconds so logs stay readable.
export class ProgressBar {
  private lastLine = 0;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number): void {
    const ratio = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
    const width = 30;
    const filled = Math.round(ratio * width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
    if (this.out.isTTY) this.out.write(`\r${line}`);
    else if (Date.now() - this.lastLine > 2000 || ratio === 1) {
      this.out.write(`${line}\n`);
      this.lastLine = Date.now();
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
