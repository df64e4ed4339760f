// A small W3C WebDriver client over fetch, and the tauri-driver process it talks to.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts tauri-driver on loopback ports; `env` reaches the app it launches. */
export async function startDriver(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const child = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  // tauri-driver gives no readiness signal; its /status answers once it listens.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/status`)).ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error('tauri-driver did not start within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

async function request(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) {
    throw new Error(`${method} ${url}: ${json.value?.error}: ${json.value?.message}`);
  }
  return json.value;
}

/** Starts the simulator binary (`cargo build -p provider-sim`) on a free port of 127.0.0.1;
 * resolves once it prints the address it listens on. */
export async function startSimulator(args = []) {
  const binary = resolve(import.meta.dirname, '../../target/debug/provider-sim');
  const child = spawn(binary, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { process: child, url: line.match(/listening on (\S+)/)[1] };
}

export class Session {
  static async start(driverUrl, application, artifactsDir) {
    const value = await request('POST', `${driverUrl}/session`, {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    const session = new Session(`${driverUrl}/session/${value.sessionId}`, artifactsDir);
    // Finding an element waits up to this long for it to appear: the wait is on the DOM,
    // never a fixed sleep.
    await request('POST', `${session.base}/timeouts`, { implicit: 15_000 });
    return session;
  }

  constructor(base, artifactsDir) {
    this.base = base;
    this.artifactsDir = artifactsDir;
  }

  async find(css) {
    const value = await request('POST', `${this.base}/element`, { using: 'css selector', value: css });
    return new Element(this, value[ELEMENT]);
  }

  async findAll(css) {
    const values = await request('POST', `${this.base}/elements`, { using: 'css selector', value: css });
    return values.map((v) => new Element(this, v[ELEMENT]));
  }

  async execute(script, args = []) {
    return request('POST', `${this.base}/execute/sync`, { script, args });
  }

  /** Resolves once the page has painted two more frames. */
  nextFrame() {
    return request('POST', `${this.base}/execute/async`, {
      script: 'const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));',
      args: [],
    });
  }

  /** Saves a PNG of the window once two frames have painted the latest DOM. */
  async screenshot(name) {
    await this.nextFrame();
    const png = await request('GET', `${this.base}/screenshot`);
    mkdirSync(this.artifactsDir, { recursive: true });
    writeFileSync(join(this.artifactsDir, `${name}.png`), Buffer.from(png, 'base64'));
  }

  /** Replaces the text of the input with this data-testid, typing like a person. */
  async fill(testid, text) {
    const input = await this.find(`[data-testid="${testid}"]`);
    await input.clear();
    await input.type(text);
  }

  /** Waits until `check` returns something truthy and returns it, checking once per frame:
   * the DOM is the signal, never a fixed sleep. */
  async waitUntil(what, check, seconds = 90) {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const result = await check();
      if (result) return result;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await this.nextFrame();
    }
  }

  /** Ends the session and waits until the app has exited: the app is single-instance, so a
   * window started while the last one is still shutting down would hand over to it and fail. */
  async end() {
    await request('DELETE', this.base);
    const deadline = Date.now() + 30_000;
    while (appRunning()) {
      if (Date.now() > deadline) throw new Error('the app did not exit within 30 s of ending its session');
      // Polls the condition; a process exit has no event to wait on from here.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Whether a Freshboard app process is alive (Linux /proc; zombies do not count). */
function appRunning() {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (/^Name:\s+freshboard$/m.test(status) && !/^State:\s+Z/m.test(status)) return true;
    } catch {
      // It ended while we looked.
    }
  }
  return false;
}

class Element {
  constructor(session, id) {
    this.id = id;
    this.url = `${session.base}/element/${id}`;
  }
  /** The element as an argument to `Session.execute`. */
  ref() {
    return { [ELEMENT]: this.id };
  }
  click() {
    return request('POST', `${this.url}/click`, {});
  }
  type(text) {
    return request('POST', `${this.url}/value`, { text });
  }
  clear() {
    return request('POST', `${this.url}/clear`, {});
  }
  text() {
    return request('GET', `${this.url}/text`);
  }
}
