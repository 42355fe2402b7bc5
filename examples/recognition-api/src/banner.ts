/** What `npm start` prints once listening: where, with which key, and a curl to paste. */
export function banner(options: {
  host: string;
  port: number;
  storeUrl: string;
  demoApiKey: string;
}): string {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${options.port}`;
  return [
    `recognition-api listening on ${url}`,
    `  store:        ${options.storeUrl}`,
    `  demo API key: ${options.demoApiKey}  (org "Acme", user usr_ada)`,
    '',
    '  Try it:',
    `    curl -s -X POST ${url}/v1/recognitions \\`,
    `      -H 'Authorization: Bearer ${options.demoApiKey}' \\`,
    `      -H 'Content-Type: application/json' \\`,
    `      -d '{"to":"usr_grace","message":"Thanks for the review!","badges":["teamwork"]}'`,
    `    curl -s '${url}/v1/recognitions?to=usr_grace&limit=10' -H 'Authorization: Bearer ${options.demoApiKey}'`,
    '',
    '',
  ].join('\n');
}
