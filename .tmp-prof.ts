import { runFrameTask } from './src/media/frame-task.ts';
const files = Array.from({length: 40}, (_, i) => `/tmp/cw/seq/f${String(i).padStart(4,'0')}.jpg`);
for (const f of files.slice(0,5)) await runFrameTask({ path: f, limitInputPixels: 1e8, output: {width:1024,height:1024,fit:'letterbox'}, tile:{width:160,height:160} });
const u0 = process.cpuUsage(); const t0 = performance.now();
for (const f of files) await runFrameTask({ path: f, limitInputPixels: 1e8, output: {width:1024,height:1024,fit:'letterbox'}, tile:{width:160,height:160} });
const u = process.cpuUsage(u0);
console.log('wall ms/frame', ((performance.now()-t0)/files.length).toFixed(1), 'cpu ms/frame', ((u.user+u.system)/1000/files.length).toFixed(1));
