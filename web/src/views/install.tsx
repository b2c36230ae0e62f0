// How to add the browser tracker to a site: the snippet, with this server's address filled in.
import { Panel } from '../components/panel.js';

export function trackerSnippet(origin: string): string {
  return `<script async src="${origin}/t.js" data-write-key="YOUR_WRITE_KEY"></script>`;
}

const USAGE = `sluice.track('Signed Up', { plan: 'pro' });
sluice.identify('user-42', { email: 'ada@example.com' });
sluice.page();        // page views are automatic; call this for custom ones
sluice.optOut();      // and sluice.optIn(): kept in this browser`;

export function Install() {
  return (
    <>
      <div class="toolbar">
        <h1>Install the tracker</h1>
      </div>
      <Panel title="1. Add the script to every page">
        <p>
          Put this in the <code>&lt;head&gt;</code> of your site, with a write key from <code>sluice.yaml</code> (or the one Sluice printed at
          start-up). It records page views, including single-page-app navigation, with UTM parameters; under 3 KB gzipped.
        </p>
        <pre class="code" data-snippet="tracker">{trackerSnippet(location.origin)}</pre>
      </Panel>
      <Panel title="2. Send your own events">
        <pre class="code">{USAGE}</pre>
        <p class="muted">
          Visitors with Do Not Track or Global Privacy Control are not tracked unless they opt in; add <code>data-honor-dnt="false"</code> to change
          that. See docs/tracker.md.
        </p>
      </Panel>
    </>
  );
}
