// A small W3C WebDriver client over fetch, the tauri-driver process it talks to, the
// simulator binary, and node:test's functions as the e2e files use them.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as nodeTest from 'node:test';
import { promisify } from 'node:util';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** FRESHBOARD_E2E_DRY_RUN=1: every file loads and registers its tests, and none runs (no
 * driver, window or simulator starts). scripts/test runs the suite so on another Node. */
export const DRY_RUN = process.env.FRESHBOARD_E2E_DRY_RUN === '1';
const skipped = () => {};
export const test = (name, fn) => nodeTest.test(name, DRY_RUN ? { skip: 'dry run' } : {}, fn);
export const before = (fn) => nodeTest.before(DRY_RUN ? skipped : fn);
export const beforeEach = (fn) => nodeTest.beforeEach(DRY_RUN ? skipped : fn);
// The clean-ups run either way: they stop only what was started, and remove the data folder.
export const after = nodeTest.after;
export const afterEach = nodeTest.afterEach;

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** The children of a process (Linux: /proc/PID/task/TID/children), [] once it is gone. */
function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** Every process below `pid`, depth first. */
function descendantsOf(pid) {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

/** A process's name, start time (clock ticks since boot: with the PID it names one process
 * even after the PID is reused) and whether it still runs; null once it is gone. */
function processInfo(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name is in parentheses and may hold spaces; the fields after it are plain.
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name, state: fields[0], started: fields[19] };
  } catch {
    return null;
  }
}

/** The inodes of the sockets listening on 127.0.0.1:`port` (Linux /proc/net/tcp). */
function listeners(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1] === local && f[3] === '0A')
    .map((f) => f[9]);
}

/** Whether process `pid` holds a socket listening on 127.0.0.1:`port`. */
function listensOn(pid, port) {
  const inodes = new Set(listeners(port));
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1]);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Starts tauri-driver on loopback ports; `env` reaches the app it launches.
 *
 * tauri-driver takes port numbers, not sockets, so a port found free can be taken before it
 * binds it. It is therefore only trusted once this very process listens on its port and its
 * own WebKitWebDriver child on the native one (read from /proc, so a driver someone else runs
 * on that port is never talked to); if either lost its port (tauri-driver exits, or the native
 * driver does), everything started is stopped and new ports are tried, five times at most. */
export async function startDriver(env) {
  for (let attempt = 1; ; attempt++) {
    const started = await tryStartDriver(env);
    if (started.driver) return started.driver;
    if (attempt === 5 || !started.portTaken) throw new Error(`tauri-driver did not start: ${started.reason}`);
    console.log(`tauri-driver lost a port (${started.reason}); trying other ports`);
  }
}

async function tryStartDriver(env) {
  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  // Its own process group, so it and what it starts (WebKitWebDriver, the app) are stopped
  // together by the group's id, even when tauri-driver itself has exited.
  const child = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      output = (output + chunk).slice(-4000);
      process.stderr.write(chunk);
    });
  }
  const exited = once(child, 'exit');
  // Should this test process end without stopping it, the group goes with it.
  const orphaned = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', orphaned);
  const driver = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      // WebKitWebDriver and a window it started outlive a tauri-driver that exited early.
      orphaned();
      process.off('exit', orphaned);
    },
  };
  const lost = async (reason) => {
    await driver.stop();
    // "can not listen to address" (tauri-driver), "Unable to listen for HTTP server" (WebKitWebDriver).
    return { reason, portTaken: /can not listen|unable to listen|address already in use/i.test(output) };
  };
  const deadline = Date.now() + 30_000;
  let native = null;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return lost(`tauri-driver exited: ${output.trim()}`);
    native ??= childrenOf(child.pid).find((pid) => processInfo(pid)?.name === 'WebKitWebDriver') ?? null;
    if (native !== null && !['R', 'S', 'D'].includes(processInfo(native)?.state)) {
      return lost(`WebKitWebDriver exited: ${output.trim()}`);
    }
    if (native !== null && listensOn(child.pid, port) && listensOn(native, nativePort)) {
      // Both ends are ours: /status passes through tauri-driver to WebKitWebDriver.
      try {
        if ((await fetch(`${driver.url}/status`)).ok) return { driver };
      } catch {
        // Not answering yet.
      }
    }
    if (Date.now() > deadline) return lost('it did not answer /status within 30 s');
    // Polls a condition with a deadline; a process binding a port has no event to wait on.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

/** The simulator binary (`cargo build -p provider-sim`), or FRESHBOARD_SIM. */
const SIMULATOR = process.env.FRESHBOARD_SIM ?? resolve(import.meta.dirname, '../../target/debug/provider-sim');

/** Starts the simulator binary on 127.0.0.1, on `port` (0: a free one); resolves once it
 * prints the address it listens on. `stop()` ends it and waits until it has exited. */
