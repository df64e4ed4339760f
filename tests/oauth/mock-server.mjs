// A real OAuth 2.0 server on loopback for the engine's sign-in test: the npm package
// oauth2-mock-server (installed with the UI's dev dependencies). Prints its issuer URL on
// one line, then serves until stdin closes (the test process ends) or SIGTERM.
const { OAuth2Server } = await import(new URL('../../ui/node_modules/oauth2-mock-server/dist/index.mjs', import.meta.url));

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
await server.start(0, '127.0.0.1');
// It names itself "localhost"; the app talks to 127.0.0.1 only.
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
console.log(server.issuer.url);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
