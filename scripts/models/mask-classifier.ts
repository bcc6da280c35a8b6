/** Names shared by the mask classifier's training script and the setup step. */
export const MASK_NAME = 'mask-classifier';
export const MASK_FILE = 'mask-classifier.onnx';
