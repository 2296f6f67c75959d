// An outside tus 1.0 server for the sync tests: npm's @tus/server with
// @tus/file-store (creation, creation-with-upload, expiration, termination;
// no checksum extension), listening on a free loopback port.
//   node tus-peer.mjs STORE_DIR PORT_FILE [PORT]
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import http from 'node:http';
import fs from 'node:fs';

const [dir, portFile, port] = process.argv.slice(2);
const tus = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
const srv = http.createServer((req, res) => tus.handle(req, res));
srv.listen(Number(port || 0), '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(srv.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => process.exit(0));
