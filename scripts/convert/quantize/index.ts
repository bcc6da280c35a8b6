// The quantiser's public face: plan, calibrate, write the QDQ model (see README.md).
export { planQdq, quantizeQdq, QUANTIZABLE_OP_TYPES, type QdqOptions, type QdqPlan, type QdqReport } from './qdq.js';
export { calibrate, exposeTensors, type CalibrationMethod, type CalibrateOptions, type Feeds } from './calibrate.js';
export { uint8Params, quantizeWeightsPerChannel, quantizeBias, roundHalfEven, type TensorRange } from './quant-math.js';
export { meanToGlobalAveragePool, reduceMeanInputs, tensorRanks } from './rewrite-means.js';
