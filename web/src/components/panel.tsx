// A titled card that shows loading and error states in one place, so views only render data.
import type { ComponentChildren } from 'preact';

interface Props {
  title: string;
  actions?: ComponentChildren;
  error?: Error | undefined;
  loading?: boolean;
  class?: string;
  children?: ComponentChildren;
}

export function Panel(props: Props) {
  return (
    <section class={`panel ${props.class ?? ''}`}>
      <header class="panel-head">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {props.error !== undefined ? <p class="error">{props.error.message}</p> : props.loading ? <p class="muted">Loading…</p> : props.children}
    </section>
  );
}
