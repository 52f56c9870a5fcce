import { startContainer } from './helpers/podman.js';
const a = await startContainer({ image: 'alpine-like', page: 'hello from musl' });
const b = await startContainer({ image: 'glibc-no-node', page: 'hello from glibc' });
console.log(a.name, b.name);
process.exit(0);
