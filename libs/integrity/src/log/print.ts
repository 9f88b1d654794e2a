import * as QRCode from 'qrcode';
import { encodePrinted, printable, printedText } from '@ledger/contracts/log-print';
import type { Checkpoint } from './checkpoint';

/*
 * The printed proof (docs/trust-model.md "Print the proof"): the lines and the QR code that go at the foot
 * of a 督查通报. Error correction M: a photo of a printed page taken by a phone, slightly soiled, still reads.
 */
export interface PrintedProof {
  /** The LCP1 payload the QR code carries. */
  payload: string;
  /** The readable lines, the payload on the last (校验码). */
  text: string;
}

export function printCheckpoint(cp: Checkpoint): PrintedProof {
  const p = printable(cp);
  return { payload: encodePrinted(p), text: printedText(p) };
}

const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

export function checkpointQrSvg(payload: string): Promise<string> {
  return QRCode.toString(payload, { ...QR_OPTIONS, type: 'svg' });
}

export function checkpointQrPng(payload: string, scale = 6): Promise<Buffer> {
  return QRCode.toBuffer(payload, { ...QR_OPTIONS, type: 'png', scale });
}
