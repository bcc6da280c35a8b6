import sharp from 'sharp';
import type { Box, Frame } from '../shared/types.js';

/** Faces a face detector finds in `region` of `frame` (frame pixels): the search for the faces handed to a snapshot. */
export type FaceFinder = (frame: Frame, region: Box) => Promise<readonly Box[]>;

/**
 * Every face a face detector finds anywhere in `picture` (picture pixels): in the agent, vision's
 * `FaceDetector.search`, BlazeFace over the whole picture at the zooms where it finds the smallest faces it can find
 * at all (agent/vision/face-search.ts). The check every snapshot passes.
 */
export type FaceSearch = (picture: Frame) => Promise<readonly Box[]>;

/**
 * Every face `search` finds in the encoded picture `jpeg`, decoded: the check a snapshot passes before it may leave
 * the process, made on the very bytes that would leave.
 */
export async function facesInJpeg(jpeg: Buffer, search: FaceSearch): Promise<readonly Box[]> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`face check: decoded snapshot has ${info.channels} channels`);
  const picture: Frame = {
    cameraId: 'snapshot-check',
    seq: 0,
    ts: 0,
    wallTs: 0,
    width: info.width,
    height: info.height,
    format: info.channels === 1 ? 'gray' : 'rgb24',
    pixels: data,
  };
  return search(picture);
}