export async function startSimulator(args = [], { port = 0 } = {}) {
  const child = spawn(SIMULATOR, ['--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const line = await Promise.race([
    once(lines, 'line').then(([l]) => l),
    exited.then(([code]) => {
      throw new Error(`the simulator exited with ${code} before listening (port ${port})`);
    }),
  ]);
  const url = line.match(/listening on (\S+)/)[1];
  return {
    process: child,
    url,
    port: Number(new URL(url).port),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Runs tests/e2e/x11.py: the app's window as a desktop sees it (close, wait-shown, screenshot). */
export function x11(command, pid, ...args) {
  return promisify(execFile)('/usr/bin/python3', [join(import.meta.dirname, 'x11.py'), command, String(pid), ...args]);
}

export class Session {
  /** Opens a window of `application` through `driver` (from `startDriver`). */
  static async start(driver, application, artifactsDir) {
    // The kernel's name of a process is the first 15 bytes of its binary's name.
    const name = basename(application).slice(0, 15);
    const before = new Set(appProcesses(driver.pid, name).map((p) => p.pid));
    const value = await request('POST', `${driver.url}/session`, {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    const session = new Session(`${driver.url}/session/${value.sessionId}`, artifactsDir);
    // The app this session launched: a process of the driver's own tree, never another
    // Freshboard that happens to run on the machine.
    session.app = appProcesses(driver.pid, name).find((p) => !before.has(p.pid)) ?? null;
    if (session.app === null) throw new Error('the session started, but no app process of this driver was found');
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

  /** Clicks the element `css` finds (waiting for it to appear). */
  async click(css) {
    await (await this.find(css)).click();
  }

  /** Whether something matches `css` now (no wait). */
  exists(css) {
    return this.execute('return document.querySelector(arguments[0]) !== null', [css]);
  }

  /** Picks an option of a select the way a person's choice arrives: value, then a change event. */
  async choose(css, value) {
    const select = await this.find(css);
    await this.execute(
      'const s = arguments[0]; s.value = arguments[1]; s.dispatchEvent(new Event("change", { bubbles: true }));',
      [select.ref(), value],
    );
  }

  /** Runs `script` in the page until it calls its last argument; resolves to what it passed. */
  executeAsync(script, args = []) {
    return request('POST', `${this.base}/execute/async`, { script, args });
  }

  /** Resolves once the page has painted two more frames. */
  nextFrame() {
    return this.executeAsync('const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));');
  }

  /** This session's app process and every process it spawned (its WebKit processes), as
   * `{ pid, name }`: never another Freshboard that happens to run on the machine. */
  processes() {
    return [this.app.pid, ...descendantsOf(this.app.pid)]
      .map((pid) => ({ pid, name: processInfo(pid)?.name }))
      .filter((p) => p.name !== undefined);
  }

  /** When this session's app process started, in epoch milliseconds (to the kernel's 10 ms
   * tick): its start time since boot (/proc/PID/stat, in USER_HZ = 100 ticks a second on
   * Linux) against the uptime now. */
  launchedAt() {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const now = Date.now();
    return now - (uptime - Number(this.app.started) / 100) * 1000;
  }

  /** Saves a PNG of the window once two frames have painted the latest DOM. From the X
   * server's pixels (tests/e2e/x11.py): WebDriver's own screenshot hangs when the webview
   * renders without the GPU, as the app does. */
  async screenshot(name) {
    await this.nextFrame();
    mkdirSync(this.artifactsDir, { recursive: true });
    await x11('screenshot', this.app.pid, join(this.artifactsDir, `${name}.png`));
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
      try {
        await this.nextFrame();
      } catch (e) {
        // A page that reloads cuts off the frame's callback: the next check reads the new page.
        if (!isUnload(e)) throw e;
      }
    }
  }

  /** Ends the session and waits until its app has exited: the app is single-instance, so a
   * window started while the last one is still shutting down would hand over to it and fail. */
  async end() {
    await request('DELETE', this.base);
    const deadline = Date.now() + 30_000;
    while (this.app !== null && isRunning(this.app)) {
      if (Date.now() > deadline) throw new Error(`the app (pid ${this.app.pid}) did not exit within 30 s of ending its session`);
      // Polls the condition; a process exit has no event to wait on from here.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Whether a WebDriver error is a script cut off by the page unloading (a reload). */
export function isUnload(e) {
  return /unload|no such frame/i.test(String(e?.message));
}

/** The app processes called `name` below the driver `pid` (its WebKitWebDriver launches them). */
function appProcesses(pid, name) {
  return descendantsOf(pid)
    .map((p) => ({ pid: p, ...processInfo(p) }))
    .filter((p) => p.name === name && p.state !== 'Z');
}

/** Whether that very process (the PID with its start time) still runs; a zombie does not. */
function isRunning(app) {
  const now = processInfo(app.pid);
  return now !== null && now.started === app.started && now.state !== 'Z';
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
  attribute(name) {
    return request('GET', `${this.url}/attribute/${encodeURIComponent(name)}`);
  }
}
