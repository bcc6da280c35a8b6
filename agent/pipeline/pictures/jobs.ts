/**
 * The messages between the agent and its snapshot worker (a child process, see worker.ts): plain data that crosses
 * the IPC channel (V8 serialisation, so pixel buffers travel as bytes, not JSON).
 */
import type { RuleOverlay } from '../../events/index.js';
import type { Box, PixelFormat } from '../../shared/types.js';

/** What a picture is for, in the order the worker serves them when it cannot serve all. */
export type PictureJobKind = 'snapshot' | 'context' | 'preview';

/** Lower serves first; a full queue makes room by dropping the highest. */
export const PICTURE_PRIORITY: Readonly<Record<PictureJobKind, number>> = { snapshot: 0, context: 1, preview: 2 };

/** The frame a picture is made of (the pipeline's own frame: never modified, copied once over IPC). */
export interface PictureFrame {
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  readonly pixels: Uint8Array;
}

export interface PictureJob {
  readonly kind: PictureJobKind;
  readonly cameraId: string;
  readonly frame: PictureFrame;
  /** The people the picture is about (cropped to, for a snapshot); empty for a whole-frame picture. */
  readonly people: readonly Box[];
  /** Every other person in the frame: their heads are pixelated too. */
  readonly others: readonly Box[];
  /** JPEG quality 1..100. */
  readonly quality: number;
  /** Where the worker writes the picture (file name inside `dir`); absent: the bytes come back (previews). */
  readonly file?: { readonly dir: string; readonly name: string };
  /** For a context picture: the rule to draw and the moments around the frame (small copies, oldest first). */
  readonly context?: {
    readonly overlay: RuleOverlay;
    readonly strip: readonly { readonly width: number; readonly height: number; readonly pixels: Uint8Array; readonly persons: readonly Box[]; readonly offsetMs: number }[];
  };
}

/** The worker's answer for one job. */
export type PictureReply =
  | {
      readonly ok: true;
      readonly sha256: string;
      readonly bytes: number;
      readonly w: number;
      readonly h: number;
      /** The JPEG, for a job without `file`. */
      readonly jpeg?: Uint8Array;
      /** Regions the privacy check found and pixelated on top of the faces and heads. */
      readonly checkBlurred: number;
      /** CPU the worker spent on it (render, face search, privacy check, encode, write), ms. */
      readonly cpuMs: number;
    }
  | { readonly ok: false; readonly error: string };

/** Parent → worker. */
export interface JobMessage {
  readonly id: number;
  readonly job: PictureJob;
}

/** Worker → parent: a reply to job `id`, or `ready` once the models are loaded. */
export type WorkerMessage = { readonly id: number; readonly reply: PictureReply } | { readonly ready: true } | { readonly fatal: string };
