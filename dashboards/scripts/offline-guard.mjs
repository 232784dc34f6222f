/**
 * Preloaded (NODE_OPTIONS=--import) into every Node process of a dashboards build: a connection to
 * anything but this machine is refused at once and recorded, so `evidence sources` and
 * `evidence build` cannot hang on a download (DuckDB extensions, telemetry) and a test can prove
 * that nothing left 127.0.0.1. DASHBOARDS_OFFLINE_LOG names the file that records each process the
 * guard loaded into and each refused connection.
 */
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const logFile = process.env.DASHBOARDS_OFFLINE_LOG;
const record = (line) => {
  if (logFile) appendFileSync(logFile, `${line}\n`);
};
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** The host of net.Socket#connect's arguments (options object, or port then host); undefined for a unix socket. */
function hostOf(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  // An HTTPS request's options carry its URL path too: a host, when there is one, wins over `path` (a unix socket).
  if (first !== null && typeof first === 'object') return first.host ?? (first.path !== undefined ? undefined : 'localhost');
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined;
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = hostOf(args);
  if (host !== undefined && !LOOPBACK.test(host)) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const port = typeof first === 'object' && first !== null ? first.port : first;
    record(`refused pid=${process.pid} ${host}:${port}`);
    const error = Object.assign(new Error(`offline dashboards build: connection to ${host}:${port} refused (only 127.0.0.1 is reachable)`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};
record(`loaded pid=${process.pid}`);
