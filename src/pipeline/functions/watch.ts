// Watches a function's source files for hot reload. Watches their directories rather than the files, because editors
// often save by writing a new file and renaming it over the old one, which ends a watch on the file itself.
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FileWatch {
  /** Watches this set of files instead (a reload may add or drop imports). */
  update(files: readonly string[]): void;
  close(): void;
}

/** Calls `onChange` once per burst of changes to `files`, `debounceMs` after the last one. */
export function watchFiles(files: readonly string[], onChange: () => void, debounceMs = 100): FileWatch {
  const watchers = new Map<string, FSWatcher>();
  let names = new Map<string, Set<string>>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const changed = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };

  function update(next: readonly string[]): void {
    names = new Map();
    for (const f of next) {
      const dir = dirname(f);
      let set = names.get(dir);
      if (set === undefined) names.set(dir, (set = new Set()));
      set.add(basename(f));
    }
    for (const [dir, w] of watchers) {
      if (!names.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of names.keys()) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          // Some platforms do not report the name: then any change in the directory counts.
          if (filename === null || names.get(dir)?.has(filename.toString())) changed();
        });
        w.on('error', () => {});
        watchers.set(dir, w);
      } catch {
        // A directory that vanished cannot be watched; the next successful reload watches what exists then.
      }
    }
  }

  update(files);
  return {
    update,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
