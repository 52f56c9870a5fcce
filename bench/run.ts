/**
 * npm run bench [NAME…]: runs the benchmarks and prints their tables (copy them into
 * docs/benchmarks.md with the date and this command). Exits 1 when a budget is missed.
 */
import { benchPlan, reportPlan } from './plan.js';
import { benchMesh, MESH_GROUPS, meshGroups, reportMesh } from './mesh.js';
import { benchReload, reportReload } from './reload.js';
import { benchBootstrap, reportBootstrap } from './bootstrap.js';
import { benchShellRoute, reportShellRoute } from './bootstrap-shell.js';
import { benchDns, reportDns } from './dns.js';
import { benchProxy, reportProxy } from './proxy.js';
import { benchSoak, reportSoak, soakOptions } from './soak.js';
import { benchUdp, reportUdp } from './udp.js';
import { benchAccounting, reportAccounting } from './accounting.js';
import { benchAccountingInstructions, reportAccountingInstructions } from './accounting-instructions.js';
import { benchDiscover, reportDiscover } from './discover.js';

// Names only: options such as soak's `--minutes 3` (and their values) are not benchmarks.
// The mesh's groups (`mesh rr`) choose within it and are not benchmarks themselves.
const words = process.argv.slice(2).filter((a) => /^[a-z][a-z-]*$/.test(a));
const isGroup = (a: string): boolean => (MESH_GROUPS as readonly string[]).includes(a);
const wanted = new Set(words.filter((a) => !isGroup(a)));
// Only groups (`npm run bench -- rr`): they can only mean the mesh.
if (wanted.size === 0 && words.some(isGroup)) wanted.add('mesh');
const want = (name: string) => wanted.size === 0 || wanted.has(name);
let missed = false;

if (want('plan')) {
  const r = benchPlan();
  console.log(`## plan\n\n${reportPlan(r)}\n`);
  if (r.ratio3 > 1.5 || r.ratio1000 > 2) missed = true;
}

if (want('mesh')) {
  const r = await benchMesh(meshGroups(words));
  console.log(`## mesh\n\n${reportMesh(r)}\n`);
  if ('allMet' in r && !r.allMet) missed = true;
}

if (want('udp')) {
  console.log(`## udp\n\n${reportUdp(await benchUdp())}\n`);
}

if (want('reload')) {
  const r = await benchReload();
  console.log(`## reload\n\n${reportReload(r)}\n`);
  if (r.missed.length) missed = true;
}

if (want('dns')) {
  const r = await benchDns();
  console.log(`## dns\n\n${reportDns(r)}\n`);
  if ('met' in r && !r.met) missed = true;
}

if (want('proxy')) {
  const r = await benchProxy();
  console.log(`## proxy\n\n${reportProxy(r)}\n`);
  if ('met' in r && !r.met) missed = true;
}

if (want('accounting')) {
  const r = await benchAccounting();
  console.log(`## accounting\n\n${reportAccounting(r)}\n`);
  if (!r.met) missed = true;
}

// Minutes under valgrind: only when asked for by name (`npm run bench -- accounting-instructions`).
if (wanted.has('accounting-instructions')) {
  const r = await benchAccountingInstructions();
  console.log(`## accounting-instructions\n\n${reportAccountingInstructions(r)}\n`);
  if ('met' in r && !r.met) missed = true;
}

if (want('discover')) {
  const r = await benchDiscover();
  console.log(`## discover\n\n${reportDiscover(r)}\n`);
  if (!r.met) missed = true;
}

if (want('bootstrap')) {
  const r = await benchBootstrap();
  console.log(`## bootstrap\n\n${reportBootstrap(r)}\n`);
}

if (want('bootstrap-shell')) {
  const r = await benchShellRoute();
  console.log(`## bootstrap-shell\n\n${reportShellRoute(r)}\n`);
}

// Minutes long: only when asked for by name (`npm run bench -- soak`).
if (wanted.has('soak')) {
  const r = await benchSoak(soakOptions(process.argv.slice(2)));
  console.log(`## soak\n\n${reportSoak(r)}\n`);
  if ('verdict' in r && !r.verdict.ok) missed = true;
}

process.exitCode = missed ? 1 : 0;
