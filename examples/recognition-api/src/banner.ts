/** What `npm start` prints once listening: where, with which key, and a curl to paste. */
export function banner(options: {
  host: string;
  port: number;
  storeUrl: string;
  demoApiKey: string;
  /** The local webhook sink's URL, when no SLACK_WEBHOOK_URL is configured. */
  sinkUrl?: string | undefined;
  /** Where clients reach the service when a Breakwater router is in front (BREAKWATER_PUBLIC_URL). */
  publicUrl?: string | undefined;
}): string {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const own = `http://${host}:${options.port}`;
  const url = options.publicUrl ?? own;
  return [
    `recognition-api listening on ${own}` +
      (options.publicUrl === undefined ? '' : ` behind the router at ${options.publicUrl}`),
    `  store:        ${options.storeUrl}`,
    `  demo API key: ${options.demoApiKey}  (org "Acme", user usr_ada)`,
    options.sinkUrl === undefined
      ? '  slack:        SLACK_WEBHOOK_URL'
      : `  slack:        ${options.sinkUrl}  (local webhook sink; set SLACK_WEBHOOK_URL for a real one)`,
    '',
    '  Try it:',
    `    curl -s -X POST ${url}/v1/recognitions \\`,
    `      -H 'Authorization: Bearer ${options.demoApiKey}' \\`,
    `      -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \\`,
    `      -d '{"to":"usr_grace","message":"Thanks for the review!","badges":["teamwork"]}'`,
    `    curl -s '${url}/v1/recognitions?to=usr_grace&limit=10' -H 'Authorization: Bearer ${options.demoApiKey}'`,
    `    curl -s '${url}/v1/quota' -H 'Authorization: Bearer ${options.demoApiKey}'`,
    // the operator CLI reads the same store; a redacted URL (PostgreSQL) is not pasteable
    `    npx breakwater quota usage org_acme --store ${
      options.storeUrl.startsWith('sqlite:') ? options.storeUrl : '<the store URL>'
    }`,
    '',
    '',
  ].join('\n');
}
