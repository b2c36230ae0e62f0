// The settings document analytics.js (analytics-next) fetches from `${cdnURL}/v1/projects/<writeKey>/settings`.
// Pointing its apiHost at us makes the browser send every event here; metrics sampling off keeps it from calling
// Segment's own telemetry endpoint.

export function analyticsJsSettings(writeKey: string, host: string, protocol: string): Record<string, unknown> {
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost: `${host}/v1`,
        protocol: protocol === 'https' ? 'https' : 'http',
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { version: '4.4.7', componentTypes: ['browser'] },
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0, host: `${host}/v1` },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
