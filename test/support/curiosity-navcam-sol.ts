import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SAMPLE } from '../../src/timelapse/sample.ts';
import { nasaFixtures } from './temp.ts';

/**
 * A Curiosity Navcam sol, DERIVED for tests (no public recording of a whole Navcam sol exists):
 * the feed items copy every field of the real recorded raw_image_items item
 * (raw-feeds/msl_raw_image_items_sol1489.json: `sample_type` under `extended`, `https_url` beside
 * `url`) and change only the image's own values; file names follow NASA's engineering-camera
 * convention (`NLB_<sclk>EDR_<F|S|D|T>...NCAM00545M_`); the pixels are the sample's derived frames.
 * The sol mixes what a real Navcam sol holds: left and right full frames taken in pairs, left
 * subframes, thumbnails and right downsampled frames, listed in no particular order.
 */
export const NAVCAM_SOL = 1000;

type SampleLetter = 'F' | 'S' | 'D' | 'T';
const SAMPLE_TYPES: Record<SampleLetter, string> = { F: 'full', S: 'subframe', D: 'downsampled', T: 'thumbnail' };

export interface Exposure {
  id: number;
  classicId: number;
  stem: string;
  eye: 'left' | 'right';
  sampleType: string;
  sclk: number;
  takenAt: string;
  fileName: string;
}

/** Seconds on the spacecraft clock to UTC (MSL's epoch; clock drift ignored, as in the derived sol-0 feed). */
function sclkToUtc(sclk: number): string {
  return new Date(Date.parse('2000-01-01T11:58:55.816Z') + sclk * 1000).toISOString();
}

function exposures(): Exposure[] {
  const out: Exposure[] = [];
  const add = (eye: 'left' | 'right', letter: SampleLetter, sclk: number) => {
    const stem = `N${eye === 'left' ? 'L' : 'R'}B_${sclk}EDR_${letter}0541610NCAM00545M_`;
    out.push({ id: 600_000 + out.length, classicId: 800_000 + out.length, stem, eye, sampleType: SAMPLE_TYPES[letter], sclk, takenAt: sclkToUtc(sclk), fileName: `${stem}.JPG` });
  };
  for (let i = 0; i < 8; i++) {
    const sclk = 486_300_000 + i * 60;
    add('right', 'F', sclk);
    add('left', 'F', sclk);
    add('left', 'T', sclk);
    if (i % 3 === 1) add('left', 'S', sclk + 20);
    if (i % 4 === 2) add('right', 'D', sclk + 30);
  }
  return out;
}

export const NAVCAM_EXPOSURES = exposures();

/** What the must-show test expects: the sol's full-size left-eye frames, in the order taken. */
export const LEFT_FULL_IDS = NAVCAM_EXPOSURES.filter((e) => e.eye === 'left' && e.sampleType === 'full')
  .sort((a, b) => a.sclk - b.sclk)
  .map((e) => e.stem);

function mslUrl(exposure: Exposure, scheme: 'http' | 'https'): string {
  return `${scheme}://mars.jpl.nasa.gov/msl-raw-images/proj/msl/redops/ods/surface/sol/0${NAVCAM_SOL}/opgs/edr/ncam/${exposure.fileName}`;
}

/**
 * Writes `feeds/msl/sol<N>.json` and `images/` into `feedDir`, and the classic API's answer for
 * the same sol (`photos/curiosity_sol<N>.json`, thumbnails left out as the classic API did) into
 * `classicDir`.
 */
export async function writeNavcamSol(feedDir: string, classicDir: string): Promise<void> {
  const recorded = JSON.parse(await readFile(path.join(nasaFixtures, 'raw-feeds', 'msl_raw_image_items_sol1489.json'), 'utf8')) as {
    items: Array<Record<string, unknown> & { extended: Record<string, unknown> }>;
  };
  const template = recorded.items[0]!;
  const items = NAVCAM_EXPOSURES.map((e) => ({
    ...template,
    id: e.id,
    imageid: e.stem,
    sol: NAVCAM_SOL,
    instrument: e.eye === 'left' ? 'NAV_LEFT_B' : 'NAV_RIGHT_B',
    url: mslUrl(e, 'http'),
    https_url: mslUrl(e, 'https'),
    link: `/raw_images/${e.id}`,
    date_taken: e.takenAt,
    extended: { ...template.extended, url_list: mslUrl(e, 'http'), sample_type: e.sampleType },
  }));
  await mkdir(path.join(feedDir, 'feeds', 'msl'), { recursive: true });
  await writeFile(path.join(feedDir, 'feeds', 'msl', `sol${NAVCAM_SOL}.json`), JSON.stringify({ items, more: false, total: items.length, page: 0, per_page: 100 }));

  const frames = (await readdir(path.join(SAMPLE.dir, 'images'))).sort();
  await mkdir(path.join(feedDir, 'images'), { recursive: true });
  for (const [i, e] of NAVCAM_EXPOSURES.entries()) {
    await copyFile(path.join(SAMPLE.dir, 'images', frames[i % frames.length]!), path.join(feedDir, 'images', e.fileName));
  }

  const photos = NAVCAM_EXPOSURES.filter((e) => e.sampleType !== 'thumbnail').map((e) => ({
    id: e.classicId,
    sol: NAVCAM_SOL,
    camera: { id: 21, name: 'NAVCAM', rover_id: 5, full_name: 'Navigation Camera' },
    img_src: mslUrl(e, 'http'),
    earth_date: e.takenAt.slice(0, 10),
    rover: { id: 5, name: 'Curiosity', landing_date: '2012-08-06', launch_date: '2011-11-26', status: 'active' },
  }));
  await mkdir(path.join(classicDir, 'photos'), { recursive: true });
  await writeFile(path.join(classicDir, 'photos', `curiosity_sol${NAVCAM_SOL}.json`), JSON.stringify({ photos }));
}
