/** The errors of loading and running an ONNX model: each message is one line a user can act on. */
export class InferenceInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceInputError';
  }
}
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}
